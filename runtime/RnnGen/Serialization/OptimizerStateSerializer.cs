using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Security.Cryptography;

namespace RnnGen.Serialization;

/// <summary>
/// Saves and loads an optimizer's state (moments, momentum buffers, accumulators, step count, learning rate) for a
/// generated model as safetensors, so that training resumes exactly where it stopped: together with the model's own
/// <c>Save</c>/<c>Load</c>, a resumed run is bit-identical to an uninterrupted one.
/// </summary>
/// <remarks>
/// <para>Each state buffer is stored per model tensor, named <c>&lt;tensor&gt;.&lt;state&gt;</c> with PyTorch's names and
/// shapes (<c>rnn.weight_ih_l0.exp_avg [4H, I]</c>, <c>head.bias.exp_avg_sq [O]</c>, …), F32, in
/// <see cref="IOptimizer.StateNames"/> order and then <c>ParameterLayout</c> order, whatever the model's internal
/// tile-major layout. The internal SIMD padding is not stored; on load it is reset to the value a new optimizer
/// holds there (zero; Adagrad's <c>sum</c>: its initial accumulator value), which a padding entry keeps for ever
/// because its gradient is always zero.</para>
/// <para><c>__metadata__</c> holds <c>format: rnngen-optimizer</c>, <c>kind</c>, <c>step</c>, the state names, every
/// hyperparameter under its PyTorch name (<c>lr</c>, <c>betas</c>, …, listed in <c>hyperparameters</c>), the model type,
/// its layout fingerprint, the library version and <c>data_sha256</c>, the SHA-256 of the tensor data.</para>
/// <para>Save to a path is atomic (temporary file, flush to disk, rename), as <see cref="RnnModelSerializer"/>. Load
/// reads and checks the whole file first — the safetensors rules of <see cref="SafeTensorsFile.Read(Stream)"/>, the
/// format, the optimizer kind, every hyperparameter but <c>lr</c>, the state names, the model's layout fingerprint,
/// the data hash, every tensor present with its exact shape and no other, all values finite (second-moment sums also
/// ≥ 0) — and only then replaces the state, the step count and the learning rate (<c>lr</c> is restored, since a
/// schedule may have changed it). On any problem it throws <see cref="RnnFormatException"/> and the optimizer is
/// exactly as before.</para>
/// </remarks>
public static class OptimizerStateSerializer
{
    /// <summary>The metadata value of <c>format</c> in optimizer state files.</summary>
    public const string FormatName = "rnngen-optimizer";

    private const string FormatKey = "format";
    private const string KindKey = "kind";
    private const string StepKey = "step";
    private const string StateKey = "state";
    private const string HyperparametersKey = "hyperparameters";
    private const string ModelKey = "model";
    private const string FingerprintKey = "layout_fingerprint";
    private const string VersionKey = "library_version";
    private const string LearningRateKey = "lr";

    private static readonly string[] ReservedKeys =
    [
        FormatKey, KindKey, StepKey, StateKey, HyperparametersKey, ModelKey, FingerprintKey, VersionKey, RnnModelMetadata.DataHashKey,
    ];

    /// <summary>State buffers that are running sums or averages of squared gradients: negative values are corrupt.</summary>
    private static readonly string[] NonNegativeStates = ["exp_avg_sq", "max_exp_avg_sq", "square_avg", "sum"];

    private static readonly string LibraryVersion =
        typeof(IOptimizer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(IOptimizer).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>Writes <paramref name="optimizer"/>'s state for a <typeparamref name="TModel"/> to <paramref name="destination"/> (from its position; flushed, not closed).</summary>
    /// <typeparam name="TModel">The generated model type the optimizer trains.</typeparam>
    /// <param name="optimizer">The optimizer; its <see cref="IOptimizer.ParameterCount"/> must be <typeparamref name="TModel"/>'s <c>ParameterCount</c>.</param>
    /// <param name="destination">A writable stream.</param>
    /// <exception cref="ArgumentException">The optimizer was made for another number of parameters.</exception>
    /// <exception cref="InvalidOperationException">A state value is NaN or infinite (the file would not load), or the optimizer describes itself inconsistently; nothing was written.</exception>
    public static void Save<TModel>(IOptimizer optimizer, Stream destination) where TModel : IRnnModel =>
        Save<TModel>(optimizer, destination, FloatChunks.DefaultChunkBytes);

    /// <summary>Save to a stream, hashing and writing the data in chunks of <paramref name="chunkBytes"/> (tests use small ones).</summary>
    internal static void Save<TModel>(IOptimizer optimizer, Stream destination, int chunkBytes) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(destination);
        var (tensors, metadata) = Snapshot<TModel>(optimizer, chunkBytes);
        SafeTensorsFile.Write(destination, tensors, metadata, chunkBytes);
    }

