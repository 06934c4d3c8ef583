using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Internal;
using RnnGen.Tests.Models.Lists;
using RnnGen.Tests.Reference;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// List models' BPTT gradients (float32, generated) of every parameter, or a sample of them plus every learned h₀/c₀, and
/// of the initial state, against central finite differences (ε = 1e-6, in double) of <see cref="ListReference"/>, a
/// float64 transcription of docs/layers.md: Dense layers of every activation (ReLU only away from its kink), learned
/// initial states (a window from ResetState trains h₀/c₀, one from any other state leaves them at exactly zero),
/// several heads with their loss weights, AddInput skips, LossOn = LastStep, the generator's own dropout masks, and
/// an embedding in front of a Dense layer. Tolerances are the one-attribute models' (GradientCheckTests).
/// </summary>
public class ListModelGradientTests
{
    [Fact] public void Dense_of_every_activation_around_an_Elman_layer() => Check<DenseActivations>(ListSpecs.DenseActivations, 6, 101, 0.6, learned: false);

    [Fact] public void Three_weighted_heads_with_AddInput_from_the_learned_state() => Check<GruElmanHeads>(ListSpecs.GruElmanHeads, 7, 102, 0.6, learned: true);

    [Fact] public void Three_weighted_heads_from_another_state_leave_h0_untrained() => Check<GruElmanHeads>(ListSpecs.GruElmanHeads, 5, 103, 0.6, learned: false);

    [Fact] public void Learned_h0_and_c0_of_two_LSTM_layers_with_the_loss_on_the_last_step() =>
        Check<LearnedLstmLast>(ListSpecs.LearnedLstmLast, 6, 104, 0.7, learned: true);

    [Fact] public void NamLstm_sampled_with_every_h0_and_c0() => Check<NamLstm>(ListSpecs.NamLstm, 5, 105, 0.3, learned: true, sample: 300);

    [Fact] public void Dropout_training_with_the_generators_masks() =>
        Check<DropoutStack>(ListSpecs.DropoutStack, 8, 106, 0.6, learned: true, dropoutSeed: 0x5EED);

    [Fact] public void HallwayPolicy_sampled() => Check<HallwayPolicy>(ListSpecs.HallwayPolicy, 4, 107, 0.15, learned: false, sample: 250);

    [Fact] public void Proteus_sampled() => Check<Proteus>(ListSpecs.Proteus, 6, 108, 0.25, learned: false, sample: 250);

    [Fact] public void Mixed_stack_without_a_head() => Check<MixedStack>(ListSpecs.MixedStack, 5, 109, 0.4, learned: false);

    [Fact]
    public void Tokens_through_an_embedding_into_a_Dense_layer() =>
        Check<TokenStack>(ListSpecs.TokenStack, 6, 110, 0.6, learned: true,
            tokens: static (model, ids, targets, dState) => model.AccumulateGradients(ids, targets, dState));

