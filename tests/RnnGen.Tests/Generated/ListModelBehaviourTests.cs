using System;
using System.Linq;
using RnnGen.Internal;
using RnnGen.Kernels;
using RnnGen.Tests.Models.Lists;
using RnnGen.Tests.Reference;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generated;

/// <summary>
/// What one-attribute models promise, for list models: ResetState and the learned initial state, Dropout (identity in
/// inference, reproducible masks in training), training on small tasks (HallwayPolicy-like two heads, Proteus' input
/// skip, NAM's LSTM), TrainBatch's chunk-ordered mean, bfloat16 weights, and token inputs.
/// </summary>
public class ListModelBehaviourTests
{
    private readonly ITestOutputHelper _output;

    public ListModelBehaviourTests(ITestOutputHelper output) => _output = output;

    private static float[] Canonical<TModel>(TModel model) where TModel : IRnnModel
    {
        var values = new float[TModel.TrainableParameterCount];
        model.CopyParametersTo(values);
        return values;
    }

    private static float[] Tensor<TModel>(TModel model, string name) where TModel : IRnnModel
    {
        var t = TModel.ParameterLayout[name];
        return Canonical(model).AsSpan(t.Offset, t.Length).ToArray();
    }

    private static float[] StateOf<TModel>(TModel model) where TModel : IRnnModel
    {
        var state = new float[TModel.StateSize];
        model.CopyStateTo(state);
        return state;
    }

    // ───────────────────────────────────────────── the learned initial state

    [Fact]
    public void ResetState_goes_back_to_the_learned_initial_state()
    {
        var model = new NamLstm(seed: 1);
        model.ResetState();
        Assert.All(StateOf(model), static v => Assert.Equal(0f, v));   // h0 and c0 start at zero
        Assert.All(Tensor(model, "layers.1.c0"), static v => Assert.Equal(0f, v));

        var canonical = TestData.Uniform(2, NamLstm.TrainableParameterCount, 0.3);
        model.CopyParametersFrom(canonical);
        var reference = new ListReference(ListSpecs.NamLstm, NamLstm.ParameterLayout, canonical);
        var initial = Array.ConvertAll(reference.InitialState(), static v => (float)v);
        Assert.Equal(Tensor(model, "layers.0.h0").Concat(Tensor(model, "layers.1.h0")).Concat(Tensor(model, "layers.2.h0"))
            .Concat(Tensor(model, "layers.0.c0")).Concat(Tensor(model, "layers.1.c0")).Concat(Tensor(model, "layers.2.c0")), initial);

        // Parameters changed, the state did not: it is zero until ResetState.
        Assert.All(StateOf(model), static v => Assert.Equal(0f, v));
        model.ResetState();
        Assert.Equal(initial, StateOf(model));

        // Forward from it is the reference's forward from h0/c0.
        var x = TestData.Uniform(3, 12, 1.0);
        var y = new float[12];
        model.Forward(x, y);
        ModelChecks.AssertClose(reference.Outputs(x, default, 12, null, out var final), y, 1e-5, 1e-5, "outputs from the learned state");
        ModelChecks.AssertClose(final, StateOf(model), 1e-5, 1e-5, "final state");
        Assert.NotEqual(initial, StateOf(model));
        model.ResetState();
        Assert.Equal(initial, StateOf(model));

        // A state of one's own: ResetState(ref state) is the learned state, Reset() and default the zero state.
        var state = new NamLstm.State();
        Assert.All(state.Hidden(1).ToArray(), static v => Assert.Equal(0f, v));
        model.ResetState(ref state);
        for (int l = 0; l < 3; l++)
        {
            Assert.Equal(Tensor(model, $"layers.{l}.h0"), state.Hidden(l).ToArray());
            Assert.Equal(Tensor(model, $"layers.{l}.c0"), state.Cell(l).ToArray());
        }

        var own = new float[1];
        model.ResetState();
        model.Step(x.AsSpan(0, 1), own);
        var mine = new float[1];
        model.Step(ref state, x.AsSpan(0, 1), mine);
        Assert.Equal(own, mine);
        state.Reset();
        Assert.All(state.Hidden(2).ToArray().Concat(state.Cell(2).ToArray()), static v => Assert.Equal(0f, v));

        // Training moves h0/c0, and ResetState follows them.
        var adam = new Adam(NamLstm.ParameterCount, 0.01f);
        model.TrainStep(x, TestData.Uniform(4, 12, 0.5), adam);
        var moved = Tensor(model, "layers.2.h0");
        Assert.NotEqual(initial.AsSpan(36, 18).ToArray(), moved);
        model.ResetState();
        Assert.Equal(moved, StateOf(model).AsSpan(36, 18).ToArray());
    }

