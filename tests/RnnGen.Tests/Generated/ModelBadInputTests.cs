using System;
using RnnGen.Tests.Models;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>A generated model's methods reject spans of the wrong length, sequences outside the window and a wrong optimizer with an ArgumentException naming the parameter and both sizes; a rejected training call leaves the weights and the optimizer untouched.</summary>
public class ModelBadInputTests
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
}
