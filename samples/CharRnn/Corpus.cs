using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace CharRnn;

/// <summary>The training text as token ids, split into a training part and a held-out validation tail.</summary>
public sealed class Corpus
{
    /// <summary>The name of the embedded default corpus resource.</summary>
    public const string EmbeddedName = "CharRnn.corpus.genesis-kjv.txt";

    private Corpus(string name, int[] ids, int unknown, double validationShare)
    {
        Name = name;
        Unknown = unknown;
        int validation = (int)Math.Round(ids.Length * validationShare);
        Train = ids.AsMemory(0, ids.Length - validation);
        Validation = ids.AsMemory(ids.Length - validation);
        Length = ids.Length;
        // The text and where it is split: resuming with another --validation would change what "position" means.
        Fingerprint = Convert.ToHexString(SHA256.HashData(ToBytes(ids))).ToLowerInvariant()[..16] + "-" + Train.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Where the text came from.</summary>
    public string Name { get; }

    /// <summary>The number of characters.</summary>
    public int Length { get; }

    /// <summary>How many characters fell outside the alphabet (encoded as <see cref="Alphabet.Unknown"/>).</summary>
    public int Unknown { get; }

    /// <summary>The training part (the first characters).</summary>
    public ReadOnlyMemory<int> Train { get; }

    /// <summary>The held-out tail, scored after every epoch.</summary>
    public ReadOnlyMemory<int> Validation { get; }

    /// <summary>A short hash of the encoded text and the training part's length: a checkpoint remembers it so that --resume refuses another corpus or split.</summary>
    public string Fingerprint { get; }

    /// <summary>Loads <paramref name="path"/>, or the embedded corpus when it is null.</summary>
    public static Corpus Load(string? path, double validationShare)
    {
        string text, name;
        if (path is null)
        {
            using var stream = typeof(Corpus).Assembly.GetManifestResourceStream(EmbeddedName)
                ?? throw new InvalidOperationException($"the embedded resource {EmbeddedName} is missing");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            text = reader.ReadToEnd();
            name = "Genesis, King James Version (embedded)";
        }
        else
        {
            text = File.ReadAllText(path, Encoding.UTF8);
            name = Path.GetFileName(path);
        }

        text = Alphabet.Normalize(text);
        var ids = Alphabet.Encode(text, out int unknown);
        if (ids.Length < 4 * CharModel.Window)
        {
            throw new InvalidDataException($"{name} has {ids.Length} characters; CharRnn needs at least {4 * CharModel.Window}.");
        }

        return new Corpus(name, ids, unknown, validationShare);
    }

    private static byte[] ToBytes(int[] ids)
    {
        var bytes = new byte[ids.Length];
        for (int i = 0; i < ids.Length; i++) bytes[i] = (byte)ids[i];
        return bytes;
    }
}