    [Fact]
    public void ResetState_learned_beside_zero_and_models_without_a_learned_state()
    {
        var model = new DropoutStack();
        var canonical = TestData.Uniform(7, DropoutStack.TrainableParameterCount, 0.5);
        model.CopyParametersFrom(canonical);
        model.CopyStateFrom(TestData.Uniform(8, DropoutStack.StateSize, 0.5));
        model.ResetState();
        Assert.Equal(Tensor(model, "layers.2.h0"), StateOf(model));

        var mixed = new MixedStack(seed: 3);
        mixed.CopyStateFrom(TestData.Uniform(9, MixedStack.StateSize, 0.5));
        mixed.ResetState();
        Assert.All(StateOf(mixed), static v => Assert.Equal(0f, v));
        Assert.DoesNotContain(MixedStack.ParameterLayout.Tensors, static t => t.Name.EndsWith("h0", StringComparison.Ordinal));
    }

    /// <summary>
    /// TrainStep starts each window from ResetState (learned state) unless Stateful: then the window starts from the
    /// carried state, and h0 gets no gradient from it.
    /// </summary>
    [Fact]
    public void Stateless_TrainStep_starts_from_the_learned_state_and_Stateful_carries_the_state()
    {
        var canonical = TestData.Uniform(11, LearnedLstmLast.TrainableParameterCount, 0.5);
        var x = TestData.Uniform(12, 6 * 2, 1.0);
        var y = ListSpecs.LearnedLstmLast.RandomTargets(13, 1);

        // Stateless: the same as AccumulateGradients from ResetState, then an SGD step.
        var a = new LearnedLstmLast();
        a.CopyParametersFrom(canonical);
        a.CopyStateFrom(TestData.Uniform(14, LearnedLstmLast.StateSize, 0.5));   // ignored
        var sgd = new Sgd(LearnedLstmLast.ParameterCount, 0.1f);
        float la = a.TrainStep(x, y, sgd, new TrainOptions { MaxGradientNorm = float.PositiveInfinity });
        var b = new LearnedLstmLast();
        b.CopyParametersFrom(canonical);
        b.ResetState();
        b.ZeroGradients();
        float lb = b.AccumulateGradients(x, y);
        new Sgd(LearnedLstmLast.ParameterCount, 0.1f).Step(b.Parameters, b.Gradients);
        Assert.Equal(lb, la);
        Assert.Equal(TestData.Bits(b.Parameters), TestData.Bits(a.Parameters));
        a.ResetState();
        Assert.Equal(Tensor(a, "layers.0.h0"), StateOf(a).AsSpan(0, 5).ToArray());   // after the step, the state is the (new) learned one

        // Stateful: from the carried state; h0 and c0 get no gradient.
        var c = new LearnedLstmLast();
        c.CopyParametersFrom(canonical);
        var carried = TestData.Uniform(15, LearnedLstmLast.StateSize, 0.5);
        c.CopyStateFrom(carried);
        var before = Canonical(c);
        c.TrainStep(x, y, new Sgd(LearnedLstmLast.ParameterCount, 0.1f), new TrainOptions { Stateful = true });
        var after = Canonical(c);
        foreach (var name in new[] { "layers.0.h0", "layers.0.c0", "layers.1.h0", "layers.1.c0" })
        {
            var t = LearnedLstmLast.ParameterLayout[name];
            Assert.Equal(before.AsSpan(t.Offset, t.Length).ToArray(), after.AsSpan(t.Offset, t.Length).ToArray());
        }

        var reference = new ListReference(ListSpecs.LearnedLstmLast, LearnedLstmLast.ParameterLayout, canonical);
        reference.Logits(x, default, 6, TestData.ToDouble(carried), null, out var final);
        ModelChecks.AssertClose(final, StateOf(c), 1e-5, 1e-5, "the carried state after a stateful window");
    }

    /// <summary>Evaluate is the loss AccumulateGradients computes (several weighted heads, the last-step loss), and both advance the state alike.</summary>
    [Fact]
    public void Evaluate_is_the_training_loss_and_both_advance_the_state()
    {
        static void Check<TModel>(ListSpec spec, int steps, int seed) where TModel : class, IRnnModel, new()
        {
            var model = new TModel();
            model.CopyParametersFrom(TestData.Uniform(seed, TModel.TrainableParameterCount, 0.5));
            var x = TestData.Uniform(seed + 1, steps * spec.Input, 1.0);
            var y = spec.RandomTargets(seed + 2, spec.LastStep ? 1 : steps);
            model.ResetState();
            float evaluated = model.Evaluate(x, y);
            var afterEvaluate = StateOf(model);
            model.ResetState();
            float accumulated = model.AccumulateGradients(x, y);
            Assert.True(Math.Abs(evaluated - accumulated) <= 1e-5 * (1 + Math.Abs(accumulated)), $"{typeof(TModel).Name}: Evaluate {evaluated:G9}, AccumulateGradients {accumulated:G9}");
            ModelChecks.AssertClose(TestData.ToDouble(afterEvaluate), StateOf(model), 1e-6, 1e-6, $"{typeof(TModel).Name}: state after Evaluate vs AccumulateGradients");
            Assert.Contains(afterEvaluate, static v => v != 0f);
        }

        Check<GruElmanHeads>(ListSpecs.GruElmanHeads, 9, 36);
        Check<LearnedLstmLast>(ListSpecs.LearnedLstmLast, 7, 37);
        Check<MixedStack>(ListSpecs.MixedStack, 6, 38);
    }

