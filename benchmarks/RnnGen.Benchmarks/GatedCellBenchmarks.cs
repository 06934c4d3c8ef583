using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace RnnGen.Benchmarks;

/// <summary>
/// Generated LSTM and GRU at batch 1, input 10, one output: one <c>Step</c>, <c>Forward</c> over 32 steps and
/// <c>TrainStep</c> over a 32-step window with Adam. The per-step baseline is the same model's <c>Step</c>,
/// so Ratio reads as "Forward/TrainStep cost in Steps"; peers (TorchSharp, ONNX Runtime) belong to the
/// heavy-peers project.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByParams)]
public class GatedCellBenchmarks
{
    private IRnnModel _model = null!;
    private Adam _adam = null!;
    private float[] _x = [];
    private readonly float[] _y = new float[Models.Output];
    private float[] _inputs = [];
    private float[] _targets = [];
    private readonly float[] _outputs = new float[Models.Window * Models.Output];

    /// <summary>The cell.</summary>
    [Params("Lstm", "Gru")]
    public string Cell { get; set; } = "Lstm";

    /// <summary>Hidden units.</summary>
    [Params(64, 128)]
    public int Hidden { get; set; }

    /// <summary>Creates the model and its data.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _model = (Cell, Hidden) switch
        {
            ("Lstm", 64) => new LstmH64(42),
            ("Lstm", 128) => new LstmH128(42),
            ("Gru", 64) => new GruH64(42),
            ("Gru", 128) => new GruH128(42),
            _ => throw new ArgumentException($"no model {Cell} {Hidden}"),
        };
        _adam = new Adam(ParameterCount(), learningRate: 1e-4f);
        _x = Models.RandomArray(Models.Input, seed: 1);
        _inputs = Models.RandomArray(Models.Window * Models.Input, seed: 2);
        _targets = Models.RandomArray(Models.Window * Models.Output, seed: 3);
    }

    private int ParameterCount() => _model switch
    {
        LstmH64 => LstmH64.ParameterCount,
        LstmH128 => LstmH128.ParameterCount,
        GruH64 => GruH64.ParameterCount,
        _ => GruH128.ParameterCount,
    };

    /// <summary>One step (interface call, as generic code would make it).</summary>
    [Benchmark(Baseline = true)]
    public void Step() => _model.Step(_x, _y);

    /// <summary>32 steps in one call.</summary>
    [Benchmark]
    public void Forward32()
    {
        _model.ResetState();
        _model.Forward(_inputs, _outputs);
    }

    /// <summary>One training step: forward, BPTT over 32 steps, clipping and Adam.</summary>
    [Benchmark]
    public float TrainStep32() => _model.TrainStep(_inputs, _targets, _adam);
}
