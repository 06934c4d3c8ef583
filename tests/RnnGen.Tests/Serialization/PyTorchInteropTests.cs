using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using RnnGen.Serialization;
using RnnGen.Tests.Models.Fixtures;
using Xunit;
using Xunit.Abstractions;
using static RnnGen.Tests.Serialization.SerializationTestKit;

namespace RnnGen.Tests.Serialization;

/// <summary>
/// safetensors files written from real PyTorch modules (tests/fixtures/make_safetensors_fixtures.py, torch 1.13) load
/// into the generated models and reproduce PyTorch's outputs to 1e-5: files exported by tools/export_pytorch.py
/// (RnnGen metadata), plain state_dicts (metadata {"format": "pt"}, data in name order), F16/BF16/F64 copies, and
/// Keras-layout copies written by tools/export_keras.py (loaded with <see cref="KerasImport"/>).
/// </summary>
public class PyTorchInteropTests
{
    private readonly ITestOutputHelper _output;

    public PyTorchInteropTests(ITestOutputHelper output) => _output = output;

    private static readonly Lazy<JsonDocument> Expected = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(FixturesDirectory(), "safetensors", "expected.json"))));

    public static TheoryData<string> Files
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var f in Expected.Value.RootElement.GetProperty("files").EnumerateObject()) data.Add(f.Name);
            return data;
        }
    }

    [Fact]
    public void EveryCellDepthAndDTypeIsCovered()
    {
        var files = Expected.Value.RootElement.GetProperty("files").EnumerateObject().ToList();
        Assert.True(files.Count >= 13, $"{files.Count} files");
        foreach (var dtype in new[] { "F32", "F16", "BF16", "F64" })
            Assert.Contains(files, f => f.Value.GetProperty("dtype").GetString() == dtype);
        Assert.Contains(files, f => f.Value.GetProperty("written_by").GetString() == "plain");
        Assert.Contains(files, f => f.Value.GetProperty("written_by").GetString() == "keras");
        foreach (var file in files)
            Assert.True(File.Exists(Path.Combine(FixturesDirectory(), "safetensors", file.Name)), file.Name);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void LoadsAndReproducesPyTorch(string file)
    {
        var entry = Expected.Value.RootElement.GetProperty("files").GetProperty(file);
        string fixture = entry.GetProperty("fixture").GetString()!;
        string report = fixture switch
        {
            "elman_10_64_1_h0" => Check<Elman_10_64_1>(file, entry),
            "elman_3_5_2_h0" => Check<Elman_3_5_2>(file, entry),
            "elman_relu_2layer_3_5_2_h0" => Check<ElmanRelu2Layer_3_5_2>(file, entry),
            "lstm_10_64_1_h0" => Check<Lstm_10_64_1>(file, entry),
            "lstm_3_5_2_h0" => Check<Lstm_3_5_2>(file, entry),
            "lstm_3_5_2_last_h0" => Check<LstmLast_3_5_2>(file, entry),
            "lstm_2layer_3_5_2_h0" => Check<Lstm2Layer_3_5_2>(file, entry),
            "gru_10_64_1_h0" => Check<Gru_10_64_1>(file, entry),
            "gru_3_5_2_h0" => Check<Gru_3_5_2>(file, entry),
            "gru_2layer_3_5_2_h0" => Check<Gru2Layer_3_5_2>(file, entry),
            _ => throw new ArgumentException(fixture),
        };
        _output.WriteLine(report);
    }

    private static string Check<TModel>(string fileName, JsonElement entry) where TModel : class, IRnnModel, new()
    {
        string dir = FixturesDirectory();
        string dtype = entry.GetProperty("dtype").GetString()!;
        using var fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "rnn", entry.GetProperty("fixture").GetString() + ".json")));
        var root = fixture.RootElement;
        float[] F(string p) => root.GetProperty(p).EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

        var model = new TModel();
        string path = Path.Combine(dir, "safetensors", fileName);
        bool keras = entry.GetProperty("written_by").GetString() == "keras";
        if (keras) KerasImport.Load(model, path);
        else RnnModelSerializer.Load(model, path);

        // The parameters are the fixture's, rounded as the dtype implies (exactly: round-to-nearest-even, as torch does);
        // Keras' single LSTM bias holds b_ih + b_hh, which loads into b_ih.
        var layout = TModel.ParameterLayout;
        var loaded = Canonical(model);
        float[] Param(string name) => root.GetProperty("params").GetProperty(name).EnumerateArray().Select(e => Round((float)e.GetDouble(), dtype)).ToArray();
        foreach (var t in layout.Tensors)
        {
            var expected = Param(t.Name);
            if (keras && TModel.Cell != RnnCell.Gru && t.Name.StartsWith("rnn.bias_", StringComparison.Ordinal))
            {
                var other = Param(t.Name.Contains("_ih_") ? t.Name.Replace("_ih_", "_hh_") : t.Name.Replace("_hh_", "_ih_"));
                expected = t.Name.Contains("_ih_") ? expected.Zip(other, (a, b) => a + b).ToArray() : new float[t.Length];
            }

            Assert.Equal(expected, loaded.AsSpan(t.Offset, t.Length).ToArray());
        }

        // Outputs of PyTorch (float64) with the weights exactly as stored.
        var state0 = F("h0").Concat(F("c0")).ToArray();
        model.CopyStateFrom(state0);
        var inputs = F("inputs");
        var outputs = new float[root.GetProperty("steps").GetInt32() * TModel.OutputSize];
        model.Forward(inputs, outputs);
        var want = entry.GetProperty("outputs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(want.Length, outputs.Length);
        double maxAbs = 0;
        for (int i = 0; i < want.Length; i++)
        {
            double abs = Math.Abs(outputs[i] - want[i]);
            maxAbs = Math.Max(maxAbs, abs);
            Assert.True(abs <= 1e-6 || abs <= 1e-5 * Math.Abs(want[i]), $"{fileName}: output {i}: PyTorch {want[i]:G9}, RnnGen {outputs[i]:G9}");
        }

        // Half-precision files really hold rounded weights: PyTorch's float32 outputs differ from theirs.
        double fromF32 = want.Zip(root.GetProperty("outputs").EnumerateArray().Select(e => e.GetDouble())).Max(p => Math.Abs(p.First - p.Second));
        if (dtype is "F16" or "BF16") Assert.True(fromF32 > 1e-5, $"{fileName}: outputs equal the F32 ones ({fromF32:E2})");
        else Assert.Equal(0, fromF32, 12);

        var metadata = SafeTensorsFile.Read(path).Metadata;
        string origin = metadata.TryGetValue("format", out var f) ? f : "none";
        return $"{fileName} ({dtype}, format {origin}{(keras ? ", Keras layout" : "")}): max |Δ| {maxAbs:E2} against PyTorch; rounding moved the outputs by {fromF32:E2}";
    }

    private static float Round(float v, string dtype) => dtype switch
    {
        "F16" => (float)(Half)v,
        "BF16" => BitConverter.Int32BitsToSingle((int)(((uint)BitConverter.SingleToInt32Bits(v) + 0x7FFFu + (((uint)BitConverter.SingleToInt32Bits(v) >> 16) & 1)) & 0xFFFF0000u)),
        _ => v,
    };
}
