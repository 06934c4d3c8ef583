using System;
using System.Linq;
using System.Runtime.Intrinsics;
using System.Text.RegularExpressions;
using Xunit;

namespace RnnGen.Package.Tests;

/// <summary>Compares what a program printed with the output a document shows for it.</summary>
public static class DocOutput
{
    private static readonly Regex Number = new(@"[-+]?(\d[\d,]*)(\.\d+)?([eE][-+]?\d+)?|NaN|∞", RegexOptions.Compiled);
    private static readonly Regex Spaces = new(@" {2,}", RegexOptions.Compiled);

    /// <summary>
    /// Whether every digit must match. The documents' outputs were recorded on an x64 machine with AVX-512, the kind CI
    /// runs on, where the same program prints the same digits on every run. Another CPU or C library may round the last
    /// digits differently (the documents say so), so elsewhere every number only has to be a number.
    /// </summary>
    public static bool Exact { get; } = Vector512.IsHardwareAccelerated;

    /// <summary>
    /// Asserts that <paramref name="actual"/> prints the lines of <paramref name="expected"/> (the output block of
    /// <paramref name="where"/>), line for line; trailing spaces and trailing empty lines do not count.
    /// </summary>
    public static void AssertPrints(FencedBlock expected, string actual, string where)
    {
        string[] want = Lines(expected.Code);
        string[] got = Lines(actual);
        string[] wantCompared = Exact ? want : want.Select(Mask).ToArray();
        string[] gotCompared = Exact ? got : got.Select(Mask).ToArray();
        Assert.True(wantCompared.SequenceEqual(gotCompared, StringComparer.Ordinal),
            $"{where} does not print what {expected} shows ({(Exact ? "every digit compared" : "numbers masked: no AVX-512 here")}).\n" +
            $"--- the document shows:\n{string.Join("\n", want)}\n--- the program printed:\n{string.Join("\n", got)}");
    }

    /// <summary>The line with every number replaced by <c>#</c> and runs of spaces (alignment) collapsed.</summary>
    public static string Mask(string line) => Spaces.Replace(Number.Replace(line, "#"), " ");

    private static string[] Lines(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines.ToArray();
    }
}
