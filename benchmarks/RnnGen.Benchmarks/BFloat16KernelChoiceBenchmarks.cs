using System.Collections.Generic;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// Whether the generator's choice of kernels for a small bfloat16 model holds: one Step of the float32 model (the
/// baseline), of its <c>WeightPrecision = BFloat16</c> twin as generated (float32 kernels over the rounded weights at
/// most 64 KiB of W_ih + W_hh, the 16-bit kernels above) and of the twin with <c>ForceBFloat16Kernels = true</c> (always
/// the 16-bit kernels), for Elman, LSTM and GRU at 16, 32 and 64 units (input 10, one output). All three in one process,
/// so the ratios compare like with like on a noisy machine. LSTM 64 (74 KiB) streams 16 bits in both twins: a control.
/// </summary>
[MemoryDiagnoser]
public class BFloat16KernelChoiceBenchmarks
{
    private IRnnModel _float32 = null!;
    private IRnnModel _bfloat16 = null!;
    private IRnnModel _forced = null!;
    private readonly float[] _x = Models.RandomArray(Models.Input, seed: 1);
    private readonly float[] _y = new float[Models.Output];

    /// <summary>The cell and hidden size, as "Lstm 32".</summary>
    [ParamsSource(nameof(Cases))]
    public string Model { get; set; } = "";

    /// <summary>Elman, LSTM and GRU at 16, 32 and 64 units.</summary>
    public static IEnumerable<string> Cases()
    {
        foreach (var cell in new[] { "Elman", "Lstm", "Gru" })
            foreach (int hidden in new[] { 16, 32, 64 })
                yield return $"{cell} {hidden}";
    }

    /// <summary>Creates the three models from seed 42 (the bfloat16 twins with their weights rounded, as the matrix does).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var parts = Model.Split(' ');
        var cell = System.Enum.Parse<RnnCell>(parts[0]);
        int hidden = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        _float32 = Models.Create(cell, hidden, seed: 42);
        _bfloat16 = BFloat16Models.CreateBFloat16(cell, hidden, seed: 42);
        _forced = BFloat16Models.CreateForced(cell, hidden, seed: 42);
    }

    /// <summary>One Step of the float32 model.</summary>
    [Benchmark(Baseline = true)]
    public void Float32() => _float32.Step(_x, _y);

    /// <summary>One Step of the bfloat16 twin as generated.</summary>
    [Benchmark]
    public void BFloat16() => _bfloat16.Step(_x, _y);

    /// <summary>One Step of the bfloat16 twin with ForceBFloat16Kernels.</summary>
    [Benchmark]
    public void BFloat16Forced() => _forced.Step(_x, _y);
}
