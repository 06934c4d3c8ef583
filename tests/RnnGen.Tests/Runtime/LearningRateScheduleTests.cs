using System;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Runtime;

/// <summary>StepLR, ExponentialLR and CosineAnnealing against torch.optim.lr_scheduler (tests/fixtures/optimizers.json).</summary>
public class LearningRateScheduleTests
{
    private readonly ITestOutputHelper _output;

    public LearningRateScheduleTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Cases => new()
    {
        "step", "step_gamma_0.1", "exponential", "exponential_slow", "cosine", "cosine_to_zero", "cosine_warmup", "cosine_warmup_5",
    };

    private static OptimizerFixture F => OptimizerFixture.Instance;

    private static ILearningRateSchedule Make(JsonElement c, float gammaScale = 1f, long warmupDelta = 0)
    {
        float initial = OptimizerFixture.Get(c, "initial");
        return c.GetProperty("kind").GetString() switch
        {
            "step" => new StepLR(initial, c.GetProperty("step_size").GetInt32(), OptimizerFixture.Get(c, "gamma") * gammaScale),
            "exponential" => new ExponentialLR(initial, OptimizerFixture.Get(c, "gamma") * gammaScale),
            "cosine" => new CosineAnnealing(initial, c.GetProperty("total_steps").GetInt64(), OptimizerFixture.Get(c, "min_lr"),
                c.GetProperty("warmup_steps").GetInt64() + warmupDelta),
            var kind => throw new ArgumentException($"unknown schedule kind {kind}"),
        };
    }

    /// <summary>Worst |ours − torch| / |torch| over the fixture's steps (exact zero compared absolutely), in units of 1e-6.</summary>
    private static double WorstScaledError(ILearningRateSchedule schedule, JsonElement c)
    {
        float[] expected = OptimizerFixture.Floats(c.GetProperty("lrs"));
        double worst = 0;
        for (int k = 0; k < expected.Length; k++)
        {
            double e = c.GetProperty("lrs")[k].GetDouble(); // torch's double, not rounded to float
            double err = Math.Abs(schedule.LearningRate(k) - e) / Math.Max(Math.Abs(e) * 1e-6, 1e-12);
            worst = Math.Max(worst, err);
        }

        return worst;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        JsonElement c = F.Schedules[name];
        double worst = WorstScaledError(Make(c), c);
        _output.WriteLine($"schedule '{name}': max relative error {worst * 1e-6:E2} over {c.GetProperty("lrs").GetArrayLength()} steps");
        Assert.True(worst <= 1.0, $"schedule '{name}' differs from torch {F.TorchVersion} by {worst:F2}× the tolerance");
    }

    [Theory]
    [InlineData("step")]
    [InlineData("exponential")]
    [InlineData("cosine")]
    public void WrongGammaOrWarmup_FailsTheComparison(string name)
    {
        JsonElement c = F.Schedules[name];
        ILearningRateSchedule wrong = name == "cosine" ? Make(c, warmupDelta: 1) : Make(c, gammaScale: 1.001f);
        Assert.True(WorstScaledError(wrong, c) > 1.0, $"a wrong hyperparameter of '{name}' went unnoticed");
    }

    [Fact]
    public void CosineWarmup_StartsAboveZero_PeaksAtTheEndOfWarmup_HoldsTheMinimumAfterTheEnd()
    {
        var s = new CosineAnnealing(0.1f, totalSteps: 10, minLearningRate: 0.001f, warmupSteps: 4);
        Assert.Equal(0.025f, s.LearningRate(0));
        Assert.Equal(0.1f, s.LearningRate(3));
        Assert.Equal(0.1f, s.LearningRate(4));
        Assert.Equal(0.001f, s.LearningRate(10));
        Assert.Equal(0.001f, s.LearningRate(11));
        Assert.Equal(0.001f, s.LearningRate(1_000_000));
        for (int k = 4; k < 10; k++)
        {
            Assert.True(s.LearningRate(k + 1) < s.LearningRate(k));
        }
    }

    [Fact]
    public void Apply_SetsTheRateOfTheOptimizersStepCount()
    {
        var schedule = new StepLR(0.1f, stepSize: 2, gamma: 0.5f);
        IOptimizer[] optimizers = { new Sgd(4, 1f), new Adam(4), new AdamW(4), new RmsProp(4), new Adagrad(4) };
        foreach (IOptimizer opt in optimizers)
        {
            float[] p = new float[4], g = { 1f, -1f, 0.5f, 2f };
            var seen = new float[5];
            for (int k = 0; k < 5; k++)
            {
                seen[k] = schedule.Apply(opt);
                Assert.Equal(seen[k], opt.LearningRate);
                opt.Step(p, g);
            }

            Assert.Equal(new[] { 0.1f, 0.1f, 0.05f, 0.05f, 0.025f }, seen);

            // Resumed at step 3 (restored state), the schedule continues where it was.
            opt.RestoreStepCount(3);
            Assert.Equal(0.05f, schedule.Apply(opt));
        }
    }

    [Fact]
    public void ExponentialLR_LargeStepsStayValid()
    {
        Assert.Equal(0f, new ExponentialLR(0.1f, 0.5f).LearningRate(100_000));
        Assert.Equal(float.MaxValue, new ExponentialLR(0.1f, 2f).LearningRate(100_000));
        Assert.Equal(0f, new ExponentialLR(0f, 2f).LearningRate(100_000));
        new Sgd(1, 1f).LearningRate = new ExponentialLR(0.1f, 2f).LearningRate(100_000);
    }

    [Fact]
    public void InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(-0.1f, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(0.1f, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(0.1f, 3, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialLR(float.PositiveInfinity, 0.9f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialLR(0.1f, -0.9f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealing(0.1f, totalSteps: 5, warmupSteps: 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealing(0.1f, totalSteps: 5, warmupSteps: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealing(0.1f, totalSteps: 5, minLearningRate: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(0.1f, 3).LearningRate(-1));
        Assert.Throws<ArgumentNullException>(() => new StepLR(0.1f, 3).Apply(null!));
    }
}
