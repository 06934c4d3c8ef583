using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen.Serialization;
using RnnGen.Tests.Generated;
using RnnGen.Tests.Models;
using RnnGen.Tests.Models.Lists;
using RnnGen.Tests.Reference;
using Xunit;
using static RnnGen.Tests.Serialization.SerializationTestKit;

namespace RnnGen.Tests.Serialization;

/// <summary>
/// List models' parameters at the boundary: ParameterLayout is docs/layers.md's list of tensors (embedding.weight,
/// layers.{i}.* with i counting Dropout, h0/c0 of the learned states, heads.{j}.*), the canonical copies round-trip,
/// Save/Load round-trips bit for bit with those names, and a file of another model is refused with the model unchanged.
/// </summary>
public class ListModelSerializationTests
{
    private static readonly Dictionary<string, (ListSpec Spec, Action Check)> Models = new()
    {
        ["HallwayPolicy"] = (ListSpecs.HallwayPolicy, Check<HallwayPolicy>),
        ["NamLstm"] = (ListSpecs.NamLstm, Check<NamLstm>),
        ["Proteus"] = (ListSpecs.Proteus, Check<Proteus>),
        ["MixedStack"] = (ListSpecs.MixedStack, Check<MixedStack>),
        ["DropoutStack"] = (ListSpecs.DropoutStack, Check<DropoutStack>),
        ["TokenStack"] = (ListSpecs.TokenStack, Check<TokenStack>),
        ["Bf16Stack"] = (ListSpecs.Bf16Stack, Check<Bf16Stack>),
        ["DenseActivations"] = (ListSpecs.DenseActivations, Check<DenseActivations>),
        ["GruElmanHeads"] = (ListSpecs.GruElmanHeads, Check<GruElmanHeads>),
        ["LearnedLstmLast"] = (ListSpecs.LearnedLstmLast, Check<LearnedLstmLast>),
    };

    public static TheoryData<string> Names => new(Models.Keys);

    private static ListSpec SpecOf<TModel>() => Models[typeof(TModel).Name].Spec;

    [Theory]
    [MemberData(nameof(Names))]
    public void Layout_copies_and_files_round_trip(string name) => Models[name].Check();

    private static void Check<TModel>() where TModel : class, IRnnModel, new()
    {
        // ParameterLayout: the contract's names and shapes, consecutive, covering every trainable value.
        var spec = SpecOf<TModel>();
        var contract = spec.Tensors().ToArray();
        var layout = TModel.ParameterLayout;
        Assert.Equal(contract.Select(static t => t.Name), layout.Tensors.Select(static t => t.Name));
        Assert.Equal(contract.Select(static t => string.Join("x", t.Shape)), layout.Tensors.Select(static t => string.Join("x", t.Shape)));
        int offset = 0;
        foreach (var t in layout.Tensors)
        {
            Assert.Equal(offset, t.Offset);
            offset += t.Length;
        }

        Assert.Equal(TModel.TrainableParameterCount, offset);
        Assert.Equal(spec.OutputSize, TModel.OutputSize);
        Assert.Equal(spec.StateSize, TModel.StateSize);

        // ParameterIndex is a bijection onto the non-padding entries; CopyParametersTo/From and CopyGradientsTo use it.
        var seen = new HashSet<int>();
        for (int i = 0; i < TModel.TrainableParameterCount; i++)
        {
            int at = TModel.ParameterIndex(i);
            Assert.InRange(at, 0, TModel.ParameterCount - 1);
            Assert.True(seen.Add(at), $"{typeof(TModel).Name}: internal index {at} mapped twice");
        }

        var original = RandomModel<TModel>(seed: 11);
        var canonical = Canonical(original);
        var parameters = original.Parameters;
        for (int i = 0; i < parameters.Length; i++)
            if (!seen.Contains(i)) Assert.Equal(0f, parameters[i]);
        for (int i = 0; i < canonical.Length; i++) Assert.Equal(canonical[i], parameters[TModel.ParameterIndex(i)]);
        var gradients = new float[TModel.TrainableParameterCount];
        original.Gradients[TModel.ParameterIndex(TModel.TrainableParameterCount - 1)] = 2.5f;
        original.CopyGradientsTo(gradients);
        Assert.Equal(2.5f, gradients[^1]);
        original.ZeroGradients();

        // Save/Load: the file holds the layout's tensors, F32, in the same order; loading gives the same bits back.
        byte[] file = SaveToBytes(original);
        var read = SafeTensorsFile.Read(new MemoryStream(file));
        Assert.Equal(layout.Tensors.Select(static t => t.Name), read.Tensors.Select(static t => t.Name));
        foreach (var t in layout.Tensors)
        {
            Assert.Equal(t.Shape.Select(static d => (long)d), read.GetTensor(t.Name).Shape);
            Assert.Equal(canonical.AsSpan(t.Offset, t.Length).ToArray(), read.ReadFloats(t.Name));
        }

        Assert.Equal(layout.Fingerprint, read.Metadata["layout_fingerprint"]);
        var loaded = new TModel();
        Assert.NotEqual(canonical, Canonical(loaded));
        RnnModelSerializer.Load(loaded, new MemoryStream(file));
        Assert.Equal(TestData.Bits(canonical), TestData.Bits(Canonical(loaded)));
        Assert.Equal(InternalBits(original), InternalBits(loaded));
        Assert.Equal(TestData.Bits(TestData.Forward(original, 6, seed: 5)), TestData.Bits(TestData.Forward(loaded, 6, seed: 5)));
        Assert.Equal(file, SaveToBytes(loaded));

        // CopyParametersFrom of the wrong length changes nothing.
        var before = InternalBits(loaded);
        var e = Assert.Throws<ArgumentException>(() => loaded.CopyParametersFrom(new float[TModel.TrainableParameterCount - 1]));
        Assert.Contains($"must hold {TModel.TrainableParameterCount} floats", e.Message);
        Assert.Equal(before, InternalBits(loaded));
    }

