using System;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Runtime;

/// <summary>AdamW against torch.optim.AdamW (tests/fixtures/optimizers.json) and against a scalar reference on every length.</summary>
public class AdamWTests
{
    private readonly ITestOutputHelper _output;

    public AdamWTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Cases => new() { "default", "no_weight_decay", "large_decay", "amsgrad" };

    private static OptimizerFixture F => OptimizerFixture.Instance;

    private static AdamW Make(JsonElement c, float lrScale = 1f, float? weightDecay = null, bool? amsgrad = null) => new(
        F.Initial.Length,
        learningRate: OptimizerFixture.Get(c, "lr") * lrScale,
        beta1: OptimizerFixture.Get(c, "beta1"),
        beta2: OptimizerFixture.Get(c, "beta2"),
        epsilon: OptimizerFixture.Get(c, "eps"),
        weightDecay: weightDecay ?? OptimizerFixture.Get(c, "weight_decay"),
        amsgrad: amsgrad ?? c.GetProperty("amsgrad").GetBoolean());

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name) => F.AssertMatchesPyTorch($"AdamW '{name}'", F.AdamW[name], () => Make(F.AdamW[name]), _output);

    [Theory]
    [MemberData(nameof(Cases))]
    public void WrongLearningRate_FailsTheComparison(string name) =>
        F.AssertNoticed(Make(F.AdamW[name], lrScale: 1.001f), F.AdamW[name], "a 0.1% learning-rate error");

    [Fact]
    public void CoupledInsteadOfDecoupledDecay_FailsTheComparison()
    {
        // Adam's L2 penalty with the same coefficient is a different rule: the fixture must tell them apart.
        JsonElement c = F.AdamW["large_decay"];
        var adam = new Adam(F.Initial.Length, OptimizerFixture.Get(c, "lr"), OptimizerFixture.Get(c, "beta1"), OptimizerFixture.Get(c, "beta2"),
            OptimizerFixture.Get(c, "eps"), OptimizerFixture.Get(c, "weight_decay"));
        Assert.True(F.WorstScaledError(adam, OptimizerFixture.Steps(c)) > 1.0);
    }

    [Fact]
    public void WrongWeightDecayOrAmsgrad_FailsTheComparison()
    {
        JsonElement c = F.AdamW["amsgrad"];
        F.AssertNoticed(Make(c, weightDecay: 0.04f), c, "weight_decay 0.04 instead of 0.05");
        F.AssertNoticed(Make(c, amsgrad: false), c, "amsgrad off");
    }

    [Fact]
    public void DefaultsAreTorchDefaults()
    {
        var opt = new AdamW(3);
        Assert.Equal(
            new[] { "lr=0.001", "betas=(0.9, 0.999)", "eps=1e-08", "weight_decay=0.01", "amsgrad=False" },
            Array.ConvertAll(System.Linq.Enumerable.ToArray(opt.Hyperparameters), kv => kv.Key + "=" + kv.Value));
    }

    [Theory]
    [InlineData(false, 0f)]
    [InlineData(false, 0.01f)]
    [InlineData(true, 0.1f)]
    public void EveryLength_MatchesScalarReferenceExactly(bool amsgrad, float weightDecay)
    {
        const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        for (int n = 0; n <= 70; n++)
        {
            var rng = new RnnRandom((ulong)n + 300);
            float[] p = OptimizerTestData.RandomVector(n, ref rng), expected = (float[])p.Clone();
            float[] m = new float[n], v = new float[n], vMax = new float[n];
            var opt = new AdamW(n, lr, b1, b2, eps, weightDecay, amsgrad);
            for (int t = 1; t <= 3; t++)
            {
                float[] g = OptimizerTestData.RandomVector(n, ref rng);
                opt.Step(p, g);
                float decay = (float)(1.0 - 0.01 * double.Parse(weightDecay.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture));
                float negStep = (float)-(0.01 / (1 - Math.Pow(0.9, t)));
                float bc2Sqrt = (float)Math.Sqrt(1 - Math.Pow(0.999, t));
                for (int i = 0; i < n; i++)
                {
                    float pi = weightDecay != 0f ? expected[i] * decay : expected[i];
                    m[i] = MulAdd(g[i], 0.1f, m[i] * b1);
                    v[i] = MulAdd(0.001f * g[i], g[i], v[i] * b2);
                    float vi = v[i];
                    if (amsgrad)
                    {
                        vi = vMax[i] = MathF.Max(vMax[i], vi);
                    }

                    expected[i] = pi + negStep * m[i] / (MathF.Sqrt(vi) / bc2Sqrt + eps);
                }

                Assert.Equal(expected, p);
            }
        }
    }

    [Fact]
    public void InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(4, learningRate: -1e-3f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(4, beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(4, beta2: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(4, epsilon: -1e-8f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(4, epsilon: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(4, weightDecay: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(4, weightDecay: float.PositiveInfinity));
    }

    private static float MulAdd(float a, float b, float c) => OptimizerTestData.MulAdd(a, b, c);
}
