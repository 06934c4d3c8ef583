using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen.Serialization;
using RnnGen.Tests.Models;
using RnnGen.Tests.Models.Serialization;
using Xunit;
using static RnnGen.Tests.Serialization.SerializationTestKit;

namespace RnnGen.Tests.Serialization;

/// <summary>
/// Keras-layout weights, built here by hand from a PyTorch-layout model (the inverse of the documented mapping),
/// import into a generated model that then equals the PyTorch-layout one bit for bit.
/// </summary>
public class KerasImportTests
{
    /// <summary>Keras gate block b holds PyTorch gate block KerasToPyTorch[b]: GRU z, r, h = PyTorch blocks 1, 0, 2; LSTM i, f, c, o = i, f, g, o.</summary>
    private static int[] KerasToPyTorch(RnnCell cell) => cell switch
    {
        RnnCell.Gru => new[] { 1, 0, 2 },
        RnnCell.Lstm => new[] { 0, 1, 2, 3 },
        _ => new[] { 0 },
    };

    /// <summary>
    /// The Keras weights of a model given in PyTorch layout: per layer kernel [in, G·H], recurrent_kernel [H, G·H]
    /// (transposed, Keras gate order), bias [G·H] = b_ih + b_hh (SimpleRNN, LSTM) or [2, G·H] = (b_ih; b_hh) (GRU),
    /// and the Dense kernel [H, O] (transposed) and bias [O].
    /// </summary>
    private static List<(string Name, float[] Values, int[] Shape)> ToKeras<TModel>(float[] p, Func<int, string> layerPath, string densePath, bool withBias = true)
        where TModel : IRnnModel
    {
        var layout = TModel.ParameterLayout;
        int h = TModel.HiddenSize;
        var blocks = KerasToPyTorch(TModel.Cell);
        int gh = blocks.Length * h;
        var result = new List<(string, float[], int[])>();
        for (int k = 0; k < TModel.LayerCount; k++)
        {
            int n = k == 0 ? TModel.InputSize : h;
            var wih = layout[$"rnn.weight_ih_l{k}"];
            var whh = layout[$"rnn.weight_hh_l{k}"];
            var bih = layout[$"rnn.bias_ih_l{k}"];
            var bhh = layout[$"rnn.bias_hh_l{k}"];
            var kernel = new float[n * gh];
            var recurrent = new float[h * gh];
            bool gru = TModel.Cell == RnnCell.Gru;
            var bias = new float[(gru ? 2 : 1) * gh];
            for (int b = 0; b < blocks.Length; b++)
            {
                for (int j = 0; j < h; j++)
                {
                    int torchRow = blocks[b] * h + j, kerasColumn = b * h + j;
                    for (int i = 0; i < n; i++) kernel[i * gh + kerasColumn] = p[wih.Offset + torchRow * n + i];
                    for (int m = 0; m < h; m++) recurrent[m * gh + kerasColumn] = p[whh.Offset + torchRow * h + m];
                    if (gru)
                    {
                        bias[kerasColumn] = p[bih.Offset + torchRow];
                        bias[gh + kerasColumn] = p[bhh.Offset + torchRow];
                    }
                    else
                    {
                        bias[kerasColumn] = p[bih.Offset + torchRow] + p[bhh.Offset + torchRow];
                    }
                }
            }

            result.Add(($"{layerPath(k)}/kernel", kernel, new[] { n, gh }));
            result.Add(($"{layerPath(k)}/recurrent_kernel", recurrent, new[] { h, gh }));
            if (withBias) result.Add(($"{layerPath(k)}/bias", bias, gru ? new[] { 2, gh } : new[] { gh }));
        }

        if (layout.Tensors.Any(t => t.Name == "head.weight"))
        {
            var hw = layout["head.weight"];
            var hb = layout["head.bias"];
            int o = hw.Rows;
            var dk = new float[h * o];
            for (int r = 0; r < o; r++)
                for (int j = 0; j < h; j++) dk[j * o + r] = p[hw.Offset + r * h + j];
            result.Add(($"{densePath}/kernel", dk, new[] { h, o }));
            if (withBias) result.Add(($"{densePath}/bias", p.AsSpan(hb.Offset, o).ToArray(), new[] { o }));
        }

        return result;
    }

    private static byte[] Write(IEnumerable<(string Name, float[] Values, int[] Shape)> tensors)
    {
        using var stream = new MemoryStream();
        SafeTensorsFile.Write(stream, Tensors(tensors.ToArray()));
        return stream.ToArray();
    }

