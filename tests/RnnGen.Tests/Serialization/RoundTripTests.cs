using System;
using System.Globalization;
using System.IO;
using System.Linq;
using RnnGen.Serialization;
using RnnGen.Tests.Generated;
using RnnGen.Tests.Models;
using RnnGen.Tests.Models.Serialization;
using Xunit;
using static RnnGen.Tests.Serialization.SerializationTestKit;

namespace RnnGen.Tests.Serialization;

/// <summary>Save then Load gives back the same model, bit for bit, for every cell, depth and tiling.</summary>
public class RoundTripTests
{
    public static TheoryData<string> Models => new()
    {
        nameof(Elman5x3x2), nameof(Lstm5x3x2), nameof(Gru5x3x2), nameof(ElmanRelu2Layer5x3x2), nameof(Lstm2Layer5x3x2),
        nameof(Gru2Layer5x3x2), nameof(Lstm40x7), nameof(Gru40x7), nameof(Elman100), nameof(ElmanNoHead), nameof(LstmNoHead),
        nameof(Gru3Layer_4_6_3),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void StreamRoundTripIsBitIdentical(string name)
    {
        switch (name)
        {
            case nameof(Elman5x3x2): Check<Elman5x3x2>(); break;
            case nameof(Lstm5x3x2): Check<Lstm5x3x2>(); break;
            case nameof(Gru5x3x2): Check<Gru5x3x2>(); break;
            case nameof(ElmanRelu2Layer5x3x2): Check<ElmanRelu2Layer5x3x2>(); break;
            case nameof(Lstm2Layer5x3x2): Check<Lstm2Layer5x3x2>(); break;
            case nameof(Gru2Layer5x3x2): Check<Gru2Layer5x3x2>(); break;
            case nameof(Lstm40x7): Check<Lstm40x7>(); break;
            case nameof(Gru40x7): Check<Gru40x7>(); break;
            case nameof(Elman100): Check<Elman100>(); break;
            case nameof(ElmanNoHead): Check<ElmanNoHead>(); break;
            case nameof(LstmNoHead): Check<LstmNoHead>(); break;
            case nameof(Gru3Layer_4_6_3): Check<Gru3Layer_4_6_3>(); break;
            default: throw new ArgumentException(name);
        }
    }

    private static void Check<TModel>() where TModel : class, IRnnModel, new()
    {
        var original = RandomModel<TModel>(seed: 11);
        byte[] file = SaveToBytes(original);

        var loaded = new TModel(); // default init: different weights
        Assert.NotEqual(Canonical(original), Canonical(loaded));
        RnnModelSerializer.Load(loaded, new MemoryStream(file));

        Assert.Equal(TestData.Bits(Canonical(original)), TestData.Bits(Canonical(loaded)));
        Assert.Equal(InternalBits(original), InternalBits(loaded));
        Assert.Equal(TestData.Bits(TestData.Forward(original, 6, seed: 5)), TestData.Bits(TestData.Forward(loaded, 6, seed: 5)));

        // Saving the loaded model reproduces the same bytes.
        Assert.Equal(file, SaveToBytes(loaded));
    }

    [Fact]
    public void FileHasPyTorchNamesShapesAndOrderAsF32()
    {
        var model = RandomModel<Lstm2Layer5x3x2>(seed: 3);
        var file = SafeTensorsFile.Read(new MemoryStream(SaveToBytes(model)));
        var layout = Lstm2Layer5x3x2.ParameterLayout;

        Assert.Equal(layout.Tensors.Select(t => t.Name), file.Tensors.Select(t => t.Name));
        Assert.Equal(
            new[] { "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1", "head.weight", "head.bias" },
            file.Tensors.Select(t => t.Name));
        Assert.Equal(new long[] { 20, 3 }, file.GetTensor("rnn.weight_ih_l0").Shape);
        Assert.Equal(new long[] { 20, 5 }, file.GetTensor("rnn.weight_hh_l1").Shape);
        Assert.Equal(new long[] { 20 }, file.GetTensor("rnn.bias_hh_l0").Shape);
        Assert.Equal(new long[] { 2, 5 }, file.GetTensor("head.weight").Shape);
        Assert.All(file.Tensors, t => Assert.Equal(SafeTensorsDType.Float32, t.DType));

        // Values are PyTorch's row-major layout: W_ih[r, c] at r·in + c.
        var canonical = Canonical(model);
        var wih = layout["rnn.weight_ih_l0"];
        Assert.Equal(canonical.AsSpan(wih.Offset, wih.Length).ToArray(), file.ReadFloats("rnn.weight_ih_l0"));
    }

    [Fact]
    public void MetadataDescribesTheModel()
    {
        var file = SafeTensorsFile.Read(new MemoryStream(SaveToBytes(RandomModel<Gru3Layer_4_6_3>(1))));
        var m = file.Metadata;
        Assert.Equal("rnngen", m["format"]);
        Assert.Equal("gru", m["cell"]);
        Assert.Equal("tanh", m["activation"]);
        Assert.Equal("4", m["input"]);
        Assert.Equal("6", m["hidden"]);
        Assert.Equal("3", m["output"]);
        Assert.Equal("3", m["layers"]);
        Assert.Equal("0", m["vocabulary"]);
        Assert.Equal(Gru3Layer_4_6_3.Window.ToString(CultureInfo.InvariantCulture), m["window"]);
        Assert.Equal(Gru3Layer_4_6_3.ParameterLayout.Fingerprint, m["layout_fingerprint"]);
        Assert.Equal(typeof(Gru3Layer_4_6_3).FullName, m["model"]);
        Assert.StartsWith("0.1.0", m["library_version"]);

        var relu = SafeTensorsFile.Read(new MemoryStream(SaveToBytes(RandomModel<ElmanRelu_3_5_2>(1)))).Metadata;
        Assert.Equal("elman", relu["cell"]);
        Assert.Equal("relu", relu["activation"]);

        var noHead = SafeTensorsFile.Read(new MemoryStream(SaveToBytes(RandomModel<ElmanNoHead>(1)))).Metadata;
        Assert.Equal("0", noHead["output"]);
    }

    [Fact]
    public void PathRoundTripAndLoadLeavesStateAlone()
    {
        string dir = TempDirectory();
        try
        {
            string path = Path.Combine(dir, "model.safetensors");
            var original = RandomModel<Gru5x3x2>(seed: 21);
            RnnModelSerializer.Save(original, path);

            var loaded = new Gru5x3x2();
            var state = TestData.Uniform(4, Gru5x3x2.StateSize, 0.5);
            loaded.CopyStateFrom(state);
            RnnModelSerializer.Load(loaded, path);
            Assert.Equal(InternalBits(original), InternalBits(loaded));

            var after = new float[Gru5x3x2.StateSize];
            loaded.CopyStateTo(after);
            Assert.Equal(state, after);
            Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void SaveRefusesNonFiniteParametersAndWritesNothing()
    {
        var model = RandomModel<Lstm5x3x2>(seed: 2);
        var p = Canonical(model);
        p[Lstm5x3x2.ParameterLayout["rnn.weight_hh_l0"].Offset + 7] = float.NaN;
        model.CopyParametersFrom(p);

        using var stream = new MemoryStream();
        var e = Assert.Throws<InvalidOperationException>(() => RnnModelSerializer.Save(model, stream));
        Assert.Contains("rnn.weight_hh_l0", e.Message);
        Assert.Equal(0, stream.Length);
    }
}
