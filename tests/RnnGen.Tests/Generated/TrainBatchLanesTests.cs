using System;
using System.Linq;
using System.Reflection;
using RnnGen.Internal;
using RnnGen.Tests.Models;
using Fixtures = RnnGen.Tests.Models.LayerFixtures;
using RnnGen.Tests.Models.Lists;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// TrainBatch's lanes: a chunk's sequences stepped together (each step's products over all of them) give bit for bit the
/// gradient and loss of the same sequences accumulated one at a time, chunk by chunk. The batches are big enough for
/// chunks of 10–13 sequences, so every lanes kernel runs whole blocks of lanes and a remainder. Every kind of model takes
/// the lanes: plain ones, token models (each lane's window of embedding rows, and the embedding's gradient added after
/// the step loop), learned initial states (each lane starts from them) and dropout (each lane draws its sequence's masks).
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

    private static void TokenClasses<T>(Func<int, T> create, int sequences, Func<T, int[], int[], int, IOptimizer, float> trainBatch, int seed = 6)
        where T : IRnnModel
    {
        var tokens = new int[sequences * Steps];
        var classes = new int[sequences * Steps];
        for (int i = 0; i < tokens.Length; i++) (tokens[i], classes[i]) = ((i * 5 + i / 7) % T.Vocabulary, (i * 3 + 1) % T.OutputSize);
        var batch = create(seed);
        float loss = trainBatch(batch, tokens, classes, sequences, new Sgd(T.ParameterCount, 0f));
        var (expectedLoss, expected) = OneByOne(create(seed), sequences, (m, q) => Accumulate(m, tokens.AsSpan(q * Steps, Steps), classes.AsSpan(q * Steps, Steps)));
        var actual = new float[T.TrainableParameterCount];
        batch.CopyGradientsTo(actual);
        Assert.Equal(expectedLoss, loss);
        Assert.Equal(TestData.Bits(expected), TestData.Bits(actual));
        // The embedding's rows (first in canonical order) have a gradient: the lanes added dE.
        Assert.Contains(expected.AsSpan(0, T.Vocabulary * T.InputSize).ToArray(), g => g != 0f);
    }

    /// <summary>The token and class-id form of AccumulateGradients, which IRnnModel does not have.</summary>
    private static float Accumulate<T>(T model, ReadOnlySpan<int> tokens, ReadOnlySpan<int> classes) => model switch
    {
        LstmEmbed_7_4_6_7 m => m.AccumulateGradients(tokens, classes),
        Gru2Embed_7_4_6_7 m => m.AccumulateGradients(tokens, classes),
        Fixtures.EmbedDenseGru m => m.AccumulateGradients(tokens, classes),
        RnnGen.Tests.Models.Bf16.LstmEmbed_7_4_6_7 m => m.AccumulateGradients(tokens, classes),
        _ => throw new ArgumentException(typeof(T).Name),
    };

    [Theory]
    [InlineData(93)]
    [InlineData(17)]
    public void TokenLstm(int sequences) =>
        TokenClasses(s => new LstmEmbed_7_4_6_7(s), sequences, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void TokenTwoLayerGru() => TokenClasses(s => new Gru2Embed_7_4_6_7(s), 85, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void TokenDenseGru() => TokenClasses(s => new Fixtures.EmbedDenseGru(s), 84, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Fact]
    public void TokenBFloat16Lstm() =>
        TokenClasses(s => new RnnGen.Tests.Models.Bf16.LstmEmbed_7_4_6_7(s), 84, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TokenModelsWithFloatTargetsOrFloatInputs(bool floatInputs)
    {
        // GRU 64: whole blocks of lanes at every width; Elman 9: a small model.
        TokenFloats(s => new GruEmbed_11_8_64_3(s), 85, floatInputs,
            (m, q, x, y) => floatInputs ? m.AccumulateGradients(x, y) : m.AccumulateGradients(Ids(x), y),
            (m, x, y, n, o) => floatInputs ? m.TrainBatch(x, y, n, o, NoClip) : m.TrainBatch(Ids(x), y, n, o, NoClip));
        TokenFloats(s => new ElmanEmbedMse(s), 90, floatInputs,
            (m, q, x, y) => floatInputs ? m.AccumulateGradients(x, y) : m.AccumulateGradients(Ids(x), y),
            (m, x, y, n, o) => floatInputs ? m.TrainBatch(x, y, n, o, NoClip) : m.TrainBatch(Ids(x), y, n, o, NoClip));
    }

    /// <summary>Token ids carried as floats (so one helper serves both input forms).</summary>
    private static int[] Ids(ReadOnlySpan<float> values)
    {
        var ids = new int[values.Length];
        for (int i = 0; i < ids.Length; i++) ids[i] = (int)values[i];
        return ids;
    }

    private static void TokenFloats<T>(Func<int, T> create, int sequences, bool floatInputs, Func<T, int, float[], float[], float> accumulate,
                                       Func<T, float[], float[], int, IOptimizer, float> trainBatch, int seed = 8)
        where T : IRnnModel
    {
        int perInput = floatInputs ? Steps * T.InputSize : Steps, perTarget = Steps * T.OutputSize;
        var x = floatInputs ? TestData.Uniform(seed, sequences * perInput, 1) : new float[sequences * perInput];
        if (!floatInputs)
            for (int i = 0; i < x.Length; i++) x[i] = (i * 7 + i / 5) % T.Vocabulary;
        var y = TestData.Uniform(seed + 1, sequences * perTarget, 1);
        var batch = create(seed);
        float loss = trainBatch(batch, x, y, sequences, new Sgd(T.ParameterCount, 0f));
        var (expectedLoss, expected) = OneByOne(create(seed), sequences,
            (m, q) => accumulate(m, q, x.AsSpan(q * perInput, perInput).ToArray(), y.AsSpan(q * perTarget, perTarget).ToArray()));
        var actual = new float[T.TrainableParameterCount];
        batch.CopyGradientsTo(actual);
        Assert.Equal(expectedLoss, loss);
        Assert.Equal(TestData.Bits(expected), TestData.Bits(actual));
        bool embeddingGradient = Array.Exists(expected.AsSpan(0, T.Vocabulary * T.InputSize).ToArray(), g => g != 0f);
        Assert.Equal(!floatInputs, embeddingGradient);   // float inputs bypass the embedding
    }

    /// <summary>The model with every parameter moved by a deterministic amount: a learned initial state away from zero.</summary>
    private static T Perturbed<T>(T model, int seed) where T : IRnnModel
    {
        var parameters = new float[T.TrainableParameterCount];
        model.CopyParametersTo(parameters);
        var noise = TestData.Uniform(seed + 100, parameters.Length, 0.3);
        for (int i = 0; i < parameters.Length; i++) parameters[i] += noise[i];
        model.CopyParametersFrom(parameters);
        return model;
    }

    [Fact]
    public void LearnedInitialStates()
    {
        FloatTargets(s => Perturbed(new Fixtures.ElmanLearned(s), s), 85, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));
        FloatTargets(s => Perturbed(new Fixtures.GruLearned(s), s), 85, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));
        FloatTargets(s => Perturbed(new Fixtures.LstmLearned(s), s), 85, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));
        FloatTargets(s => Perturbed(new Fixtures.LearnedThenZero(s), s), 85, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));
        FloatTargets(s => Perturbed(new Fixtures.NamLstm(s), s), 40, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));
    }

    /// <summary>The generated single-sequence driver (private): the reference for dropout, whose masks TrainBatch draws per sequence.</summary>
    private delegate float Driver<T>(T model, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> classes, Span<float> initialStateGradient, int steps);

    /// <summary>
    /// Dropout: TrainBatch draws sequence q's masks from stream (seed, the call, q + 1), whichever chunk or lane it runs in.
    /// The reference sets that stream on the model and runs the single-sequence driver on each sequence, chunk by chunk.
    /// </summary>
    private static void DropoutTargets<T>(Func<int, T> create, int sequences, bool lastStep, Func<T, float[], float[], int, IOptimizer, float> trainBatch, int seed = 9)
        where T : IRnnModel
    {
        const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
        var driver = typeof(T).GetMethod("__Accumulate", Private)!.CreateDelegate<Driver<T>>();
        var stream = typeof(T).GetField("__dropoutStream", Private)!;
        var seedProperty = typeof(T).GetProperty("DropoutSeed")!;
        int perTarget = (lastStep ? 1 : Steps) * T.OutputSize;
        var x = TestData.Uniform(seed, sequences * Steps * T.InputSize, 1);
        var y = TestData.Uniform(seed + 1, sequences * perTarget, 1);
        var batch = create(seed);
        float loss = trainBatch(batch, x, y, sequences, new Sgd(T.ParameterCount, 0f));   // the model's first training call: call 0
        var reference = create(seed);
        ulong dropoutSeed = (ulong)seedProperty.GetValue(reference)!;
        var (expectedLoss, expected) = OneByOne(reference, sequences, (m, q) =>
        {
            stream.SetValue(m, KernelHelpers.DropoutStream(dropoutSeed, 0, (ulong)q + 1));
            return driver(m, x.AsSpan(q * Steps * T.InputSize, Steps * T.InputSize), y.AsSpan(q * perTarget, perTarget), default, default, Steps);
        });
        var actual = new float[T.TrainableParameterCount];
        batch.CopyGradientsTo(actual);
        Assert.Equal(expectedLoss, loss);
        Assert.Equal(TestData.Bits(expected), TestData.Bits(actual));
        Assert.Contains(expected, g => g != 0f);
    }

    [Fact]
    public void Dropout()
    {
        DropoutTargets(s => new Fixtures.DropoutDenseLstm(s), 93, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));
        DropoutTargets(s => new Fixtures.DropoutGruElman(s), 90, true, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));
    }

    [Fact]
    public void DropoutMasksDependOnTheSequenceNotTheChunk()
    {
        // The reference itself must be able to fail: with the wrong stream (sequence q's neighbour's) the bits differ.
        const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
        var driver = typeof(Fixtures.DropoutDenseLstm).GetMethod("__Accumulate", Private)!.CreateDelegate<Driver<Fixtures.DropoutDenseLstm>>();
        var stream = typeof(Fixtures.DropoutDenseLstm).GetField("__dropoutStream", Private)!;
        var x = TestData.Uniform(1, Steps * Fixtures.DropoutDenseLstm.InputSize, 1);
        var y = TestData.Uniform(2, Steps * Fixtures.DropoutDenseLstm.OutputSize, 1);
        float Loss(ulong sequence)
        {
            var m = new Fixtures.DropoutDenseLstm(3);
            stream.SetValue(m, KernelHelpers.DropoutStream(m.DropoutSeed, 0, sequence));
            return driver(m, x, y, default, default, Steps);
        }

        Assert.Equal(Loss(1), Loss(1));
        Assert.NotEqual(Loss(1), Loss(2));
    }

    [Fact]
    public void ChunksLargerThanOneCallGoThroughInGroups()
    {
        // 1,100 sequences: chunks of 137–138, more than the 64 lanes one call of these small models takes, so each chunk
        // runs two full groups and a last one of 9–10 lanes.
        FloatTargets(s => new Lstm5x3x2Last(s), 1100, true, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));
        TokenClasses(s => new LstmEmbed_7_4_6_7(s), 1100, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));
        DropoutTargets(s => new Fixtures.DropoutDenseLstm(s), 1100, false, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));
        // A chunk of 65 sequences: one group of 64, then one sequence alone.
        FloatTargets(s => new Gru5x3x2Last(s), 8 * 65, true, (m, x, y, n, o) => m.TrainBatch(x, y, n, o, NoClip));
    }

    [Fact]
    public void TheLanesCachesDoNotGrowWithTheBatch()
    {
        // Chunks of 640 sequences: one call of the lanes driver takes at most __LanesPerCall (64 for this small model), so
        // every chunk's model holds caches for 64 lanes, not 640. (Read through reflection: the caches are private; a
        // count of allocated bytes would also count the tests that run beside this one.)
        const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
        const int Sequences = 8 * 640;
        var model = new Lstm5x3x2Last(1);
        var x = TestData.Uniform(1, Sequences * Steps * Lstm5x3x2Last.InputSize, 1);
        var y = TestData.Uniform(2, Sequences * Lstm5x3x2Last.OutputSize, 1);
        model.TrainBatch(x, y, Sequences, new Sgd(Lstm5x3x2Last.ParameterCount, 0f), NoClip);
        int perCall = (int)typeof(Lstm5x3x2Last).GetField("__LanesPerCall", BindingFlags.NonPublic | BindingFlags.Static)!.GetRawConstantValue()!;
        int stride = (int)typeof(Lstm5x3x2Last).GetField("__LaneStride", BindingFlags.NonPublic | BindingFlags.Static)!.GetRawConstantValue()!;
        Assert.Equal(64, perCall);
        var workers = (Lstm5x3x2Last[])typeof(Lstm5x3x2Last).GetField("__workers", Private)!.GetValue(model)!;
        var lanes = typeof(Lstm5x3x2Last).GetField("__laneArray", Private)!;
        foreach (var chunkModel in new[] { model }.Concat(workers))
        {
            var caches = (float[])lanes.GetValue(chunkModel)!;
            Assert.Equal(64 * stride + ModelMemory.AlignmentSlack, caches.Length);
        }
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
