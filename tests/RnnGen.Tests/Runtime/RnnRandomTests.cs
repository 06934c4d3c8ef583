using System;
using Xunit;

namespace RnnGen.Tests.Runtime;

public class RnnRandomTests
{
    // Reference values from an independent Python implementation of SplitMix64 + xoshiro256**
    // (and math.log/math.cos for Box–Muller).

    [Fact]
    public void NextUInt64_Seed0_MatchesReference()
    {
        var rng = new RnnRandom(0);
        Assert.Equal(0x99ec5f36cb75f2b4UL, rng.NextUInt64());
        Assert.Equal(0xbf6e1f784956452aUL, rng.NextUInt64());
        Assert.Equal(0x1a5f849d4933e6e0UL, rng.NextUInt64());
        Assert.Equal(0x6aa594f1262d2d2cUL, rng.NextUInt64());
    }

    [Fact]
    public void NextUInt64_Seed42_MatchesReference()
    {
        var rng = new RnnRandom(42);
        Assert.Equal(0x15780b2e0c2ec716UL, rng.NextUInt64());
        Assert.Equal(0x6104d9866d113a7eUL, rng.NextUInt64());
        Assert.Equal(0xae17533239e499a1UL, rng.NextUInt64());
        Assert.Equal(0xecb8ad4703b360a1UL, rng.NextUInt64());
    }

    [Fact]
    public void NextDoubleAndNextSingle_MatchReference()
    {
        var d = new RnnRandom(42);
        Assert.Equal(0.08386297105988216, d.NextDouble());
        Assert.Equal(0.3789802506626686, d.NextDouble());
        Assert.Equal(0.6800434110281394, d.NextDouble());

        var s = new RnnRandom(42);
        Assert.Equal(0.08386296033859253f, s.NextSingle());
        Assert.Equal(0.37898021936416626f, s.NextSingle());
        Assert.Equal(0.6800433993339539f, s.NextSingle());
    }

    [Fact]
    public void NextGaussian_MatchesBoxMullerReference()
    {
        var rng = new RnnRandom(42);
        double[] expected = { -0.303263064678738, 1.3438117634372806, 0.3834617912676943, 0.9369624250258953 };
        foreach (double e in expected)
        {
            Assert.Equal(e, rng.NextGaussian(), 1e-14);
        }
    }

    [Fact]
    public void NextGaussian_PinnedBits()
    {
        // The exact doubles this implementation must produce on every machine and runtime.
        var rng = new RnnRandom(42);
        ulong[] expected = PinnedGaussianBits;
        foreach (ulong e in expected)
        {
            Assert.Equal(e, BitConverter.DoubleToUInt64Bits(rng.NextGaussian()));
        }
    }

    private static readonly ulong[] PinnedGaussianBits =
    {
        0xBFD368A97C38507DUL, // -0.30326306467873804
        0x3FF58040C37F1763UL, // 1.3438117634372808
        0x3FD88AA35330A929UL, // 0.38346179126769414
        0x3FEDFB989FA22578UL, // 0.9369624250258957
        0xBFF77492EA9C737BUL, // -1.4659604229447882
        0xBFD881ECD3B33A65UL, // -0.38292999910200926
    };

    [Fact]
    public void NextGaussian_AgreesWithSystemMathOverManySamples()
    {
        // Same uniforms through Math.Log/Math.Cos: the built-in series must agree to ~1e-15.
        var a = new RnnRandom(5);
        var b = new RnnRandom(5);
        double worst = 0;
        for (int i = 0; i < 100_000; i++)
        {
            double z = a.NextGaussian();
            double u1 = 1.0 - b.NextDouble(), u2 = b.NextDouble();
            double reference = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
            worst = Math.Max(worst, Math.Abs(z - reference));
        }

        Assert.True(worst < 1e-13, $"worst difference {worst:E2}");
    }

