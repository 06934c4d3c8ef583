using System;
using System.IO;
using System.Security.Cryptography;
using System.Text.Json;
using RnnGen;
using RnnGen.Serialization;

namespace CharRnn;

/// <summary>What <c>checkpoint.json</c> records next to the weights and the optimizer state.</summary>
/// <param name="Epoch">Epochs completed.</param>
/// <param name="Position">Characters of the next epoch already trained in every stream (0 unless stopped by Ctrl+C).</param>
/// <param name="Loss">Mean training loss of the last (possibly partial) epoch, bits per character.</param>
/// <param name="ValidationLoss">Validation loss after the last completed epoch, bits per character (null if none).</param>
/// <param name="CharactersTrained">Characters trained on since the start, over all epochs and streams.</param>
/// <param name="Corpus">The corpus' name.</param>
/// <param name="CorpusFingerprint">A hash of the encoded corpus; --resume refuses a different one.</param>
/// <param name="Streams">The number of training streams.</param>
/// <param name="Seed">The seed of the run.</param>
/// <param name="HiddenSize">The model's hidden size (a compile-time constant).</param>
/// <param name="Vocabulary">The model's vocabulary.</param>
/// <param name="ModelSha256">SHA-256 of model.safetensors, to catch a checkpoint torn by a crash while saving.</param>
/// <param name="OptimizerSha256">SHA-256 of optimizer.safetensors.</param>
/// <param name="StreamStates">Each stream's LSTM state (CopyStateTo order) when <paramref name="Position"/> &gt; 0, else null.</param>
/// <param name="SavedUtc">When it was written.</param>
public sealed record CheckpointInfo(
    int Epoch,
    long Position,
    double Loss,
    double? ValidationLoss,
    long CharactersTrained,
    string Corpus,
    string CorpusFingerprint,
    int Streams,
    int Seed,
    int HiddenSize,
    int Vocabulary,
    string ModelSha256,
    string OptimizerSha256,
    float[][]? StreamStates,
    DateTime SavedUtc);

/// <summary>
/// A checkpoint directory: <c>model.safetensors</c> (model.Save), <c>optimizer.safetensors</c> (Adam's moments and step
/// count, <see cref="OptimizerStateSerializer"/>) and <c>checkpoint.json</c>, written last.
/// </summary>
public static class Checkpoint
{
    private const string ModelFile = "model.safetensors";
    private const string OptimizerFile = "optimizer.safetensors";
    private const string InfoFile = "checkpoint.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Whether <paramref name="directory"/> holds a checkpoint.</summary>
    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, InfoFile));

    /// <summary>What the checkpoint in <paramref name="directory"/> holds, in a few words ("6 epochs, validation 1.770 bits/char"), or null if it cannot be read.</summary>
    public static string? Describe(string directory)
    {
        try
        {
            var info = JsonSerializer.Deserialize<CheckpointInfo>(File.ReadAllText(Path.Combine(directory, InfoFile)), Json);
            if (info is null) return null;
            string epochs = info.Epoch == 1 ? "1 epoch" : $"{info.Epoch} epochs";
            string inside = info.Position > 0 ? $" and {info.Position:N0} characters per stream of the next" : "";
            string validation = info.ValidationLoss is double v ? $", validation {v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)} bits/char" : "";
            return $"{epochs}{inside}{validation}";
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Saves the model, the optimizer and then the JSON (each file atomically).</summary>
    public static void Save(string directory, CharModel model, IOptimizer optimizer, CheckpointInfo info)
    {
        Directory.CreateDirectory(directory);
        string modelPath = Path.Combine(directory, ModelFile);
        string optimizerPath = Path.Combine(directory, OptimizerFile);
        model.Save(modelPath);
        OptimizerStateSerializer.Save<CharModel>(optimizer, optimizerPath);
        info = info with { ModelSha256 = Sha256(modelPath), OptimizerSha256 = Sha256(optimizerPath), SavedUtc = DateTime.UtcNow };

        string infoPath = Path.Combine(directory, InfoFile);
        string temporary = infoPath + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(info, Json));
        File.Move(temporary, infoPath, overwrite: true);
    }

    /// <summary>Loads a checkpoint into <paramref name="model"/> and <paramref name="optimizer"/> after checking that it fits.</summary>
    /// <exception cref="InvalidDataException">The checkpoint is torn, belongs to another model or corpus, or is unreadable.</exception>
    public static CheckpointInfo Load(string directory, CharModel model, IOptimizer optimizer, Corpus corpus, int streams)
    {
        string infoPath = Path.Combine(directory, InfoFile);
        var info = JsonSerializer.Deserialize<CheckpointInfo>(File.ReadAllText(infoPath), Json)
                   ?? throw new InvalidDataException($"{infoPath} is empty");
        if (info.HiddenSize != CharModel.HiddenSize || info.Vocabulary != CharModel.Vocabulary)
        {
            throw new InvalidDataException($"the checkpoint is for hidden {info.HiddenSize}, vocabulary {info.Vocabulary}; this build has {CharModel.HiddenSize}, {CharModel.Vocabulary}");
        }

        if (info.CorpusFingerprint != corpus.Fingerprint)
        {
            throw new InvalidDataException($"the checkpoint was trained on another text ({info.Corpus}); pass the same --corpus and --validation");
        }

        if (info.Position > 0 && info.Streams != streams)
        {
            throw new InvalidDataException($"the checkpoint stopped inside an epoch with {info.Streams} streams; resume with --streams {info.Streams}");
        }

        string modelPath = Path.Combine(directory, ModelFile);
        string optimizerPath = Path.Combine(directory, OptimizerFile);
        if (Sha256(modelPath) != info.ModelSha256 || Sha256(optimizerPath) != info.OptimizerSha256)
        {
            throw new InvalidDataException($"{directory} is inconsistent (a save was interrupted?): the weights or optimizer state do not match {InfoFile}");
        }

        try
        {
            model.Load(modelPath);
            OptimizerStateSerializer.Load<CharModel>(optimizer, optimizerPath);
        }
        catch (RnnFormatException e)
        {
            throw new InvalidDataException(e.Message, e);
        }

        return info;
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }
}
