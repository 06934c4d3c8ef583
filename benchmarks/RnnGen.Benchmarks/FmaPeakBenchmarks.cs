using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// The FMA limit of a batch-1 step, measured in the same run as the models (a limit from another run, or from a
/// datasheet, would not match the clock and load the models ran under):
/// independent fused multiply-add chains at the widest accelerated width. With the weight sweep of each matrix class
/// (<see cref="MatrixBenchmarks.ReadWeights"/>), a step's bound is max(StepFlops / FMA peak, sweep time) and its
/// efficiency = bound / step time.
/// </summary>
[MemoryDiagnoser]
public class FmaPeakBenchmarks
{
    /// <summary>FMA iterations per chain in <see cref="FmaPeak"/>.</summary>
    public const int FmaIterations = 4096;

    /// <summary>Independent accumulator chains in <see cref="FmaPeak"/> (enough to cover FMA latency on two pipes).</summary>
    public const int FmaChains = 16;

    /// <summary>FLOPs of one <see cref="FmaPeak"/> call on this machine: iterations · chains · lanes · 2.</summary>
    public static long FlopsPerCall => (long)FmaIterations * FmaChains * (Vector512.IsHardwareAccelerated ? 16 : 8) * 2;

    /// <summary>
    /// 16 independent chains of 4,096 Vector512 FMAs (Vector256 where 512-bit vectors are not accelerated):
    /// FLOPs per call = 4096 · 16 · lanes · 2 (2,097,152 with Vector512; see <see cref="FlopsPerCall"/>).
    /// </summary>
    [Benchmark]
    public float FmaPeak() => Vector512.IsHardwareAccelerated ? Fma512() : Fma256();

    private static float Fma512()
    {
        Vector512<float> m = Vector512.Create(0.999f), c = Vector512.Create(1e-3f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0 + c, a2 = a1 + c, a3 = a2 + c, a4 = a3 + c, a5 = a4 + c, a6 = a5 + c, a7 = a6 + c;
        Vector512<float> a8 = a7 + c, a9 = a8 + c, a10 = a9 + c, a11 = a10 + c, a12 = a11 + c, a13 = a12 + c, a14 = a13 + c, a15 = a14 + c;
        for (int i = 0; i < FmaIterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c);
            a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c);
            a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c);
            a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c);
            a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c);
            a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c);
            a11 = Vector512.FusedMultiplyAdd(a11, m, c);
            a12 = Vector512.FusedMultiplyAdd(a12, m, c);
            a13 = Vector512.FusedMultiplyAdd(a13, m, c);
            a14 = Vector512.FusedMultiplyAdd(a14, m, c);
            a15 = Vector512.FusedMultiplyAdd(a15, m, c);
        }

        return Vector512.Sum((((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))) + (((a8 + a9) + (a10 + a11)) + ((a12 + a13) + (a14 + a15))));
    }

    private static float Fma256()
    {
        Vector256<float> m = Vector256.Create(0.999f), c = Vector256.Create(1e-3f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0 + c, a2 = a1 + c, a3 = a2 + c, a4 = a3 + c, a5 = a4 + c, a6 = a5 + c, a7 = a6 + c;
        Vector256<float> a8 = a7 + c, a9 = a8 + c, a10 = a9 + c, a11 = a10 + c, a12 = a11 + c, a13 = a12 + c, a14 = a13 + c, a15 = a14 + c;
        for (int i = 0; i < FmaIterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c);
            a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c);
            a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c);
            a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c);
            a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c);
            a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            a10 = Vector256.FusedMultiplyAdd(a10, m, c);
            a11 = Vector256.FusedMultiplyAdd(a11, m, c);
            a12 = Vector256.FusedMultiplyAdd(a12, m, c);
            a13 = Vector256.FusedMultiplyAdd(a13, m, c);
            a14 = Vector256.FusedMultiplyAdd(a14, m, c);
            a15 = Vector256.FusedMultiplyAdd(a15, m, c);
        }

        return Vector256.Sum((((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))) + (((a8 + a9) + (a10 + a11)) + ((a12 + a13) + (a14 + a15))));
    }
}
