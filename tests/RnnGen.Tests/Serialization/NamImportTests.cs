using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using RnnGen.Serialization;
using Xunit;

namespace RnnGen.Tests.Serialization;

/// <summary>
/// NamImport without a generated list model: reading .nam files (tests/fixtures/nam, written by
/// tools/make_nam_fixture.py the way NAM writes them, and NeuralAmpModelerCore's own example files), the tensors
/// in the names of docs/layers.md, the declaration, the check against a ParameterLayout and the refusals.
/// The end-to-end test (outputs of a generated NamLstm) is NamImportModelTests.cs.
/// </summary>
public class NamImportTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "nam", name);

    private static JsonElement Expected(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixture(name + ".expected.json")));
        return doc.RootElement.Clone();
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    /// <summary>A layout with the contract's names for an LSTM list model of the given sizes (learned initial state optional).</summary>
    internal static RnnParameterLayout ListLayout(int input, int hidden, int layers, int outputs = 1, bool learned = true, string? extra = null)
    {
        var tensors = new List<RnnTensorInfo>();
        int offset = 0;
        void Add(string name, int rows, int columns = 0)
        {
            var t = new RnnTensorInfo(name, rows, columns, offset);
            tensors.Add(t);
            offset += t.Length;
        }

        for (int k = 0; k < layers; k++)
        {
            Add($"layers.{k}.weight_ih_l0", 4 * hidden, k == 0 ? input : hidden);
            Add($"layers.{k}.weight_hh_l0", 4 * hidden, hidden);
            Add($"layers.{k}.bias_ih_l0", 4 * hidden);
            Add($"layers.{k}.bias_hh_l0", 4 * hidden);
            if (learned)
            {
                Add($"layers.{k}.h0", hidden);
                Add($"layers.{k}.c0", hidden);
            }
        }

        Add("heads.0.weight", outputs, hidden);
        Add("heads.0.bias", outputs);
        if (extra is not null) Add(extra, 3);
        return new RnnParameterLayout("test", tensors.ToArray());
    }

    [Theory]
    [InlineData("lstm_2x8")]
    [InlineData("lstm_3x5")]
    public void Fixture_tensors_equal_PyTorchs_under_the_contracts_names(string name)
    {
        var nam = NamImport.Read(Fixture(name + ".nam"));
        var expected = Expected(name);
        var config = expected.GetProperty("config");

        Assert.Equal("LSTM", nam.Architecture);
        Assert.Equal("0.7.0", nam.Version);
        Assert.Equal(config.GetProperty("input_size").GetInt32(), nam.InputSize);
        Assert.Equal(config.GetProperty("hidden_size").GetInt32(), nam.HiddenSize);
        Assert.Equal(config.GetProperty("num_layers").GetInt32(), nam.LayerCount);
        Assert.Equal(1, nam.OutputSize);
        Assert.Equal(48000.0, nam.SampleRate);
        Assert.Equal($"RnnGen fixture LSTM {nam.LayerCount}x{nam.HiddenSize}", nam.Metadata!.Value.GetProperty("name").GetString());

        var names = expected.GetProperty("tensors").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(names, nam.Tensors.Select(t => t.Key).ToArray());
        foreach (var p in expected.GetProperty("tensors").EnumerateObject())
        {
            var tensor = nam.GetTensor(p.Name);
            Assert.Equal(p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()), tensor.Shape);
            // Bit for bit: the file's float32 values, cut and moved, never recomputed.
            Assert.Equal(TestBits(Floats(p.Value.GetProperty("values"))), TestBits(tensor.Values.ToArray()));
        }

        Assert.Equal(nam.Tensors.Sum(t => t.Value.Values.Length), nam.ParameterCount);
        Assert.Equal(nam.WeightCount + 4 * nam.HiddenSize * nam.LayerCount, nam.ParameterCount); // + the zero bias_hh
    }

    private static int[] TestBits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    [Fact]
    public void Declaration_is_the_list_model_of_the_contract()
    {
        var nam = NamImport.Read(Fixture("lstm_3x5.nam"));
        Assert.Equal(
            "[RnnModel(input: 1)]\n[Lstm(5, LearnedInitialState = true)]\n[Lstm(5, LearnedInitialState = true)]\n"
            + "[Lstm(5, LearnedInitialState = true)]\n[Head(1)]\npublic partial class AmpModel;\n",
            nam.Declaration("AmpModel"));
        Assert.Equal(Expected("lstm_3x5").GetProperty("declaration").GetString() + "\npublic partial class NamLstm;\n", nam.Declaration());
        Assert.Throws<ArgumentException>(() => nam.Declaration("2Fast"));
        Assert.Throws<ArgumentException>(() => nam.Declaration("Amp Model"));
        Assert.Throws<KeyNotFoundException>(() => nam.GetTensor("rnn.weight_ih_l0"));
    }

    [Fact]
    public void ToParameters_copies_by_name_into_the_layouts_order()
    {
        var nam = NamImport.Read(Fixture("lstm_2x8.nam"));
        var layout = ListLayout(1, 8, 2);
        float[] values = nam.ToParameters(layout);
        Assert.Equal(layout.Count, values.Length);
        Assert.Equal(nam.ParameterCount, values.Length);
        foreach (var t in layout.Tensors)
            Assert.Equal(nam.GetTensor(t.Name).Values.ToArray(), values.AsSpan(t.Offset, t.Length).ToArray());

        // Another order of the same tensors (h0/c0 first): still by name.
        var shuffled = layout.Tensors.OrderBy(t => t.Name.EndsWith("0", StringComparison.Ordinal) && !t.Name.Contains("_l0") ? 0 : 1).ToList();
        int offset = 0;
        var reordered = new RnnParameterLayout("x", shuffled.Select(t => { var r = t with { Offset = offset }; offset += t.Length; return r; }).ToArray());
        Assert.Equal("layers.0.h0", reordered.Tensors[0].Name);
        float[] again = nam.ToParameters(reordered);
        foreach (var t in reordered.Tensors)
            Assert.Equal(nam.GetTensor(t.Name).Values.ToArray(), again.AsSpan(t.Offset, t.Length).ToArray());
    }

    [Theory]
    [InlineData(1, 6, 2, 1, true, null, "layers.0.weight_ih_l0", "shape [32, 1] in the NAM LSTM (input_size 1, hidden_size 8, num_layers 2) does not match the model's [24, 1]")]
    [InlineData(2, 8, 2, 1, true, null, "layers.0.weight_ih_l0", "does not match the model's [32, 2]")]
    [InlineData(1, 8, 3, 1, true, null, "layers.2.weight_ih_l0", "the model has this tensor but a NAM LSTM (input_size 1, hidden_size 8, num_layers 2) does not")]
    [InlineData(1, 8, 1, 1, true, null, "layers.1.weight_ih_l0", "has this tensor but the model does not")]
    [InlineData(1, 8, 2, 1, false, null, "layers.0.h0", "has this tensor but the model does not")]
    [InlineData(1, 8, 2, 2, true, null, "heads.0.weight", "does not match the model's [2, 8]")]
    [InlineData(1, 8, 2, 1, true, "embedding.weight", "embedding.weight", "the model has this tensor")]
    public void A_layout_that_differs_is_refused_naming_the_tensor_and_the_declaration_that_fits(
        int input, int hidden, int layers, int outputs, bool learned, string? extra, string tensor, string fragment)
    {
        var nam = NamImport.Read(Fixture("lstm_2x8.nam"));
        var e = Assert.Throws<RnnFormatException>(() => nam.ToParameters(ListLayout(input, hidden, layers, outputs, learned, extra)));
        Assert.Equal(tensor, e.TensorName);
        Assert.Contains(fragment, e.Message);
        Assert.Contains("the model that fits the file is declared [RnnModel(input: 1)] [Lstm(8, LearnedInitialState = true)] "
                        + "[Lstm(8, LearnedInitialState = true)] [Head(1)]", e.Message);
    }

    [Fact]
    public void Load_copies_the_parameters_and_resets_the_state_and_leaves_a_model_that_does_not_fit_unchanged()
    {
        var model = new FakeListModel<Nam2x8>();
        NamImport.Load(model, Fixture("lstm_2x8.nam"));
        var nam = NamImport.Read(Fixture("lstm_2x8.nam"));
        Assert.Equal(nam.ToParameters(Nam2x8.Layout), model.Values);
        Assert.Equal(1, model.Resets);
        Assert.Equal(model.Values, NamImport.ReadParameters<FakeListModel<Nam2x8>>(nam));

        using (var stream = File.OpenRead(Fixture("lstm_2x8.nam")))
            NamImport.Load(model, stream);
        Assert.Equal(2, model.Resets);

        var other = new FakeListModel<Nam3x8>();
        float[] before = (float[])other.Values.Clone();
        var e = Assert.Throws<RnnFormatException>(() => NamImport.Load(other, Fixture("lstm_2x8.nam")));
        Assert.Contains("FakeListModel`1 has this tensor but a NAM LSTM", e.Message);
        Assert.Equal(before, other.Values);
        Assert.Equal(0, other.Resets);
    }

    [Fact]
    public void NeuralAmpModelerCores_example_lstm_reads_with_its_real_metadata()
    {
        // NeuralAmpModelerCore example_models/lstm.nam (MIT, see tests/fixtures/nam/core/LICENSE): written by NAM 0.5.4.
        var nam = NamImport.Read(Fixture("core/lstm.nam"));
        Assert.Equal("0.5.4", nam.Version);
        Assert.Equal((1, 3, 1, 1), (nam.InputSize, nam.HiddenSize, nam.LayerCount, nam.OutputSize));
        Assert.Equal(48000.0, nam.SampleRate);
        Assert.Equal(70, nam.WeightCount);
        Assert.Equal("Microtubes 900 v2", nam.Metadata!.Value.GetProperty("gear_model").GetString());
        Assert.Equal(18.3, nam.Metadata!.Value.GetProperty("input_level_dbu").GetDouble());

        using var doc = JsonDocument.Parse(File.ReadAllText(Fixture("core/lstm.nam")));
        float[] flat = Floats(doc.RootElement.GetProperty("weights"));
        float[] wih = nam.GetTensor("layers.0.weight_ih_l0").Values.ToArray();
        float[] whh = nam.GetTensor("layers.0.weight_hh_l0").Values.ToArray();
        for (int row = 0; row < 12; row++)  // row r of the [12, 1 + 3] matrix = [W_ih[r, 0], W_hh[r, 0..3]]
        {
            Assert.Equal(flat[row * 4], wih[row]);
            Assert.Equal(flat.AsSpan(row * 4 + 1, 3).ToArray(), whh.AsSpan(row * 3, 3).ToArray());
        }

        Assert.Equal(flat.AsSpan(48, 12).ToArray(), nam.GetTensor("layers.0.bias_ih_l0").Values.ToArray());
        Assert.Equal(new float[12], nam.GetTensor("layers.0.bias_hh_l0").Values.ToArray());
        Assert.Equal(flat.AsSpan(60, 3).ToArray(), nam.GetTensor("layers.0.h0").Values.ToArray());
        Assert.Equal(flat.AsSpan(63, 3).ToArray(), nam.GetTensor("layers.0.c0").Values.ToArray());
        Assert.Equal(flat.AsSpan(66, 3).ToArray(), nam.GetTensor("heads.0.weight").Values.ToArray());
        Assert.Equal(new[] { 1, 3 }, nam.GetTensor("heads.0.weight").Shape);
        Assert.Equal(flat[69], nam.GetTensor("heads.0.bias").Values.Span[0]);
    }

    [Fact]
    public void A_WaveNet_file_is_refused_with_the_architectures_that_are_supported()
    {
        var e = Assert.Throws<RnnFormatException>(() => NamImport.Read(Fixture("core/wavenet.nam")));
        Assert.Null(e.TensorName);
        Assert.Contains("architecture is 'WaveNet'; RnnGen reads NAM's 'LSTM' architecture only", e.Message);
    }

    private static NamFile Parse(string json) => NamImport.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)));

    /// <summary>A valid NAM LSTM file (input 1, hidden 1, 1 layer: 4·2 + 4 + 1 + 1 + 1 + 1 = 16 weights) with parts replaced.</summary>
    private static string Json(string? architecture = "\"LSTM\"", string? version = "\"0.5.4\"", string? config = null, string? weights = null, string? rest = null)
    {
        config ??= "{\"input_size\": 1, \"hidden_size\": 1, \"num_layers\": 1}";
        weights ??= "[" + string.Join(", ", Enumerable.Range(1, 16).Select(i => (i / 16.0).ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
        var parts = new List<string>();
        if (version is not null) parts.Add($"\"version\": {version}");
        if (architecture is not null) parts.Add($"\"architecture\": {architecture}");
        parts.Add($"\"config\": {config}");
        parts.Add($"\"weights\": {weights}");
        if (rest is not null) parts.Add(rest);
        return "{" + string.Join(", ", parts) + "}";
    }

    [Fact]
    public void A_minimal_file_without_sample_rate_or_metadata_reads()
    {
        var nam = Parse(Json());
        Assert.Null(nam.SampleRate);
        Assert.Null(nam.Metadata);
        Assert.Equal(16, nam.WeightCount);
        // weights[k] = (k + 1)/16: the [4, 2] matrix 0–7, the bias 8–11, h0 12, c0 13, the head's weight 14 and bias 15
        Assert.Equal(new[] { 14 / 16f }, nam.GetTensor("layers.0.c0").Values.ToArray());
        Assert.Equal(new[] { 15 / 16f }, nam.GetTensor("heads.0.weight").Values.ToArray());
        Assert.Equal(new[] { 2 / 16f, 4 / 16f, 6 / 16f, 8 / 16f }, nam.GetTensor("layers.0.weight_hh_l0").Values.ToArray());

        nam = Parse(Json(rest: "\"sample_rate\": 44100, \"metadata\": null"));
        Assert.Equal(44100.0, nam.SampleRate);
        Assert.Null(nam.Metadata);
    }

    [Fact]
    public void Core_channel_settings_are_read_and_checked()
    {
        // out_channels: the head has that many rows (1·2 head weights + 2 biases = 17 + 1 weights).
        string weights = "[" + string.Join(", ", Enumerable.Repeat("0.5", 18)) + "]";
        var nam = Parse(Json(config: "{\"input_size\": 1, \"hidden_size\": 1, \"num_layers\": 1, \"in_channels\": 1, \"out_channels\": 2}", weights: weights));
        Assert.Equal(2, nam.OutputSize);
        Assert.Equal(new[] { 2, 1 }, nam.GetTensor("heads.0.weight").Shape);
        Assert.EndsWith("[Head(2)]\npublic partial class NamLstm;\n", nam.Declaration());

        var e = Assert.Throws<RnnFormatException>(() => Parse(Json(config: "{\"input_size\": 2, \"hidden_size\": 1, \"num_layers\": 1, \"in_channels\": 1}")));
        Assert.Contains("in_channels 1 but input_size 2", e.Message);
    }

    [Theory]
    [InlineData("\"WaveNet\"", "architecture is 'WaveNet'; RnnGen reads NAM's 'LSTM' architecture only")]
    [InlineData("\"ConvNet\"", "architecture is 'ConvNet'")]
    [InlineData("\"Linear\"", "architecture is 'Linear'")]
    [InlineData("\"CatLSTM\"", "architecture is 'CatLSTM'")]
    [InlineData("\"SlimmableContainer\"", "WaveNet, ConvNet, Linear, CatLSTM, CatWaveNet and the other architectures have no RnnGen equivalent")]
    [InlineData(null, "the .nam file has no 'architecture'")]
    [InlineData("3", "'architecture' is 3, not a string")]
    public void Other_architectures_are_refused(string? architecture, string fragment)
    {
        var e = Assert.Throws<RnnFormatException>(() => Parse(Json(architecture: architecture)));
        Assert.Contains(fragment, e.Message);
    }

    [Theory]
    [InlineData("\"0.4.0\"")]
    [InlineData("\"0.8.0\"")]
    [InlineData("\"1.0.0\"")]
    [InlineData("\"0.5\"")]
    [InlineData("\"0.5.x\"")]
    public void Versions_outside_NeuralAmpModelerCores_range_are_refused(string version)
    {
        var e = Assert.Throws<RnnFormatException>(() => Parse(Json(version: version)));
        Assert.Contains("RnnGen reads versions 0.5.0 to 0.7.x", e.Message);
    }

    [Theory]
    [InlineData("\"0.5.0\"")]
    [InlineData("\"0.6.1\"")]
    [InlineData("\"0.7.12\"")]
    public void Versions_in_range_read(string version) => Assert.Equal(version.Trim('"'), Parse(Json(version: version)).Version);

    [Theory]
    [InlineData("{\"input_size\": 1, \"num_layers\": 1}", "config has no 'hidden_size'")]
    [InlineData("{\"input_size\": 1, \"hidden_size\": 1, \"num_layers\": 0}", "config num_layers is 0; it must be a whole number ≥ 1")]
    [InlineData("{\"input_size\": 1.5, \"hidden_size\": 1, \"num_layers\": 1}", "config input_size is 1.5")]
    [InlineData("{\"input_size\": \"1\", \"hidden_size\": 1, \"num_layers\": 1}", "config input_size is \"1\"")]
    [InlineData("{\"input_size\": 1, \"hidden_size\": 1, \"num_layers\": 1, \"bidirectional\": true}", "config has 'bidirectional', which an LSTM .nam file does not have")]
    [InlineData("[1, 1, 1]", "no 'config' object")]
    public void Bad_configs_are_refused(string config, string fragment)
    {
        var e = Assert.Throws<RnnFormatException>(() => Parse(Json(config: config)));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void A_weight_count_that_does_not_fit_the_config_is_refused_with_the_layout()
    {
        var e = Assert.Throws<RnnFormatException>(() => Parse(Json(weights: "[" + string.Join(",", Enumerable.Repeat("0", 15)) + "]")));
        Assert.Contains("the file has 15 weights but an LSTM with input_size 1, hidden_size 1, num_layers 1 has 16", e.Message);

        string json = File.ReadAllText(Fixture("lstm_3x5.nam")).Replace("\"num_layers\": 3", "\"num_layers\": 2");
        e = Assert.Throws<RnnFormatException>(() => Parse(json));
        Assert.Contains("the file has 616 weights but an LSTM with input_size 1, hidden_size 5, num_layers 2 has 386", e.Message);
        Assert.Contains("(150 for layer 0, 230 for each layer above)", e.Message);
    }

    [Theory]
    [InlineData("\"x\"", "weights[3] (layer 0's [4·1, 1 + 1] matrix [W_ih W_hh], element 3) is \"x\", not a number")]
    [InlineData("1e39", "weights[3] (layer 0's [4·1, 1 + 1] matrix [W_ih W_hh], element 3) is 1E+39, which is +∞ as float32")]
    [InlineData("-1e39", "is −∞ as float32")]
    [InlineData("null", "is null, not a number")]
    public void A_weight_that_is_not_a_finite_float_is_refused_with_its_position(string value, string fragment)
    {
        var weights = Enumerable.Repeat("0.25", 16).ToArray();
        weights[3] = value;
        var e = Assert.Throws<RnnFormatException>(() => Parse(Json(weights: "[" + string.Join(", ", weights) + "]")));
        Assert.Contains(fragment, e.Message);

        weights[3] = "0.25";
        weights[14] = value;
        e = Assert.Throws<RnnFormatException>(() => Parse(Json(weights: "[" + string.Join(", ", weights) + "]")));
        Assert.Contains("weights[14] (the head's weight, element 0)", e.Message);
    }

    [Theory]
    [InlineData("{\"version\": \"0.5.4\", \"architecture\": \"LSTM\", \"weights\": [NaN]}", "not valid JSON")]
    [InlineData("[1, 2]", "a .nam file is a JSON object, not a list")]
    [InlineData("", "not valid JSON")]
    [InlineData("{\"version\": \"0.5.4\", \"architecture\": \"LSTM\", \"config\": {\"input_size\": 1, \"hidden_size\": 1, \"num_layers\": 1}}", "no 'weights' list")]
    public void Malformed_files_are_refused(string json, string fragment)
    {
        var e = Assert.Throws<RnnFormatException>(() => Parse(json));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Bad_sample_rate_or_metadata_is_refused()
    {
        Assert.Contains("'sample_rate' is \"48k\", not a number of Hz",
            Assert.Throws<RnnFormatException>(() => Parse(Json(rest: "\"sample_rate\": \"48k\""))).Message);
        Assert.Contains("'metadata' is a list, not an object",
            Assert.Throws<RnnFormatException>(() => Parse(Json(rest: "\"metadata\": [1]"))).Message);
    }

    [Fact]
    public void A_missing_file_is_an_IOException_not_a_format_error()
    {
        var e = Assert.ThrowsAny<IOException>(() => NamImport.Read(Fixture("no-such.nam")));
        Assert.IsNotType<RnnFormatException>(e);
    }

    [Fact]
    public void The_tensors_write_as_safetensors_with_PyTorchs_names()
    {
        var nam = NamImport.Read(Fixture("lstm_3x5.nam"));
        using var stream = new MemoryStream();
        SafeTensorsFile.Write(stream, nam.Tensors);
        stream.Position = 0;
        var file = SafeTensorsFile.Read(stream);
        Assert.Equal(nam.Tensors.Select(t => t.Key), file.Tensors.Select(t => t.Name));
        Assert.Equal(nam.GetTensor("layers.2.c0").Values.ToArray(), file.ReadFloats("layers.2.c0"));
    }

    // ----- a stand-in for a generated list model: ParameterLayout, CopyParametersFrom and ResetState are what NamImport uses -----

    internal interface IShape
    {
        static abstract RnnParameterLayout Layout { get; }
    }

    internal sealed class Nam2x8 : IShape
    {
        public static RnnParameterLayout Layout { get; } = ListLayout(1, 8, 2);
    }

    internal sealed class Nam3x8 : IShape
    {
        public static RnnParameterLayout Layout { get; } = ListLayout(1, 8, 3);
    }

    internal sealed class FakeListModel<TShape> : IRnnModel where TShape : IShape
    {
        public float[] Values { get; } = Enumerable.Range(0, TShape.Layout.Count).Select(i => (float)i).ToArray();

        public int Resets { get; private set; }

        public static RnnCell Cell => RnnCell.Lstm;
        public static RnnActivation Activation => RnnActivation.Tanh;
        public static int Vocabulary => 0;
        public static RnnPrecision WeightPrecision => RnnPrecision.Float32;
        public static int InputSize => 1;
        public static int HiddenSize => 8;
        public static int OutputSize => 1;
        public static int LayerCount => 2;
        public static int WindowSize => 32;
        public static int ParameterCount => TShape.Layout.Count;
        public static int TrainableParameterCount => TShape.Layout.Count;
        public static int StateSize => 0;
        public static RnnParameterLayout ParameterLayout => TShape.Layout;
        public static int ParameterIndex(int canonicalIndex) => canonicalIndex;

        public Span<float> Parameters => Values;
        public Span<float> Gradients => throw new NotSupportedException();
        public void ResetState() => Resets++;
        public void CopyParametersFrom(ReadOnlySpan<float> source)
        {
            Assert.Equal(Values.Length, source.Length);
            source.CopyTo(Values);
        }

        public void CopyParametersTo(Span<float> destination) => Values.CopyTo(destination);
        public void Step(ReadOnlySpan<float> input, Span<float> output) => throw new NotSupportedException();
        public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs) => throw new NotSupportedException();
        public void ZeroGradients() => throw new NotSupportedException();
        public float AccumulateGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets) => throw new NotSupportedException();
        public float AccumulateGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Span<float> initialStateGradient) => throw new NotSupportedException();
        public float Evaluate(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets) => throw new NotSupportedException();
        public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, IOptimizer optimizer, TrainOptions? options = null) => throw new NotSupportedException();
        public void CopyGradientsTo(Span<float> destination) => throw new NotSupportedException();
        public void CopyStateTo(Span<float> destination) => throw new NotSupportedException();
        public void CopyStateFrom(ReadOnlySpan<float> source) => throw new NotSupportedException();
        public void RefreshInferenceWeights() { }
    }
}
