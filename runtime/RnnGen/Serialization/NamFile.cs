using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RnnGen.Serialization;

/// <summary>
/// A Neural Amp Modeler <c>.nam</c> file of the <c>LSTM</c> architecture, read and validated by
/// <see cref="NamImport.Read(string)"/>: its version, configuration, sample rate and metadata, and its weights as the
/// tensors of the matching RnnGen list model (docs/layers.md):
/// <c>[RnnModel(input: I)]</c>, <c>[Lstm(H, LearnedInitialState = true)]</c> × num_layers, <c>[Head(1)]</c>.
/// </summary>
/// <remarks>
/// Tensors, in <c>ParameterLayout</c> order: per layer k <c>layers.{k}.weight_ih_l0</c> [4H, in],
/// <c>layers.{k}.weight_hh_l0</c> [4H, H], <c>layers.{k}.bias_ih_l0</c> [4H] (NAM's one bias, the sum of PyTorch's two),
/// <c>layers.{k}.bias_hh_l0</c> [4H] (zeros), <c>layers.{k}.h0</c> [H] and <c>layers.{k}.c0</c> [H] (the initial state NAM
/// starts from), then <c>heads.0.weight</c> [1, H] and <c>heads.0.bias</c> [1]; in = I for layer 0 and H above. See
/// <see cref="NamImport"/> for NAM's flat layout.
/// </remarks>
public sealed class NamFile
{
    private readonly KeyValuePair<string, FloatTensor>[] _tensors;

    internal NamFile(string version, string architecture, int inputSize, int hiddenSize, int layerCount, int outputSize,
        double? sampleRate, JsonElement? metadata, int weightCount, KeyValuePair<string, FloatTensor>[] tensors)
    {
        Version = version;
        Architecture = architecture;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        LayerCount = layerCount;
        OutputSize = outputSize;
        SampleRate = sampleRate;
        Metadata = metadata;
        WeightCount = weightCount;
        _tensors = tensors;
    }

    /// <summary>The file format version (<c>version</c>, e.g. <c>0.5.4</c>).</summary>
    public string Version { get; }

    /// <summary>The architecture (<c>architecture</c>): always <c>LSTM</c>, the one <see cref="NamImport"/> reads.</summary>
    public string Architecture { get; }

    /// <summary>Input features per sample (<c>config.input_size</c>; 1 for a mono amp model).</summary>
    public int InputSize { get; }

    /// <summary>Units per LSTM layer (<c>config.hidden_size</c>).</summary>
    public int HiddenSize { get; }

    /// <summary>Stacked LSTM layers (<c>config.num_layers</c>).</summary>
    public int LayerCount { get; }

    /// <summary>Outputs per sample: the head's rows (<c>config.out_channels</c> of NeuralAmpModelerCore, 1 when absent).</summary>
    public int OutputSize { get; }

    /// <summary>The sample rate the model was trained at, in Hz (<c>sample_rate</c>), or null when the file does not say.</summary>
    public double? SampleRate { get; }

    /// <summary>The file's <c>metadata</c> object (name, gear, loudness, levels, training details…), or null when absent.</summary>
    public JsonElement? Metadata { get; }

    /// <summary>Length of the file's flat <c>weights</c> list.</summary>
    public int WeightCount { get; }

    /// <summary>The tensors of the matching list model, in <c>ParameterLayout</c> order, with PyTorch's names and shapes.</summary>
    /// <remarks>They can be written as safetensors with <see cref="SafeTensorsFile.Write(System.IO.Stream, IEnumerable{KeyValuePair{string, FloatTensor}}, IEnumerable{KeyValuePair{string, string}}?)"/>.</remarks>
    public IReadOnlyList<KeyValuePair<string, FloatTensor>> Tensors => _tensors;

    /// <summary>Total number of parameters (the sum of the tensors' lengths, including the zero <c>bias_hh_l0</c>).</summary>
    public int ParameterCount
    {
        get
        {
            int n = 0;
            foreach (var t in _tensors) n += t.Value.Values.Length;
            return n;
        }
    }

