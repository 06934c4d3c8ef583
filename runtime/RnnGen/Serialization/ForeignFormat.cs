using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Linq;
using System.Text;

namespace RnnGen.Serialization;

/// <summary>
/// Recognizes, from its first bytes, a file that is not safetensors at all, so that the loader can say what the file
/// is and how to convert it instead of reporting a nonsensical header length. Used only after the 8-byte header
/// length has already failed its checks: a safetensors length prefix is below 100,000,000, so its upper bytes are
/// zero and it never looks like text or like the signatures below.
/// </summary>
internal static class ForeignFormat
{
    /// <summary>How many bytes from the start of the file <see cref="Describe"/> needs at most.</summary>
    public const int SniffLength = 4096;

    private const string ExportPyTorch = "convert it with `python tools/export_pytorch.py model.pt model.safetensors` (add --rnn-prefix/--head-prefix for other module names; see docs/importing.md)";
    private const string ExportKeras = "convert it with `python tools/export_keras.py model.h5 model.safetensors`, then load it with KerasImport.Load (see docs/importing.md)";
    private const string ExportKeras3 = "convert it with `python tools/export_keras.py model.keras model.safetensors`, then load it with KerasImport.Load (see docs/importing.md)";
    private const string WriteSafeTensors = "RnnGen reads weights only as safetensors: Save from RnnGen, tools/export_pytorch.py, tools/export_keras.py, or tools/rnngen_safetensors.py for arrays of your own (docs/importing.md names the tensors)";

    /// <summary>
    /// "this is not a safetensors file but …; how to convert it" when <paramref name="start"/> (the first bytes of the
    /// file, up to <see cref="SniffLength"/>) has the signature of another format or is text; null when it looks like
    /// nothing known (then the loader's own message about the header length stands).
    /// </summary>
    public static string? Describe(ReadOnlySpan<byte> start)
    {
        string? what = Identify(start);
        return what is null ? null : "this is not a safetensors file but " + what;
    }

    /// <summary>
    /// The reason for a file shorter than the 8-byte header length: empty, or a few bytes (quoted when they are text).
    /// </summary>
    public static string TooShort(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return "the file is empty (0 bytes long); a safetensors file starts with an 8-byte header length, then a JSON header " +
                   "and the tensor data. It was not written completely, or it is not the weights file: save or export it again";
        }