    // ───────────────────────────────────────────── dropout

    /// <summary>Step, Forward, Evaluate and the agents' Step ignore Dropout: bit for bit the model without the Dropout layers.</summary>
    [Fact]
    public void Inference_ignores_Dropout_and_is_deterministic()
    {
        Assert.Equal(
            DropoutStackWithoutDropout.ParameterLayout.Tensors.Select(static t => (t.Rows, t.Columns, t.Offset)),
            DropoutStack.ParameterLayout.Tensors.Select(static t => (t.Rows, t.Columns, t.Offset)));
        var canonical = TestData.Uniform(21, DropoutStack.TrainableParameterCount, 0.6);
        var d = new DropoutStack();
        var w = new DropoutStackWithoutDropout();
        d.CopyParametersFrom(canonical);
        w.CopyParametersFrom(canonical);
        const int T = 20;
        var x = TestData.Uniform(22, T * 3, 1.0);
        var targets = ListSpecs.DropoutStack.RandomTargets(23, T);

        float[] Forward(IRnnModel m)
        {
            m.ResetState();
            var y = new float[T * 5];
            m.Forward(x, y);
            return y;
        }

        var expected = TestData.Bits(Forward(w));
        Assert.Equal(expected, TestData.Bits(Forward(d)));
        var reference = new ListReference(ListSpecs.DropoutStack, DropoutStack.ParameterLayout, canonical);
        ModelChecks.AssertClose(reference.Outputs(x, default, T, null, out _), Forward(d), 1e-5, 1e-5, "outputs");

        // A training call advances the masks; inference stays the same.
        d.ResetState();
        d.AccumulateGradients(x.AsSpan(0, 12 * 3), targets.AsSpan(0, 12 * 5));
        Assert.Equal(expected, TestData.Bits(Forward(d)));

        d.ResetState();
        var step = new float[5];
        for (int t = 0; t < T; t++)
        {
            d.Step(x.AsSpan(t * 3, 3), step);
            Assert.Equal(expected.AsSpan(t * 5, 5).ToArray(), TestData.Bits(step));
        }

        d.ResetState();
        w.ResetState();
        Assert.Equal(BitConverter.SingleToInt32Bits(w.Evaluate(x, targets)), BitConverter.SingleToInt32Bits(d.Evaluate(x, targets)));

        var sd = new DropoutStack.State[6];
        var sw = new DropoutStackWithoutDropout.State[6];
        for (int a = 0; a < 6; a++)
        {
            d.ResetState(ref sd[a]);
            w.ResetState(ref sw[a]);
        }

        var xs = TestData.Uniform(24, 6 * 3, 1.0);
        var yd = new float[6 * 5];
        var yw = new float[6 * 5];
        for (int s = 0; s < 3; s++)
        {
            d.Step(sd, xs, yd);
            w.Step(sw, xs, yw);
            Assert.Equal(TestData.Bits(yw), TestData.Bits(yd));
        }
    }

    /// <summary>
    /// Training masks depend on DropoutSeed and the number of training calls: the same seed repeats a run bit for bit,
    /// another seed differs, consecutive calls draw new masks, setting the seed restarts them, and they really drop.
    /// </summary>
    [Fact]
    public void Dropout_training_is_reproducible_for_a_seed_and_differs_for_another()
    {
        const int T = 12;
        var x = TestData.Uniform(31, T * 3, 1.0);
        var y = ListSpecs.DropoutStack.RandomTargets(32, T);

        int[] Train(int seed, ulong? dropoutSeed)
        {
            var model = new DropoutStack(seed);
            Assert.Equal((ulong)seed, model.DropoutSeed);   // InitializeParameters sets it
            if (dropoutSeed is { } d) model.DropoutSeed = d;
            var adam = new Adam(DropoutStack.ParameterCount, 0.01f);
            for (int i = 0; i < 5; i++) model.TrainStep(x, y, adam);
            return TestData.Bits(model.Parameters);
        }

        Assert.Equal(Train(4, null), Train(4, null));
        Assert.Equal(Train(4, 77), Train(4, 77));
        Assert.NotEqual(Train(4, null), Train(4, 77));

        float[] Gradients(DropoutStack m)
        {
            m.ResetState();
            m.ZeroGradients();
            m.AccumulateGradients(x, y);
            return m.Gradients.ToArray();
        }

        var canonical = TestData.Uniform(33, DropoutStack.TrainableParameterCount, 0.6);
        var model = new DropoutStack();
        model.CopyParametersFrom(canonical);
        model.DropoutSeed = 9;
        var first = Gradients(model);
        var second = Gradients(model);
        Assert.NotEqual(TestData.Bits(first), TestData.Bits(second));   // call 1 draws other masks than call 0
        model.DropoutSeed = 9;
        Assert.Equal(TestData.Bits(first), TestData.Bits(Gradients(model)));

        var plain = new DropoutStackWithoutDropout();
        plain.CopyParametersFrom(canonical);
        plain.ResetState();
        plain.ZeroGradients();
        plain.AccumulateGradients(x, y);
        Assert.NotEqual(TestData.Bits(plain.Gradients), TestData.Bits(first));
    }

