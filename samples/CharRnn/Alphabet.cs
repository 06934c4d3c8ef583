using System;
using System.Globalization;
using System.Text;

namespace CharRnn;

/// <summary>
/// The fixed character alphabet, so that the model's vocabulary can be a compile-time constant whatever the corpus:
/// id 0 is the newline, ids 1–95 the printable ASCII characters ' ' (32) to '~' (126), and id 96 a placeholder for
/// every other character.
/// </summary>
public static class Alphabet
{
    /// <summary>The number of token ids (the model's <c>Vocabulary</c> and <c>Output</c>).</summary>
    public const int Size = 97;

    /// <summary>The id of the newline.</summary>
    public const int Newline = 0;

    /// <summary>The id that stands for any character outside the alphabet.</summary>
    public const int Unknown = Size - 1;

    /// <summary>How <see cref="Unknown"/> is printed.</summary>
    public const char UnknownChar = '\uFFFD';

    /// <summary>The id of <paramref name="c"/>; <see cref="Unknown"/> if it is not in the alphabet.</summary>
    public static int Encode(char c) => c switch
    {
        '\n' => Newline,
        >= ' ' and <= '~' => c - ' ' + 1,
        _ => Unknown,
    };

    /// <summary>The character of <paramref name="id"/>.</summary>
    public static char Decode(int id) => id switch
    {
        Newline => '\n',
        > 0 and < Unknown => (char)(' ' + id - 1),
        _ => UnknownChar,
    };

    /// <summary>Encodes a whole text (already <see cref="Normalize"/>d) into ids.</summary>
    public static int[] Encode(string text, out int unknown)
    {
        var ids = new int[text.Length];
        unknown = 0;
        for (int i = 0; i < text.Length; i++)
        {
            ids[i] = Encode(text[i]);
            if (ids[i] == Unknown) unknown++;
        }

        return ids;
    }

    /// <summary>
    /// Brings an arbitrary text close to the alphabet: CR LF and CR become LF, tabs spaces, typographic quotes,
    /// dashes and ellipses their ASCII forms, and accented letters lose their accents (é → e). What is left outside
    /// the alphabet becomes <see cref="Unknown"/> when encoded.
    /// </summary>
    public static string Normalize(string text)
    {
        text = text.Replace("\r\n", "\n").Replace('\r', '\n').Replace('\t', ' ').Replace("\u2026", "...");
        var decomposed = text.Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (char c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue; // accents
            sb.Append(c switch
            {
                '\u2018' or '\u2019' or '\u201A' or '\u2032' => '\'',
                '\u201C' or '\u201D' or '\u201E' or '\u2033' or '\u00AB' or '\u00BB' => '"',
                '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2015' or '\u2212' => '-',
                '\u00A0' or '\u2007' or '\u202F' => ' ',
                '\uFEFF' => '\0',
                _ => c,
            });
        }

        return sb.Replace("\0", string.Empty).ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>Whether every character of <paramref name="text"/> is in the alphabet.</summary>
    public static bool Covers(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (Encode(c) == Unknown) return false;
        }

        return true;
    }
}
