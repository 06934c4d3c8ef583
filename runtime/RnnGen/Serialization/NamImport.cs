using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace RnnGen.Serialization;

/// <summary>
/// Reads Neural Amp Modeler (<c>.nam</c>) files of the <c>LSTM</c> architecture and loads them into the matching
/// RnnGen list model: <c>[RnnModel(input: I)]</c>, <c>[Lstm(H, LearnedInitialState = true)]</c> × num_layers,
/// <c>[Head(1)]</c>. The other NAM architectures (WaveNet, ConvNet, Linear, CatLSTM, …) are refused.
/// </summary>
/// <remarks>
/// <para><b>The file</b> is JSON: <c>version</c> (0.5.0 to 0.7.x, the versions NeuralAmpModelerCore reads),
/// <c>architecture</c>, <c>config</c> {<c>input_size</c>, <c>hidden_size</c>, <c>num_layers</c>, and optionally
/// NeuralAmpModelerCore's <c>in_channels</c> (= input_size) and <c>out_channels</c> (the head's rows, 1 by default)},
/// <c>weights</c> (one flat list of numbers), <c>sample_rate</c> (optional) and <c>metadata</c> (optional).</para>
/// <para><b>The flat layout</b>, as NAM writes it (neural-amp-modeler <c>nam/models/recurrent.py</c>,
/// <c>LSTM._export_weights</c>) and NeuralAmpModelerCore reads it (<c>NAM/lstm.cpp</c>), with H = hidden_size and
/// in = input_size for layer 0, H above: per layer, the [4H, in + H] matrix <c>cat([weight_ih, weight_hh], dim=1)</c>
/// row-major (gate rows i, f, g, o, PyTorch's order), the bias [4H] (<c>bias_ih + bias_hh</c>: NAM stores the sum,
/// RnnGen puts it in <c>bias_ih_l0</c> and zeros in <c>bias_hh_l0</c>, the same function), the initial hidden state [H]
/// and the initial cell state [H]; then the head's weight [out, H] row-major and its bias [out]. The forward pass is
/// PyTorch's LSTM from those initial states, then y = W·h + b on the top layer's output, nothing added or scaled.</para>
/// <para>Everything is validated before a model is touched (weight count, finite float32 values, config, version);
/// problems throw <see cref="RnnFormatException"/> with a message that says what is wrong and, for a model that does
/// not fit, the declaration that does.</para>
/// </remarks>
public static class NamImport
{
    /// <summary>The one NAM architecture RnnGen reads.</summary>
    public const string SupportedArchitecture = "LSTM";

    private static readonly string[] ConfigKeys = { "input_size", "hidden_size", "num_layers", "in_channels", "out_channels" };

