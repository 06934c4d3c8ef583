using System;
using System.Linq;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Runtime;

/// <summary>Adagrad against torch.optim.Adagrad (tests/fixtures/optimizers.json) and against a scalar reference on every length.</summary>
public class AdagradTests
{
    private readonly ITestOutputHelper _output;

    public AdagradTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Cases => new() { "default", "lr_decay", "weight_decay", "initial_accumulator", "everything" };

    private static OptimizerFixture F => OptimizerFixture.Instance;

    private static Adagrad Make(JsonElement c, float lrScale = 1f, float? lrDecay = null, float? initial = null) => new(
        F.Initial.Length,
        learningRate: OptimizerFixture.Get(c, "lr") * lrScale,
        learningRateDecay: lrDecay ?? OptimizerFixture.Get(c, "lr_decay"),
        weightDecay: OptimizerFixture.Get(c, "weight_decay"),
        initialAccumulatorValue: initial ?? OptimizerFixture.Get(c, "initial_accumulator_value"),
        epsilon: OptimizerFixture.Get(c, "eps"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name) => F.AssertMatchesPyTorch($"Adagrad '{name}'", F.Adagrad[name], () => Make(F.Adagrad[name]), _output);

    [Theory]
    [MemberData(nameof(Cases))]
    public void WrongLearningRate_FailsTheComparison(string name) =>
        F.AssertNoticed(Make(F.Adagrad[name], lrScale: 1.001f), F.Adagrad[name], "a 0.1% learning-rate error");

    [Fact]
    public void WrongDecayOrAccumulator_FailsTheComparison()
    {
        JsonElement c = F.Adagrad["everything"];
        F.AssertNoticed(Make(c, lrDecay: 0.04f), c, "lr_decay 0.04 instead of 0.05");
        F.AssertNoticed(Make(c, initial: 0f), c, "initial_accumulator_value 0 instead of 0.1");
    }

    [Fact]
    public void DefaultsAreTorchDefaults_AndResetRefillsTheAccumulator()
    {
        var opt = new Adagrad(3);
        Assert.Equal(
            new[] { "lr=0.01", "lr_decay=0", "weight_decay=0", "initial_accumulator_value=0", "eps=1e-10" },
            opt.Hyperparameters.Select(kv => kv.Key + "=" + kv.Value));

        var keras = new Adagrad(3, learningRate: 1e-3f, initialAccumulatorValue: 0.1f, epsilon: 1e-7f);
        Assert.Equal(new[] { 0.1f, 0.1f, 0.1f }, keras.GetState(0).ToArray());
        keras.Step(new float[3], new[] { 1f, 2f, 3f });
        Assert.Equal(1.1f, keras.GetState(0)[0]);
        keras.Reset();
        Assert.Equal(new[] { 0.1f, 0.1f, 0.1f }, keras.GetState(0).ToArray());
        Assert.Equal(0, keras.StepCount);
    }

    [Theory]
    [InlineData(0f, 0f, 0f)]
    [InlineData(0.1f, 0.01f, 0.1f)]
    public void EveryLength_MatchesScalarReferenceExactly(float lrDecay, float weightDecay, float initial)
    {
        const float lr = 0.05f, eps = 1e-10f;
        for (int n = 0; n <= 70; n++)
        {
            var rng = new RnnRandom((ulong)n + 700);
            float[] p = OptimizerTestData.RandomVector(n, ref rng), expected = (float[])p.Clone();
            float[] s = Enumerable.Repeat(initial, n).ToArray();
            var opt = new Adagrad(n, lr, lrDecay, weightDecay, initial, eps);
            for (int t = 1; t <= 3; t++)
            {
                float[] g = OptimizerTestData.RandomVector(n, ref rng);
                opt.Step(p, g);
                double lrDecayDecimal = double.Parse(lrDecay.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
                float negClr = (float)-(0.05 / (1 + (t - 1) * lrDecayDecimal));
                for (int i = 0; i < n; i++)
                {
                    float gi = weightDecay != 0f ? OptimizerTestData.MulAdd(expected[i], weightDecay, g[i]) : g[i];
                    s[i] = OptimizerTestData.MulAdd(gi, gi, s[i]);
                    expected[i] += negClr * gi / (MathF.Sqrt(s[i]) + eps);
                }

                Assert.Equal(expected, p);
            }
        }
    }

    [Fact]
    public void InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(4, learningRate: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(4, learningRateDecay: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(4, weightDecay: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(4, initialAccumulatorValue: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(4, epsilon: float.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(4, epsilon: 0f));
        Assert.Equal(0.01f, new Adagrad(4, epsilon: 0f, initialAccumulatorValue: 0.1f).LearningRate); // √0.1 keeps the denominator > 0
    }
}