    [Fact]
    public void Tensor_names_count_Dropout_and_put_h0_c0_after_each_layers_biases()
    {
        Assert.Equal(
            new[]
            {
                "layers.0.weight", "layers.0.bias", "layers.2.weight_ih_l0", "layers.2.weight_hh_l0", "layers.2.bias_ih_l0", "layers.2.bias_hh_l0",
                "layers.2.h0", "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias",
            },
            DropoutStack.ParameterLayout.Tensors.Select(static t => t.Name));
        Assert.Equal("embedding.weight", TokenStack.ParameterLayout.Tensors[0].Name);
        Assert.Equal(new[] { 11, 4 }, TokenStack.ParameterLayout["embedding.weight"].Shape);
        Assert.Equal(new[] { 6, 4 }, TokenStack.ParameterLayout["layers.0.weight"].Shape);   // Dense(6) of the 4-wide embedding
        Assert.Equal(
            new[] { "layers.0.weight_ih_l0", "layers.0.weight_hh_l0", "layers.0.bias_ih_l0", "layers.0.bias_hh_l0", "layers.0.h0", "layers.0.c0" },
            NamLstm.ParameterLayout.Tensors.Take(6).Select(static t => t.Name));
        Assert.Equal(new[] { 72, 1 }, NamLstm.ParameterLayout["layers.0.weight_ih_l0"].Shape);
        Assert.Equal(new[] { 6, 4 }, GruElmanHeads.ParameterLayout["layers.3.weight"].Shape);
        Assert.Equal(new[] { 2, 6 }, GruElmanHeads.ParameterLayout["heads.2.weight"].Shape);
        Assert.Throws<KeyNotFoundException>(() => DropoutStack.ParameterLayout["layers.1.weight"]);
    }