    /// <summary>
    /// The model's analytic gradients against the reference's central differences. <paramref name="learned"/>: the window
    /// starts from ResetState (h₀/c₀ of the layers that learn it, zeros elsewhere); otherwise from a random state set with
    /// CopyStateFrom, and then every h₀/c₀ gradient must be exactly zero.
    /// </summary>
    private static void Check<TModel>(
        ListSpec spec, int steps, int seed, double scale, bool learned, ulong? dropoutSeed = null, int sample = 0,
        Func<TModel, int[], float[], float[], float>? tokens = null)
        where TModel : class, IRnnModel, new()
    {
        Assert.Equal(spec.OutputSize, TModel.OutputSize);
        Assert.Equal(spec.StateSize, TModel.StateSize);
        var model = new TModel();
        var canonical = TestData.Uniform(seed, TModel.TrainableParameterCount, scale);
        model.CopyParametersFrom(canonical);
        var reference = new ListReference(spec, TModel.ParameterLayout, canonical);

        var rng = new Random(seed);
        var ids = tokens is null ? Array.Empty<int>() : Enumerable.Range(0, steps).Select(_ => rng.Next(spec.Vocabulary)).ToArray();
        var inputs = tokens is null ? TestData.Uniform(seed + 1, steps * spec.Input, 1.0) : Array.Empty<float>();
        var targets = spec.RandomTargets(seed + 3, spec.LastStep ? 1 : steps);
        double[]? state = null;
        if (learned)
        {
            model.ResetState();
        }
        else
        {
            var s0 = TestData.Uniform(seed + 2, TModel.StateSize, 0.5);
            model.CopyStateFrom(s0);
            state = TestData.ToDouble(s0);
        }

        ulong? stream = null;
        if (dropoutSeed is { } d)
        {
            ((DropoutStack)(object)model).DropoutSeed = d;   // restarts the masks: the next training call is call 0
            stream = KernelHelpers.DropoutStream(d, 0, 0);
        }

        model.ZeroGradients();
        var dState = new float[TModel.StateSize];
        float loss = tokens is null ? model.AccumulateGradients(inputs, targets, dState) : tokens(model, ids, targets, dState);
        var gradients = new float[TModel.TrainableParameterCount];
        model.CopyGradientsTo(gradients);

        double expectedLoss = reference.Loss(inputs, ids, steps, targets, state, stream);
        Assert.True(Math.Abs(loss - expectedLoss) <= 1e-5 * (1 + Math.Abs(expectedLoss)), $"loss {loss:G9} vs reference {expectedLoss:G9}");
        Assert.True(reference.MinReluMargin >= 1e-3, $"a ReLU pre-activation is {reference.MinReluMargin:G3} from the kink: choose another seed");
        Assert.Contains(gradients, static g => g != 0f);

        // The learned initial state: its gradient is dL/d(initial state) when the window starts from it, exactly zero otherwise.
        var initialTensors = TModel.ParameterLayout.Tensors.Where(static t => t.Name.EndsWith(".h0", StringComparison.Ordinal) || t.Name.EndsWith(".c0", StringComparison.Ordinal)).ToArray();
        Assert.Equal(spec.Layers.Count(static l => l.Learned) + spec.Layers.Count(static l => l.Learned && l.Kind == "lstm"), initialTensors.Length);
        foreach (var t in initialTensors)
        {
            int at = StateIndex(spec, t.Name);
            for (int u = 0; u < t.Length; u++)
                Assert.True(learned ? gradients[t.Offset + u] == dState[at + u] : gradients[t.Offset + u] == 0f,
                    $"{t.Name}[{u}]: gradient {gradients[t.Offset + u]:G9}, dL/d(initial state) {dState[at + u]:G9}");
        }

        const double eps = 1e-6;
        var p = reference.Parameters;
        IEnumerable<int> indices = Enumerable.Range(0, p.Length);
        if (sample > 0)
        {
            var r = new Random(seed);
            indices = Enumerable.Range(0, sample).Select(_ => r.Next(p.Length))
                .Concat(initialTensors.SelectMany(static t => Enumerable.Range(t.Offset, t.Length))).Distinct().Order();
        }

        var failures = new List<string>();
        foreach (int i in indices)
        {
            double saved = p[i];
            p[i] = saved + eps;
            double plus = reference.Loss(inputs, ids, steps, targets, state, stream);
            p[i] = saved - eps;
            double minus = reference.Loss(inputs, ids, steps, targets, state, stream);
            p[i] = saved;
            double numeric = (plus - minus) / (2 * eps);
            if (!ModelChecks.Close(numeric, gradients[i], 1e-3, 1e-5))
                failures.Add($"{Name(TModel.ParameterLayout, i)}: analytic {gradients[i]:G9} vs numeric {numeric:G9}");
        }

        // dL/d(initial state), whichever state the window started from.
        var h = state ?? reference.InitialState();
        for (int i = 0; i < h.Length; i++)
        {
            double saved = h[i];
            h[i] = saved + eps;
            double plus = reference.Loss(inputs, ids, steps, targets, h, stream);
            h[i] = saved - eps;
            double minus = reference.Loss(inputs, ids, steps, targets, h, stream);
            h[i] = saved;
            double numeric = (plus - minus) / (2 * eps);
            if (!ModelChecks.Close(numeric, dState[i], 1e-3, 1e-5))
                failures.Add($"dL/d(initial state)[{i}]: analytic {dState[i]:G9} vs numeric {numeric:G9}");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} gradient(s) differ:\n" + string.Join("\n", failures.Take(20)));
    }

    /// <summary>Where layers.{i}.h0 / c0 sits in the CopyStateTo order: h of every recurrent layer, then c of every LSTM layer.</summary>
    private static int StateIndex(ListSpec spec, string tensor)
    {
        int layer = int.Parse(tensor.Split('.')[1]);
        bool cell = tensor.EndsWith(".c0", StringComparison.Ordinal);
        int at = cell ? spec.Layers.Where(static l => l.IsRecurrent).Sum(static l => l.Units) : 0;
        for (int i = 0; i < layer; i++)
            if (spec.Layers[i].IsRecurrent && (!cell || spec.Layers[i].Kind == "lstm")) at += spec.Layers[i].Units;
        return at;
    }

    private static string Name(RnnParameterLayout layout, int index)
    {
        var t = layout.Tensors.First(t => index >= t.Offset && index < t.Offset + t.Length);
        return $"{t.Name}[{index - t.Offset}]";
    }
}
