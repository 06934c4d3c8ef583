using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace RnnGen.Benchmarks;

/// <summary>
/// One batch-1 <c>Step</c> (input 10, one output) of a float32 model against its
/// <c>WeightPrecision = RnnPrecision.BFloat16</c> twin with the same weights, LSTM and GRU at hidden 128 and 256.
/// The float32 Step is the baseline, so Ratio is the bfloat16 twin's time as a fraction of it. At these sizes a step
/// streams 0.2–1.1 MB of weights from L2/L3; the twin streams half the bytes and widens them in registers.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByParams)]
public class BFloat16Benchmarks
{
    private IRnnModel _float32 = null!;
    private IRnnModel _bfloat16 = null!;
    private float[] _x = [];
    private readonly float[] _y = new float[Models.Output];

    /// <summary>The cell.</summary>
    [Params("Lstm", "Gru")]
    public string Cell { get; set; } = "Lstm";

    /// <summary>Hidden units.</summary>
    [Params(128, 256)]
    public int Hidden { get; set; }

    /// <summary>Creates both models with the same float32 weights (seed 42) and the input.</summary>
    [GlobalSetup]
    public void Setup()
    {
        switch (Cell, Hidden)
        {
            case ("Lstm", 128): _float32 = new LstmH128(42); _bfloat16 = new LstmH128BFloat16(42); break;
            case ("Lstm", 256): _float32 = new LstmH256(42); _bfloat16 = new LstmH256BFloat16(42); break;
            case ("Gru", 128): _float32 = new GruH128(42); _bfloat16 = new GruH128BFloat16(42); break;
            case ("Gru", 256): _float32 = new GruH256(42); _bfloat16 = new GruH256BFloat16(42); break;
            default: throw new ArgumentException($"no model {Cell} {Hidden}");
        }

        if (!_float32.Parameters.SequenceEqual(_bfloat16.Parameters))
            throw new InvalidOperationException("The twins must hold the same float32 parameters.");
        _x = Models.RandomArray(Models.Input, seed: 1);
    }

    /// <summary>One step reading float32 weights.</summary>
    [Benchmark(Baseline = true)]
    public void Float32Step() => _float32.Step(_x, _y);

    /// <summary>One step reading the bfloat16 copy (FMA in float32).</summary>
    [Benchmark]
    public void BFloat16Step() => _bfloat16.Step(_x, _y);
}