    // ───────────────────────────────────────────── training on small tasks

    /// <summary>
    /// HallwayPolicy in small: the policy head must name the largest of features 0..3 of the step (cross-entropy), the
    /// value head must recall feature 4 of the step before (MSE, weight 0.5, needs the LSTM's memory).
    /// </summary>
    [Fact]
    public void Policy_and_value_heads_learn_together()
    {
        const int T = 16;
        (float[] X, float[] Y) Episode(Random rng)
        {
            var x = new float[T * 6];
            var y = new float[T * 5];
            for (int t = 0; t < T; t++)
            {
                for (int k = 0; k < 6; k++) x[t * 6 + k] = (float)(rng.NextDouble() * 2 - 1);
                int best = 0;
                for (int k = 1; k < 4; k++) if (x[t * 6 + k] > x[t * 6 + best]) best = k;
                y[t * 5 + best] = 1f;
                y[t * 5 + 4] = t == 0 ? 0f : x[(t - 1) * 6 + 4];
            }

            return (x, y);
        }

        var model = new MiniPolicy(seed: 1);
        var adam = new Adam(MiniPolicy.ParameterCount, 0.01f);
        var test = Episode(new Random(99));
        float Score()
        {
            model.ResetState();
            return model.Evaluate(test.X, test.Y);
        }

        float before = Score();
        var rng = new Random(5);
        for (int i = 0; i < 300; i++)
        {
            var (x, y) = Episode(rng);
            model.TrainStep(x, y, adam);
        }

        float after = Score();
        _output.WriteLine($"MiniPolicy: {before} → {after}");
        Assert.True(after < before * 0.4f, $"loss {before} → {after}");

        // The heads: probabilities that sum to 1 beside a linear value.
        model.ResetState();
        var outputs = new float[T * 5];
        model.Forward(test.X, outputs);
        for (int t = 0; t < T; t++)
            Assert.InRange(outputs.AsSpan(t * 5, 4).ToArray().Sum(static v => (double)v), 1 - 1e-5, 1 + 1e-5);
    }

    /// <summary>Proteus' skip: with a zero head, the output is exactly the audio input; training learns y = x₀ + f(x) on top of it.</summary>
    [Fact]
    public void Proteus_skip_connection_and_training()
    {
        var model = new Proteus(seed: 2);
        var canonical = Canonical(model);
        foreach (var name in new[] { "heads.0.weight", "heads.0.bias" })
        {
            var t = Proteus.ParameterLayout[name];
            Array.Clear(canonical, t.Offset, t.Length);
        }

        model.CopyParametersFrom(canonical);
        const int T = 32;
        (float[] X, float[] Y) Window(int start)
        {
            var x = new float[T * 2];
            var y = new float[T];
            for (int t = 0; t < T; t++)
            {
                float audio = 0.8f * MathF.Sin(0.37f * (start + t)), knob = 0.5f + 0.5f * MathF.Sin(0.05f * (start + t));
                x[t * 2] = audio;
                x[t * 2 + 1] = knob;
                y[t] = audio + 0.4f * knob * MathF.Tanh(3f * audio);   // the dry signal plus a knob-scaled distortion
            }

            return (x, y);
        }

        var (x0, y0) = Window(0);
        var dry = new float[T];
        model.ResetState();
        model.Forward(x0, dry);
        for (int t = 0; t < T; t++) Assert.Equal(x0[t * 2], dry[t]);

        var adam = new Adam(Proteus.ParameterCount, 0.005f);
        model.ResetState();
        float before = model.Evaluate(x0, y0);
        for (int i = 0; i < 250; i++)
        {
            var (x, y) = Window(i * 13 % 200);
            model.TrainStep(x, y, adam);
        }

        model.ResetState();
        float after = model.Evaluate(x0, y0);
        _output.WriteLine($"Proteus: {before} → {after}");
        Assert.True(after < before * 0.2f, $"loss {before} → {after}");
    }

    /// <summary>NAM's LSTM learns a soft clipper, and its learned initial states move away from zero.</summary>
    [Fact]
    public void NamLstm_learns_a_distortion_and_its_initial_state()
    {
        var model = new NamLstm(seed: 3);
        var adam = new Adam(NamLstm.ParameterCount, 0.01f);
        const int T = 32;
        (float[] X, float[] Y) Window(int start)
        {
            var x = new float[T];
            var y = new float[T];
            for (int t = 0; t < T; t++)
            {
                x[t] = 0.9f * MathF.Sin(0.21f * (start + t)) * MathF.Sin(0.013f * (start + t) + 1f);
                y[t] = MathF.Tanh(2.5f * x[t]);
            }

            return (x, y);
        }

        var (tx, ty) = Window(1000);
        model.ResetState();
        float before = model.Evaluate(tx, ty);
        for (int i = 0; i < 150; i++)
        {
            var (x, y) = Window(i * 17);
            model.TrainStep(x, y, adam);
        }

        model.ResetState();
        float after = model.Evaluate(tx, ty);
        _output.WriteLine($"NamLstm: {before} → {after}");
        Assert.True(after < before * 0.1f, $"loss {before} → {after}");
        Assert.Contains(Tensor(model, "layers.0.h0"), static v => v != 0f);
        Assert.Contains(Tensor(model, "layers.2.c0"), static v => v != 0f);
    }

