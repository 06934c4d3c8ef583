using System;
using System.Text.Json;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>What SGD and Adam share with every optimizer: the fixture's shape, step counting and Reset, learning-rate changes between steps and the length checks of Step.</summary>
public class OptimizerTests
{
    private static OptimizerFixture F => OptimizerFixture.Instance;

    [Fact]
    public void Fixture_CoversSimdTails()
    {
        Assert.Equal(37, F.Initial.Length);
        Assert.Equal(4, F.Gradients.Count);
        Assert.NotEqual(F.Gradients[0][0], F.Gradients[1][0]);
    }

    [Fact]
    public void StepCount_CountsStepsAndResetClearsStateAndCount()
    {
        JsonElement c = F.Adam["amsgrad"];
        float[][] expected = OptimizerFixture.Steps(c);
        Adam adam = AdamTests.Make(c);
        Sgd sgd = SgdTests.Make(F.Sgd["momentum"]);
        float[] scratch = (float[])F.Initial.Clone();
        for (int t = 0; t < 3; t++)
        {
            adam.Step(scratch, F.Gradients[t]);
            sgd.Step(scratch, F.Gradients[t]);
        }

        Assert.Equal(3, adam.StepCount);
        Assert.Equal(3, sgd.StepCount);

        adam.Reset();
        sgd.Reset();
        Assert.Equal(0, adam.StepCount);
        Assert.Equal(0, sgd.StepCount);

        // After Reset the optimizers behave exactly like new ones.
        Assert.True(F.WorstScaledError(adam, expected) <= 1.0);
        Assert.True(F.WorstScaledError(sgd, OptimizerFixture.Steps(F.Sgd["momentum"])) <= 1.0);
        Assert.Equal(4, adam.StepCount);
    }

    [Fact]
    public void LearningRate_CanBeChangedBetweenSteps()
    {
        var sgd = new Sgd(1, learningRate: 0.5f);
        float[] p = { 1f };
        sgd.Step(p, new[] { 1f });
        Assert.Equal(0.5f, p[0]);
        sgd.LearningRate = 0.25f;
        Assert.Equal(0.25f, sgd.LearningRate);
        sgd.Step(p, new[] { 1f });
        Assert.Equal(0.25f, p[0]);

        var adam = new Adam(1, learningRate: 0.1f);
        adam.LearningRate = 0.2f;
        Assert.Equal(0.2f, adam.LearningRate);
        float[] q = { 0f };
        adam.Step(q, new[] { 3f });
        Assert.Equal(-0.2f, q[0], 1e-6f);

        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = -1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.LearningRate = float.NaN);
    }

    [Fact]
    public void Step_WrongLengths_ThrowNamingBothLengths()
    {
        IOptimizer[] optimizers = { new Sgd(12, 0.1f), new Sgd(12, 0.1f, momentum: 0.9f), new Adam(12) };
        foreach (IOptimizer opt in optimizers)
        {
            var e1 = Assert.Throws<ArgumentException>(() => opt.Step(new float[10], new float[12]));
            Assert.Equal("parameters", e1.ParamName);
            Assert.StartsWith("parameters has 10 elements; this optimizer was created for 12 parameters.", e1.Message);

            var e2 = Assert.Throws<ArgumentException>(() => opt.Step(new float[12], new float[13]));
            Assert.Equal("gradients", e2.ParamName);
            Assert.StartsWith("gradients has 13 elements; this optimizer was created for 12 parameters.", e2.Message);

            Assert.Equal(0, opt.StepCount);
            Assert.Equal(12, opt.ParameterCount);
        }
    }
}