    [Fact]
    public void Path_round_trip_leaves_the_state_and_ResetState_then_reads_the_loaded_h0()
    {
        string dir = TempDirectory();
        try
        {
            string path = Path.Combine(dir, "nam.safetensors");
            var original = RandomModel<NamLstm>(seed: 21);
            original.Save(path);

            var loaded = new NamLstm();
            var state = TestData.Uniform(4, NamLstm.StateSize, 0.5);
            loaded.CopyStateFrom(state);
            loaded.Load(path);
            Assert.Equal(InternalBits(original), InternalBits(loaded));
            var after = new float[NamLstm.StateSize];
            loaded.CopyStateTo(after);
            Assert.Equal(state, after);

            loaded.ResetState();
            original.ResetState();
            var a = new float[NamLstm.StateSize];
            loaded.CopyStateTo(after);
            original.CopyStateTo(a);
            Assert.Equal(a, after);
            var h0 = NamLstm.ParameterLayout["layers.1.h0"];
            Assert.Equal(Canonical(original).AsSpan(h0.Offset, h0.Length).ToArray(), after.AsSpan(18, 18).ToArray());
            Assert.Equal(new[] { "nam.safetensors" }, Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Save_refuses_a_non_finite_learned_state()
    {
        var model = RandomModel<GruElmanHeads>(seed: 2);
        var p = Canonical(model);
        p[GruElmanHeads.ParameterLayout["layers.2.h0"].Offset + 1] = float.NaN;
        model.CopyParametersFrom(p);
        using var stream = new MemoryStream();
        var e = Assert.Throws<InvalidOperationException>(() => RnnModelSerializer.Save(model, stream));
        Assert.Contains("layers.2.h0", e.Message);
        Assert.Equal(0, stream.Length);
    }

    // ───────────────────────────────────────────── files of other models

    [Fact]
    public void A_file_of_another_list_model_is_refused_and_the_model_is_unchanged()
    {
        // Different sizes: the metadata names them.
        AssertRejected<HallwayPolicy>(SaveToBytes(RandomModel<MiniPolicy>(1)), null, "different model than HallwayPolicy", "input 6 ≠ 30", "hidden 12 ≠ 64");

        // The same sizes (input 3, GRU of 7, outputs 5, one recurrent layer) and shapes, but Dropout shifts the layer numbers:
        // the recorded layer list names the first difference.
        AssertRejected<DropoutStackWithoutDropout>(SaveToBytes(RandomModel<DropoutStack>(2)), null, "layer 1 of the list is 'dropout' in the file ≠ 'gru:7:tanh:h0' in the model");
        AssertRejected<DropoutStack>(SaveToBytes(RandomModel<DropoutStackWithoutDropout>(2)), null, "layer 1 of the list is 'gru:7:tanh:h0' in the file ≠ 'dropout' in the model");
        // Without that metadata entry (a file written by another tool with these names) the tensor names still refuse it.
        AssertRejected<DropoutStackWithoutDropout>(WithoutMetadata(SaveToBytes(RandomModel<DropoutStack>(2)), RnnModelMetadata.LayerListKey), "layers.1.weight_ih_l0", "the file does not have it");

        // A one-attribute model's file (rnn.*, head.*) is not a list's.
        AssertRejected<GruElmanHeads>(SaveToBytes(RandomModel<Gru5x3x2>(3)), null, "different model than GruElmanHeads");
    }

    [Fact]
    public void A_file_of_a_list_with_the_same_tensors_but_another_function_is_refused()
    {
        // Same names and shapes, so only the recorded layer list tells them apart: the Dense activation differs, and the
        // head of ReluEncoderGru adds input features.
        AssertRejected<ReluEncoderGru>(SaveToBytes(RandomModel<TanhEncoderGru>(5)), null,
            "different model than ReluEncoderGru", "layer 0 of the list is 'dense:5:tanh' in the file ≠ 'dense:5:relu' in the model");
        AssertRejected<TanhEncoderGru>(SaveToBytes(RandomModel<ReluEncoderGru>(5)), null, "'dense:5:relu' in the file ≠ 'dense:5:tanh'");

        // A training-only difference (the head's loss weight) is not one: the weights load and compute the same outputs.
        var source = RandomModel<TanhEncoderGru>(6);
        var target = new TanhEncoderGruWeighted();
        RnnModelSerializer.Load(target, new MemoryStream(SaveToBytes(source)));
        Assert.Equal(TestData.Bits(TestData.Forward(source, 5, seed: 1)), TestData.Bits(TestData.Forward(target, 5, seed: 1)));
    }

    [Fact]
    public void A_tensor_of_another_shape_is_refused_and_the_model_is_unchanged()
    {
        var source = RandomModel<GruElmanHeads>(seed: 4);
        var values = Canonical(source);
        var tensors = GruElmanHeads.ParameterLayout.Tensors
            .Select(t => (t.Name, values.AsSpan(t.Offset, t.Length).ToArray(), t.Shape.ToArray())).ToArray();
        int head = Array.FindIndex(tensors, static t => t.Name == "heads.1.weight");
        tensors[head] = ("heads.1.weight", new float[2 * 5], new[] { 2, 5 });
        using var stream = new MemoryStream();
        SafeTensorsFile.Write(stream, Tensors(tensors));
        AssertRejected<GruElmanHeads>(stream.ToArray(), "heads.1.weight", "shape [2, 5] does not match the model's [2, 6]");

        // Without the learned state tensor: refused by name.
        var withoutH0 = GruElmanHeads.ParameterLayout.Tensors.Where(static t => t.Name != "layers.1.h0")
            .Select(t => (t.Name, values.AsSpan(t.Offset, t.Length).ToArray(), t.Shape.ToArray())).ToArray();
        using var stream2 = new MemoryStream();
        SafeTensorsFile.Write(stream2, Tensors(withoutH0));
        AssertRejected<GruElmanHeads>(stream2.ToArray(), "layers.1.h0", "the file does not have it");
    }

    /// <summary>The same file without one metadata entry (tensors and other entries unchanged).</summary>
    private static byte[] WithoutMetadata(byte[] bytes, string key)
    {
        var file = SafeTensorsFile.Read(new MemoryStream(bytes));
        var tensors = file.Tensors.Select(t => new KeyValuePair<string, FloatTensor>(t.Name,
            new FloatTensor(file.ReadFloats(t.Name), t.Shape.Select(static d => (int)d).ToArray()))).ToList();
        using var stream = new MemoryStream();
        SafeTensorsFile.Write(stream, tensors, file.Metadata.Where(m => m.Key != key));
        return stream.ToArray();
    }
}
