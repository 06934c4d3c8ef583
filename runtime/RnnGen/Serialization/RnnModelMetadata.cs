using System;
using System.Collections.Generic;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;

namespace RnnGen.Serialization;

/// <summary>The <c>__metadata__</c> entries RnnGen writes, and the check of a file's entries against a model.</summary>
internal static class RnnModelMetadata
{
    public const string FormatKey = "format";
    public const string FormatValue = "rnngen";

    private static readonly string LibraryVersion =
        typeof(IRnnModel).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(IRnnModel).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    public static string CellName(RnnCell cell) => cell switch
    {
        RnnCell.Elman => "elman",
        RnnCell.Lstm => "lstm",
        RnnCell.Gru => "gru",
        _ => cell.ToString().ToLowerInvariant(),
    };

    public static string ActivationName(RnnActivation activation) => activation switch
    {
        RnnActivation.Tanh => "tanh",
        RnnActivation.Relu => "relu",
        _ => activation.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// The metadata key tools/export_keras.py writes for LSTM/GRU layers whose gates are not the logistic sigmoid
    /// (value <c>hard_sigmoid</c>: Keras 2 / tf.keras / TensorFlow.js, max(0, min(1, 0.2·x + 0.5))). Absent means sigmoid.
    /// </summary>
    public const string GateActivationKey = "gate_activation";

    public static string GateActivationName(RnnGateActivation gates) => gates switch
    {
        RnnGateActivation.Sigmoid => "sigmoid",
        RnnGateActivation.HardSigmoid => "hard_sigmoid",
        _ => gates.ToString().ToLowerInvariant(),
    };

    /// <summary>The gate function of every generated LSTM and GRU: the attribute does not offer another one.</summary>
    private const RnnGateActivation ModelGates = RnnGateActivation.Sigmoid;

    /// <summary>Informational only: the file always holds the float32 master weights, so Load ignores it.</summary>
    public static string PrecisionName(RnnPrecision precision) => precision switch
    {
        RnnPrecision.Float32 => "float32",
        RnnPrecision.BFloat16 => "bfloat16",
        _ => precision.ToString().ToLowerInvariant(),
    };

    /// <summary>Outputs of the Linear head, 0 when the model has none (then OutputSize is the hidden size).</summary>
    public static int HeadOutputs<TModel>() where TModel : IRnnModel
    {
        foreach (var t in TModel.ParameterLayout.Tensors)
            if (t.Name == "head.weight") return t.Rows;
        return 0;
    }

    public const string DataHashKey = "data_sha256";

    /// <summary>
    /// Key of a list model's layers as inference sees them, one entry per layer separated by <c>|</c>:
    /// <c>dense:128:swish</c>, <c>lstm:64:tanh:h0</c> (<c>zero</c> without a learned initial state), <c>dropout</c>,
    /// <c>head:4:softmax:add=-1</c>. Two list models whose tensors have the same names and shapes can still compute different
    /// functions (another activation, head activation or skip), so a file whose list differs is refused. Training-only
    /// settings (dropout rates, losses, loss weights) are left out: weights trained with one load into the other.
    /// </summary>
    public const string LayerListKey = "layer_list";

    /// <summary>
    /// The <see cref="LayerListKey"/> value of a model, from its layout fingerprint (which lists the layers with their tiling);
    /// null for one-attribute models, whose cell, activation and sizes the other keys already describe.
    /// </summary>
    public static string? LayerList(string fingerprint)
    {
        const string marker = ";layers=";
        int at = fingerprint.IndexOf(marker, StringComparison.Ordinal);
        if (!fingerprint.Contains(";list;", StringComparison.Ordinal) || at < 0) return null;
        var entries = new List<string>();
        foreach (var layer in fingerprint.Substring(at + marker.Length).Split('|'))
        {
            var f = layer.Split(':');
            entries.Add(f[0] switch
            {
                "dropout" => "dropout",
                "head" when f.Length >= 5 => $"head:{f[1]}:{f[2]}:{f[4]}",
                "dense" when f.Length >= 3 => $"dense:{f[1]}:{f[2]}",
                _ when f.Length >= 4 => $"{f[0]}:{f[1]}:{f[2]}:{f[3]}",
                _ => layer,
            });
        }

        return string.Join("|", entries);
    }

    /// <summary>
    /// Lower-case hex SHA-256 of the data region: the canonical parameters as little-endian F32 (what Save writes),
    /// hashed in chunks of <see cref="FloatChunks.DefaultChunkBytes"/> (the same digest as hashing the bytes at once;
    /// the bytes of more than 536,870,911 floats do not fit one span).
    /// </summary>
    public static string DataHash(ReadOnlySpan<float> canonical) => DataHash(canonical, FloatChunks.DefaultChunkBytes);

    /// <summary><see cref="DataHash(ReadOnlySpan{float})"/> in chunks of <paramref name="chunkBytes"/> (tests use small ones).</summary>
    internal static string DataHash(ReadOnlySpan<float> canonical, int chunkBytes)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        FloatChunks.ForEachChunk(canonical, chunkBytes, hash.AppendData);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static List<KeyValuePair<string, string>> Create<TModel>(string dataHash) where TModel : IRnnModel
    {
        static string S(int v) => v.ToString(CultureInfo.InvariantCulture);
        var entries = new List<KeyValuePair<string, string>>
        {
            new(FormatKey, FormatValue),
            new("model", typeof(TModel).FullName ?? typeof(TModel).Name),
            new("cell", CellName(TModel.Cell)),
            new("activation", ActivationName(TModel.Activation)),
            new("input", S(TModel.InputSize)),
            new("hidden", S(TModel.HiddenSize)),
            new("output", S(HeadOutputs<TModel>())),
            new("layers", S(TModel.LayerCount)),
            new("vocabulary", S(TModel.Vocabulary)),
            new("window", S(TModel.WindowSize)),
            new("weight_precision", PrecisionName(TModel.WeightPrecision)),
            new("library_version", LibraryVersion),
            new("layout_fingerprint", TModel.ParameterLayout.Fingerprint),
            new(DataHashKey, dataHash),
        };
        if (LayerList(TModel.ParameterLayout.Fingerprint) is { } layers)
            entries.Insert(entries.Count - 2, new(LayerListKey, layers));
        return entries;
    }

    /// <summary>
    /// When the file says <c>format: rnngen</c>, compares its cell, activation and sizes with <typeparamref name="TModel"/>
    /// and throws one <see cref="RnnFormatException"/> listing every mismatch, then checks the data against
    /// <c>data_sha256</c> when present. Files of other origins (no metadata, or
    /// another format such as PyTorch's <c>pt</c>) are checked by their tensors only. The window, the weight precision and the layout
    /// fingerprint are informational: the tensors are stored in PyTorch's layout, whatever the internal one.
    /// </summary>
    public static void Check<TModel>(SafeTensorsFile file) where TModel : IRnnModel
    {
        var metadata = file.Metadata;
        if (!metadata.TryGetValue(FormatKey, out var format) || format != FormatValue)
            return;

        var problems = new List<string>();
        string modelName = typeof(TModel).Name;

        if (metadata.TryGetValue("cell", out var cell) && cell != CellName(TModel.Cell))
            problems.Add($"cell '{SafeTensorsHeader.Truncate(cell)}' ≠ {CellName(TModel.Cell)}");

        // The activation matters for Elman only (LSTM and GRU record tanh).
        if (TModel.Cell == RnnCell.Elman && (cell is null || cell == CellName(RnnCell.Elman))
            && metadata.TryGetValue("activation", out var activation) && activation != ActivationName(TModel.Activation))
            problems.Add($"activation '{SafeTensorsHeader.Truncate(activation)}' ≠ {ActivationName(TModel.Activation)}");

        // The gate function matters for LSTM and GRU; a file from Keras 2 or TensorFlow.js with hard_sigmoid gates loads
        // without any shape problem but computes something else (outputs off by ~1e-2), so it is refused here.
        if (TModel.Cell != RnnCell.Elman && metadata.TryGetValue(GateActivationKey, out var gates) && gates != GateActivationName(ModelGates))
        {
            string hint = gates == GateActivationName(RnnGateActivation.HardSigmoid)
                ? $" (the file's gates are Keras 2 / TensorFlow.js hard_sigmoid, max(0, min(1, 0.2·x + 0.5)): the model needs GateActivation = RnnGateActivation.HardSigmoid on its [RnnModel] attribute)"
                : "";
            problems.Add($"gate_activation '{SafeTensorsHeader.Truncate(gates)}' ≠ {GateActivationName(ModelGates)}{hint}");
        }

        // A list model's layers: the same tensors can belong to another function (an activation, a head's output
        // activation or skip differs). Files of one-attribute models and files saved before this key have none.
        if (metadata.TryGetValue(LayerListKey, out var fileLayers) && LayerList(TModel.ParameterLayout.Fingerprint) is { } modelLayers
            && fileLayers != modelLayers)
        {
            string[] a = fileLayers.Split('|'), b = modelLayers.Split('|');
            int k = 0;
            while (k < a.Length && k < b.Length && a[k] == b[k]) k++;
            problems.Add(k < a.Length && k < b.Length
                ? $"layer {k.ToString(CultureInfo.InvariantCulture)} of the list is '{SafeTensorsHeader.Truncate(a[k])}' in the file ≠ '{b[k]}' in the model ({LayerListKey})"
                : $"the file's list has {a.Length.ToString(CultureInfo.InvariantCulture)} entries ≠ the model's {b.Length.ToString(CultureInfo.InvariantCulture)} ({LayerListKey})");
        }

        Size("input", TModel.InputSize);
        Size("hidden", TModel.HiddenSize);
        Size("output", HeadOutputs<TModel>());
        Size("layers", TModel.LayerCount);
        Size("vocabulary", TModel.Vocabulary);

        if (problems.Count > 0)
            throw new RnnFormatException(null,
                $"the file was saved from a different model than {modelName} (metadata, file ≠ model): {string.Join("; ", problems)}");

        // Files written by Save carry a hash of their data: a damaged file is refused rather than loaded as other weights.
        if (metadata.TryGetValue(DataHashKey, out var hash)
            && !string.Equals(hash, file.DataSha256(), StringComparison.OrdinalIgnoreCase))
            throw new RnnFormatException(null,
                $"the tensor data does not match the SHA-256 recorded in the metadata ('{DataHashKey}'): the file is corrupt, or its tensors were edited without updating or removing that entry");

        void Size(string key, int expected)
        {
            if (!metadata.TryGetValue(key, out var text)) return;
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
                problems.Add($"{key} '{SafeTensorsHeader.Truncate(text)}' is not a non-negative integer");
            else if (value != expected)
                problems.Add($"{key} {value.ToString(CultureInfo.InvariantCulture)} ≠ {expected.ToString(CultureInfo.InvariantCulture)}");
        }
    }
}
