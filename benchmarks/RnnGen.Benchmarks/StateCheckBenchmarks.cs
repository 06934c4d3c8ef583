using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// What <c>State.IsFinite</c> costs next to the step it guards: one vectorized pass over the state buffer (h and c of every
/// layer, with their SIMD padding). LSTM states are the largest of a cell's size (h and c), so these are the upper end
/// for each hidden size: LSTM 64 (128 floats), LSTM 256 (512 floats), and LSTM 256 with 4 layers (2048 floats). The
/// baseline is one LSTM 64 step of the model's own state; Ratio is the check's cost in steps.
/// </summary>
[MemoryDiagnoser]
public class StateCheckBenchmarks
{
    private readonly LstmH64 _model = new(42);
    private readonly float[] _x = Models.RandomArray(Models.Input, seed: 1);
    private readonly float[] _y = new float[Models.Output];
    private LstmH64.State _h64;
    private LstmH256.State _h256;
    private Lstm4LayersH256.State _h256x4;

    /// <summary>States that have run a few steps (all values finite, none zero), so the scan reads real numbers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var h256 = new LstmH256(42);
        var h256x4 = new Lstm4LayersH256(42);
        for (int t = 0; t < 8; t++)
        {
            _model.Step(ref _h64, _x, _y);
            h256.Step(ref _h256, _x, _y);
            h256x4.Step(ref _h256x4, _x, _y);
        }
    }

    /// <summary>One LSTM 64 step of the model's own state.</summary>
    [Benchmark(Baseline = true)]
    public void LstmH64Step() => _model.Step(_x, _y);

    /// <summary>IsFinite of an LSTM 64 state: 128 floats.</summary>
    [Benchmark]
    public bool LstmH64IsFinite() => _h64.IsFinite;

    /// <summary>IsFinite of an LSTM 256 state: 512 floats.</summary>
    [Benchmark]
    public bool LstmH256IsFinite() => _h256.IsFinite;

    /// <summary>IsFinite of a 4-layer LSTM 256 state: 2048 floats.</summary>
    [Benchmark]
    public bool Lstm4LayersH256IsFinite() => _h256x4.IsFinite;
}
