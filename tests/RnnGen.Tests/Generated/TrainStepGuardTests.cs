using System;
using RnnGen.Tests.Models;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>TrainStep's guards: a step whose loss or gradient is not finite is skipped (or throws, if asked) and never reaches the weights, the optimizer or the state; an exploding gradient is clipped to the configured norm.</summary>
public class TrainStepGuardTests
{
    [Theory]
    [InlineData(float.NaN, 0f)]
    [InlineData(float.PositiveInfinity, 0f)]
    [InlineData(0f, float.NaN)]
    [InlineData(0f, float.NegativeInfinity)]
    public void NonFiniteStepIsSkippedAndTheModelIsUntouched(float badInput, float badTarget)
    {
        var model = new Elman5x3x2(seed: 3);
        var adam = new Adam(Elman5x3x2.ParameterCount, 0.01f);
        var x = TestData.Uniform(1, 6 * 3, 1);
        var y = TestData.Uniform(2, 6 * 2, 1);
        model.TrainStep(x, y, adam);   // one good step so Adam has moments
        var h0 = TestData.Uniform(3, Elman5x3x2.StateSize, 0.5);
        model.CopyStateFrom(h0);
        var parameters = TestData.Bits(model.Parameters);

        x[7] += badInput;
        y[5] += badTarget;
        // An infinite input can saturate tanh and leave the loss finite while the gradient is not;
        // either way the step must be skipped.
        model.TrainStep(x, y, adam, new TrainOptions { Stateful = true });

        Assert.Equal(parameters, TestData.Bits(model.Parameters));
        Assert.Equal(1, model.SkippedSteps);
        Assert.Equal(1, adam.StepCount);
        var state = new float[Elman5x3x2.StateSize];
        model.CopyStateTo(state);
        Assert.Equal(h0, state);
        Assert.All(model.Gradients.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void NonFiniteStepCanThrow()
    {
        var model = new Elman5x3x2(seed: 3);
        var adam = new Adam(Elman5x3x2.ParameterCount, 0.01f);
        var parameters = TestData.Bits(model.Parameters);
        var x = new float[9];
        x[4] = float.NaN;
        var e = Assert.Throws<RnnNonFiniteException>(() =>
            model.TrainStep(x, new float[6], adam, new TrainOptions { OnNonFinite = NonFiniteBehavior.Throw }));
        Assert.Contains("skipped", e.Message);
        Assert.Equal(parameters, TestData.Bits(model.Parameters));
        Assert.Equal(0, adam.StepCount);
    }

    [Fact]
    public void ExplodingGradientIsClippedToTheConfiguredNorm()
    {
        var model = new Elman5x3x2(seed: 3);
        var x = TestData.Uniform(1, 9, 1);
        var y = new float[6];
        Array.Fill(y, 1e4f);   // a huge loss: the raw gradient norm is ~1e4
        var sgd = new Sgd(Elman5x3x2.ParameterCount, learningRate: 1f);
        var before = model.Parameters.ToArray();
        model.TrainStep(x, y, sgd, new TrainOptions { MaxGradientNorm = 0.5f });
        double moved = 0;
        var after = model.Parameters;
        for (int i = 0; i < before.Length; i++) moved += (after[i] - before[i]) * (double)(after[i] - before[i]);
        Assert.InRange(Math.Sqrt(moved), 0.49, 0.5001);   // lr 1 × clipped norm 0.5
    }
}