    /// <summary>The full-size HallwayPolicy: a few Adam steps on one window lower its loss (two heads, 70k parameters).</summary>
    [Fact]
    public void HallwayPolicy_fits_a_window()
    {
        var model = new HallwayPolicy(seed: 4);
        var adam = new Adam(HallwayPolicy.ParameterCount, 1e-3f);
        const int T = 12;
        var x = TestData.Uniform(41, T * 30, 1.0);
        var y = ListSpecs.HallwayPolicy.RandomTargets(42, T, oneHot: true);
        float first = model.TrainStep(x, y, adam), last = first;
        for (int i = 0; i < 25; i++) last = model.TrainStep(x, y, adam);
        _output.WriteLine($"HallwayPolicy: {first} → {last}");
        Assert.True(last < first * 0.5f, $"loss {first} → {last}");
    }

    // ───────────────────────────────────────────── TrainBatch

    private const int Sequences = 13, Steps = 5;

    /// <summary>
    /// TrainBatch's gradient is the mean of the sequences' gradients, summed in 8 chunks of consecutive sequences whose
    /// sums are added in chunk order (so the result does not depend on the cores), every sequence from ResetState (the
    /// learned initial states, which it trains). <paramref name="dropoutP"/>: the p of the Dropout after each tiled layer
    /// (sequence q of a batch draws the masks of stream (DropoutSeed, call, q + 1)).
    /// </summary>
    private static void AssertBatchIsTheChunkOrderedMean<TModel>(ListSpec spec, int seed, float[]? dropoutP = null) where TModel : class, IRnnModel, new()
    {
        var x = TestData.Uniform(seed, Sequences * Steps * spec.Input, 1.0);
        var y = spec.RandomTargets(seed + 1, Sequences * (spec.LastStep ? 1 : Steps));
        var canonical = TestData.Uniform(seed + 2, TModel.TrainableParameterCount, 0.5);
        var batch = new TModel();
        batch.CopyParametersFrom(canonical);
        batch.CopyStateFrom(TestData.Uniform(seed + 3, TModel.StateSize, 0.5));
        var stateBefore = StateOf(batch);
        var noClip = new TrainOptions { MaxGradientNorm = float.PositiveInfinity };
        if (batch is DropoutStack dropout) dropout.DropoutSeed = 123;   // the batch is training call 0 of this seed
        float loss = batch.TrainBatchOf(x, y, Sequences, noClip);
        Assert.Equal(stateBefore, StateOf(batch));   // the model's own state is left alone

        var reference = new TModel();
        reference.CopyParametersFrom(canonical);
        var total = new float[TModel.ParameterCount];
        double lossSum = 0;
        int targetsPerSequence = y.Length / Sequences;
        for (int c = 0; c < 8; c++)
        {
            reference.ZeroGradients();
            int first = c * Sequences / 8, end = (c + 1) * Sequences / 8;
            double chunkLoss = 0;
            for (int q = first; q < end; q++)
            {
                reference.ResetState();
                var source = dropoutP is null ? null : Masks(dropoutP, KernelHelpers.DropoutStream(123, 0, (ulong)q + 1));
                KernelHelpers.MaskSource = source;
                try
                {
                    chunkLoss += reference.AccumulateGradients(
                        x.AsSpan(q * Steps * spec.Input, Steps * spec.Input), y.AsSpan(q * targetsPerSequence, targetsPerSequence));
                }
                finally
                {
                    KernelHelpers.MaskSource = null;
                }
            }

            lossSum += chunkLoss;
            if (c == 0) reference.Gradients.CopyTo(total);
            else for (int i = 0; i < total.Length; i++) total[i] += reference.Gradients[i];
        }

        for (int i = 0; i < total.Length; i++) total[i] *= 1f / Sequences;
        Assert.Equal((float)(lossSum / Sequences), loss);
        Assert.Equal(TestData.Bits(total), TestData.Bits(batch.Gradients));
        foreach (var t in TModel.ParameterLayout.Tensors.Where(static t => t.Name.EndsWith("h0", StringComparison.Ordinal)))
            Assert.Contains(Enumerable.Range(t.Offset, t.Length), i => batch.Gradients[TModel.ParameterIndex(i)] != 0f);
    }