    /// <summary>Random PyTorch-layout parameters; b_hh = 0 where Keras has a single bias (SimpleRNN, LSTM), so the mapping is exact.</summary>
    private static float[] KerasRepresentable<TModel>(int seed) where TModel : class, IRnnModel, new()
    {
        var p = Canonical(RandomModel<TModel>(seed));
        if (TModel.Cell != RnnCell.Gru)
            for (int k = 0; k < TModel.LayerCount; k++)
            {
                var bhh = TModel.ParameterLayout[$"rnn.bias_hh_l{k}"];
                Array.Clear(p, bhh.Offset, bhh.Length);
            }

        return p;
    }

    public static TheoryData<string> Models => new()
    {
        nameof(Elman5x3x2), nameof(ElmanRelu2Layer5x3x2), nameof(Lstm5x3x2), nameof(Lstm2Layer5x3x2), nameof(Gru5x3x2),
        nameof(Gru2Layer5x3x2), nameof(Gru3Layer_4_6_3), nameof(Lstm3Layer_2_17_1), nameof(GruNoHead), nameof(LstmNoHead),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void KerasLayoutImportsToThePyTorchLayoutExactly(string name)
    {
        switch (name)
        {
            case nameof(Elman5x3x2): Check<Elman5x3x2>(); break;
            case nameof(ElmanRelu2Layer5x3x2): Check<ElmanRelu2Layer5x3x2>(); break;
            case nameof(Lstm5x3x2): Check<Lstm5x3x2>(); break;
            case nameof(Lstm2Layer5x3x2): Check<Lstm2Layer5x3x2>(); break;
            case nameof(Gru5x3x2): Check<Gru5x3x2>(); break;
            case nameof(Gru2Layer5x3x2): Check<Gru2Layer5x3x2>(); break;
            case nameof(Gru3Layer_4_6_3): Check<Gru3Layer_4_6_3>(); break;
            case nameof(Lstm3Layer_2_17_1): Check<Lstm3Layer_2_17_1>(); break;
            case nameof(GruNoHead): Check<GruNoHead>(); break;
            case nameof(LstmNoHead): Check<LstmNoHead>(); break;
            default: throw new ArgumentException(name);
        }
    }

    private static void Check<TModel>() where TModel : class, IRnnModel, new()
    {
        var p = KerasRepresentable<TModel>(seed: 31);
        var pytorch = new TModel();
        pytorch.CopyParametersFrom(p);

        // Reverse order in the file: the importer must not depend on it.
        var keras = ToKeras<TModel>(p, k => $"layer_{k}", "dense");
        keras.Reverse();
        var imported = new TModel();
        KerasImport.Load(imported, new MemoryStream(Write(keras)));

        Assert.Equal(InternalBits(pytorch), InternalBits(imported));
        Assert.Equal(Generated.TestData.Bits(Generated.TestData.Forward(pytorch, 7, seed: 3)), Generated.TestData.Bits(Generated.TestData.Forward(imported, 7, seed: 3)));
    }

    [Fact]
    public void KerasOwnLayerPathsStackInCreationOrder()
    {
        // Keras 2 names ("…:0", a cell scope) under a model prefix; numeric suffixes 9 < 10 (not alphabetical).
        var p = KerasRepresentable<Lstm3Layer_2_17_1>(seed: 4);
        string[] layers = { "sequential/lstm/lstm_cell", "sequential/lstm_9/lstm_cell_9", "sequential/lstm_10/lstm_cell_10" };
        var keras = ToKeras<Lstm3Layer_2_17_1>(p, k => layers[k], "sequential/dense_3")
            .Select(t => (t.Name + ":0", t.Values, t.Shape)).OrderBy(t => t.Item1, StringComparer.Ordinal).ToList();
        var model = new Lstm3Layer_2_17_1();
        KerasImport.Load(model, new MemoryStream(Write(keras)));
        Assert.Equal(p, Canonical(model));

        Assert.True(KerasImport.ComparePaths("lstm", "lstm_1") < 0);
        Assert.True(KerasImport.ComparePaths("lstm_2", "lstm_10") < 0);
        Assert.True(KerasImport.ComparePaths("model/gru_1/gru_cell_1", "model/gru_2/gru_cell") < 0);
        Assert.True(KerasImport.ComparePaths("layer_10", "layer_9") > 0);
    }

    [Fact]
    public void TensorFlowJsLayerNamesStackByTheirWholeTrailingNumber()
    {
        // TensorFlow.js names layers <class>_<Class><counter>: lstm_LSTM9 was created before lstm_LSTM10, but sorts after
        // it character by character ('1' < '9'); the stack must follow the numbers.
        var p = KerasRepresentable<Lstm3Layer_2_17_1>(seed: 21);
        string[] layers = { "lstm_LSTM2", "lstm_LSTM9", "lstm_LSTM10" };
        var keras = ToKeras<Lstm3Layer_2_17_1>(p, k => layers[k], "dense_Dense11")
            .OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        Assert.StartsWith("lstm_LSTM10/", keras.First(t => t.Name.StartsWith("lstm", StringComparison.Ordinal)).Name); // the file lists layer 2 first
        var model = new Lstm3Layer_2_17_1();
        KerasImport.Load(model, new MemoryStream(Write(keras)));
        Assert.Equal(p, Canonical(model));

        Assert.True(KerasImport.ComparePaths("lstm_LSTM9", "lstm_LSTM10") < 0);
        Assert.True(KerasImport.ComparePaths("sequential/gru_GRU99/kernel", "sequential/gru_GRU100/kernel") < 0);
        Assert.True(KerasImport.ComparePaths("rnn2layer9", "rnn10layer1") < 0);
        Assert.Equal(0, KerasImport.ComparePaths("lstm_LSTM3", "lstm_LSTM3"));
    }

    [Theory]
    [InlineData("hard_sigmoid", true)]
    [InlineData("sigmoid", false)]
    public void HardSigmoidGatesInTheMetadataAreRefused(string gates, bool refused)
    {
        // tools/export_keras.py records recurrent_activation='hard_sigmoid' (Keras 2, TensorFlow.js) as gate_activation:
        // every tensor has the right shape, so only the metadata can stop a model with sigmoid gates from loading it.
        var p = KerasRepresentable<Gru5x3x2>(seed: 22);
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "rnngen", ["layout"] = "keras", ["cell"] = "gru", ["input"] = "3", ["hidden"] = "5", ["output"] = "2",
            ["layers"] = "1", ["gate_activation"] = gates,
        };
        using var stream = new MemoryStream();
        SafeTensorsFile.Write(stream, Tensors(ToKeras<Gru5x3x2>(p, k => $"layer_{k}", "dense").ToArray()), metadata);
        byte[] file = stream.ToArray();
        if (refused)
        {
            AssertKerasRejected<Gru5x3x2>(file, null, "gate_activation 'hard_sigmoid' ≠ sigmoid", "max(0, min(1, 0.2·x + 0.5))",
                "GateActivation = RnnGateActivation.HardSigmoid");
        }
        else
        {
            var model = new Gru5x3x2();
            KerasImport.Load(model, new MemoryStream(file));
            Assert.Equal(p, Canonical(model));
        }
    }