    /// <summary>Finds a tensor by name.</summary>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    public FloatTensor GetTensor(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var t in _tensors)
            if (t.Key == name) return t.Value;
        throw new KeyNotFoundException($"The .nam file has no tensor named '{name}'. Its tensors are: {TensorNames()}.");
    }

    /// <summary>
    /// The C# declaration of the matching model, to paste into a source file (after <c>using RnnGen;</c>):
    /// the attribute list, one attribute per line, then <c>public partial class {className};</c>.
    /// </summary>
    /// <param name="className">The model's class name, a C# identifier.</param>
    /// <exception cref="ArgumentException"><paramref name="className"/> is not a C# identifier.</exception>
    public string Declaration(string className = "NamLstm")
    {
        ArgumentNullException.ThrowIfNull(className);
        if (!IsIdentifier(className))
            throw new ArgumentException($"'{className}' is not a C# identifier (letters, digits and '_', not starting with a digit).", nameof(className));
        var text = new StringBuilder();
        foreach (string line in Attributes()) text.Append(line).Append('\n');
        return text.Append("public partial class ").Append(className).Append(";\n").ToString();
    }

    /// <summary>
    /// Checks the tensors against a model's <paramref name="layout"/> (same names, same shapes, nothing missing or
    /// extra) and returns the parameters in the layout's order: the vector <c>CopyParametersFrom</c> takes.
    /// </summary>
    /// <param name="layout">The model's <c>ParameterLayout</c>.</param>
    /// <returns><c>layout.Count</c> floats.</returns>
    /// <exception cref="RnnFormatException">The model is not the file's list model; the message names the first tensor that differs and the declaration that fits.</exception>
    public float[] ToParameters(RnnParameterLayout layout) => ToParameters(layout, "the model");

    internal float[] ToParameters(RnnParameterLayout layout, string modelName)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var byName = new Dictionary<string, FloatTensor>(_tensors.Length, StringComparer.Ordinal);
        foreach (var t in _tensors) byName.Add(t.Key, t.Value);
        var modelNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in layout.Tensors) modelNames.Add(t.Name);

        var values = new float[layout.Count];
        foreach (var t in layout.Tensors)
        {
            if (!byName.TryGetValue(t.Name, out var tensor))
                throw new RnnFormatException(t.Name,
                    $"{modelName} has this tensor but a NAM {Describe()} does not (its tensors are {TensorNames()}); {Fits()}");
            if (!SameShape(tensor.Shape, t.Shape))
                throw new RnnFormatException(t.Name,
                    $"shape [{string.Join(", ", tensor.Shape)}] in the NAM {Describe()} does not match {modelName}'s [{string.Join(", ", t.Shape)}]; {Fits()}");
            tensor.Values.Span.CopyTo(values.AsSpan(t.Offset, t.Length));
        }

        foreach (var t in _tensors)
        {
            if (!modelNames.Contains(t.Key))
                throw new RnnFormatException(t.Key,
                    $"the NAM {Describe()} has this tensor but {modelName} does not (its tensors are {string.Join(", ", modelNames)}); {Fits()}");
        }

        return values;
    }

    /// <summary>"LSTM (input_size 1, hidden_size 18, num_layers 3)".</summary>
    internal string Describe()
    {
        string s = $"LSTM (input_size {I(InputSize)}, hidden_size {I(HiddenSize)}, num_layers {I(LayerCount)}";
        return (OutputSize != 1 ? s + $", out_channels {I(OutputSize)}" : s) + ")";
    }

    private string Fits() => $"the model that fits the file is declared {string.Join(" ", Attributes())}";

    private IEnumerable<string> Attributes()
    {
        yield return $"[RnnModel(input: {I(InputSize)})]";
        for (int k = 0; k < LayerCount; k++)
            yield return $"[Lstm({I(HiddenSize)}, LearnedInitialState = true)]";
        yield return $"[Head({I(OutputSize)})]";
    }

    private string TensorNames()
    {
        var names = new string[_tensors.Length];
        for (int i = 0; i < names.Length; i++) names[i] = _tensors[i].Key;
        return string.Join(", ", names);
    }

    private static bool SameShape(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++)
            if (a[i] != b[i]) return false;
        return true;
    }

    private static bool IsIdentifier(string name)
    {
        if (name.Length == 0 || char.IsDigit(name[0])) return false;
        foreach (char c in name)
            if (!(char.IsLetterOrDigit(c) || c == '_')) return false;
        return true;
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