    /// <summary>The generator's masks of one stream, handed in through the test-only MaskSource.</summary>
    private static DropoutMaskSource Masks(float[] p, ulong stream) => (mask, layer, step) =>
    {
        var saved = KernelHelpers.MaskSource;
        KernelHelpers.MaskSource = null;
        KernelHelpers.DropoutMask(mask, p[layer], stream, layer, step);
        KernelHelpers.MaskSource = saved;
    };

    [Fact] public void TrainBatch_is_the_chunk_ordered_mean_with_learned_states() => AssertBatchIsTheChunkOrderedMean<GruElmanHeads>(ListSpecs.GruElmanHeads, 51);

    [Fact] public void TrainBatch_is_the_chunk_ordered_mean_with_the_last_step_loss() => AssertBatchIsTheChunkOrderedMean<LearnedLstmLast>(ListSpecs.LearnedLstmLast, 52);

    [Fact]
    public void TrainBatch_is_the_chunk_ordered_mean_with_dropout_masks_per_sequence() =>
        AssertBatchIsTheChunkOrderedMean<DropoutStack>(ListSpecs.DropoutStack, 53, [0.25f, 0.1f]);

    /// <summary>
    /// The same batch on one core: run from a task on an exclusive scheduler, TrainBatch's parallel loops (which take
    /// TaskScheduler.Current) get no second worker, so every chunk runs on the calling thread. Loss, gradients and
    /// parameters are the bits of the run on all cores, with dropout masks and learned states.
    /// </summary>
    [Fact]
    public void TrainBatch_on_one_core_gives_the_same_bits()
    {
        static (float Loss, int[] Gradients, int[] Parameters) Run(bool oneCore)
        {
            var model = new DropoutStack(seed: 9);
            var x = TestData.Uniform(54, Sequences * Steps * 3, 1.0);
            var y = ListSpecs.DropoutStack.RandomTargets(55, Sequences * Steps);
            var adam = new Adam(DropoutStack.ParameterCount, 0.01f);
            float Train()
            {
                float loss = 0;
                for (int i = 0; i < 3; i++) loss = model.TrainBatch(x, y, Sequences, adam);
                return loss;
            }

            float loss = oneCore
                ? System.Threading.Tasks.Task.Factory.StartNew(Train, System.Threading.CancellationToken.None, System.Threading.Tasks.TaskCreationOptions.None,
                    new System.Threading.Tasks.ConcurrentExclusiveSchedulerPair().ExclusiveScheduler).Result
                : Train();
            return (loss, TestData.Bits(model.Gradients), TestData.Bits(model.Parameters));
        }

        var all = Run(oneCore: false);
        var one = Run(oneCore: true);
        Assert.Equal(BitConverter.SingleToInt32Bits(all.Loss), BitConverter.SingleToInt32Bits(one.Loss));
        Assert.Equal(all.Gradients, one.Gradients);
        Assert.Equal(all.Parameters, one.Parameters);
    }

    [Fact]
    public void TrainBatch_lowers_the_loss_reproducibly()
    {
        var x = TestData.Uniform(61, Sequences * Steps * 6, 1.0);
        var y = ListSpecs.MiniPolicy.RandomTargets(62, Sequences * Steps, oneHot: true);
        int[] Train()
        {
            var model = new MiniPolicy(seed: 6);
            var adam = new Adam(MiniPolicy.ParameterCount, 0.02f);
            float first = model.TrainBatch(x, y, Sequences, adam), last = first;
            for (int i = 0; i < 60; i++) last = model.TrainBatch(x, y, Sequences, adam);
            Assert.True(last < first * 0.3f, $"batch loss {first} → {last}");
            return TestData.Bits(model.Parameters);
        }

        Assert.Equal(Train(), Train());
    }

