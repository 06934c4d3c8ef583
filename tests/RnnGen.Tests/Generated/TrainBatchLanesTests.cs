using System;
using RnnGen.Tests.Models;
using RnnGen.Tests.Models.Lists;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// TrainBatch's lanes: a chunk's sequences stepped together (each step's products over all of them) give bit for bit the
/// gradient and loss of the same sequences accumulated one at a time, chunk by chunk. The batches are big enough for
/// chunks of 10–13 sequences, so every lanes kernel runs whole blocks of lanes and a remainder.
/// </summary>
public class TrainBatchLanesTests
{
    private const int Steps = 6;

    private static readonly TrainOptions NoClip = new() { MaxGradientNorm = float.PositiveInfinity };

    /// <summary>
    /// The reference: the batch cut into min(sequences, 8) chunks of consecutive sequences, each chunk's sequences
    /// accumulated one by one from the zero state, the chunks added in order, then the mean.
    /// </summary>
    private static (float Loss, float[] Gradient) OneByOne<T>(T reference, int sequences, Func<T, int, float> accumulate)
        where T : IRnnModel
    {
        var total = new float[T.TrainableParameterCount];   // canonical order (CopyGradientsTo)
        var chunk = new float[T.TrainableParameterCount];
        double lossSum = 0;
        int chunks = Math.Min(sequences, 8);
        for (int c = 0; c < chunks; c++)
        {
            reference.ZeroGradients();
            int first = c * sequences / chunks, end = (c + 1) * sequences / chunks;
            double chunkLoss = 0;
            for (int q = first; q < end; q++)
            {
                reference.ResetState();
                chunkLoss += accumulate(reference, q);
            }

            lossSum += chunkLoss;
            reference.CopyGradientsTo(chunk);
            for (int i = 0; i < total.Length; i++) total[i] = c == 0 ? chunk[i] : total[i] + chunk[i];
        }

        for (int i = 0; i < total.Length; i++) total[i] *= 1f / sequences;
        return ((float)(lossSum / sequences), total);
    }

    private static void FloatTargets<T>(Func<int, T> create, int sequences, bool lastStep, Func<T, float[], float[], int, IOptimizer, float> trainBatch, int seed = 1)
        where T : IRnnModel
    {
        int perTarget = (lastStep ? 1 : Steps) * T.OutputSize;
        var x = TestData.Uniform(seed, sequences * Steps * T.InputSize, 1);
        var y = TestData.Uniform(seed + 1, sequences * perTarget, 1);
        var batch = create(seed + 2);
        float loss = trainBatch(batch, x, y, sequences, new Sgd(T.ParameterCount, 0f));
        var (expectedLoss, expected) = OneByOne(create(seed + 2), sequences,
            (m, q) => m.AccumulateGradients(x.AsSpan(q * Steps * T.InputSize, Steps * T.InputSize), y.AsSpan(q * perTarget, perTarget)));
        var actual = new float[T.TrainableParameterCount];
        batch.CopyGradientsTo(actual);
        Assert.Equal(expectedLoss, loss);
        Assert.Equal(TestData.Bits(expected), TestData.Bits(actual));
        Assert.Contains(expected, g => g != 0f);
    }

