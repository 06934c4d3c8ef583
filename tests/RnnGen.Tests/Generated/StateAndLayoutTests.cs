using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Tests.Models;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>States are independent of the weights; Forward, Step, Evaluate and AccumulateGradients agree; the layout maps PyTorch order exactly.</summary>
public class StateAndLayoutTests
{
    [Fact]
    public void ForwardEqualsRepeatedStep()
    {
        var a = new Elman64x10(seed: 3);
        var b = new Elman64x10(seed: 3);
        var x = TestData.Uniform(1, 20 * Elman64x10.InputSize, 1);
        var forward = new float[20];
        a.Forward(x, forward);
        var y = new float[1];
        for (int t = 0; t < 20; t++)
        {
            b.Step(x.AsSpan(t * 10, 10), y);
            Assert.Equal(forward[t], y[0]);
        }
    }

    /// <summary>Odd steps walk the weight tiles in reverse (serpentine order); the tiles are independent, so nothing may change.</summary>
    [Fact]
    public void SerpentineTileOrderGivesBitIdenticalSteps()
    {
        var h = TestData.Uniform(11, 256, 0.9f);
        var c = TestData.Uniform(12, 256, 0.9f);
        var x = TestData.Uniform(13, 300, 1);

        var lstm = new Lstm128x10(seed: 5);
        Lstm128x10.State lstmEven = default, lstmOdd = default;
        lstm.Step(ref lstmOdd, x.AsSpan(0, 10), new float[1]);   // lstmOdd's next step walks the tiles in reverse
        foreach (var state in new[] { 0, 1 })
        {
            ref var s = ref state == 0 ? ref lstmEven : ref lstmOdd;
            h.AsSpan(0, 128).CopyTo(s.Hidden());
            c.AsSpan(0, 128).CopyTo(s.Cell());
        }

        var (a, b) = (new float[1], new float[1]);
        lstm.Step(ref lstmEven, x.AsSpan(0, 10), a);
        lstm.Step(ref lstmOdd, x.AsSpan(0, 10), b);
        Assert.Equal(a, b);
        Assert.Equal(lstmEven.Hidden().ToArray(), lstmOdd.Hidden().ToArray());
        Assert.Equal(lstmEven.Cell().ToArray(), lstmOdd.Cell().ToArray());

        var gru = new Gru128x10(seed: 6);
        Gru128x10.State gruEven = default, gruOdd = default;
        gru.Step(ref gruOdd, x.AsSpan(0, 10), new float[1]);
        h.AsSpan(0, 128).CopyTo(gruEven.Hidden());
        h.AsSpan(0, 128).CopyTo(gruOdd.Hidden());
        gru.Step(ref gruEven, x.AsSpan(0, 10), a);
        gru.Step(ref gruOdd, x.AsSpan(0, 10), b);
        Assert.Equal(a, b);
        Assert.Equal(gruEven.Hidden().ToArray(), gruOdd.Hidden().ToArray());

        var elman = new Elman256x300(seed: 7);
        Elman256x300.State elmanEven = default, elmanOdd = default;
        elman.Step(ref elmanOdd, x, new float[2]);
        h.CopyTo(elmanEven.Hidden());
        h.CopyTo(elmanOdd.Hidden());
        var (a2, b2) = (new float[2], new float[2]);
        elman.Step(ref elmanEven, x, a2);
        elman.Step(ref elmanOdd, x, b2);
        Assert.Equal(a2, b2);
        Assert.Equal(elmanEven.Hidden().ToArray(), elmanOdd.Hidden().ToArray());
        Assert.NotEqual(0f, a2[0]);
    }

