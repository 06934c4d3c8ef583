using System;
using RnnGen.Tests.Models;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>TrainBatch: the batch mean of per-sequence gradients, in a fixed chunk order that does not depend on the cores.</summary>
public class TrainBatchTests
{
    private const int Sequences = 13, Steps = 6;

    private static (float[] X, float[] Y) Batch(int seed) =>
        (TestData.Uniform(seed, Sequences * Steps * Lstm5x3x2.InputSize, 1), TestData.Uniform(seed + 1, Sequences * Steps * Lstm5x3x2.OutputSize, 1));

    [Fact]
    public void GradientIsTheChunkOrderedMeanOfSequenceGradientsBitForBit()
    {
        var (x, y) = Batch(1);
        var batch = new Lstm5x3x2(seed: 2);
        var noClip = new TrainOptions { MaxGradientNorm = float.PositiveInfinity };
        float loss = batch.TrainBatch(x, y, Sequences, new Sgd(Lstm5x3x2.ParameterCount, 0f), noClip);

        // The same computation, sequentially: 8 chunks of consecutive sequences, each summed in order,
        // the chunks added in order, then the mean.
        var reference = new Lstm5x3x2(seed: 2);
        var total = new float[Lstm5x3x2.ParameterCount];
        double lossSum = 0;
        int chunks = Math.Min(Sequences, 8);
        for (int c = 0; c < chunks; c++)
        {
            reference.ZeroGradients();
            int first = c * Sequences / chunks, end = (c + 1) * Sequences / chunks;
            double chunkLoss = 0;
            for (int q = first; q < end; q++)
            {
                reference.ResetState();
                chunkLoss += reference.AccumulateGradients(x.AsSpan(q * Steps * 3, Steps * 3), y.AsSpan(q * Steps * 2, Steps * 2));
            }

            lossSum += chunkLoss;
            if (c == 0) reference.Gradients.CopyTo(total);
            else for (int i = 0; i < total.Length; i++) total[i] += reference.Gradients[i];
        }

        for (int i = 0; i < total.Length; i++) total[i] *= 1f / Sequences;
        Assert.Equal((float)(lossSum / Sequences), loss);
        Assert.Equal(TestData.Bits(total), TestData.Bits(batch.Gradients));
        Assert.Contains(total, g => g != 0f);
    }

    [Fact]
    public void BatchTrainingLowersTheLossAndIsReproducible()
    {
        var (x, y) = Batch(3);
        int[] Train(int seed)
        {
            var model = new Lstm5x3x2(seed);
            var adam = new Adam(Lstm5x3x2.ParameterCount, 0.02f);
            float first = model.TrainBatch(x, y, Sequences, adam), last = first;
            for (int i = 0; i < 150; i++) last = model.TrainBatch(x, y, Sequences, adam);
            Assert.True(last < first * 0.7f, $"batch loss {first} → {last}");
            return TestData.Bits(model.Parameters);
        }

        Assert.Equal(Train(4), Train(4));
    }

    [Fact]
    public void BadBatchesAreRejectedAndNonFiniteOnesSkipped()
    {
        var (x, y) = Batch(5);
        var model = new Lstm5x3x2(seed: 6);
        var before = TestData.Bits(model.Parameters);
        var sgd = new Sgd(Lstm5x3x2.ParameterCount, 0.1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainBatch(x, y, 0, sgd));
        Assert.Throws<ArgumentException>(() => model.TrainBatch(x, y, 7, sgd));                      // 13×18 floats do not split into 7
        Assert.Throws<ArgumentException>(() => model.TrainBatch(x, y.AsSpan(1), Sequences, sgd));     // targets too short
        Assert.Throws<ArgumentException>(() => model.TrainBatch(x, y, Sequences, sgd, new TrainOptions { Stateful = true }));
        Assert.Equal(before, TestData.Bits(model.Parameters));

        x[40] = float.NaN;
        model.TrainBatch(x, y, Sequences, sgd);
        Assert.Equal(1, model.SkippedSteps);
        Assert.Equal(before, TestData.Bits(model.Parameters));
        Assert.Equal(0, sgd.StepCount);
    }

    [Fact]
    public void TokenAndClassBatchesWork()
    {
        var model = new LstmEmbed_7_4_6_7(seed: 7);
        var adam = new Adam(LstmEmbed_7_4_6_7.ParameterCount, 0.02f);
        int[] tokens = { 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5 };   // 3 sequences of 4
        int[] next = { 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6 };
        float first = model.TrainBatch(tokens, next, 3, adam), last = first;
        for (int i = 0; i < 100; i++) last = model.TrainBatch(tokens, next, 3, adam);
        Assert.True(last < first / 3, $"cross-entropy {first} → {last}");
        Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainBatch(new[] { 9, 0, 0, 0 }, new[] { 0, 0, 0, 0 }, 1, adam));
    }
}