    /// <summary>Writes <paramref name="optimizer"/>'s state for a <typeparamref name="TModel"/> to <paramref name="path"/>, atomically (temporary file, flush to disk, rename).</summary>
    /// <typeparam name="TModel">The generated model type the optimizer trains.</typeparam>
    /// <param name="optimizer">The optimizer; its <see cref="IOptimizer.ParameterCount"/> must be <typeparamref name="TModel"/>'s <c>ParameterCount</c>.</param>
    /// <param name="path">The file to create or replace; on failure an existing file is left unchanged.</param>
    /// <exception cref="ArgumentException">The optimizer was made for another number of parameters.</exception>
    /// <exception cref="InvalidOperationException">A state value is NaN or infinite; nothing was written.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save<TModel>(IOptimizer optimizer, string path) where TModel : IRnnModel => Save<TModel>(optimizer, path, wrap: null);

    /// <summary>Save to a path with the temporary file's stream wrapped (tests inject failures through it).</summary>
    internal static void Save<TModel>(IOptimizer optimizer, string path, Func<Stream, Stream>? wrap) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (tensors, metadata) = Snapshot<TModel>(optimizer, FloatChunks.DefaultChunkBytes);
        AtomicFile.Write(path, stream => SafeTensorsFile.Write(stream, tensors, metadata), wrap);
    }

    /// <summary>Restores state saved by <see cref="Save{TModel}(IOptimizer, Stream)"/> into <paramref name="optimizer"/>.</summary>
    /// <typeparam name="TModel">The generated model type the optimizer trains.</typeparam>
    /// <param name="optimizer">An optimizer of the same kind and hyperparameters (the learning rate may differ: it is restored); unchanged if anything is wrong.</param>
    /// <param name="source">A readable stream positioned at the start of the file; read to its end.</param>
    /// <exception cref="ArgumentException">The optimizer was made for another number of parameters.</exception>
    /// <exception cref="RnnFormatException">The file is malformed or does not fit the optimizer or the model; the message says what and where.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public static void Load<TModel>(IOptimizer optimizer, Stream source) where TModel : IRnnModel =>
        Load<TModel>(optimizer, source, FloatChunks.DefaultChunkBytes);

    /// <summary>Load from a stream, holding the file's data in chunks of <paramref name="chunkBytes"/> (tests use small ones).</summary>
    internal static void Load<TModel>(IOptimizer optimizer, Stream source, int chunkBytes) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(source);
        CheckParameterCount<TModel>(optimizer);
        Load<TModel>(optimizer, SafeTensorsFile.Read(source, chunkBytes));
    }

    /// <summary>Restores state from the file at <paramref name="path"/> into <paramref name="optimizer"/>.</summary>
    /// <typeparam name="TModel">The generated model type the optimizer trains.</typeparam>
    /// <param name="optimizer">An optimizer of the same kind and hyperparameters (the learning rate may differ: it is restored); unchanged if anything is wrong.</param>
    /// <param name="path">The file to read.</param>
    /// <exception cref="ArgumentException">The optimizer was made for another number of parameters.</exception>
    /// <exception cref="RnnFormatException">The file is malformed or does not fit the optimizer or the model.</exception>
    /// <exception cref="IOException">The file cannot be opened or read (for example <see cref="FileNotFoundException"/>).</exception>
    public static void Load<TModel>(IOptimizer optimizer, string path) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckParameterCount<TModel>(optimizer);
        Load<TModel>(optimizer, SafeTensorsFile.Read(path));
    }

    /// <summary>Restores state from an already read <see cref="SafeTensorsFile"/> into <paramref name="optimizer"/>.</summary>
    /// <typeparam name="TModel">The generated model type the optimizer trains.</typeparam>
    /// <param name="optimizer">An optimizer of the same kind and hyperparameters; unchanged if anything is wrong.</param>
    /// <param name="file">The file.</param>
    /// <exception cref="ArgumentException">The optimizer was made for another number of parameters.</exception>
    /// <exception cref="RnnFormatException">The file does not fit the optimizer or the model.</exception>
    public static void Load<TModel>(IOptimizer optimizer, SafeTensorsFile file) where TModel : IRnnModel
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(file);
        CheckParameterCount<TModel>(optimizer);

        var layout = TModel.ParameterLayout;
        IReadOnlyList<string> stateNames = optimizer.StateNames;
        var (step, learningRate) = CheckMetadata<TModel>(optimizer, file, stateNames);

        // Every tensor, into scratch buffers in PyTorch order; nothing of the optimizer is touched yet.
        int count = layout.Count;
        var canonical = new float[stateNames.Count][];
        var expected = new HashSet<string>(StringComparer.Ordinal);
        for (int s = 0; s < stateNames.Count; s++)
        {
            string state = stateNames[s];
            bool nonNegative = Array.IndexOf(NonNegativeStates, state) >= 0;
            canonical[s] = new float[count];
            foreach (var t in layout.Tensors)
            {
                string name = TensorName(t, state);
                expected.Add(name);
                if (!file.TryGetTensor(name, out var info))
                    throw new RnnFormatException(name, $"the optimizer's '{state}' state needs this tensor but the file does not have it (the file has: {file.DescribeTensorNames()})");
                RnnModelSerializer.CheckShape(name, info.Shape, t.Shape);
                if (!info.IsFloatingPoint)
                    throw new RnnFormatException(name, $"dtype {info.DTypeName} is not a floating-point type (F32, F16, BF16 and F64 load)");
                var values = canonical[s].AsSpan(t.Offset, t.Length);
                file.ReadFloats(name, values);
                RnnModelSerializer.CheckFinite(name, t.Columns, values);
                if (nonNegative) CheckNonNegative(name, state, t.Columns, values);
            }
        }

        foreach (var info in file.Tensors)
        {
            if (!expected.Contains(info.Name))
                throw new RnnFormatException(info.Name,
                    $"the file has this tensor but {optimizer.Kind} optimizer state for {typeof(TModel).Name} does not (its states are {Describe(stateNames)} of each of {typeof(TModel).Name}'s tensors)");
        }

        int[] map = InternalIndices<TModel>();

        // Everything was validated: only now change the optimizer, scattering straight from the staged canonical
        // arrays (no second copy of every state in the internal layout).
        for (int s = 0; s < stateNames.Count; s++)
        {
            Span<float> state = optimizer.GetState(s);
            state.Fill(PaddingValue(optimizer, stateNames[s]));
            float[] staged = canonical[s];
            for (int c = 0; c < count; c++)
                state[map[c]] = staged[c];
        }
        optimizer.RestoreStepCount(step);
        if (learningRate is float lr) optimizer.LearningRate = lr;
    }

    private static (List<KeyValuePair<string, FloatTensor>> Tensors, List<KeyValuePair<string, string>> Metadata) Snapshot<TModel>(IOptimizer optimizer, int chunkBytes)
        where TModel : IRnnModel
    {
        CheckParameterCount<TModel>(optimizer);
        var layout = TModel.ParameterLayout;
        IReadOnlyList<string> stateNames = optimizer.StateNames;
        var hyperparameters = optimizer.Hyperparameters;
        string kind = optimizer.Kind;
        if (string.IsNullOrEmpty(kind))
            throw new InvalidOperationException($"{optimizer.GetType().Name}.Kind is empty; it must name the optimizer.");

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (string state in stateNames)
        {
            if (string.IsNullOrEmpty(state) || state.Contains(',', StringComparison.Ordinal) || !names.Add(state))
                throw new InvalidOperationException($"{optimizer.GetType().Name}.StateNames has an empty, repeated or comma-containing name ('{state}').");
        }

        // One array per state: together they may hold more floats than one array can (3 × 2^30 for AMSGrad on the largest model).
        int count = layout.Count;
        int[] map = InternalIndices<TModel>();
        var values = new float[stateNames.Count][];
        for (int s = 0; s < stateNames.Count; s++)
        {
            Span<float> state = optimizer.GetState(s);
            if (state.Length != optimizer.ParameterCount)
                throw new InvalidOperationException($"{optimizer.GetType().Name}.GetState({s}) has {state.Length} floats; expected ParameterCount = {optimizer.ParameterCount}.");
            values[s] = new float[count];
            var destination = values[s].AsSpan();
            for (int c = 0; c < count; c++)
                destination[c] = state[map[c]];
            foreach (var t in layout.Tensors)
            {
                var span = destination.Slice(t.Offset, t.Length);
                for (int i = 0; i < span.Length; i++)
                {
                    if (!float.IsFinite(span[i]))
                        throw new InvalidOperationException(
                            $"Cannot save the optimizer state: '{TensorName(t, stateNames[s])}' element {i} is {span[i]}; a file with non-finite state would not load.");
                }
            }
        }

        var tensors = new List<KeyValuePair<string, FloatTensor>>(stateNames.Count * layout.Tensors.Count);
        for (int s = 0; s < stateNames.Count; s++)
        {
            foreach (var t in layout.Tensors)
            {
                var shape = t.Columns == 0 ? new[] { t.Rows } : new[] { t.Rows, t.Columns };
                tensors.Add(new(TensorName(t, stateNames[s]), new FloatTensor(values[s].AsMemory(t.Offset, t.Length), shape)));
            }
        }

        var hyperparameterNames = new List<string>(hyperparameters.Count);
        var metadata = new List<KeyValuePair<string, string>>
        {
            new(FormatKey, FormatName),
            new(KindKey, kind),
            new(StepKey, optimizer.StepCount.ToString(CultureInfo.InvariantCulture)),
            new(StateKey, string.Join(",", stateNames)),
        };
        foreach (var (key, value) in hyperparameters)
        {
            if (string.IsNullOrEmpty(key) || key.Contains(',', StringComparison.Ordinal) || Array.IndexOf(ReservedKeys, key) >= 0 || hyperparameterNames.Contains(key))
                throw new InvalidOperationException($"{optimizer.GetType().Name}.Hyperparameters has an empty, repeated, comma-containing or reserved name ('{key}').");
            ArgumentNullException.ThrowIfNull(value, nameof(optimizer));
            hyperparameterNames.Add(key);
            metadata.Add(new(key, value));
        }

        metadata.Add(new(HyperparametersKey, string.Join(",", hyperparameterNames)));
        metadata.Add(new(ModelKey, typeof(TModel).FullName ?? typeof(TModel).Name));
        metadata.Add(new(FingerprintKey, layout.Fingerprint));
        metadata.Add(new(VersionKey, LibraryVersion));
        // The tensors tile the state arrays in order, so the file's data region is exactly their bytes, one after the other.
        var parts = new ReadOnlyMemory<float>[values.Length];
        for (int s = 0; s < values.Length; s++) parts[s] = values[s];
        metadata.Add(new(RnnModelMetadata.DataHashKey, FloatChunks.Sha256(parts, chunkBytes)));
        return (tensors, metadata);
    }

    /// <summary>Checks the metadata against the optimizer and the model; returns the step count and the learning rate to restore.</summary>
    private static (long Step, float? LearningRate) CheckMetadata<TModel>(IOptimizer optimizer, SafeTensorsFile file, IReadOnlyList<string> stateNames)
        where TModel : IRnnModel
    {
        var metadata = file.Metadata;
        if (!metadata.TryGetValue(FormatKey, out var format))
            throw new RnnFormatException(null, $"the file has no '{FormatKey}' metadata; optimizer state files written by RnnGen say '{FormatName}'");
        if (format == RnnModelMetadata.FormatValue)
            throw new RnnFormatException(null, $"this is a model weights file (format '{format}'), not optimizer state ('{FormatName}'); load it with the model's Load");
        if (format != FormatName)
            throw new RnnFormatException(null, $"the format is '{SafeTensorsHeader.Truncate(format)}', not '{FormatName}'");

        string kind = Required(metadata, KindKey);
        if (kind != optimizer.Kind)
            throw new RnnFormatException(null, $"the file holds '{SafeTensorsHeader.Truncate(kind)}' optimizer state but the optimizer is '{optimizer.Kind}' ({optimizer.GetType().Name})");

        string fingerprint = Required(metadata, FingerprintKey);
        string expectedFingerprint = TModel.ParameterLayout.Fingerprint;
        if (fingerprint != expectedFingerprint)
            throw new RnnFormatException(null,
                $"the state was saved for another model layout ('{SafeTensorsHeader.Truncate(fingerprint)}', model '{SafeTensorsHeader.Truncate(metadata.GetValueOrDefault(ModelKey, "?"))}') than {typeof(TModel).Name}'s ('{expectedFingerprint}')");

        // Hyperparameters: the same names; the same values except lr, which is restored.
        var problems = new List<string>();
        var hyperparameters = optimizer.Hyperparameters;
        var names = new List<string>(hyperparameters.Count);
        foreach (var (key, _) in hyperparameters) names.Add(key);
        string fileNames = Required(metadata, HyperparametersKey);
        if (fileNames != string.Join(",", names))
            problems.Add($"hyperparameters [{SafeTensorsHeader.Truncate(fileNames)}] ≠ [{string.Join(",", names)}]");

        float? learningRate = null;
        foreach (var (key, value) in hyperparameters)
        {
            if (!metadata.TryGetValue(key, out var saved))
            {
                problems.Add($"{key} is missing");
            }
            else if (key == LearningRateKey)
            {
                if (!float.TryParse(saved, NumberStyles.Float, CultureInfo.InvariantCulture, out float lr) || !(lr >= 0f) || float.IsInfinity(lr))
                    problems.Add($"{key} '{SafeTensorsHeader.Truncate(saved)}' is not a finite number ≥ 0");
                else
                    learningRate = lr;
            }
            else if (saved != value)
            {
                problems.Add($"{key} {SafeTensorsHeader.Truncate(saved)} ≠ {value}");
            }
        }

        string states = Required(metadata, StateKey);
        if (states != string.Join(",", stateNames))
            problems.Add($"state buffers [{SafeTensorsHeader.Truncate(states)}] ≠ [{string.Join(",", stateNames)}]");

        if (problems.Count > 0)
            throw new RnnFormatException(null,
                $"the {kind} optimizer state was saved with other hyperparameters (file ≠ optimizer): {string.Join("; ", problems)}");

        string stepText = Required(metadata, StepKey);
        if (!long.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out long step))
            throw new RnnFormatException(null, $"the step count '{SafeTensorsHeader.Truncate(stepText)}' is not a non-negative integer");

        if (metadata.TryGetValue(RnnModelMetadata.DataHashKey, out var hash)
            && !string.Equals(hash, file.DataSha256(), StringComparison.OrdinalIgnoreCase))
            throw new RnnFormatException(null,
                $"the tensor data does not match the SHA-256 recorded in the metadata ('{RnnModelMetadata.DataHashKey}'): the file is corrupt, or its tensors were edited without updating or removing that entry");

        return (step, learningRate);
    }

    private static string Required(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var value)
            ? value
            : throw new RnnFormatException(null, $"the metadata has no '{key}' entry, which optimizer state files always have");

    private static void CheckParameterCount<TModel>(IOptimizer optimizer) where TModel : IRnnModel
    {
        if (optimizer.ParameterCount != TModel.ParameterCount)
            throw new ArgumentException(
                $"The optimizer was created for {optimizer.ParameterCount} parameters but {typeof(TModel).Name}.ParameterCount is {TModel.ParameterCount}.",
                nameof(optimizer));
    }

    private static void CheckNonNegative(string name, string state, int columns, ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] >= 0f) continue;
            string where = columns > 0
                ? $"element [{(i / columns).ToString(CultureInfo.InvariantCulture)}, {(i % columns).ToString(CultureInfo.InvariantCulture)}]"
                : $"element [{i.ToString(CultureInfo.InvariantCulture)}]";
            throw new RnnFormatException(name, $"{where} is negative ({values[i].ToString("R", CultureInfo.InvariantCulture)}); '{state}' accumulates squared gradients and is never below 0");
        }
    }

    /// <summary>The internal index of every canonical index (checked once: in range and distinct).</summary>
    private static int[] InternalIndices<TModel>() where TModel : IRnnModel
    {
        int count = TModel.ParameterLayout.Count;
        var map = new int[count];
        var seen = new bool[TModel.ParameterCount];
        for (int c = 0; c < count; c++)
        {
            int i = TModel.ParameterIndex(c);
            if ((uint)i >= (uint)seen.Length || seen[i])
                throw new InvalidOperationException($"{typeof(TModel).Name}.ParameterIndex({c}) = {i} is out of range or repeated.");
            seen[i] = true;
            map[c] = i;
        }

        return map;
    }

    /// <summary>What a new optimizer holds in a state buffer, and so in its padding entries for ever.</summary>
    private static float PaddingValue(IOptimizer optimizer, string state) =>
        optimizer is Adagrad adagrad && state == "sum" ? adagrad.InitialAccumulatorValue : 0f;

    private static string TensorName(RnnTensorInfo tensor, string state) => tensor.Name + "." + state;

    private static string Describe(IReadOnlyList<string> stateNames) =>
        stateNames.Count == 0 ? "none" : string.Join(", ", stateNames);
}
