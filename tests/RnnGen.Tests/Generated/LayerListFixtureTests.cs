using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using RnnGen.Internal;
using RnnGen.Tests.Reference;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Every list model against its PyTorch 1.13 fixture (tests/fixtures/layers/): the parameters are loaded by name through
/// ParameterLayout, then the outputs of Forward (≤ 1e-5), and the loss (relative ≤ 1e-5), every parameter gradient
/// (≤ 1e-5 + 1e-3·|g|), the initial-state gradient and the final state of AccumulateGradients. Dropout training cases
/// take PyTorch's masks from the fixture; the others check that inference ignores dropout.
/// </summary>
public class LayerListFixtureTests
{
    public static IEnumerable<object[]> Fixtures => LayerFixture.Names.Select(static n => new object[] { n });

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Matches_PyTorch(string name)
    {
        var fixture = LayerFixture.Load(name);
        var type = typeof(LayerListFixtureTests).Assembly.GetType("RnnGen.Tests.Models.LayerFixtures." + fixture.ClassName, throwOnError: true)!;
        typeof(LayerListFixtureTests).GetMethod(nameof(Check), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(type).Invoke(null, new object[] { fixture });
    }

    private static void Check<TModel>(LayerFixture f) where TModel : class, IRnnModel, new()
    {
        Assert.Equal(f.ParameterCount, TModel.TrainableParameterCount);
        Assert.Equal(f.OutputSize, TModel.OutputSize);
        Assert.Equal(f.Layout.Select(static t => t.Name), TModel.ParameterLayout.Tensors.Select(static t => t.Name));

        var model = new TModel();
        model.CopyParametersFrom(f.CanonicalParameters(TModel.ParameterLayout));
        var roundTrip = new float[TModel.TrainableParameterCount];
        model.CopyParametersTo(roundTrip);
        Assert.Equal(f.CanonicalParameters(TModel.ParameterLayout), roundTrip);

        bool dropoutTraining = f.Training && f.DropoutMasks.Count > 0;
        if (!dropoutTraining)
        {
            // Inference: Forward from the fixture's initial state (dropout, if any, is the identity).
            StartState(model, f);
            var outputs = new float[f.Steps * TModel.OutputSize];
            if (f.Vocabulary > 0) ForwardTokens(model, f.Tokens, outputs);
            else model.Forward(LayerFixture.ToFloat(f.Inputs), outputs);
            ModelChecks.AssertClose(f.Outputs, outputs, 1e-5, 1e-5, "outputs");
        }

        if (!f.Training) return;

        StartState(model, f);
        model.ZeroGradients();
        var stateGradient = new float[TModel.StateSize];
        float loss;
        var masks = MaskSource(f);
        KernelHelpers.MaskSource = masks;
        try
        {
            loss = Accumulate(model, f, stateGradient);
        }
        finally
        {
            KernelHelpers.MaskSource = null;
        }

        Assert.True(Math.Abs(loss - f.Loss) <= 1e-5 * Math.Max(1.0, Math.Abs(f.Loss)), $"loss {loss} ≠ PyTorch's {f.Loss}");
        var gradients = new float[TModel.TrainableParameterCount];
        model.CopyGradientsTo(gradients);
        var expected = f.CanonicalGradients(TModel.ParameterLayout);
        for (int i = 0; i < gradients.Length; i++)
            Assert.True(Math.Abs(gradients[i] - expected[i]) <= 1e-5 + 1e-3 * Math.Abs(expected[i]),
                $"gradient {i} ({TensorAt(TModel.ParameterLayout, i)}): {gradients[i]} ≠ PyTorch's {expected[i]}");

        if (TModel.StateSize > 0)
        {
            ModelChecks.AssertClose(f.InitialStateGradient(LayerFixture.StateOrder.HThenC), stateGradient, 1e-5, 1e-3, "dL/d(initial state)");
            var final = new float[TModel.StateSize];
            model.CopyStateTo(final);
            ModelChecks.AssertClose(f.FinalState(LayerFixture.StateOrder.HThenC), final, 1e-5, 1e-5, "final state");
        }
    }

    /// <summary>
    /// The fixture's initial state: ResetState (the learned h₀/c₀ where the model learns them, zeros elsewhere), or the
    /// fixture's values when no layer learns its state (the fixtures give learned cases zero states elsewhere).
    /// </summary>
    private static void StartState<TModel>(TModel model, LayerFixture f) where TModel : IRnnModel
    {
        model.ResetState();
        if (TModel.StateSize == 0 || f.State.Any(static s => s.Learned)) return;
        model.CopyStateFrom(LayerFixture.ToFloat(f.InitialState(LayerFixture.StateOrder.HThenC)));
    }

    private static float Accumulate<TModel>(TModel model, LayerFixture f, float[] stateGradient) where TModel : IRnnModel
    {
        if (model is Models.LayerFixtures.EmbedDenseGru tokens)
            return tokens.AccumulateGradients(f.Tokens, f.Classes, stateGradient);
        return model.AccumulateGradients(LayerFixture.ToFloat(f.Inputs), LayerFixture.ToFloat(f.Targets), stateGradient);
    }

    private static void ForwardTokens<TModel>(TModel model, int[] tokens, float[] outputs) =>
        ((Models.LayerFixtures.EmbedDenseGru)(object)model!).Forward(tokens, outputs);

    /// <summary>When every head is a cross-entropy head, class ids (one per head per scored step, step-major) give the loss and gradients of one-hot float targets.</summary>
    [Fact]
    public void Class_ids_of_several_cross_entropy_heads_equal_one_hot_targets()
    {
        var f = LayerFixture.Load("heads_two_ce_h0");
        var model = new Models.LayerFixtures.HeadsTwoCe();
        model.CopyParametersFrom(f.CanonicalParameters(Models.LayerFixtures.HeadsTwoCe.ParameterLayout));
        var inputs = LayerFixture.ToFloat(f.Inputs);
        var state = LayerFixture.ToFloat(f.InitialState(LayerFixture.StateOrder.HThenC));
        model.CopyStateFrom(state);
        model.ZeroGradients();
        float floats = model.AccumulateGradients(inputs, LayerFixture.ToFloat(f.Targets));
        var g1 = model.Gradients.ToArray();
        model.CopyStateFrom(state);
        model.ZeroGradients();
        float ids = model.AccumulateGradients(inputs, (ReadOnlySpan<int>)f.Classes);
        Assert.Equal(floats, ids, 6);
        ModelChecks.AssertClose(Array.ConvertAll(g1, static v => (double)v), model.Gradients.ToArray(), 1e-6, 1e-5, "gradients");
        Assert.True(Math.Abs(ids - f.Loss) <= 1e-5 * Math.Max(1, Math.Abs(f.Loss)));
    }

    /// <summary>PyTorch's masks: the mask of the Dropout that follows tiled layer n, row t.</summary>
    private static DropoutMaskSource? MaskSource(LayerFixture f)
    {
        if (f.DropoutMasks.Count == 0) return null;
        var byTiled = new Dictionary<int, DropoutMask>();
        int tiled = -1;
        for (int i = 0; i < f.Layers.Count; i++)
        {
            if (f.Layers[i].Kind != "dropout") tiled++;
            else byTiled[tiled] = f.DropoutMasks.Single(m => m.Layer == i);
        }

        return (mask, layer, step) =>
        {
            var m = byTiled[layer];
            m.Mask.AsSpan(step * m.Units, m.Units).CopyTo(mask);
        };
    }

    private static string TensorAt(RnnParameterLayout layout, int index) =>
        layout.Tensors.First(t => index >= t.Offset && index < t.Offset + t.Length).Name;
}
