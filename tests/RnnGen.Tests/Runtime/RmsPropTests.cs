using System;
using System.Linq;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Runtime;

/// <summary>RmsProp against torch.optim.RMSprop (tests/fixtures/optimizers.json) and against a scalar reference on every length.</summary>
public class RmsPropTests
{
    private readonly ITestOutputHelper _output;

    public RmsPropTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Cases => new() { "default", "keras_rho", "weight_decay", "momentum", "centered", "centered_momentum_wd" };

    private static OptimizerFixture F => OptimizerFixture.Instance;

    private static RmsProp Make(JsonElement c, float lrScale = 1f, float? alpha = null, bool? centered = null, float? momentum = null) => new(
        F.Initial.Length,
        learningRate: OptimizerFixture.Get(c, "lr") * lrScale,
        alpha: alpha ?? OptimizerFixture.Get(c, "alpha"),
        epsilon: OptimizerFixture.Get(c, "eps"),
        weightDecay: OptimizerFixture.Get(c, "weight_decay"),
        momentum: momentum ?? OptimizerFixture.Get(c, "momentum"),
        centered: centered ?? c.GetProperty("centered").GetBoolean());

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name) => F.AssertMatchesPyTorch($"RmsProp '{name}'", F.RmsProp[name], () => Make(F.RmsProp[name]), _output);

    [Theory]
    [MemberData(nameof(Cases))]
    public void WrongLearningRate_FailsTheComparison(string name) =>
        F.AssertNoticed(Make(F.RmsProp[name], lrScale: 1.001f), F.RmsProp[name], "a 0.1% learning-rate error");

    [Fact]
    public void KerasRhoInsteadOfTorchAlpha_FailsTheComparison()
    {
        JsonElement c = F.RmsProp["default"];
        F.AssertNoticed(Make(c, alpha: 0.9f), c, "alpha 0.9 instead of 0.99");
    }

    [Fact]
    public void MissingCenteringOrMomentum_FailsTheComparison()
    {
        JsonElement c = F.RmsProp["centered_momentum_wd"];
        F.AssertNoticed(Make(c, centered: false), c, "centered off");
        F.AssertNoticed(Make(c, momentum: 0.7f), c, "momentum 0.7 instead of 0.8");
    }

    [Fact]
    public void DefaultsAreTorchDefaults()
    {
        var opt = new RmsProp(3);
        Assert.Equal(
            new[] { "lr=0.01", "alpha=0.99", "eps=1e-08", "weight_decay=0", "momentum=0", "centered=False" },
            opt.Hyperparameters.Select(kv => kv.Key + "=" + kv.Value));
        Assert.Equal(new[] { "square_avg" }, opt.StateNames);
        Assert.Equal(new[] { "square_avg", "momentum_buffer", "grad_avg" }, new RmsProp(3, momentum: 0.9f, centered: true).StateNames);
        Assert.Equal(new[] { "square_avg", "grad_avg" }, new RmsProp(3, centered: true).StateNames);
    }

    [Theory]
    [InlineData(0f, 0f, false)]
    [InlineData(0.01f, 0f, true)]
    [InlineData(0f, 0.9f, false)]
    [InlineData(0.01f, 0.9f, true)]
    public void EveryLength_MatchesScalarReferenceExactly(float weightDecay, float momentum, bool centered)
    {
        const float lr = 0.01f, alpha = 0.99f, eps = 1e-8f;
        float oma = (float)(1.0 - 0.99);
        for (int n = 0; n <= 70; n++)
        {
            var rng = new RnnRandom((ulong)n + 500);
            float[] p = OptimizerTestData.RandomVector(n, ref rng), expected = (float[])p.Clone();
            float[] s = new float[n], a = new float[n], b = new float[n];
            var opt = new RmsProp(n, lr, alpha, eps, weightDecay, momentum, centered);
            for (int t = 1; t <= 3; t++)
            {
                float[] g = OptimizerTestData.RandomVector(n, ref rng);
                opt.Step(p, g);
                for (int i = 0; i < n; i++)
                {
                    float gi = weightDecay != 0f ? MulAdd(expected[i], weightDecay, g[i]) : g[i];
                    s[i] = MulAdd(oma * gi, gi, s[i] * alpha);
                    float avg;
                    if (centered)
                    {
                        a[i] = MulAdd(gi, oma, a[i] * alpha);
                        avg = MathF.Sqrt(MulAdd(-a[i], a[i], s[i])) + eps;
                    }
                    else
                    {
                        avg = MathF.Sqrt(s[i]) + eps;
                    }

                    if (momentum > 0f)
                    {
                        b[i] = b[i] * momentum + gi / avg;
                        expected[i] = MulAdd(b[i], -lr, expected[i]);
                    }
                    else
                    {
                        expected[i] += -lr * gi / avg;
                    }
                }

                Assert.Equal(expected, p);
            }
        }
    }

    [Fact]
    public void InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(4, learningRate: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(4, alpha: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(4, alpha: 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(4, epsilon: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(4, epsilon: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(4, weightDecay: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(4, momentum: -0.9f));
    }

    private static float MulAdd(float a, float b, float c) => OptimizerTestData.MulAdd(a, b, c);
}
