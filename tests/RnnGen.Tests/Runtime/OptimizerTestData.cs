using System;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Tests.Runtime;

/// <summary>Shared by the optimizer tests: random vectors and the optimizers' multiply-add rule.</summary>
internal static class OptimizerTestData
{
    /// <summary>The optimizers' rule: fused where FMA is a hardware instruction, else multiply then add.</summary>
    public static float MulAdd(float a, float b, float c) =>
        Fma.IsSupported || AdvSimd.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    public static float[] RandomVector(int n, ref RnnRandom rng)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = (float)rng.NextGaussian();
        }

        return v;
    }
}