    [Fact]
    public void NextInt_MatchesReferenceAndStaysInRange()
    {
        var rng = new RnnRandom(42);
        int[] expected = { 0, 3, 6, 9, 9, 7, 7, 8 };
        foreach (int e in expected)
        {
            Assert.Equal(e, rng.NextInt(10));
        }

        var big = new RnnRandom(7);
        Assert.Equal(1504476538, big.NextInt(int.MaxValue));
        Assert.Equal(598613706, big.NextInt(int.MaxValue));

        var one = new RnnRandom(1);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(0, one.NextInt(1));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void NextInt_NonPositiveBound_Throws(int bound)
    {
        var rng = new RnnRandom(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(bound));
    }

    [Fact]
    public void SameSeed_SameSequence_CopyContinuesIndependently()
    {
        var a = new RnnRandom(123456789);
        var b = new RnnRandom(123456789);
        var c = new RnnRandom(123456790);
        int differences = 0;
        for (int i = 0; i < 1000; i++)
        {
            ulong x = a.NextUInt64();
            Assert.Equal(x, b.NextUInt64());
            differences += x != c.NextUInt64() ? 1 : 0;
        }

        Assert.Equal(1000, differences);

        RnnRandom copy = a;
        ulong fromA = a.NextUInt64();
        Assert.Equal(fromA, copy.NextUInt64());
    }

    [Fact]
    public void Uniforms_HaveExpectedMeanAndVarianceAndRange()
    {
        const int n = 200_000;
        var rng = new RnnRandom(2024);
        double sumD = 0, sumD2 = 0, sumS = 0;
        for (int i = 0; i < n; i++)
        {
            double d = rng.NextDouble();
            float s = rng.NextSingle();
            Assert.InRange(d, 0.0, Math.BitDecrement(1.0));
            Assert.InRange(s, 0f, MathF.BitDecrement(1f));
            sumD += d;
            sumD2 += d * d;
            sumS += s;
        }

        double mean = sumD / n, variance = sumD2 / n - mean * mean;
        // Standard error of the mean: 0.289/√n = 6.5e-4; allow 5σ.
        Assert.InRange(mean, 0.5 - 0.0033, 0.5 + 0.0033);
        Assert.InRange(sumS / n, 0.5 - 0.0033, 0.5 + 0.0033);
        Assert.InRange(variance, 1.0 / 12 - 0.002, 1.0 / 12 + 0.002);
    }

    [Fact]
    public void NextGaussian_HasUnitVarianceAndZeroMean()
    {
        const int n = 200_000;
        var rng = new RnnRandom(77);
        double sum = 0, sum2 = 0, sum4 = 0;
        for (int i = 0; i < n; i++)
        {
            double z = rng.NextGaussian();
            sum += z;
            sum2 += z * z;
            sum4 += z * z * z * z;
        }

        double mean = sum / n, variance = sum2 / n - mean * mean;
        Assert.InRange(mean, -0.012, 0.012);          // 5σ, σ = 1/√n
        Assert.InRange(variance, 0.984, 1.016);       // 5σ, σ = √(2/n)
        Assert.InRange(sum4 / n, 2.9, 3.1);           // kurtosis of a normal: 3
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]       // shorter than a vector on every path: the scalar tail only
    [InlineData(1_000)]
    [InlineData(100_003)] // several chunks and a tail
    public void NextGaussians_AreTheBitsOfRepeatedNextGaussian(int count)
    {
        // The bulk transform runs on Vector<double> lanes; it must return NextGaussian's exact bits on every
        // SIMD path (.ci/run reruns this test with narrower vectors and with none) and leave the same state.
        var bulk = new RnnRandom(2024);
        var single = new RnnRandom(2024);
        double[] values = new double[count];
        bulk.NextGaussians(values);
        for (int i = 0; i < count; i++)
        {
            double expected = single.NextGaussian();
            if (BitConverter.DoubleToUInt64Bits(expected) != BitConverter.DoubleToUInt64Bits(values[i]))
            {
                Assert.Fail($"value {i}: NextGaussians gave {values[i]:R}, NextGaussian {expected:R}");
            }
        }

        Assert.Equal(single.NextUInt64(), bulk.NextUInt64());
    }

    [Fact]
    public void NextGaussians_MatchThePinnedBits()
    {
        var rng = new RnnRandom(42);
        double[] values = new double[6];
        rng.NextGaussians(values);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(PinnedGaussianBits[i], BitConverter.DoubleToUInt64Bits(values[i]));
        }
    }

    [Fact]
    public void NextInt_IsUniform()
    {
        const int buckets = 7, n = 70_000;
        var counts = new int[buckets];
        var rng = new RnnRandom(3);
        for (int i = 0; i < n; i++)
        {
            counts[rng.NextInt(buckets)]++;
        }

        double expected = (double)n / buckets, chi2 = 0;
        foreach (int count in counts)
        {
            chi2 += (count - expected) * (count - expected) / expected;
        }

        Assert.True(chi2 < 22.5, $"chi² = {chi2:F1} with 6 degrees of freedom (p ≈ 0.001 at 22.5)");
    }
}
