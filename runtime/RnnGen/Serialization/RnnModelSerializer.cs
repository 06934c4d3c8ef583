using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace RnnGen.Serialization;

/// <summary>
/// Saves and loads the parameters of any generated model as safetensors, with PyTorch's <c>state_dict</c> names,
/// shapes and F32 values (<c>rnn.weight_ih_l0</c>, …, <c>head.weight</c>, <c>head.bias</c>) whatever the internal
/// layout, plus <c>__metadata__</c> describing the model. The generated <c>Save</c>/<c>Load</c> members call these.
/// </summary>
/// <remarks>
/// <para>Save to a path is atomic: a temporary file in the same folder is written, flushed to disk and renamed
/// over the target, so a failure leaves the old file as it was. Save refuses non-finite parameters, so every file
/// it writes loads again.</para>
/// <para>Load reads and validates the whole file into a scratch buffer first (the safetensors rules of
/// <see cref="SafeTensorsFile.Read(Stream)"/>, the metadata against the model, every tensor present with exactly
/// the model's shape, no unexpected tensor unless <c>strict</c> is false, F16/BF16/F64 converted to float, every
/// value finite) and only then replaces the parameters: on any failure it throws
/// <see cref="RnnFormatException"/> and the model is bit-identical to before. The model's state (h, c) is not
/// touched.</para>
/// </remarks>
public static class RnnModelSerializer
{
    /// <summary>The metadata value of <c>format</c> in files written by RnnGen.</summary>
    public const string FormatName = RnnModelMetadata.FormatValue;

    /// <summary>Writes the model's parameters as safetensors to <paramref name="destination"/> (from its position; flushed, not closed).</summary>
    /// <typeparam name="TModel">The generated model type.</typeparam>
    /// <param name="model">The model to save.</param>
    /// <param name="destination">A writable stream.</param>
    /// <exception cref="InvalidOperationException">A parameter is NaN or infinite (the file would not load); nothing was written.</exception>
    public static void Save<TModel>(TModel model, Stream destination) where TModel : IRnnModel =>
        Save(model, destination, FloatChunks.DefaultChunkBytes);