    /// <summary>Reads and validates a <c>.nam</c> file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The file's configuration, metadata and tensors.</returns>
    /// <exception cref="RnnFormatException">The file is not a valid NAM LSTM file; the message says why.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static NamFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        return Read(stream);
    }

    /// <summary>Reads and validates a <c>.nam</c> file from a stream (read to its end, not closed).</summary>
    /// <param name="source">A readable stream positioned at the start of the JSON.</param>
    /// <returns>The file's configuration, metadata and tensors.</returns>
    /// <exception cref="RnnFormatException">The content is not a valid NAM LSTM file; the message says why.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public static NamFile Read(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(source);
        }
        catch (JsonException e)
        {
            throw new RnnFormatException(null,
                $"the .nam file is not valid JSON ({e.Message.TrimEnd('.')}); NaN or Infinity among the weights, which Python's json writes, is not JSON either", e);
        }

        using (document)
            return Parse(document.RootElement);
    }

    /// <summary>Reads a <c>.nam</c> file and loads its weights into <paramref name="model"/>; see <see cref="Load{TModel}(TModel, NamFile)"/>.</summary>
    /// <typeparam name="TModel">The generated model type.</typeparam>
    /// <param name="model">The model whose parameters are replaced; unchanged if anything is wrong.</param>
    /// <param name="path">The <c>.nam</c> file.</param>
    /// <exception cref="RnnFormatException">The file is not a valid NAM LSTM file, or the model is not its list model.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static void Load<TModel>(TModel model, string path) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(model);
        Load(model, Read(path));
    }

    /// <summary>Reads a <c>.nam</c> file from a stream and loads its weights into <paramref name="model"/>; see <see cref="Load{TModel}(TModel, NamFile)"/>.</summary>
    /// <typeparam name="TModel">The generated model type.</typeparam>
    /// <param name="model">The model whose parameters are replaced; unchanged if anything is wrong.</param>
    /// <param name="source">A readable stream positioned at the start of the JSON.</param>
    /// <exception cref="RnnFormatException">The content is not a valid NAM LSTM file, or the model is not its list model.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public static void Load<TModel>(TModel model, Stream source) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(model);
        Load(model, Read(source));
    }

    /// <summary>
    /// Loads a read <c>.nam</c> file into <paramref name="model"/>: checks that the model's <c>ParameterLayout</c> has
    /// exactly the file's tensors (names and shapes), copies them with <c>CopyParametersFrom</c>, then calls
    /// <c>ResetState()</c> so that the next step starts from the file's initial state, as NAM does.
    /// </summary>
    /// <typeparam name="TModel">The generated model type, declared as <see cref="NamFile.Declaration"/> prints.</typeparam>
    /// <param name="model">The model whose parameters are replaced; unchanged (parameters and state) if the check fails.</param>
    /// <param name="file">The file.</param>
    /// <exception cref="RnnFormatException">The model is not the file's list model; the message names the first tensor that differs and the declaration that fits.</exception>
    public static void Load<TModel>(TModel model, NamFile file) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(model);
        model.CopyParametersFrom(ReadParameters<TModel>(file)); // only after everything was validated
        model.ResetState();
    }

    /// <summary>The file's parameters in <typeparamref name="TModel"/>'s <c>ParameterLayout</c> order, checked against its layout, without touching a model.</summary>
    /// <typeparam name="TModel">The generated model type.</typeparam>
    /// <param name="file">The file.</param>
    /// <returns><c>TrainableParameterCount</c> floats, the vector <c>CopyParametersFrom</c> takes.</returns>
    /// <exception cref="RnnFormatException">The model is not the file's list model.</exception>
    public static float[] ReadParameters<TModel>(NamFile file) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(file);
        return file.ToParameters(TModel.ParameterLayout, typeof(TModel).Name);
    }

    private static NamFile Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new RnnFormatException(null, $"a .nam file is a JSON object, not {Kind(root)}");

        // The architecture first: a WaveNet file is refused for what it is, whatever else it holds.
        string architecture = RequiredString(root, "architecture");
        if (architecture != SupportedArchitecture)
            throw new RnnFormatException(null,
                $"the .nam file's architecture is '{Truncate(architecture)}'; RnnGen reads NAM's '{SupportedArchitecture}' architecture only "
                + "(the list model [RnnModel(input: I)] [Lstm(H, LearnedInitialState = true)] × num_layers [Head(1)]); "
                + "WaveNet, ConvNet, Linear, CatLSTM, CatWaveNet and the other architectures have no RnnGen equivalent");

        string version = RequiredString(root, "version");
        CheckVersion(version);

        if (!root.TryGetProperty("config", out var config) || config.ValueKind != JsonValueKind.Object)
            throw new RnnFormatException(null, "the .nam file has no 'config' object (input_size, hidden_size, num_layers)");
        foreach (var p in config.EnumerateObject())
        {
            if (Array.IndexOf(ConfigKeys, p.Name) < 0)
                throw new RnnFormatException(null,
                    $"config has '{Truncate(p.Name)}', which an LSTM .nam file does not have (its keys are {string.Join(", ", ConfigKeys)}): the file may come from a newer NAM");
        }

        int input = PositiveInt(config, "input_size", required: true, fallback: 0);
        int hidden = PositiveInt(config, "hidden_size", required: true, fallback: 0);
        int layers = PositiveInt(config, "num_layers", required: true, fallback: 0);
        int inChannels = PositiveInt(config, "in_channels", required: false, fallback: input);
        int outputs = PositiveInt(config, "out_channels", required: false, fallback: 1);
        if (inChannels != input)
            throw new RnnFormatException(null,
                $"config has in_channels {I(inChannels)} but input_size {I(input)}; each input channel is one input feature, so they must be equal");

        double? sampleRate = null;
        if (root.TryGetProperty("sample_rate", out var rate) && rate.ValueKind != JsonValueKind.Null)
        {
            if (rate.ValueKind != JsonValueKind.Number || !rate.TryGetDouble(out double hz) || !double.IsFinite(hz))
                throw new RnnFormatException(null, $"'sample_rate' is {Kind(rate)}, not a number of Hz");
            sampleRate = hz;
        }

        JsonElement? metadata = null;
        if (root.TryGetProperty("metadata", out var meta) && meta.ValueKind != JsonValueKind.Null)
        {
            if (meta.ValueKind != JsonValueKind.Object)
                throw new RnnFormatException(null, $"'metadata' is {Kind(meta)}, not an object");
            metadata = meta.Clone();
        }

        if (!root.TryGetProperty("weights", out var weights) || weights.ValueKind != JsonValueKind.Array)
            throw new RnnFormatException(null, "the .nam file has no 'weights' list");

        var plan = Plan(input, hidden, layers, outputs);
        long expected = 0;
        foreach (var t in plan) expected += t.Length;
        int count = weights.GetArrayLength();
        if (count != expected)
        {
            long perLayer0 = 4L * hidden * (input + hidden) + 4L * hidden + 2L * hidden;
            long perLayer = 4L * hidden * (2L * hidden) + 4L * hidden + 2L * hidden;
            throw new RnnFormatException(null,
                $"the file has {I(count)} weights but an LSTM with input_size {I(input)}, hidden_size {I(hidden)}, num_layers {I(layers)}"
                + (outputs != 1 ? $", out_channels {I(outputs)}" : "")
                + $" has {expected.ToString(CultureInfo.InvariantCulture)}: per layer the [4H, in + H] matrix, the bias [4H], h0 [H] and c0 [H] "
                + $"({perLayer0.ToString(CultureInfo.InvariantCulture)} for layer 0"
                + (layers > 1 ? $", {perLayer.ToString(CultureInfo.InvariantCulture)} for each layer above" : "")
                + $"), then the head's weight [{I(outputs)}, H] and bias [{I(outputs)}] ({I(outputs * (hidden + 1))})");
        }

        var flat = new float[count];
        int index = 0;
        foreach (var w in weights.EnumerateArray())
        {
            if (w.ValueKind != JsonValueKind.Number || !w.TryGetDouble(out double d))
                throw new RnnFormatException(null, $"weights[{I(index)}] ({Where(plan, index)}) is {Kind(w)}, not a number");
            float f = (float)d;
            if (!float.IsFinite(f))
                throw new RnnFormatException(null,
                    $"weights[{I(index)}] ({Where(plan, index)}) is {d.ToString("R", CultureInfo.InvariantCulture)}, which is {(f > 0 ? "+∞" : "−∞")} as float32; every parameter must be finite");
            flat[index++] = f;
        }

        return new NamFile(version, architecture, input, hidden, layers, outputs, sampleRate, metadata, count, Tensors(plan, flat, hidden));
    }

    /// <summary>Where each part of NAM's flat list goes: (first index, length, tensor, meaning), in file order.</summary>
    private static List<Part> Plan(int input, int hidden, int layers, int outputs)
    {
        long total = 0;
        var parts = new List<Part>();
        void Add(string tensor, long length, string what)
        {
            if (total + length > int.MaxValue)
                throw new RnnFormatException(null, $"an LSTM with input_size {I(input)}, hidden_size {I(hidden)}, num_layers {I(layers)} has more than {I(int.MaxValue)} weights");
            parts.Add(new Part((int)total, (int)length, tensor, what));
            total += length;
        }

        for (int k = 0; k < layers; k++)
        {
            int n = k == 0 ? input : hidden;
            Add($"layers.{I(k)}.weight", 4L * hidden * (n + hidden), $"layer {I(k)}'s [4·{I(hidden)}, {I(n)} + {I(hidden)}] matrix [W_ih W_hh]");
            Add($"layers.{I(k)}.bias_ih_l0", 4L * hidden, $"layer {I(k)}'s bias");
            Add($"layers.{I(k)}.h0", hidden, $"layer {I(k)}'s initial hidden state");
            Add($"layers.{I(k)}.c0", hidden, $"layer {I(k)}'s initial cell state");
        }

        Add("heads.0.weight", (long)outputs * hidden, "the head's weight");
        Add("heads.0.bias", outputs, "the head's bias");
        return parts;
    }

    /// <summary>The flat list cut into the list model's tensors (PyTorch names and shapes, ParameterLayout order).</summary>
    private static KeyValuePair<string, FloatTensor>[] Tensors(List<Part> plan, float[] flat, int hidden)
    {
        var tensors = new List<KeyValuePair<string, FloatTensor>>(plan.Count + 2 * plan.Count / 4);
        int gates = 4 * hidden;
        foreach (var part in plan)
        {
            var values = flat.AsMemory(part.Start, part.Length);
            if (part.Tensor.EndsWith(".weight", StringComparison.Ordinal) && part.Tensor.StartsWith("layers.", StringComparison.Ordinal))
            {
                // [4H, in + H] row-major: each row is W_ih's row (in values) followed by W_hh's (H values).
                string prefix = part.Tensor.Substring(0, part.Tensor.Length - "weight".Length);
                int n = part.Length / gates - hidden;
                var wih = new float[gates * n];
                var whh = new float[gates * hidden];
                var source = values.Span;
                for (int row = 0; row < gates; row++)
                {
                    source.Slice(row * (n + hidden), n).CopyTo(wih.AsSpan(row * n, n));
                    source.Slice(row * (n + hidden) + n, hidden).CopyTo(whh.AsSpan(row * hidden, hidden));
                }

                tensors.Add(new(prefix + "weight_ih_l0", new FloatTensor(wih, gates, n)));
                tensors.Add(new(prefix + "weight_hh_l0", new FloatTensor(whh, gates, hidden)));
            }
            else if (part.Tensor.EndsWith(".bias_ih_l0", StringComparison.Ordinal))
            {
                tensors.Add(new(part.Tensor, new FloatTensor(values, gates)));
                string prefix = part.Tensor.Substring(0, part.Tensor.Length - "bias_ih_l0".Length);
                tensors.Add(new(prefix + "bias_hh_l0", new FloatTensor(new float[gates], gates)));
            }
            else if (part.Tensor == "heads.0.weight")
            {
                tensors.Add(new(part.Tensor, new FloatTensor(values, part.Length / hidden, hidden)));
            }
            else
            {
                tensors.Add(new(part.Tensor, new FloatTensor(values, part.Length)));
            }
        }

        return tensors.ToArray();
    }

    private static string Where(List<Part> plan, int index)
    {
        foreach (var p in plan)
            if (index >= p.Start && index < p.Start + p.Length)
                return $"{p.What}, element {I(index - p.Start)}";
        return "?";
    }

    private static void CheckVersion(string version)
    {
        string[] parts = version.Split('.');
        bool supported = parts.Length == 3 && Array.TrueForAll(parts, IsNumber)
            && parts[0].TrimStart('0').Length == 0 && parts[1].TrimStart('0') is "5" or "6" or "7";
        if (!supported)
            throw new RnnFormatException(null,
                $"the .nam file's version is '{Truncate(version)}'; RnnGen reads versions 0.5.0 to 0.7.x, as NeuralAmpModelerCore 0.5 does (a newer version may lay out the weights differently)");

        static bool IsNumber(string s)
        {
            if (s.Length == 0) return false;
            foreach (char c in s)
                if (c is < '0' or > '9') return false;
            return true;
        }
    }

    private static string RequiredString(JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value))
            throw new RnnFormatException(null, $"the .nam file has no '{key}'; a NAM model file has version, architecture, config and weights");
        if (value.ValueKind != JsonValueKind.String)
            throw new RnnFormatException(null, $"'{key}' is {Kind(value)}, not a string");
        return value.GetString()!;
    }

    private static int PositiveInt(JsonElement config, string key, bool required, int fallback)
    {
        if (!config.TryGetProperty(key, out var value))
        {
            if (required)
                throw new RnnFormatException(null, $"config has no '{key}' (an LSTM .nam file has input_size, hidden_size and num_layers)");
            return fallback;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int n) || n < 1)
            throw new RnnFormatException(null, $"config {key} is {Kind(value)}; it must be a whole number ≥ 1");
        return n;
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number or JsonValueKind.String => Truncate(e.GetRawText()),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        _ => "null",
    };

    private static string Truncate(string s) => s.Length <= 64 ? s : s.Substring(0, 61) + "…";

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private readonly record struct Part(int Start, int Length, string Tensor, string What);
}