    [Fact]
    public void SeparateRecurrentBiasIsSummedIntoKerasSingleBias()
    {
        var p = Canonical(RandomModel<Lstm2Layer5x3x2>(seed: 12)); // b_hh ≠ 0
        var pytorch = new Lstm2Layer5x3x2();
        pytorch.CopyParametersFrom(p);
        var imported = new Lstm2Layer5x3x2();
        KerasImport.Load(imported, new MemoryStream(Write(ToKeras<Lstm2Layer5x3x2>(p, k => $"layer_{k}", "dense"))));

        var bhh = Lstm2Layer5x3x2.ParameterLayout["rnn.bias_hh_l1"];
        Assert.All(Canonical(imported).AsSpan(bhh.Offset, bhh.Length).ToArray(), v => Assert.Equal(0f, v));
        var a = Generated.TestData.Forward(pytorch, 6, seed: 1);
        var b = Generated.TestData.Forward(imported, 6, seed: 1);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-6, $"{i}: {a[i]} vs {b[i]}");
    }

    [Fact]
    public void MissingBiasesLoadAsZeros()
    {
        var p = KerasRepresentable<Gru5x3x2>(seed: 2);
        var model = RandomModel<Gru5x3x2>(seed: 3);
        KerasImport.Load(model, new MemoryStream(Write(ToKeras<Gru5x3x2>(p, k => $"layer_{k}", "dense", withBias: false))));
        var loaded = Canonical(model);
        foreach (var t in Gru5x3x2.ParameterLayout.Tensors)
        {
            var span = loaded.AsSpan(t.Offset, t.Length).ToArray();
            if (t.Name.Contains("bias")) Assert.All(span, v => Assert.Equal(0f, v));
            else Assert.Equal(p.AsSpan(t.Offset, t.Length).ToArray(), span);
        }
    }

    private static void AssertKerasRejected<TModel>(byte[] file, string? tensor, params string[] fragments) where TModel : class, IRnnModel, new()
    {
        var model = RandomModel<TModel>(seed: 5);
        var before = InternalBits(model);
        AssertFormatError(() => KerasImport.Load(model, new MemoryStream(file)), tensor, fragments);
        Assert.Equal(before, InternalBits(model));
    }

    [Fact]
    public void GruWithResetBeforeMatmulIsRefused()
    {
        var keras = ToKeras<Gru5x3x2>(KerasRepresentable<Gru5x3x2>(1), k => $"layer_{k}", "dense");
        int i = keras.FindIndex(t => t.Name == "layer_0/bias");
        keras[i] = ("layer_0/bias", new float[15], new[] { 15 });
        AssertKerasRejected<Gru5x3x2>(Write(keras), "layer_0/bias", "reset_after=False", "reset_after=True");
    }

    [Fact]
    public void UntransposedKernelIsAShapeError()
    {
        var keras = ToKeras<Lstm5x3x2>(KerasRepresentable<Lstm5x3x2>(1), k => $"layer_{k}", "dense");
        int i = keras.FindIndex(t => t.Name == "layer_0/kernel");
        keras[i] = ("layer_0/kernel", keras[i].Values, new[] { 20, 3 });
        AssertKerasRejected<Lstm5x3x2>(Write(keras), "layer_0/kernel", "shape [20, 3] does not match the model's [3, 20]");
    }

    [Fact]
    public void LayerCountHeadAndStrayTensorsAreChecked()
    {
        var one = ToKeras<Lstm5x3x2>(KerasRepresentable<Lstm5x3x2>(1), k => $"layer_{k}", "dense");
        AssertKerasRejected<Lstm2Layer5x3x2>(Write(one), null, "1 recurrent layer(s)", "'layer_0'", "model has 2");
        AssertKerasRejected<Lstm5x3x2>(Write(one.Where(t => !t.Name.StartsWith("dense", StringComparison.Ordinal))), null, "no Dense layer");

        var stray = one.Append(("layer_0/moving_mean", new float[] { 1 }, new[] { 1 })).Append(("optimizer/iterations", new float[] { 3 }, new[] { 1 })).ToList();
        AssertKerasRejected<Lstm5x3x2>(Write(stray), "layer_0/moving_mean", "maps to no parameter", "strict: false");
        var model = new Lstm5x3x2();
        KerasImport.Load(model, new MemoryStream(Write(stray)), strict: false);
        Assert.Equal(KerasRepresentable<Lstm5x3x2>(1), Canonical(model));

        var nan = one.ToList();
        nan[1] = (nan[1].Name, nan[1].Values.Select((v, i) => i == 7 ? float.NaN : v).ToArray(), nan[1].Shape);
        AssertKerasRejected<Lstm5x3x2>(Write(nan), "layer_0/recurrent_kernel", "element [0, 7] is NaN");
    }

    [Fact]
    public void PyTorchLoaderPointsKerasFilesToTheImporter()
    {
        var keras = ToKeras<Gru5x3x2>(KerasRepresentable<Gru5x3x2>(1), k => $"layer_{k}", "dense");
        AssertRejected<Gru5x3x2>(Write(keras), "rnn.weight_ih_l0", "KerasImport.Load");
    }

    [Fact]
    public void EmbeddingsMapToEmbeddingWeight()
    {
        // A layout with an embedding (token models are not generated yet): the mapping is by name, unchanged.
        var layout = new RnnParameterLayout("test",
            new RnnTensorInfo("embedding.weight", 4, 3, 0),
            new RnnTensorInfo("rnn.weight_ih_l0", 2, 3, 12),
            new RnnTensorInfo("rnn.weight_hh_l0", 2, 2, 18),
            new RnnTensorInfo("rnn.bias_ih_l0", 2, 0, 22),
            new RnnTensorInfo("rnn.bias_hh_l0", 2, 0, 24));
        var emb = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        var file = SafeTensorsFile.Read(new MemoryStream(Write(new[]
        {
            ("embedding/embeddings", emb, new[] { 4, 3 }),
            ("simple_rnn/kernel", new float[] { 1, 2, 3, 4, 5, 6 }, new[] { 3, 2 }),
            ("simple_rnn/recurrent_kernel", new float[] { 7, 8, 9, 10 }, new[] { 2, 2 }),
            ("simple_rnn/bias", new float[] { 11, 12 }, new[] { 2 }),
        })));
        var p = KerasImport.ToPyTorch(file, layout, RnnCell.Elman, input: 3, hidden: 2, layers: 1, strict: true);
        Assert.Equal(emb, p[..12]);
        Assert.Equal(new float[] { 1, 3, 5, 2, 4, 6 }, p[12..18]); // kernel [3, 2] transposed
        Assert.Equal(new float[] { 7, 9, 8, 10 }, p[18..22]);
        Assert.Equal(new float[] { 11, 12, 0, 0 }, p[22..26]);
    }
}