    /// <summary>Save to a stream, hashing and writing the data in chunks of <paramref name="chunkBytes"/> (tests use small ones).</summary>
    internal static void Save<TModel>(TModel model, Stream destination, int chunkBytes) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(destination);
        var (tensors, hash) = Snapshot(model, chunkBytes);
        SafeTensorsFile.Write(destination, tensors, RnnModelMetadata.Create<TModel>(hash), chunkBytes);
    }

    /// <summary>Writes the model's parameters as safetensors to <paramref name="path"/>, atomically (temporary file, flush to disk, rename).</summary>
    /// <typeparam name="TModel">The generated model type.</typeparam>
    /// <param name="model">The model to save.</param>
    /// <param name="path">The file to create or replace; on failure an existing file is left unchanged.</param>
    /// <exception cref="InvalidOperationException">A parameter is NaN or infinite; nothing was written.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save<TModel>(TModel model, string path) where TModel : IRnnModel => Save(model, path, wrap: null);

    /// <summary>Save to a path with the temporary file's stream wrapped (tests inject failures through it).</summary>
    internal static void Save<TModel>(TModel model, string path, Func<Stream, Stream>? wrap) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (tensors, hash) = Snapshot(model, FloatChunks.DefaultChunkBytes);
        var metadata = RnnModelMetadata.Create<TModel>(hash);
        AtomicFile.Write(path, stream => SafeTensorsFile.Write(stream, tensors, metadata), wrap);
    }

    /// <summary>Loads parameters saved by <see cref="Save{TModel}(TModel, Stream)"/> or exported from PyTorch (see docs/importing.md).</summary>
    /// <typeparam name="TModel">The generated model type.</typeparam>
    /// <param name="model">The model whose parameters are replaced; unchanged if anything is wrong.</param>
    /// <param name="source">A readable stream positioned at the start of the file; read to its end.</param>
    /// <param name="strict">When true (default) a tensor the model does not have is an error; when false it is ignored.</param>
    /// <exception cref="RnnFormatException">The file is malformed or does not fit the model; the message names the tensor and the problem.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public static void Load<TModel>(TModel model, Stream source, bool strict = true) where TModel : IRnnModel =>
        Load(model, source, strict, FloatChunks.DefaultChunkBytes);

    /// <summary>Load from a stream, holding the file's data in chunks of <paramref name="chunkBytes"/> (tests use small ones).</summary>
    internal static void Load<TModel>(TModel model, Stream source, bool strict, int chunkBytes) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        Load(model, SafeTensorsFile.Read(source, chunkBytes), strict);
    }

    /// <summary>Loads parameters from the safetensors file at <paramref name="path"/>.</summary>
    /// <typeparam name="TModel">The generated model type.</typeparam>
    /// <param name="model">The model whose parameters are replaced; unchanged if anything is wrong.</param>
    /// <param name="path">The file to read.</param>
    /// <param name="strict">When true (default) a tensor the model does not have is an error; when false it is ignored.</param>
    /// <exception cref="RnnFormatException">The file is malformed or does not fit the model.</exception>
    /// <exception cref="IOException">The file cannot be opened or read (for example <see cref="FileNotFoundException"/>).</exception>
    public static void Load<TModel>(TModel model, string path, bool strict = true) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(model);
        Load(model, SafeTensorsFile.Read(path), strict);
    }

    /// <summary>Loads parameters from an already read <see cref="SafeTensorsFile"/>.</summary>
    /// <typeparam name="TModel">The generated model type.</typeparam>
    /// <param name="model">The model whose parameters are replaced; unchanged if anything is wrong.</param>
    /// <param name="file">The file.</param>
    /// <param name="strict">When true (default) a tensor the model does not have is an error; when false it is ignored.</param>
    /// <exception cref="RnnFormatException">The file does not fit the model.</exception>
    public static void Load<TModel>(TModel model, SafeTensorsFile file, bool strict = true) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(model);
        float[] canonical = ReadParameters<TModel>(file, strict);
        model.CopyParametersFrom(canonical); // only after everything was validated
    }

    /// <summary>
    /// Validates <paramref name="file"/> against <typeparamref name="TModel"/> and returns its parameters in PyTorch
    /// order (the vector <c>CopyParametersFrom</c> takes), without touching any model.
    /// </summary>
    /// <typeparam name="TModel">The generated model type.</typeparam>
    /// <param name="file">The file.</param>
    /// <param name="strict">When true (default) a tensor the model does not have is an error; when false it is ignored.</param>
    /// <returns><c>TrainableParameterCount</c> finite floats in <c>ParameterLayout</c> order.</returns>
    /// <exception cref="RnnFormatException">The file does not fit the model.</exception>
    public static float[] ReadParameters<TModel>(SafeTensorsFile file, bool strict = true) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(file);
        RnnModelMetadata.Check<TModel>(file);

        var layout = TModel.ParameterLayout;
        var canonical = new float[layout.Count];
        foreach (var t in layout.Tensors)
        {
            if (!file.TryGetTensor(t.Name, out var info))
                throw new RnnFormatException(t.Name, $"the model needs this tensor but the file does not have it (the file has: {file.DescribeTensorNames()}){Hint(file)}");
            CheckShape(t.Name, info.Shape, t.Shape);
            if (!info.IsFloatingPoint)
                throw new RnnFormatException(t.Name, $"dtype {info.DTypeName} is not a floating-point type (F32, F16, BF16 and F64 load)");
            var values = canonical.AsSpan(t.Offset, t.Length);
            file.ReadFloats(t.Name, values);
            CheckFinite(t.Name, t.Columns, values);
        }

        if (strict)
        {
            foreach (var info in file.Tensors)
            {
                if (!HasTensor(layout, info.Name))
                    throw new RnnFormatException(info.Name,
                        $"the file has this tensor but {typeof(TModel).Name} does not (its tensors are {string.Join(", ", Names(layout))}); load with strict: false to ignore it");
            }
        }

        return canonical;
    }

    /// <summary>Throws unless the file's shape equals the model's exactly.</summary>
    internal static void CheckShape(string name, IReadOnlyList<long> actual, IReadOnlyList<int> expected)
    {
        bool same = actual.Count == expected.Count;
        for (int i = 0; same && i < actual.Count; i++) same = actual[i] == expected[i];
        if (!same)
            throw new RnnFormatException(name, $"shape {SafeTensorInfo.FormatShape(actual)} does not match the model's [{string.Join(", ", expected)}]");
    }

    /// <summary>Throws at the first NaN or infinity, naming its position (row and column for a matrix of <paramref name="columns"/> columns).</summary>
    internal static void CheckFinite(string name, int columns, ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (float.IsFinite(v)) continue;
            string what = float.IsNaN(v) ? "NaN" : v > 0 ? "+∞" : "−∞";
            string where = columns > 0
                ? $"element [{(i / columns).ToString(CultureInfo.InvariantCulture)}, {(i % columns).ToString(CultureInfo.InvariantCulture)}]"
                : $"element [{i.ToString(CultureInfo.InvariantCulture)}]";
            throw new RnnFormatException(name, $"{where} is {what} (as float32); every parameter must be finite");
        }
    }

    private static (List<KeyValuePair<string, FloatTensor>> Tensors, string DataHash) Snapshot<TModel>(TModel model, int chunkBytes) where TModel : IRnnModel
    {
        var layout = TModel.ParameterLayout;
        var values = new float[layout.Count];
        model.CopyParametersTo(values);
        var tensors = new List<KeyValuePair<string, FloatTensor>>(layout.Tensors.Count);
        foreach (var t in layout.Tensors)
        {
            var span = values.AsSpan(t.Offset, t.Length);
            for (int i = 0; i < span.Length; i++)
            {
                if (!float.IsFinite(span[i]))
                    throw new InvalidOperationException(
                        $"Cannot save {typeof(TModel).Name}: parameter '{t.Name}' element {i} is {span[i]}; a file with non-finite weights would not load. (SafeTensorsFile.Write writes any values.)");
            }

            var shape = t.Columns == 0 ? new[] { t.Rows } : new[] { t.Rows, t.Columns };
            tensors.Add(new(t.Name, new FloatTensor(values.AsMemory(t.Offset, t.Length), shape)));
        }

        // The tensors tile the canonical vector in order, so the file's data region is exactly these bytes.
        return (tensors, RnnModelMetadata.DataHash(values, chunkBytes));
    }

    private static bool HasTensor(RnnParameterLayout layout, string name)
    {
        foreach (var t in layout.Tensors)
            if (t.Name == name) return true;
        return false;
    }

    private static List<string> Names(RnnParameterLayout layout)
    {
        var names = new List<string>(layout.Tensors.Count);
        foreach (var t in layout.Tensors) names.Add(t.Name);
        return names;
    }

    /// <summary>A hint when the file looks like a Keras export or a state_dict under other module names.</summary>
    private static string Hint(SafeTensorsFile file)
    {
        foreach (var t in file.Tensors)
        {
            string n = t.Name;
            if (n.EndsWith("recurrent_kernel", StringComparison.Ordinal) || n.EndsWith("recurrent_kernel:0", StringComparison.Ordinal))
                return "; it looks like a Keras file: load it with KerasImport.Load";
            if (n.Contains(".weight_ih_l", StringComparison.Ordinal))
                return "; the recurrent module must be named 'rnn' and the Linear head 'head' (tools/export_pytorch.py renames them)";
        }

        return "";
    }
}
