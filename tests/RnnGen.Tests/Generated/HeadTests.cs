using System;
using System.Linq;
using RnnGen.Tests.Models;
using RnnGen.Tests.Reference;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>Softmax + cross-entropy and sigmoid + BCE/MSE heads: probabilities out, gradients against finite differences, class ids.</summary>
public class HeadTests
{
    private const RnnOutputActivation Softmax = RnnOutputActivation.Softmax, Sigmoid = RnnOutputActivation.Sigmoid;

    [Fact] public void SoftmaxCrossEntropyGradients() => ModelChecks.GradientCheck<LstmSoftmax>(ModelConfig.Of<LstmSoftmax>(RnnCell.Lstm, head: Softmax, loss: RnnLoss.CrossEntropy), 7, 71);
    [Fact] public void SoftmaxCrossEntropyLastStepGradients() => ModelChecks.GradientCheck<GruSoftmaxLast>(ModelConfig.Of<GruSoftmaxLast>(RnnCell.Gru, lastStep: true, head: Softmax, loss: RnnLoss.CrossEntropy), 7, 72);
    [Fact] public void SigmoidBceGradients() => ModelChecks.GradientCheck<ElmanSigmoidBce>(ModelConfig.Of<ElmanSigmoidBce>(head: Sigmoid, loss: RnnLoss.BinaryCrossEntropy), 7, 73);
    [Fact] public void SigmoidMseGradients() => ModelChecks.GradientCheck<ElmanSigmoidMse>(ModelConfig.Of<ElmanSigmoidMse>(head: Sigmoid), 7, 74);

    [Fact]
    public void StepAndForwardReturnProbabilities()
    {
        var model = new LstmSoftmax(seed: 3);
        var x = TestData.Uniform(1, 5 * 3, 2);
        var outputs = new float[5 * 4];
        model.Forward(x, outputs);
        for (int t = 0; t < 5; t++)
        {
            var p = outputs.AsSpan(t * 4, 4).ToArray();
            Assert.All(p, v => Assert.InRange(v, 0f, 1f));
            Assert.Equal(1.0, p.Sum(), 5);
        }

        var sigmoid = new ElmanSigmoidBce(seed: 3);
        var y = new float[2];
        sigmoid.Step(x.AsSpan(0, 3), y);
        Assert.All(y, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void ClassIdsEqualOneHotTargets()
    {
        var a = new LstmSoftmax(seed: 4);
        var b = new LstmSoftmax(seed: 4);
        var x = TestData.Uniform(1, 6 * 3, 1);
        int[] classes = { 0, 3, 1, 1, 2, 3 };
        var oneHot = new float[6 * 4];
        for (int t = 0; t < 6; t++) oneHot[t * 4 + classes[t]] = 1f;
        float la = a.AccumulateGradients(x, classes);
        float lb = b.AccumulateGradients(x, oneHot);
        Assert.Equal(la, lb);
        Assert.Equal(TestData.Bits(a.Gradients), TestData.Bits(b.Gradients));
        a.ResetState();
        Assert.Equal(la, a.Evaluate(x, classes), 6);

        var adam = new Adam(LstmSoftmax.ParameterCount, 0.01f);
        float first = a.TrainStep(x, classes, adam);
        for (int i = 0; i < 300; i++) a.TrainStep(x, classes, adam);
        Assert.True(a.TrainStep(x, classes, adam) < first / 4, "cross-entropy should fall on a fixed sequence");
    }

    [Fact]
    public void BadClassIdsAreRejectedBeforeAnythingChanges()
    {
        var model = new LstmSoftmax(seed: 5);
        var before = TestData.Bits(model.Parameters);
        var x = TestData.Uniform(1, 3 * 3, 1);
        var adam = new Adam(LstmSoftmax.ParameterCount);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainStep(x, new[] { 0, 4, 1 }, adam));
        Assert.Equal("targets", e.ParamName);
        Assert.Contains("targets[1] = 4", e.Message);
        Assert.Contains("[0, 4)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.AccumulateGradients(x, new[] { -1, 0, 0 }));
        var count = Assert.Throws<ArgumentException>(() => model.AccumulateGradients(x, new[] { 0, 1 }));
        Assert.Contains("3 class ids", count.Message);
        var last = new GruSoftmaxLast();
        Assert.Throws<ArgumentException>(() => last.AccumulateGradients(x, new[] { 0, 1, 2 }));
        Assert.Equal(before, TestData.Bits(model.Parameters));
        Assert.Equal(0, adam.StepCount);
    }
}
