using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace RnnGen.Serialization;

/// <summary>
/// Loads weights saved from Keras (<c>SimpleRNN</c>, <c>LSTM</c>, <c>GRU</c> with <c>reset_after=True</c>, a
/// <c>Dense</c> head, an <c>Embedding</c>) into a generated model, converting Keras' layouts and gate orders to
/// PyTorch's. The file is safetensors with one tensor per Keras weight; see docs/importing.md for how to write it.
/// </summary>
/// <remarks>
/// <para><b>Names.</b> A tensor name is a layer path and a weight name, <c>path/weight</c>, with an optional
/// TensorFlow suffix <c>:0</c>. The weight is <c>kernel</c>, <c>recurrent_kernel</c>, <c>bias</c> or
/// <c>embeddings</c>. Tensors with the same path form one layer: a layer with a <c>recurrent_kernel</c> is a recurrent
/// layer, one with only <c>kernel</c> (and <c>bias</c>) the Dense head, one with <c>embeddings</c> the embedding. The
/// recommended names are <c>layer_0/kernel</c>, <c>layer_0/recurrent_kernel</c>, <c>layer_0/bias</c>, …,
/// <c>dense/kernel</c>, <c>dense/bias</c>; Keras' own paths (<c>lstm/lstm_cell/kernel:0</c>,
/// <c>sequential/gru_1/gru_cell_1/bias</c>, TensorFlow.js' <c>lstm_LSTM1/kernel</c>, …) work too. Recurrent layers are
/// stacked in the natural order of their paths, segment by segment with every run of digits compared as a whole number
/// (<c>lstm</c> &lt; <c>lstm_1</c> &lt; <c>lstm_2</c> &lt; <c>lstm_10</c>; <c>lstm_LSTM9</c> &lt; <c>lstm_LSTM10</c>), which is
/// the order Keras and TensorFlow.js create default names in.</para>
/// <para><b>Layouts</b> (G = 1, 4, 3 gates for SimpleRNN, LSTM, GRU; H hidden units):
/// <c>kernel</c> [in, G·H] → <c>rnn.weight_ih_lk</c> [G·H, in] transposed; <c>recurrent_kernel</c> [H, G·H] →
/// <c>rnn.weight_hh_lk</c> [G·H, H] transposed; SimpleRNN/LSTM <c>bias</c> [G·H] → <c>rnn.bias_ih_lk</c> and
/// <c>rnn.bias_hh_lk</c> = 0; GRU <c>bias</c> [2, G·H] → row 0 to <c>rnn.bias_ih_lk</c>, row 1 to
/// <c>rnn.bias_hh_lk</c>. Gate blocks: LSTM i, f, c, o = PyTorch i, f, g, o (same order); GRU z, r, h → PyTorch r, z, n
/// (reordered). A GRU <c>bias</c> of shape [3·H] is <c>reset_after=False</c>, whose math differs: refused. Dense
/// <c>kernel</c> [H, O] → <c>head.weight</c> [O, H] transposed, <c>bias</c> [O] → <c>head.bias</c>. <c>Embedding</c>
/// <c>embeddings</c> [V, D] → <c>embedding.weight</c> unchanged. A missing <c>bias</c> (<c>use_bias=False</c>) loads as
/// zeros.</para>
/// <para>As with <see cref="RnnModelSerializer"/>, everything is validated before the model is touched; any problem
/// throws <see cref="RnnFormatException"/> and leaves the model bit-identical.</para>
/// </remarks>
public static class KerasImport
{
    /// <summary>Loads Keras-named weights from a stream.</summary>
    /// <typeparam name="TModel">The generated model type.</typeparam>
    /// <param name="model">The model whose parameters are replaced; unchanged if anything is wrong.</param>
    /// <param name="source">A readable stream positioned at the start of a safetensors file; read to its end.</param>
    /// <param name="strict">When true (default) a tensor that maps to nothing in the model is an error; when false it is ignored.</param>
    /// <exception cref="RnnFormatException">The file is malformed or does not fit the model.</exception>
    public static void Load<TModel>(TModel model, Stream source, bool strict = true) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        Load(model, SafeTensorsFile.Read(source), strict);
    }

    /// <summary>Loads Keras-named weights from the safetensors file at <paramref name="path"/>.</summary>
    /// <typeparam name="TModel">The generated model type.</typeparam>
    /// <param name="model">The model whose parameters are replaced; unchanged if anything is wrong.</param>
    /// <param name="path">The file to read.</param>
    /// <param name="strict">When true (default) a tensor that maps to nothing in the model is an error; when false it is ignored.</param>
    /// <exception cref="RnnFormatException">The file is malformed or does not fit the model.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static void Load<TModel>(TModel model, string path, bool strict = true) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(model);
        Load(model, SafeTensorsFile.Read(path), strict);
    }

    /// <summary>Loads Keras-named weights from an already read file.</summary>
    /// <typeparam name="TModel">The generated model type.</typeparam>
    /// <param name="model">The model whose parameters are replaced; unchanged if anything is wrong.</param>
    /// <param name="file">The file.</param>
    /// <param name="strict">When true (default) a tensor that maps to nothing in the model is an error; when false it is ignored.</param>
    /// <exception cref="RnnFormatException">The file does not fit the model.</exception>
    public static void Load<TModel>(TModel model, SafeTensorsFile file, bool strict = true) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(model);
        model.CopyParametersFrom(ToPyTorch<TModel>(file, strict));
    }

    /// <summary>Converts Keras-named weights to the model's PyTorch-order parameter vector (validated, finite) without touching a model.</summary>
    /// <typeparam name="TModel">The generated model type.</typeparam>
    /// <param name="file">The file.</param>
    /// <param name="strict">When true (default) a tensor that maps to nothing in the model is an error; when false it is ignored.</param>
    /// <returns><c>TrainableParameterCount</c> floats in <c>ParameterLayout</c> order.</returns>
    /// <exception cref="RnnFormatException">The file does not fit the model.</exception>
    public static float[] ToPyTorch<TModel>(SafeTensorsFile file, bool strict = true) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(file);
        RnnModelMetadata.Check<TModel>(file);
        return ToPyTorch(file, TModel.ParameterLayout, TModel.Cell, TModel.InputSize, TModel.HiddenSize, TModel.LayerCount, strict);
    }

    internal static float[] ToPyTorch(SafeTensorsFile file, RnnParameterLayout layout, RnnCell cell, int input, int hidden, int layers, bool strict)
    {
        int gates = cell switch { RnnCell.Lstm => 4, RnnCell.Gru => 3, _ => 1 };
        int gh = gates * hidden;
        string cellName = cell switch { RnnCell.Lstm => "LSTM", RnnCell.Gru => "GRU", _ => "SimpleRNN" };
        var groups = GroupByLayer(file);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var canonical = new float[layout.Count];

        var recurrent = new List<Group>();
        var dense = new List<Group>();
        var embedding = new List<Group>();
        foreach (var g in groups)
        {
            if (g.Get("recurrent_kernel") is not null) recurrent.Add(g);
            else if (g.Get("embeddings") is not null) embedding.Add(g);
            else if (g.Get("kernel") is not null) dense.Add(g);
        }

        recurrent.Sort(static (a, b) => ComparePaths(a.Path, b.Path));
        if (recurrent.Count != layers)
            throw new RnnFormatException(null,
                $"the file has {recurrent.Count} recurrent layer(s) (layers with a recurrent_kernel: {Paths(recurrent)}) but the model has {layers}");

        for (int k = 0; k < layers; k++)
        {
            var g = recurrent[k];
            int inputs = k == 0 ? input : hidden;
            string kernelName = g.Get("kernel") ?? throw new RnnFormatException(g.Get("recurrent_kernel"), $"recurrent layer '{g.Path}' has a recurrent_kernel but no kernel");
            string recurrentName = g.Get("recurrent_kernel")!;
            string? biasName = g.Get("bias");

            float[] kernel = Read(file, kernelName, new long[] { inputs, gh }, $"kernel of {cellName} layer {k} [input {inputs}, {gates}·hidden {hidden}]", used);
            float[] recurrentKernel = Read(file, recurrentName, new long[] { hidden, gh }, $"recurrent_kernel of {cellName} layer {k} [hidden {hidden}, {gates}·hidden]", used);

            var wih = layout[$"rnn.weight_ih_l{k}"];
            var whh = layout[$"rnn.weight_hh_l{k}"];
            var bih = layout[$"rnn.bias_ih_l{k}"];
            var bhh = layout[$"rnn.bias_hh_l{k}"];
            for (int p = 0; p < gates; p++)
            {
                int kg = KerasGate(cell, p);
                for (int j = 0; j < hidden; j++)
                {
                    int row = p * hidden + j, column = kg * hidden + j;
                    for (int i = 0; i < inputs; i++)
                        canonical[wih.Offset + row * inputs + i] = kernel[i * gh + column];
                    for (int m = 0; m < hidden; m++)
                        canonical[whh.Offset + row * hidden + m] = recurrentKernel[m * gh + column];
                }
            }

            if (biasName is not null)
            {
                var info = file.GetTensor(biasName);
                if (cell == RnnCell.Gru && info.Shape.Count == 1 && info.Shape[0] == gh)
                    throw new RnnFormatException(biasName,
                        $"a GRU bias of shape [{gh}] comes from reset_after=False, which applies the reset gate before the recurrent matmul; RnnGen (like PyTorch) implements reset_after=True only: retrain the Keras GRU with reset_after=True");
                bool twoRows = cell == RnnCell.Gru;
                float[] bias = Read(file, biasName, twoRows ? new long[] { 2, gh } : new long[] { gh },
                    twoRows ? $"bias of GRU layer {k} (reset_after=True: [2, 3·hidden])" : $"bias of {cellName} layer {k}", used);
                for (int p = 0; p < gates; p++)
                {
                    int kg = KerasGate(cell, p);
                    for (int j = 0; j < hidden; j++)
                    {
                        canonical[bih.Offset + p * hidden + j] = bias[kg * hidden + j];
                        if (twoRows) canonical[bhh.Offset + p * hidden + j] = bias[gh + kg * hidden + j];
                    }
                }
            }
        }

        if (HasTensor(layout, "head.weight"))
        {
            var hw = layout["head.weight"];
            var hb = layout["head.bias"];
            int outputs = hw.Rows;
            if (dense.Count != 1)
                throw new RnnFormatException(null,
                    dense.Count == 0
                        ? $"the model has a Linear head ({hidden} → {outputs}) but the file has no Dense layer (a layer with a kernel and no recurrent_kernel); the file has: {file.DescribeTensorNames()}"
                        : $"the file has {dense.Count} Dense layers ({Paths(dense)}); the model's head is one Dense layer");
            var g = dense[0];
            float[] kernel = Read(file, g.Get("kernel")!, new long[] { hidden, outputs }, $"kernel of the Dense head [hidden {hidden}, outputs {outputs}]", used);
            for (int o = 0; o < outputs; o++)
                for (int j = 0; j < hidden; j++)
                    canonical[hw.Offset + o * hidden + j] = kernel[j * outputs + o];
            if (g.Get("bias") is { } biasName)
                Read(file, biasName, new long[] { outputs }, "bias of the Dense head", used).CopyTo(canonical, hb.Offset);
        }

        if (HasTensor(layout, "embedding.weight"))
        {
            var e = layout["embedding.weight"];
            if (embedding.Count != 1)
                throw new RnnFormatException(null, $"the model has an embedding but the file has {embedding.Count} Embedding layers (a layer with 'embeddings')");
            Read(file, embedding[0].Get("embeddings")!, new long[] { e.Rows, e.Columns }, "embeddings", used).CopyTo(canonical, e.Offset);
        }

        if (strict)
        {
            foreach (var t in file.Tensors)
            {
                if (!used.Contains(t.Name))
                    throw new RnnFormatException(t.Name,
                        "maps to no parameter of the model (expected per layer: kernel, recurrent_kernel, bias; for the head: kernel, bias); load with strict: false to ignore it");
            }
        }

        return canonical;
    }

    /// <summary>Keras' gate block for PyTorch gate <paramref name="p"/>: GRU r, z, n ← z, r, h; LSTM and SimpleRNN unchanged.</summary>
    private static int KerasGate(RnnCell cell, int p) => cell == RnnCell.Gru ? p switch { 0 => 1, 1 => 0, _ => 2 } : p;

    private static float[] Read(SafeTensorsFile file, string name, long[] shape, string what, HashSet<string> used)
    {
        var info = file.GetTensor(name);
        bool same = info.Shape.Count == shape.Length;
        for (int i = 0; same && i < shape.Length; i++) same = info.Shape[i] == shape[i];
        if (!same)
            throw new RnnFormatException(name, $"shape {SafeTensorInfo.FormatShape(info.Shape)} does not match the model's {SafeTensorInfo.FormatShape(shape)} ({what})");
        if (!info.IsFloatingPoint)
            throw new RnnFormatException(name, $"dtype {info.DTypeName} is not a floating-point type (F32, F16, BF16 and F64 load)");
        float[] values = file.ReadFloats(name);
        RnnModelSerializer.CheckFinite(name, shape.Length == 2 ? (int)shape[1] : 0, values);
        used.Add(name);
        return values;
    }

    private static bool HasTensor(RnnParameterLayout layout, string name)
    {
        foreach (var t in layout.Tensors)
            if (t.Name == name) return true;
        return false;
    }

    private static string Paths(List<Group> groups)
    {
        if (groups.Count == 0) return "none";
        var paths = new List<string>();
        foreach (var g in groups) paths.Add("'" + g.Path + "'");
        return string.Join(", ", paths);
    }

    /// <summary>Groups the file's tensors by layer path; weights with an unknown name are left out (strict mode reports them).</summary>
    private static List<Group> GroupByLayer(SafeTensorsFile file)
    {
        var byPath = new Dictionary<string, Group>(StringComparer.Ordinal);
        var order = new List<Group>();
        foreach (var t in file.Tensors)
        {
            string name = t.Name;
            int colon = name.LastIndexOf(':');
            if (colon >= 0 && colon + 1 < name.Length && IsDigits(name.AsSpan(colon + 1)))
                name = name.Substring(0, colon);
            int slash = name.LastIndexOf('/');
            string path = slash < 0 ? "" : name.Substring(0, slash);
            string weight = slash < 0 ? name : name.Substring(slash + 1);
            if (weight is not ("kernel" or "recurrent_kernel" or "bias" or "embeddings"))
                continue;
            if (!byPath.TryGetValue(path, out var group))
            {
                group = new Group(path);
                byPath.Add(path, group);
                order.Add(group);
            }

            if (!group.Weights.TryAdd(weight, t.Name))
                throw new RnnFormatException(t.Name, $"layer '{path}' has two tensors for '{weight}' ('{group.Weights[weight]}' and '{t.Name}')");
        }

        return order;
    }

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
            if (c is < '0' or > '9') return false;
        return s.Length > 0;
    }

    /// <summary>
    /// Compares layer paths segment by segment in natural order: within a segment, runs of digits compare as whole numbers
    /// and the text between them ordinally, so <c>lstm</c> &lt; <c>lstm_1</c> &lt; <c>lstm_2</c> &lt; <c>lstm_10</c> (Keras)
    /// and <c>lstm_LSTM9</c> &lt; <c>lstm_LSTM10</c> (TensorFlow.js, whose counter follows the class name without an underscore).
    /// </summary>
    internal static int ComparePaths(string a, string b)
    {
        string[] sa = a.Split('/'), sb = b.Split('/');
        for (int i = 0; i < Math.Min(sa.Length, sb.Length); i++)
        {
            int c = CompareNatural(sa[i], sb[i]);
            if (c != 0) return c;
        }

        return sa.Length.CompareTo(sb.Length);
    }

    /// <summary>Natural comparison of two path segments: digit runs by numeric value (then by length, so <c>07</c> &gt; <c>7</c>), other characters ordinally.</summary>
    private static int CompareNatural(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (char.IsAsciiDigit(a[i]) && char.IsAsciiDigit(b[j]))
            {
                int endA = i, endB = j;
                while (endA < a.Length && char.IsAsciiDigit(a[endA])) endA++;
                while (endB < b.Length && char.IsAsciiDigit(b[endB])) endB++;
                ReadOnlySpan<char> na = a.AsSpan(i, endA - i).TrimStart('0'), nb = b.AsSpan(j, endB - j).TrimStart('0');
                int c = na.Length != nb.Length ? na.Length.CompareTo(nb.Length) : na.SequenceCompareTo(nb);
                if (c == 0) c = (endA - i).CompareTo(endB - j);
                if (c != 0) return c;
                i = endA;
                j = endB;
                continue;
            }

            if (a[i] != b[j]) return a[i].CompareTo(b[j]);
            i++;
            j++;
        }

        return (a.Length - i).CompareTo(b.Length - j);
    }

    private sealed class Group
    {
        public Group(string path) => Path = path;

        public string Path { get; }

        public Dictionary<string, string> Weights { get; } = new(StringComparer.Ordinal);

        public string? Get(string weight) => Weights.TryGetValue(weight, out var name) ? name : null;
    }
}
