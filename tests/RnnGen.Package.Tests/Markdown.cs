using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;

namespace RnnGen.Package.Tests;

/// <summary>One fenced code block of a markdown document.</summary>
/// <param name="Document">The document's path from the repository root.</param>
/// <param name="Language">The fence's info string, lower case (<c>csharp</c>, <c>sh</c>, <c>text</c>, or empty).</param>
/// <param name="Line">The 1-based line of the block's first code line.</param>
/// <param name="Code">The block's lines, each ending in a newline.</param>
/// <param name="TextBefore">The document's text between the previous block (or the start) and this one.</param>
public sealed record FencedBlock(string Document, string Language, int Line, string Code, string TextBefore)
{
    /// <summary>A C# block (<c>csharp</c>, <c>cs</c> or <c>c#</c>).</summary>
    public bool IsCSharp => Language is "csharp" or "cs" or "c#";

    /// <summary>A shell block (<c>sh</c>, <c>bash</c> or <c>shell</c>).</summary>
    public bool IsShell => Language is "sh" or "bash" or "shell";

    /// <summary>Where the block is, for messages.</summary>
    public override string ToString() => $"{Document}, ```{Language} block at line {Line}";
}

/// <summary>Reads the fenced code blocks of the repository's markdown documents.</summary>
public static class Markdown
{
    private static readonly Regex Fence = new(@"^\s*```\s*([A-Za-z#+-]*)\s*$", RegexOptions.Compiled);
    private static readonly Regex Close = new(@"^\s*```\s*$", RegexOptions.Compiled);

    /// <summary>Every fenced block of <paramref name="document"/> (a path from the repository root), in order.</summary>
    public static IReadOnlyList<FencedBlock> Blocks(string document)
    {
        string path = Path.Combine(DotnetCli.RepositoryRoot, document);
        if (!File.Exists(path)) throw new FileNotFoundException(path + " is missing", path);
        string[] lines = File.ReadAllLines(path);
        var blocks = new List<FencedBlock>();
        int proseStart = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            var open = Fence.Match(lines[i]);
            if (!open.Success) continue;
            int start = i + 1;
            int end = start;
            while (end < lines.Length && !Close.IsMatch(lines[end])) end++;
            string before = string.Join("\n", lines[proseStart..i]);
            string code = string.Concat(Array.ConvertAll(lines[start..end], l => l + "\n"));
            blocks.Add(new FencedBlock(document, open.Groups[1].Value.ToLowerInvariant(), start + 1, code, before));
            i = end;
            proseStart = Math.Min(end + 1, lines.Length);
        }

        return blocks;
    }
}
