using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>
/// <see cref="ILanes{TSelf}.DivideByInvariant"/> gives the bits of a / d at every width this machine accelerates.
/// For each divisor the check is exhaustive over the dividends that matter: every one of the 2²³ significands in
/// [1, 2), because scaling a by a power of two scales the first quotient, the residual and the result exactly (inside
/// the documented range), so [1, 2) stands for every normal dividend (and −a gives −(a / d) at every step); then
/// both signs, the range's ends, zeros, infinities and NaN. The divisors (85 distinct) are the √(1 − β2^t) Adam
/// divides by (several β2, early and late steps), the significands where reciprocals are hardest (all ones, a power
/// of two) and random ones over [2⁻²⁰, 2²⁰]. The scalar width divides, so only the vector widths are swept.
/// </summary>
public class DivideByInvariantTests
{
    private const int Significands = 1 << 23;

    public static float[] Divisors() => AllDivisors().Distinct().ToArray();

    private static IEnumerable<float> AllDivisors()
    {
        foreach (double beta2 in new[] { 0.999, 0.99, 0.98, 0.95, 0.9, 0.5, 0.9999, 0.99999994 })
        {
            foreach (long t in new long[] { 1, 2, 3, 7, 10, 100, 1_000, 10_000, 1_000_000 })
            {
                yield return (float)Math.Sqrt(1.0 - Math.Pow(beta2, t)); // as AdamCore.Step computes it
            }
        }

        yield return 1f;
        yield return 0.5f;
        yield return BitConverter.Int32BitsToSingle(0x3F7FFFFF);       // 1 − 2⁻²⁴: every significand bit set
        yield return BitConverter.Int32BitsToSingle(0x3FFFFFFF);       // just under 2
        yield return MathF.ScaleB(BitConverter.Int32BitsToSingle(0x3FFFFFFF), -20);
        yield return MathF.ScaleB(1.5f, 19);
        var rng = new RnnRandom(17);
        for (int i = 0; i < 24; i++)
        {
            yield return MathF.ScaleB(1f + (float)rng.NextDouble(), (int)(rng.NextDouble() * 40) - 20);
        }
    }

    [Fact]
    public void EverySignificand_GivesTheBitsOfTheDivision()
    {
        Assert.Equal(85, Divisors().Length);
        Check<Lanes.V512>(Vector512.IsHardwareAccelerated);
        Check<Lanes.V256>(Vector256.IsHardwareAccelerated);
        Check<Lanes.V128>(Vector128.IsHardwareAccelerated);
    }

    [Fact]
    public void SpecialDividends_GiveTheBitsOfTheDivision()
    {
        float[] dividends =
        [
            0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
            MathF.ScaleB(1f, -100), -MathF.ScaleB(1f, -100), MathF.ScaleB(1.9999999f, 100), -MathF.ScaleB(1.9999999f, 100),
            MathF.ScaleB(1f, -75), MathF.ScaleB(1.9999999f, 63), 1f, -1f, 3f, BitConverter.Int32BitsToSingle(0x3FFFFFFF),
            MathF.Sqrt(float.Epsilon), MathF.Sqrt(float.MaxValue),
            BitConverter.Int32BitsToSingle(0x3FFFFFFD), // over 2 − 2⁻²³: the first quotient is off by more than an ulp
        ];
        foreach (float d in Divisors())
        {
            foreach (float a in dividends)
            {
                AssertSame<Lanes.V512>(Vector512.IsHardwareAccelerated, a, d);
                AssertSame<Lanes.V256>(Vector256.IsHardwareAccelerated, a, d);
                AssertSame<Lanes.V128>(Vector128.IsHardwareAccelerated, a, d);
                AssertSame<Lanes.Scalar>(true, a, d);
            }
        }
    }

    [Fact]
    public void TheFirstQuotientAlone_IsNotTheDivision()
    {
        // What the residual step corrects: a·(1/d) differs from a / d for some significand of every divisor tried here,
        // so the exhaustive test above would fail without it.
        foreach (float d in new[] { 0.0316227786f, 0.1f, BitConverter.Int32BitsToSingle(0x3F7FFFFF), 3f })
        {
            float reciprocal = 1f / d;
            int wrong = 0;
            for (int i = 0; i < Significands && wrong == 0; i++)
            {
                float a = BitConverter.Int32BitsToSingle(0x3F800000 | i);
                wrong += a * reciprocal != a / d ? 1 : 0;
            }

            Assert.True(wrong > 0, $"a·(1/{d:R}) was a/{d:R} for every a in [1, 2)");
        }
    }

    /// <summary>Every significand at width <typeparamref name="V"/> against <c>a / d</c>, where the width is accelerated.</summary>
    private static void Check<V>(bool accelerated)
        where V : struct, ILanes<V>
    {
        if (!accelerated)
        {
            return;
        }

        var dividends = new float[Significands];
        var quotients = new float[Significands];
        for (int i = 0; i < Significands; i++)
        {
            dividends[i] = BitConverter.Int32BitsToSingle(0x3F800000 | i);
        }

        foreach (float d in Divisors())
        {
            V negDivisor = V.Create(-d), reciprocal = V.Create(1f / d);
            for (int i = 0; i < Significands; i += V.Count)
            {
                V.DivideByInvariant(V.Load(ref dividends[0], (nuint)i), negDivisor, reciprocal).Store(ref quotients[0], (nuint)i);
            }

            for (int i = 0; i < Significands; i++)
            {
                float expected = dividends[i] / d;
                if (BitConverter.SingleToInt32Bits(quotients[i]) != BitConverter.SingleToInt32Bits(expected))
                {
                    Assert.Fail($"{typeof(V).Name}: {dividends[i]:R} / {d:R} gave {quotients[i]:R}, the division {expected:R}");
                }
            }
        }

    }

    private static void AssertSame<V>(bool accelerated, float a, float d)
        where V : struct, ILanes<V>
    {
        if (!accelerated)
        {
            return;
        }

        var lanes = new float[V.Count];
        Array.Fill(lanes, a);
        V.DivideByInvariant(V.Load(ref lanes[0], 0), V.Create(-d), V.Create(1f / d)).Store(ref lanes[0], 0);
        float expected = a / d;
        Assert.True(
            BitConverter.SingleToInt32Bits(lanes[0]) == BitConverter.SingleToInt32Bits(expected),
            $"{typeof(V).Name}: {a:R} / {d:R} gave {lanes[0]:R} (0x{BitConverter.SingleToUInt32Bits(lanes[0]):X8}), the division {expected:R} (0x{BitConverter.SingleToUInt32Bits(expected):X8})");
    }
}