    [Fact]
    public void TrainBatch_of_tokens_and_class_ids()
    {
        var model = new TokenStack(seed: 7);
        var adam = new Adam(TokenStack.ParameterCount, 0.03f);
        int[] tokens = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1 };   // 3 sequences of 4
        int[] next = { 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2 };
        float first = model.TrainBatch(tokens, next, 3, adam), last = first;
        for (int i = 0; i < 150; i++) last = model.TrainBatch(tokens, next, 3, adam);
        Assert.True(last < first / 3, $"cross-entropy {first} → {last}");
        var before = TestData.Bits(model.Parameters);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainBatch(new[] { 11, 0, 0, 0 }, new[] { 0, 0, 0, 0 }, 1, adam));
        Assert.Throws<ArgumentException>(() => model.TrainBatch(tokens, next, 3, adam, new TrainOptions { Stateful = true }));
        Assert.Equal(before, TestData.Bits(model.Parameters));
    }

    [Fact]
    public void TrainBatch_skips_a_non_finite_batch()
    {
        var model = new GruElmanHeads(seed: 8);
        var x = TestData.Uniform(71, 4 * Steps * 5, 1.0);
        var y = ListSpecs.GruElmanHeads.RandomTargets(72, 4 * Steps);
        var before = TestData.Bits(model.Parameters);
        var sgd = new Sgd(GruElmanHeads.ParameterCount, 0.1f);
        x[17] = float.NaN;
        model.TrainBatch(x, y, 4, sgd);
        Assert.Equal(1, model.SkippedSteps);
        Assert.Equal(before, TestData.Bits(model.Parameters));
        Assert.Equal(0, sgd.StepCount);
    }

    // ───────────────────────────────────────────── bfloat16 weights

    /// <summary>Every layers.*.weight* tensor (Dense and recurrent; not biases, h0 or heads) rounded to bfloat16.</summary>
    private static float[] RoundedWeights(RnnParameterLayout layout, float[] canonical)
    {
        var rounded = (float[])canonical.Clone();
        foreach (var t in layout.Tensors)
            if (t.Name.StartsWith("layers.", StringComparison.Ordinal) && t.Name.Split('.')[2].StartsWith("weight", StringComparison.Ordinal))
                BFloat16.Round(rounded.AsSpan(t.Offset, t.Length), rounded.AsSpan(t.Offset, t.Length));
        return rounded;
    }

    /// <summary>
    /// Bf16Stack's inference equals, bit for bit, its float32 twin holding the weights rounded to bfloat16 (Forward,
    /// Step, Evaluate, the agents); training reads the float32 master weights (loss and gradients of the twin with the
    /// unrounded weights), and TrainStep refreshes the copy. Bf16StackFallback, the same model without
    /// ForceBFloat16Kernels, runs the float32 kernels over a float32 copy of the rounded weights and must pass the same checks.
    /// </summary>
    [Fact]
    public void Bfloat16_list_model_equals_its_rounded_float32_twin()
    {
        Assert.True(Bf16Stack.StreamsBFloat16);
        ListTwin<Bf16Stack, Bf16Stack.State>();
    }

    [Fact]
    public void Bfloat16_list_model_on_the_float32_kernels_equals_its_rounded_float32_twin()
    {
        Assert.False(Bf16StackFallback.StreamsBFloat16);
        ListTwin<Bf16StackFallback, Bf16StackFallback.State>();
    }

    private static void ListTwin<TB, TS>() where TB : class, IRnnAgentModel<TS>, new() where TS : unmanaged
    {
        Assert.Equal(RnnPrecision.BFloat16, TB.WeightPrecision);
        Assert.Equal(Bf16StackFloat32.ParameterLayout.Fingerprint, TB.ParameterLayout.Fingerprint);
        var canonical = TestData.Uniform(81, TB.TrainableParameterCount, 0.4);
        var b = new TB();
        b.CopyParametersFrom(canonical);
        var twin = new Bf16StackFloat32();
        twin.CopyParametersFrom(RoundedWeights(TB.ParameterLayout, canonical));
        const int T = 16;
        var x = TestData.Uniform(82, T * 6, 1.0);
        var targets = TestData.Uniform(83, T * 2, 1.0);

        float[] Forward(IRnnModel m)
        {
            m.ResetState();
            var y = new float[T * 2];
            m.Forward(x, y);
            return y;
        }

        var expected = TestData.Bits(Forward(twin));
        Assert.Equal(expected, TestData.Bits(Forward(b)));
        b.ResetState();
        var step = new float[2];
        for (int t = 0; t < T; t++)
        {
            b.Step(x.AsSpan(t * 6, 6), step);
            Assert.Equal(expected.AsSpan(t * 2, 2).ToArray(), TestData.Bits(step));
        }

        b.ResetState();
        twin.ResetState();
        Assert.Equal(BitConverter.SingleToInt32Bits(twin.Evaluate(x, targets)), BitConverter.SingleToInt32Bits(b.Evaluate(x, targets)));

        var sb = new TS[9];
        var sf = new Bf16StackFloat32.State[9];
        var xs = TestData.Uniform(84, 9 * 6, 1.0);
        var yb = new float[9 * 2];
        var yf = new float[9 * 2];
        for (int s = 0; s < 3; s++)
        {
            b.Step(sb, xs, yb);
            twin.Step(sf, xs, yf);
            Assert.Equal(TestData.Bits(yf), TestData.Bits(yb));
        }

        var master = new Bf16StackFloat32();
        master.CopyParametersFrom(canonical);
        b.ResetState();
        master.ResetState();
        b.ZeroGradients();
        master.ZeroGradients();
        Assert.Equal(BitConverter.SingleToInt32Bits(master.AccumulateGradients(x, targets)), BitConverter.SingleToInt32Bits(b.AccumulateGradients(x, targets)));
        Assert.Equal(TestData.Bits(master.Gradients), TestData.Bits(b.Gradients));

        var adamB = new Adam(TB.ParameterCount, 0.01f);
        var adamF = new Adam(Bf16StackFloat32.ParameterCount, 0.01f);
        b.TrainStep(x, targets, adamB);
        master.TrainStep(x, targets, adamF);
        Assert.Equal(TestData.Bits(master.Parameters), TestData.Bits(b.Parameters));
        twin.CopyParametersFrom(RoundedWeights(TB.ParameterLayout, Canonical(b)));
        Assert.Equal(TestData.Bits(Forward(twin)), TestData.Bits(Forward(b)));
    }

    /// <summary>The same float32 weights (both default-constructed from seed 0): 256 steps stay within 1e-2 of float32.</summary>
    [Fact]
    public void Bfloat16_list_model_stays_close_to_float32()
    {
        var b = new Bf16Stack();
        var f = new Bf16StackFloat32();
        Assert.Equal(TestData.Bits(f.Parameters), TestData.Bits(b.Parameters));
        const int T = 256;
        var x = TestData.Uniform(85, T * 6, 1.0);
        var yb = new float[T * 2];
        var yf = new float[T * 2];
        b.Forward(x, yb);
        f.Forward(x, yf);
        double gap = 0;
        for (int i = 0; i < yb.Length; i++) gap = Math.Max(gap, Math.Abs(yb[i] - (double)yf[i]));
        _output.WriteLine($"Bf16Stack: max |bfloat16 − float32| over {T} steps = {gap:E2}");
        Assert.True(gap <= 1e-2, $"{gap:E2}");
        Assert.True(gap > 0, "the bfloat16 copy is in use");
    }

    // ───────────────────────────────────────────── tokens

    [Fact]
    public void Tokens_are_their_embedding_rows_and_class_ids_their_one_hot_targets()
    {
        var canonical = TestData.Uniform(91, TokenStack.TrainableParameterCount, 0.6);
        var model = new TokenStack();
        model.CopyParametersFrom(canonical);
        int[] tokens = { 3, 0, 10, 10, 2, 7, 1, 5 };
        int T = tokens.Length;
        var embedding = TokenStack.ParameterLayout["embedding.weight"];
        var rows = new float[T * 4];
        for (int t = 0; t < T; t++) Array.Copy(canonical, embedding.Offset + tokens[t] * 4, rows, t * 4, 4);

        var fromTokens = new float[T * 11];
        var fromRows = new float[T * 11];
        model.ResetState();
        model.Forward(tokens, fromTokens);
        model.ResetState();
        model.Forward(rows, fromRows);
        Assert.Equal(TestData.Bits(fromRows), TestData.Bits(fromTokens));
        var reference = new ListReference(ListSpecs.TokenStack, TokenStack.ParameterLayout, canonical);
        ModelChecks.AssertClose(reference.Outputs(default, tokens, T, null, out _), fromTokens, 1e-5, 1e-5, "outputs");

        model.ResetState();
        var y = new float[11];
        for (int t = 0; t < T; t++)
        {
            model.Step(tokens[t], y);
            Assert.Equal(TestData.Bits(fromTokens.AsSpan(t * 11, 11)), TestData.Bits(y));
        }

        int[] classes = { 1, 2, 0, 10, 5, 5, 3, 4 };
        var oneHot = new float[T * 11];
        for (int t = 0; t < T; t++) oneHot[t * 11 + classes[t]] = 1f;
        model.ResetState();
        model.ZeroGradients();
        float byIds = model.AccumulateGradients(tokens, classes);
        var gIds = model.Gradients.ToArray();
        model.ResetState();
        model.ZeroGradients();
        float byFloats = model.AccumulateGradients(tokens, oneHot);
        Assert.True(Math.Abs(byFloats - byIds) <= 1e-6 * (1 + Math.Abs(byFloats)), $"class ids {byIds:G9}, one-hot {byFloats:G9}");
        ModelChecks.AssertClose(Array.ConvertAll(model.Gradients.ToArray(), static v => (double)v), gIds, 1e-6, 1e-6, "gradients from class ids");
        model.ResetState();
        float evaluated = model.Evaluate(tokens, classes);
        Assert.True(Math.Abs(evaluated - byIds) <= 1e-5 * (1 + Math.Abs(byIds)), $"Evaluate {evaluated:G9}, AccumulateGradients {byIds:G9}");

        // Out-of-range tokens throw and leave the state alone.
        model.ResetState();
        model.Step(3, y);
        var state = StateOf(model);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(new[] { 1, 2, 11 }, new float[33]));
        Assert.Contains("tokens[2] = 11", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(-1, y));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.AccumulateGradients(tokens, new[] { 1, 2, 0, 11, 5, 5, 3, 4 }));
        Assert.Equal(state, StateOf(model));
    }
}

/// <summary>TrainBatch with a zero-rate SGD through IRnnModel's static members (each model declares it itself).</summary>
internal static class TrainBatchExtensions
{
    public static float TrainBatchOf<TModel>(this TModel model, float[] x, float[] y, int sequences, TrainOptions options) where TModel : IRnnModel =>
        model switch
        {
            GruElmanHeads m => m.TrainBatch(x, y, sequences, new Sgd(TModel.ParameterCount, 0f), options),
            LearnedLstmLast m => m.TrainBatch(x, y, sequences, new Sgd(TModel.ParameterCount, 0f), options),
            DropoutStack m => m.TrainBatch(x, y, sequences, new Sgd(TModel.ParameterCount, 0f), options),
            _ => throw new ArgumentException(typeof(TModel).Name),
        };
}