    [Fact]
    public void SeparateStatesDoNotInterfere()
    {
        var model = new Elman5x3x2(seed: 4);
        var x1 = TestData.Uniform(1, 3, 1);
        var x2 = TestData.Uniform(2, 3, 1);
        var s1 = new Elman5x3x2.State();
        var s2 = new Elman5x3x2.State();
        var y1 = new float[2];
        var y2 = new float[2];
        var alone = new float[2];
        var reference = new Elman5x3x2.State();
        for (int t = 0; t < 5; t++)
        {
            model.Step(ref s1, x1, y1);
            model.Step(ref s2, x2, y2);
            model.Step(ref reference, x1, alone);
            Assert.Equal(alone, y1);
        }

        Assert.NotEqual(y1, y2);
        Assert.Equal(s1.Hidden().ToArray(), reference.Hidden().ToArray());
        s1.Reset();
        Assert.All(s1.Hidden().ToArray(), v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentOutOfRangeException>(() => reference.Hidden(1).Length);
    }

    [Fact]
    public void EvaluateMatchesAccumulateGradientsLossAndBothAdvanceTheState()
    {
        var model = new Elman7(seed: 5);
        var x = TestData.Uniform(1, 6 * Elman7.InputSize, 1);
        var y = TestData.Uniform(2, 6 * Elman7.OutputSize, 1);
        float evaluated = model.Evaluate(x, y);
        var afterEvaluate = new float[Elman7.StateSize];
        model.CopyStateTo(afterEvaluate);
        model.ResetState();
        float accumulated = model.AccumulateGradients(x, y);
        var afterAccumulate = new float[Elman7.StateSize];
        model.CopyStateTo(afterAccumulate);
        Assert.Equal(evaluated, accumulated, 6);
        Assert.Equal(afterEvaluate, afterAccumulate);
        Assert.Contains(afterAccumulate, v => v != 0f);
    }

    [Fact]
    public void AccumulateGradientsAdds()
    {
        var model = new Elman9(seed: 6);
        var x = TestData.Uniform(1, 5 * Elman9.InputSize, 1);
        var y = TestData.Uniform(2, 5, 1);
        model.ZeroGradients();
        model.AccumulateGradients(x, y);
        var once = model.Gradients.ToArray();
        model.ResetState();
        model.AccumulateGradients(x, y);
        var twice = model.Gradients.ToArray();
        Assert.Contains(once, g => g != 0f);
        for (int i = 0; i < once.Length; i++)
            Assert.True(Math.Abs(twice[i] - 2 * once[i]) <= 1e-6 * (1 + Math.Abs(once[i])), $"gradient {i}: {twice[i]} vs 2 × {once[i]}");
    }

    [Fact]
    public void StatelessTrainStepStartsFromZeroAndStatefulCarriesTheState()
    {
        var x = TestData.Uniform(1, 8 * Elman5x3x2.InputSize, 1);
        var y = TestData.Uniform(2, 8 * Elman5x3x2.OutputSize, 1);
        var h0 = TestData.Uniform(3, Elman5x3x2.StateSize, 0.5);

        // Stateless: the state the model had does not matter, and it is zero afterwards.
        var a = new Elman5x3x2(seed: 1);
        var b = new Elman5x3x2(seed: 1);
        b.CopyStateFrom(h0);
        float la = a.TrainStep(x, y, new Sgd(Elman5x3x2.ParameterCount, 0.1f));
        float lb = b.TrainStep(x, y, new Sgd(Elman5x3x2.ParameterCount, 0.1f));
        Assert.Equal(la, lb);
        Assert.Equal(TestData.Bits(a.Parameters), TestData.Bits(b.Parameters));
        var state = new float[Elman5x3x2.StateSize];
        b.CopyStateTo(state);
        Assert.All(state, v => Assert.Equal(0f, v));

        // Stateful: starts from h0 and leaves the window's final state (computed with the old weights).
        var c = new Elman5x3x2(seed: 1);
        var d = new Elman5x3x2(seed: 1);
        c.CopyStateFrom(h0);
        d.CopyStateFrom(h0);
        d.Forward(x, new float[8 * Elman5x3x2.OutputSize]);
        var expected = new float[Elman5x3x2.StateSize];
        d.CopyStateTo(expected);
        float lc = c.TrainStep(x, y, new Sgd(Elman5x3x2.ParameterCount, 0.1f), new TrainOptions { Stateful = true });
        Assert.NotEqual(la, lc);
        c.CopyStateTo(state);
        Assert.Equal(expected, state);
    }

    [Fact]
    public void ParameterIndexIsABijectionOntoTheNonPaddingEntries()
    {
        CheckLayout<Elman5x3x2>();
        CheckLayout<Elman100>();
        CheckLayout<Elman3Layers>();
        CheckLayout<ElmanNoHead>();
    }

    private static void CheckLayout<TModel>() where TModel : class, IRnnModel, new()
    {
        var seen = new HashSet<int>();
        for (int i = 0; i < TModel.TrainableParameterCount; i++)
        {
            int internalIndex = ParameterIndexOf<TModel>(i);
            Assert.InRange(internalIndex, 0, TModel.ParameterCount - 1);
            Assert.True(seen.Add(internalIndex), $"index {internalIndex} mapped twice");
        }

        // Padding is zero after initialization and stays zero through training.
        var model = new TModel();
        var x = TestData.Uniform(1, 4 * TModel.InputSize, 1);
        var y = TestData.Uniform(2, 4 * TModel.OutputSize, 1);
        var adam = new Adam(TModel.ParameterCount, 0.01f, weightDecay: 0.01f);
        for (int i = 0; i < 5; i++) model.TrainStep(x, y, adam);
        var parameters = model.Parameters;
        for (int i = 0; i < TModel.ParameterCount; i++)
            if (!seen.Contains(i)) Assert.Equal(0f, parameters[i]);

        // Tensors tile the canonical vector in PyTorch order.
        int offset = 0;
        foreach (var t in TModel.ParameterLayout.Tensors)
        {
            Assert.Equal(offset, t.Offset);
            offset += t.Length;
        }

        Assert.Equal(TModel.TrainableParameterCount, offset);
    }

    private static int ParameterIndexOf<TModel>(int canonical) where TModel : IRnnModel
    {
        // ParameterIndex is a static generated member (not on the interface): call it through reflection-free dispatch.
        if (typeof(TModel) == typeof(Elman5x3x2)) return Elman5x3x2.ParameterIndex(canonical);
        if (typeof(TModel) == typeof(Elman100)) return Elman100.ParameterIndex(canonical);
        if (typeof(TModel) == typeof(Elman3Layers)) return Elman3Layers.ParameterIndex(canonical);
        if (typeof(TModel) == typeof(ElmanNoHead)) return ElmanNoHead.ParameterIndex(canonical);
        throw new NotSupportedException(typeof(TModel).Name);
    }

    [Fact]
    public void ParameterLayoutUsesPyTorchNamesAndShapes()
    {
        var names = Elman3Layers.ParameterLayout.Tensors.Select(t => $"{t.Name}[{string.Join(",", t.Shape)}]").ToArray();
        Assert.Equal(new[]
        {
            "rnn.weight_ih_l0[12,5]", "rnn.weight_hh_l0[12,12]", "rnn.bias_ih_l0[12]", "rnn.bias_hh_l0[12]",
            "rnn.weight_ih_l1[12,12]", "rnn.weight_hh_l1[12,12]", "rnn.bias_ih_l1[12]", "rnn.bias_hh_l1[12]",
            "rnn.weight_ih_l2[12,12]", "rnn.weight_hh_l2[12,12]", "rnn.bias_ih_l2[12]", "rnn.bias_hh_l2[12]",
            "head.weight[2,12]", "head.bias[2]",
        }, names);
        Assert.Equal(Elman3Layers.TrainableParameterCount, Elman3Layers.ParameterLayout.Count);
        Assert.Throws<KeyNotFoundException>(() => Elman3Layers.ParameterLayout["rnn.weight_ih_l3"]);
    }

    [Fact]
    public void ParametersSpanIsAlignedAndCopiesRoundTrip()
    {
        var model = new Elman64x10(seed: 9);
        unsafe
        {
            fixed (float* p = model.Parameters)
                Assert.Equal(0, (long)p % 64);
        }

        var canonical = TestData.Uniform(4, Elman64x10.TrainableParameterCount, 1);
        model.CopyParametersFrom(canonical);
        var back = new float[canonical.Length];
        model.CopyParametersTo(back);
        Assert.Equal(canonical, back);
    }

    [Fact]
    public void UserConstructorAndNestedModelsWork()
    {
        var model = new UserConstructed("agent");
        Assert.Equal("agent", model.Name);
        Assert.Contains(model.Parameters.ToArray(), v => v != 0f);
        var y = new float[1];
        model.Step(new float[] { 1, 2 }, y);
        Assert.True(float.IsFinite(y[0]));
        Assert.Equal(4, Outer.Nested.HiddenSize);
    }

    [Fact]
    public void GeneratorRanInTheRealBuild()
    {
        // These types were compiled by `dotnet build` of this project, with the generator as an analyzer:
        // the generated members exist and carry the generator's GeneratedCode attribute.
        var method = typeof(Elman64x10).GetMethod(nameof(Elman64x10.TrainStep))!;
        var attribute = method.GetCustomAttributes(typeof(System.CodeDom.Compiler.GeneratedCodeAttribute), false)
            .Cast<System.CodeDom.Compiler.GeneratedCodeAttribute>().Single();
        Assert.Equal("RnnGen.Generator", attribute.Tool);
        Assert.True(typeof(IRnnModel).IsAssignableFrom(typeof(Elman64x10)));
    }
}