        string text = IsText(bytes, complete: true) ? $" (the text `{Excerpt(bytes)}`)" : "";
        return $"the file is {bytes.Length.ToString(CultureInfo.InvariantCulture)} bytes long{text}, shorter than the 8-byte header length " +
               "a safetensors file starts with: it was cut short, or it is not the weights file";
    }

    private static ReadOnlySpan<byte> Hdf5Signature => [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n'];

    private static ReadOnlySpan<byte> GzipSignature => [0x1F, 0x8B];

    private static ReadOnlySpan<byte> NpySignature => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private static string? Identify(ReadOnlySpan<byte> s)
    {
        if (s.StartsWith("PK\u0003\u0004"u8))
        {
            return Zip(s);
        }

        if (s.StartsWith("PK\u0005\u0006"u8))
        {
            return "an empty zip archive; " + WriteSafeTensors;
        }

        if (s.StartsWith(Hdf5Signature))
        {
            return "an HDF5 file, the format of Keras .h5 models and weights; " + ExportKeras;
        }

        if (s.Length >= 2 && s[0] == 0x80 && s[1] >= 2 && s[1] <= 5)
        {
            return $"a Python pickle (protocol {s[1].ToString(CultureInfo.InvariantCulture)}), the format torch.save wrote before PyTorch 1.6 " +
                   "(or with _use_new_zipfile_serialization=False): a PyTorch checkpoint (.pt/.pth); " + ExportPyTorch;
        }

        if (s.StartsWith(GzipSignature))
        {
            return "gzip-compressed data: decompress it (gunzip) and load the file inside";
        }

        if (s.StartsWith(NpySignature))
        {
            return "a NumPy .npy array; " + WriteSafeTensors;
        }

        if (IsText(s, complete: s.Length < SniffLength))
        {
            return Text(s);
        }

        return null;
    }

    /// <summary>A zip archive, told apart by the name of its first entry (local file header: name length at 26, name at 30).</summary>
    private static string Zip(ReadOnlySpan<byte> s)
    {
        string? first = null;
        if (s.Length >= 30)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(s.Slice(26));
            if (30 + length <= s.Length)
            {
                first = Encoding.UTF8.GetString(s.Slice(30, length));
            }
        }

        string entry = first is null ? "" : $", first entry '{Sanitize(first, 60)}'";
        if (first is not null && (first.EndsWith(".pkl", StringComparison.Ordinal) || first.Contains("/data/", StringComparison.Ordinal)))
        {
            return $"a zip archive holding a PyTorch checkpoint (.pt/.pth, torch.save's format since PyTorch 1.6{entry}); " + ExportPyTorch;
        }

        if (first is "metadata.json" or "config.json" or "model.weights.h5")
        {
            return $"a zip archive holding a Keras 3 model (.keras{entry}); " + ExportKeras3;
        }

        if (first is not null && first.EndsWith(".npy", StringComparison.Ordinal))
        {
            return $"a NumPy .npz archive (arrays{entry}); " + WriteSafeTensors;
        }

        string named = first is null ? "" : $" (first entry '{Sanitize(first, 60)}')";
        return $"a zip archive{named}. " +
               "If it is a PyTorch checkpoint (.pt/.pth), " + ExportPyTorch + "; if it is a Keras 3 .keras model, " + ExportKeras3;
    }

    private static string Text(ReadOnlySpan<byte> s)
    {
        string text = Decode(s);
        string trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n', '\f');
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            if (trimmed.Contains("\"architecture\"", StringComparison.Ordinal) && trimmed.Contains("\"config\"", StringComparison.Ordinal))
            {
                return "JSON text, a Neural Amp Modeler (.nam) model: RnnGen does not read .nam files. If the network was trained in " +
                       "PyTorch, save its state_dict (torch.save(net.state_dict(), \"model.pt\")) and " + ExportPyTorch;
            }

            if (trimmed.Contains("\"class_name\"", StringComparison.Ordinal) && trimmed.Contains("\"config\"", StringComparison.Ordinal))
            {
                return "JSON text, a Keras model description (model.to_json()), which holds the layers but no weights: " +
                       "export the trained model with tools/export_keras.py (see docs/importing.md)";
            }

            if (trimmed.Contains("\"data_offsets\"", StringComparison.Ordinal))
            {
                return "JSON text that looks like a safetensors header without its 8-byte length prefix and its tensor data: " +
                       "load the original binary .safetensors file";
            }

            return $"JSON text (`{Excerpt(s)}`); " + WriteSafeTensors;
        }

        if (LooksLikeCsv(trimmed, complete: s.Length < SniffLength))
        {
            return $"comma-separated text (CSV: `{Excerpt(s)}`), perhaps data rather than weights; " + WriteSafeTensors;
        }

        return $"text (`{Excerpt(s)}`), not the binary safetensors format; " + WriteSafeTensors;
    }

    /// <summary>
    /// Comma-separated values: at least two lines with the same number (≥ 2) of comma-separated fields, or a single line
    /// of numbers separated by commas. Prose with a comma in its first line is not CSV.
    /// </summary>
    private static bool LooksLikeCsv(string text, bool complete)
    {
        string[] lines = text.Split('\n');
        int usable = complete ? lines.Length : lines.Length - 1; // the last line may be cut by the sniff window
        int fields = -1, count = 0;
        for (int i = 0; i < usable && count < 5; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            int n = line.Split(',').Length;
            if (n < 2 || (fields >= 0 && n != fields))
            {
                return false;
            }

            fields = n;
            count++;
            if (count == 1 && usable == 1)
            {
                return line.Split(',').All(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
            }
        }

        return count >= 2;
    }

    /// <summary>
    /// Whether the bytes are UTF-8 text (an optional BOM, no control characters but tab, CR, LF and form feed).
    /// Unless <paramref name="complete"/>, a character cut at the end of the sniffed bytes is allowed.
    /// </summary>
    private static bool IsText(ReadOnlySpan<byte> s, bool complete)
    {
        while (!s.IsEmpty)
        {
            OperationStatus status = Rune.DecodeFromUtf8(s, out Rune rune, out int consumed);
            if (status == OperationStatus.NeedMoreData && !complete)
            {
                return true;
            }

            if (status != OperationStatus.Done)
            {
                return false;
            }

            int c = rune.Value;
            if ((c < 0x20 && c is not ('\t' or '\r' or '\n' or '\f')) || (c >= 0x7F && c < 0xA0))
            {
                return false;
            }

            s = s[consumed..];
        }

        return true;
    }

    private static string Decode(ReadOnlySpan<byte> s) => Encoding.UTF8.GetString(s);

    /// <summary>The first line of the text, at most 40 characters.</summary>
    private static string Excerpt(ReadOnlySpan<byte> s)
    {
        string text = Decode(s).TrimStart('\uFEFF', ' ', '\t', '\r', '\n', '\f');
        int newline = text.IndexOfAny(['\r', '\n']);
        return Sanitize(newline < 0 ? text : text[..newline], 40);
    }

    private static string Sanitize(string text, int max)
    {
        var b = new StringBuilder(Math.Min(text.Length, max) + 1);
        foreach (char c in text)
        {
            if (b.Length == max)
            {
                b.Append('…');
                break;
            }

            b.Append(char.IsControl(c) ? '?' : c == '`' ? '\'' : c);
        }

        return b.ToString();
    }
}
