using System;
using System.Collections.Generic;
using RnnGen.Tests.Models;
using RnnGen.Tests.Reference;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>Token inputs through embedding.weight: forward, BPTT into the embedding rows, the token API and its errors.</summary>
public class EmbeddingTests
{
    private static readonly int[] Tokens = { 3, 0, 6, 6, 2, 5, 1, 3 };

    [Fact]
    public void EmbeddingGradientsMatchFiniteDifferences()
    {
        var model = new LstmEmbed_7_4_6_7(seed: 1);
        var config = ModelConfig.Of<LstmEmbed_7_4_6_7>(RnnCell.Lstm, head: RnnOutputActivation.Softmax, loss: RnnLoss.CrossEntropy);
        var parameters = ModelChecks.RandomParameters<LstmEmbed_7_4_6_7>(3);
        model.CopyParametersFrom(parameters);
        int[] classes = { 1, 2, 0, 6, 5, 5, 3, 4 };
        model.ZeroGradients();
        float loss = model.AccumulateGradients(Tokens, classes);
        var gradients = new float[LstmEmbed_7_4_6_7.TrainableParameterCount];
        model.CopyGradientsTo(gradients);

        var reference = new ReferenceRnn(config, parameters);
        var h0 = new double[LstmEmbed_7_4_6_7.StateSize];
        double Loss() => reference.Loss(reference.Embed(Tokens), default, h0, classes);
        Assert.Equal(Loss(), loss, 5);

        var p = reference.Parameters;
        var failures = new List<string>();
        for (int i = 0; i < p.Length; i++)
        {
            double saved = p[i];
            p[i] = saved + 1e-6;
            double plus = Loss();
            p[i] = saved - 1e-6;
            double minus = Loss();
            p[i] = saved;
            double numeric = (plus - minus) / 2e-6;
            if (!ModelChecks.Close(numeric, gradients[i], 1e-3, 1e-5)) failures.Add($"{i}: {gradients[i]} vs {numeric}");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // Token 4 never occurs: its embedding row gets no gradient.
        var row = LstmEmbed_7_4_6_7.ParameterLayout["embedding.weight"];
        for (int k = 0; k < 4; k++) Assert.Equal(0f, gradients[row.Offset + 4 * 4 + k]);
    }

    [Fact]
    public void TokenStepEqualsFeedingTheEmbeddingRow()
    {
        var a = new Gru2Embed_7_4_6_7(seed: 2);
        var b = new Gru2Embed_7_4_6_7(seed: 2);
        var canonical = new float[Gru2Embed_7_4_6_7.TrainableParameterCount];
        a.CopyParametersTo(canonical);
        var ya = new float[7];
        var yb = new float[7];
        foreach (int token in Tokens)
        {
            a.Step(token, ya);
            b.Step(canonical.AsSpan(token * 4, 4), yb);
            Assert.Equal(ya, yb);
        }

        var forward = new float[Tokens.Length * 7];
        a.ResetState();
        a.Forward(Tokens, forward);
        Assert.Equal(ya, forward.AsSpan(forward.Length - 7).ToArray());
    }

    [Fact]
    public void TrainingOnTokensLearnsASequence()
    {
        var model = new Gru2Embed_7_4_6_7(seed: 3);
        var adam = new Adam(Gru2Embed_7_4_6_7.ParameterCount, 0.02f);
        int[] next = { 0, 6, 6, 2, 5, 1, 3, 3 };
        float first = model.TrainStep(Tokens, next, adam);
        float last = first;
        for (int i = 0; i < 300; i++) last = model.TrainStep(Tokens, next, adam);
        Assert.True(last < first / 5, $"cross-entropy {first} → {last}");
    }

    [Fact]
    public void OutOfRangeTokensThrowBeforeAnythingChanges()
    {
        var model = new ElmanEmbedMse(seed: 4);
        var before = TestData.Bits(model.Parameters);
        var y = new float[2];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(11, y));
        Assert.Equal("token", e.ParamName);
        Assert.Contains("[0, 11)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(-1, y));
        var adam = new Adam(ElmanEmbedMse.ParameterCount);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainStep(new[] { 1, 2, 12 }, new float[6], adam));
        Assert.Contains("tokens[2] = 12", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(new[] { 0, 11 }, new float[4]));
        Assert.Equal(before, TestData.Bits(model.Parameters));
        Assert.Equal(0, adam.StepCount);
        Assert.Equal(11, ElmanEmbedMse.Vocabulary);
        Assert.Equal("embedding.weight", ElmanEmbedMse.ParameterLayout.Tensors[0].Name);
    }
}