    [Theory]
    [InlineData(93)]   // chunks of 11–12 lanes
    [InlineData(17)]   // chunks of 2–3 lanes: fewer than a block
    public void Lstm64(int sequences) =>
        FloatTargets(s => new Lstm64x10(s), sequences, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void Gru64() => FloatTargets(s => new Gru64x10(s), 85, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void Elman64() => FloatTargets(s => new RnnGen.Tests.Models.Fixtures.Elman_10_64_1(s), 85, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void Lstm128() => FloatTargets(s => new Lstm128x10(s), 83, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void LstmLastStep() => FloatTargets(s => new Lstm5x3x2Last(s), 90, true, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void GruLastStep() => FloatTargets(s => new Gru5x3x2Last(s), 90, true, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void TwoLayerLstm() => FloatTargets(s => new Lstm2Layer5x3x2(s), 101, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void TwoLayerGru() => FloatTargets(s => new Gru2Layer5x3x2(s), 101, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void TwoLayerElmanRelu() => FloatTargets(s => new ElmanRelu2Layer5x3x2(s), 101, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void NoHead() => FloatTargets(s => new GruNoHead(s), 88, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void SigmoidBce() => FloatTargets(s => new ElmanSigmoidBce(s), 88, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void DenseLayersAndTwoHeads() => FloatTargets(s => new HallwayPolicy(s), 84, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void HeadThatAddsAnInput() => FloatTargets(s => new Proteus(s), 84, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void RecurrentAndDenseStackWithoutHead() => FloatTargets(s => new MixedStack(s), 84, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void DenseActivationStack() => FloatTargets(s => new DenseActivations(s), 84, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void BFloat16Models()
    {
        FloatTargets(s => new Bf16Stack(s), 84, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));
        FloatTargets(s => new Bf16StackFallback(s), 84, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));
        FloatTargets(s => new RnnGen.Tests.Models.Bf16.Lstm128x10(s), 40, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));
    }

    [Fact]
    public void ClassTargetsLastStep()
    {
        const int Sequences = 90, Seed = 4;
        var x = TestData.Uniform(Seed, Sequences * Steps * GruCeLast_3_5_4.InputSize, 1);
        var classes = new int[Sequences];
        for (int q = 0; q < Sequences; q++) classes[q] = (q * 7 + 3) % GruCeLast_3_5_4.OutputSize;
        var batch = new GruCeLast_3_5_4(Seed);
        float loss = batch.TrainBatch(x, classes, Sequences, new Sgd(GruCeLast_3_5_4.ParameterCount, 0f), NoClip);
        var (expectedLoss, expected) = OneByOne(new GruCeLast_3_5_4(Seed), Sequences,
            (m, q) => m.AccumulateGradients(x.AsSpan(q * Steps * 3, Steps * 3), classes.AsSpan(q, 1)));
        var actual = new float[GruCeLast_3_5_4.TrainableParameterCount];
        batch.CopyGradientsTo(actual);
        Assert.Equal(expectedLoss, loss);
        Assert.Equal(TestData.Bits(expected), TestData.Bits(actual));
    }

    [Fact]
    public void ClassTargetsEveryStep()
    {
        const int Sequences = 90, Seed = 5;
        var x = TestData.Uniform(Seed, Sequences * Steps * LstmCe_3_5_4.InputSize, 1);
        var classes = new int[Sequences * Steps];
        for (int i = 0; i < classes.Length; i++) classes[i] = (i * 5 + 1) % LstmCe_3_5_4.OutputSize;
        var batch = new LstmCe_3_5_4(Seed);
        float loss = batch.TrainBatch(x, classes, Sequences, new Sgd(LstmCe_3_5_4.ParameterCount, 0f), NoClip);
        var (expectedLoss, expected) = OneByOne(new LstmCe_3_5_4(Seed), Sequences,
            (m, q) => m.AccumulateGradients(x.AsSpan(q * Steps * 3, Steps * 3), classes.AsSpan(q * Steps, Steps)));
        var actual = new float[LstmCe_3_5_4.TrainableParameterCount];
        batch.CopyGradientsTo(actual);
        Assert.Equal(expectedLoss, loss);
        Assert.Equal(TestData.Bits(expected), TestData.Bits(actual));
    }

    [Fact]
    public void TrainingThroughLanesLowersTheLoss()
    {
        const int Sequences = 64;
        var model = new Lstm64x10(seed: 3);
        var x = TestData.Uniform(3, Sequences * Steps * Lstm64x10.InputSize, 1);
        var y = TestData.Uniform(4, Sequences * Steps, 1);
        var sgd = new Sgd(Lstm64x10.ParameterCount, 0.01f);
        model.TrainBatch(x, y, Sequences, sgd);   // the workers and the lanes' caches come into being here
        float first = model.TrainBatch(x, y, Sequences, sgd), last = first;
        for (int i = 0; i < 20; i++) last = model.TrainBatch(x, y, Sequences, sgd);
        Assert.True(last < first, $"loss {first} → {last}");
        Assert.Equal(0, model.SkippedSteps);
    }
}
