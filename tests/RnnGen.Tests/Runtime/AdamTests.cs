using System;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Runtime;

/// <summary>Adam against torch.optim.Adam (tests/fixtures/optimizers.json) and against a scalar reference on every length.</summary>
public class AdamTests
{
    private readonly ITestOutputHelper _output;

    public AdamTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Cases => new() { "default", "large_lr", "weight_decay", "amsgrad" };

    private static OptimizerFixture F => OptimizerFixture.Instance;

    /// <summary>The Adam of fixture case <paramref name="c"/>, its learning rate scaled by <paramref name="lrScale"/> (and β2 replaced when given).</summary>
    internal static Adam Make(JsonElement c, float lrScale = 1f, float beta2Override = float.NaN) => new(
        F.Initial.Length,
        learningRate: (float)c.GetProperty("lr").GetDouble() * lrScale,
        beta1: (float)c.GetProperty("beta1").GetDouble(),
        beta2: float.IsNaN(beta2Override) ? (float)c.GetProperty("beta2").GetDouble() : beta2Override,
        epsilon: (float)c.GetProperty("eps").GetDouble(),
        weightDecay: (float)c.GetProperty("weight_decay").GetDouble(),
        amsgrad: c.GetProperty("amsgrad").GetBoolean());

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name) => F.AssertMatchesPyTorch($"Adam '{name}'", F.Adam[name], () => Make(F.Adam[name]), _output);

    [Theory]
    [MemberData(nameof(Cases))]
    public void WrongLearningRate_FailsTheComparison(string name) =>
        F.AssertNoticed(Make(F.Adam[name], lrScale: 1.001f), F.Adam[name], "a 0.1% learning-rate error");

    [Fact]
    public void WrongBeta2_FailsTheComparison() =>
        F.AssertNoticed(Make(F.Adam["default"], beta2Override: 0.99f), F.Adam["default"], "beta2 0.99 instead of 0.999");

    [Theory]
    [InlineData(false, 0f)]
    [InlineData(true, 0.01f)]
    public void EveryLength_MatchesScalarReferenceExactly(bool amsgrad, float weightDecay)
    {
        const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        for (int n = 0; n <= 70; n++)
        {
            var rng = new RnnRandom((ulong)n + 100);
            float[] p = OptimizerTestData.RandomVector(n, ref rng), expected = (float[])p.Clone();
            float[] m = new float[n], v = new float[n], vMax = new float[n];
            var adam = new Adam(n, lr, b1, b2, eps, weightDecay, amsgrad);
            for (int t = 1; t <= 3; t++)
            {
                float[] g = OptimizerTestData.RandomVector(n, ref rng);
                adam.Step(p, g);
                float negStep = (float)-(0.01 / (1 - Math.Pow(0.9, t)));
                float bc2Sqrt = (float)Math.Sqrt(1 - Math.Pow(0.999, t));
                for (int i = 0; i < n; i++)
                {
                    float gi = weightDecay != 0f ? OptimizerTestData.MulAdd(expected[i], weightDecay, g[i]) : g[i];
                    m[i] = OptimizerTestData.MulAdd(gi, 0.1f, m[i] * b1);
                    v[i] = OptimizerTestData.MulAdd(0.001f * gi, gi, v[i] * b2);
                    float vi = v[i];
                    if (amsgrad)
                    {
                        vi = vMax[i] = MathF.Max(vMax[i], vi);
                    }

                    expected[i] += negStep * m[i] / (MathF.Sqrt(vi) / bc2Sqrt + eps);
                }

                Assert.Equal(expected, p);
            }
        }
    }

    [Theory]
    [InlineData(0.999f)]
    [InlineData(0.9f)]
    [InlineData(0.99999994f)]
    public void SpecialSecondMoments_ManySteps_MatchScalarReferenceExactly(float b2)
    {
        // The division by √(1 − β2^t) is done with fused multiply-adds, not the divider: its bits must stay the plain
        // division's for every step count and for second moments at the float range's edges (+∞, NaN, subnormal,
        // the largest float, zero), on every width and in the tail.
        const float lr = 0.01f, b1 = 0.9f, eps = 1e-8f;
        float[] special = [0f, float.PositiveInfinity, float.NaN, float.Epsilon, 1e-38f, float.MaxValue, 1f, 123.456f, 3e-30f];
        const int n = 61;
        var rng = new RnnRandom(5);
        float[] p = OptimizerTestData.RandomVector(n, ref rng), expected = (float[])p.Clone();
        float[] m = OptimizerTestData.RandomVector(n, ref rng), v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = i % 3 == 0 ? special[i / 3 % special.Length] : MathF.ScaleB((float)rng.NextDouble(), rng.NextInt(60) - 40);
        }

        var adam = new Adam(n, lr, b1, b2, eps);
        m.CopyTo(adam.GetState(0));
        v.CopyTo(adam.GetState(1));
        float oneMinusB1 = (float)(1.0 - 0.9), oneMinusB2 = (float)(1.0 - OptimizerMath.ToDecimalDouble(b2));
        for (int t = 1; t <= 60; t++)
        {
            float[] g = OptimizerTestData.RandomVector(n, ref rng);
            for (int i = 0; i < n; i += 4)
            {
                g[i] = MathF.ScaleB(g[i], -60); // tiny gradients keep the special moments special
            }

            adam.Step(p, g);
            float negStep = (float)-(0.01 / (1 - Math.Pow(0.9, t)));
            float bc2Sqrt = (float)Math.Sqrt(1 - Math.Pow(OptimizerMath.ToDecimalDouble(b2), t));
            for (int i = 0; i < n; i++)
            {
                m[i] = OptimizerTestData.MulAdd(g[i], oneMinusB1, m[i] * b1);
                v[i] = OptimizerTestData.MulAdd(oneMinusB2 * g[i], g[i], v[i] * b2);
                expected[i] += negStep * m[i] / (MathF.Sqrt(v[i]) / bc2Sqrt + eps);
            }

            for (int i = 0; i < n; i++)
            {
                Assert.True(
                    BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(p[i]) || (float.IsNaN(expected[i]) && float.IsNaN(p[i])),
                    $"step {t}, parameter {i} (v {v[i]:R}): expected {expected[i]:R}, got {p[i]:R}");
            }
        }
    }

    [Fact]
    public void MovesEachParameterByAboutLearningRateOnFirstStep()
    {
        // With bias correction, the first Adam step is −lr·sign(g) (up to ε).
        var adam = new Adam(3, learningRate: 0.01f);
        float[] p = { 1f, 1f, 1f };
        adam.Step(p, new[] { 5f, -0.001f, 123f });
        Assert.Equal(0.99f, p[0], 1e-6f);
        Assert.Equal(1.01f, p[1], 1e-6f);
        Assert.Equal(0.99f, p[2], 1e-6f);
    }

    [Fact]
    public void InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, learningRate: -1e-3f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, beta1: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, beta2: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, beta2: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, epsilon: -1e-8f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, weightDecay: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, epsilon: 0f)); // 0/0 on always-zero gradients (padding)
        Assert.Equal(1e-3f, new Adam(4, beta1: 0f, beta2: 0f, epsilon: float.Epsilon).LearningRate);
    }
}
