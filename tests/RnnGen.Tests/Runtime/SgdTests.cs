using System;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Runtime;

/// <summary>SGD against torch.optim.SGD (tests/fixtures/optimizers.json) and against a scalar reference on every length.</summary>
public class SgdTests
{
    private readonly ITestOutputHelper _output;

    public SgdTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Cases => new() { "plain", "momentum", "momentum_dampening", "nesterov", "weight_decay", "momentum_weight_decay" };

    private static OptimizerFixture F => OptimizerFixture.Instance;

    /// <summary>The SGD of fixture case <paramref name="c"/>, its learning rate scaled by <paramref name="lrScale"/>.</summary>
    internal static Sgd Make(JsonElement c, float lrScale = 1f) => new(
        F.Initial.Length,
        learningRate: (float)c.GetProperty("lr").GetDouble() * lrScale,
        momentum: (float)c.GetProperty("momentum").GetDouble(),
        dampening: (float)c.GetProperty("dampening").GetDouble(),
        nesterov: c.GetProperty("nesterov").GetBoolean(),
        weightDecay: (float)c.GetProperty("weight_decay").GetDouble());

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name) => F.AssertMatchesPyTorch($"SGD '{name}'", F.Sgd[name], () => Make(F.Sgd[name]), _output);

    [Theory]
    [MemberData(nameof(Cases))]
    public void WrongLearningRate_FailsTheComparison(string name) =>
        F.AssertNoticed(Make(F.Sgd[name], lrScale: 1.001f), F.Sgd[name], "a 0.1% learning-rate error");

    [Theory]
    [InlineData(0f, 0f, false, 0f)]
    [InlineData(0.9f, 0f, false, 0f)]
    [InlineData(0.9f, 0.1f, false, 0.01f)]
    [InlineData(0.9f, 0f, true, 0.01f)]
    public void EveryLength_MatchesScalarReferenceExactly(float momentum, float dampening, bool nesterov, float weightDecay)
    {
        const float lr = 0.03f;
        for (int n = 0; n <= 70; n++)
        {
            var rng = new RnnRandom((ulong)n + 1);
            float[] p = OptimizerTestData.RandomVector(n, ref rng), expected = (float[])p.Clone(), buf = new float[n];
            var sgd = new Sgd(n, lr, momentum, dampening, nesterov, weightDecay);
            for (int step = 0; step < 3; step++)
            {
                float[] g = OptimizerTestData.RandomVector(n, ref rng);
                sgd.Step(p, g);
                float omd = (float)(1.0 - dampening);
                for (int i = 0; i < n; i++)
                {
                    float d = weightDecay != 0f ? OptimizerTestData.MulAdd(expected[i], weightDecay, g[i]) : g[i];
                    if (momentum != 0f)
                    {
                        buf[i] = step == 0 ? d : OptimizerTestData.MulAdd(d, omd, buf[i] * momentum);
                        d = nesterov ? OptimizerTestData.MulAdd(buf[i], momentum, d) : buf[i];
                    }

                    expected[i] = OptimizerTestData.MulAdd(d, -lr, expected[i]);
                }

                Assert.Equal(expected, p);
            }
        }
    }

    [Fact]
    public void InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(-1, 0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(4, -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(4, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(4, 0.1f, momentum: -0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(4, 0.1f, weightDecay: -0.01f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(4, 0.1f, dampening: float.PositiveInfinity));
        Assert.Throws<ArgumentException>(() => new Sgd(4, 0.1f, nesterov: true));
        Assert.Throws<ArgumentException>(() => new Sgd(4, 0.1f, momentum: 0.9f, dampening: 0.1f, nesterov: true));
        Assert.Equal(0.1f, new Sgd(4, 0.1f, momentum: 0.9f, nesterov: true).LearningRate);
    }
}
