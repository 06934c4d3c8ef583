using System;
using RnnGen.Tests.Models;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>Wrong lengths throw ArgumentException naming expected and actual sizes; non-finite training never reaches the weights.</summary>
public class BadInputTests
{
    private static void AssertMessage(ArgumentException e, string param, params string[] parts)
    {
        Assert.Equal(param, e.ParamName);
        foreach (var part in parts) Assert.Contains(part, e.Message);
    }

    [Fact]
    public void StepChecksLengths()
    {
        var model = new Elman64x10();
        var e = Assert.Throws<ArgumentException>(() => model.Step(new float[9], new float[1]));
        AssertMessage(e, "input", "must hold 10 floats", "has 9");
        e = Assert.Throws<ArgumentException>(() => model.Step(new float[10], new float[2]));
        AssertMessage(e, "output", "must hold 1 floats", "has 2");
        var state = new Elman64x10.State();
        e = Assert.Throws<ArgumentException>(() => model.Step(ref state, new float[11], new float[1]));
        AssertMessage(e, "input", "10", "11");
    }

    [Fact]
    public void ForwardChecksLengths()
    {
        var model = new Elman64x10();
        var e = Assert.Throws<ArgumentException>(() => model.Forward(new float[25], new float[2]));
        AssertMessage(e, "inputs", "25", "multiple of 10");
        e = Assert.Throws<ArgumentException>(() => model.Forward(new float[30], new float[2]));
        AssertMessage(e, "outputs", "must hold 3 floats", "has 2");
    }

    [Fact]
    public void TrainingChecksWindowTargetsAndOptimizer()
    {
        var model = new Elman64x10();
        var before = TestData.Bits(model.Parameters);
        var adam = new Adam(Elman64x10.ParameterCount);

        var e = Assert.Throws<ArgumentException>(() => model.TrainStep(new float[33 * 10], new float[33], adam));
        AssertMessage(e, "inputs", "33 steps", "Window is 32");
        e = Assert.Throws<ArgumentException>(() => model.AccumulateGradients(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty));
        AssertMessage(e, "inputs", "no step");
        e = Assert.Throws<ArgumentException>(() => model.TrainStep(new float[40], new float[3], adam));
        AssertMessage(e, "targets", "must hold 4 floats", "has 3");
        e = Assert.Throws<ArgumentException>(() => model.AccumulateGradients(new float[40], new float[4], new float[63]));
        AssertMessage(e, "initialStateGradient", "64", "63");
        e = Assert.Throws<ArgumentException>(() => model.TrainStep(new float[40], new float[4], new Adam(100)));
        Assert.Contains($"ParameterCount = {Elman64x10.ParameterCount}", e.Message);
        Assert.Throws<ArgumentNullException>(() => model.TrainStep(new float[40], new float[4], null!));

        var last = new Elman64x10Last();
        e = Assert.Throws<ArgumentException>(() => last.AccumulateGradients(new float[40], new float[4]));
        AssertMessage(e, "targets", "must hold 1 floats", "LastStep");

        e = Assert.Throws<ArgumentException>(() => model.CopyParametersFrom(new float[5]));
        AssertMessage(e, "source", $"{Elman64x10.TrainableParameterCount}", "has 5");
        Assert.Equal(before, TestData.Bits(model.Parameters));
        Assert.Equal(0, adam.StepCount);
    }

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
