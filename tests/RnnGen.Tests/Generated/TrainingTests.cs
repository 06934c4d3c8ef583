using System;
using RnnGen.Tests.Models;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>Training reaches a stated loss on small deterministic tasks, and is bit-for-bit reproducible.</summary>
public class TrainingTests
{
    private static (float[] Inputs, float[] Targets) SineWindow(int start, int steps)
    {
        var x = new float[steps];
        var y = new float[steps];
        for (int t = 0; t < steps; t++)
        {
            x[t] = MathF.Sin(0.3f * (start + t));
            y[t] = MathF.Sin(0.3f * (start + t + 1));
        }

        return (x, y);
    }

    private static float TrainSine(SineTask model, Adam adam, int windows)
    {
        float last = 0;
        for (int i = 0; i < windows; i++)
        {
            var (x, y) = SineWindow(i * 7 % 50, SineTask.Window);
            last = model.TrainStep(x, y, adam);
        }

        return last;
    }

    [Fact]
    public void SinePredictionLossFallsBelowThreshold()
    {
        var model = new SineTask(seed: 1);
        var adam = new Adam(SineTask.ParameterCount, learningRate: 0.01f);
        var (x, y) = SineWindow(3, SineTask.Window);
        float before = model.Evaluate(x, y);
        TrainSine(model, adam, 400);
        model.ResetState();
        float after = model.Evaluate(x, y);
        Assert.True(before > 0.05f, $"untrained loss {before} should be large");
        Assert.True(after < 0.002f, $"trained loss {after} should be below 0.002 (was {before} before training)");
    }

    [Fact]
    public void SequenceToOneMeanLossFallsBelowThreshold()
    {
        var model = new MeanTask(seed: 2);
        var adam = new Adam(MeanTask.ParameterCount, learningRate: 0.003f);
        var rng = new Random(5);
        var x = new float[MeanTask.Window];
        var y = new float[1];

        float Score()
        {
            var r = new Random(99);
            double sum = 0;
            for (int i = 0; i < 100; i++)
            {
                float mean = 0;
                for (int t = 0; t < x.Length; t++) { x[t] = (float)(r.NextDouble() * 2 - 1); mean += x[t]; }
                y[0] = mean / x.Length;
                model.ResetState();
                sum += model.Evaluate(x, y);
            }

            return (float)(sum / 100);
        }

        float before = Score();
        for (int i = 0; i < 6000; i++)
        {
            float mean = 0;
            for (int t = 0; t < x.Length; t++) { x[t] = (float)(rng.NextDouble() * 2 - 1); mean += x[t]; }
            y[0] = mean / x.Length;
            model.TrainStep(x, y, adam);
        }

        float after = Score();
        Assert.True(after < 0.002f, $"trained loss {after} should be below 0.002 (untrained {before})");
        Assert.True(after < before / 10, $"loss should fall tenfold: {before} → {after}");
    }

    [Fact]
    public void SameSeedGivesBitIdenticalParameters()
    {
        int[] Run(int seed)
        {
            var model = new SineTask(seed);
            var sgd = new Sgd(SineTask.ParameterCount, learningRate: 0.05f, momentum: 0.9f, nesterov: true);
            for (int i = 0; i < 30; i++)
            {
                var (x, y) = SineWindow(i, SineTask.Window);
                model.TrainStep(x, y, sgd);
            }

            return TestData.Bits(model.Parameters);
        }

        Assert.Equal(Run(11), Run(11));
        Assert.NotEqual(Run(11), Run(12));
    }

    [Fact]
    public void InitializationIsDeterministicAndLikePyTorch()
    {
        var a = new float[Elman64x10.TrainableParameterCount];
        var b = new float[Elman64x10.TrainableParameterCount];
        new Elman64x10(seed: 5).CopyParametersTo(a);
        new Elman64x10(seed: 5).CopyParametersTo(b);
        Assert.Equal(TestData.Bits(a), TestData.Bits(b));
        var c = new float[Elman64x10.TrainableParameterCount];
        new Elman64x10(seed: 6).CopyParametersTo(c);
        Assert.NotEqual(TestData.Bits(a), TestData.Bits(c));

        var layout = Elman64x10.ParameterLayout;
        // W_ih: Glorot-uniform, |w| ≤ √(6 / (fan_in + fan_out)) and not all tiny.
        var wih = layout["rnn.weight_ih_l0"];
        float limit = MathF.Sqrt(6f / (10 + 64));
        float max = 0;
        for (int i = 0; i < wih.Length; i++) max = MathF.Max(max, MathF.Abs(a[wih.Offset + i]));
        Assert.True(max <= limit && max > 0.8f * limit, $"max |W_ih| {max} vs Glorot limit {limit}");
        // W_hh: orthogonal, W·Wᵀ = I.
        var whh = layout["rnn.weight_hh_l0"];
        for (int r = 0; r < 64; r++)
            for (int s = 0; s < 64; s++)
            {
                double dot = 0;
                for (int k = 0; k < 64; k++) dot += (double)a[whh.Offset + r * 64 + k] * a[whh.Offset + s * 64 + k];
                Assert.True(Math.Abs(dot - (r == s ? 1 : 0)) < 1e-5, $"(W_hh W_hhᵀ)[{r},{s}] = {dot}");
            }

        // Biases: zero.
        foreach (var name in new[] { "rnn.bias_ih_l0", "rnn.bias_hh_l0", "head.bias" })
        {
            var t = layout[name];
            for (int i = 0; i < t.Length; i++) Assert.Equal(0f, a[t.Offset + i]);
        }
    }
}
