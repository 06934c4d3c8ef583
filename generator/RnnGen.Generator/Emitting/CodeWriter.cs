using System;
using System.Text;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// A small writer that counts blocks and indents with four spaces; blocks are scopes (<c>using (w.Block("for …"))</c>).
/// A line longer than <see cref="MaxLine"/> is wrapped: comments at word boundaries, code after the commas of its
/// widest argument list (<see cref="LineWrapper"/>), so the generated files read without horizontal scrolling.
/// </summary>
internal sealed class CodeWriter
{
    /// <summary>Lines longer than this (indentation included) are wrapped.</summary>
    public const int MaxLine = 150;

    private readonly StringBuilder _text = new();
    private int _indent;

    public void Line(string line = "")
    {
        if (line.Length == 0)
        {
            _text.Append('\n');
            return;
        }

        foreach (var part in LineWrapper.Wrap(line, MaxLine - _indent * 4))
            _text.Append(' ', _indent * 4).Append(part).Append('\n');
    }

    /// <summary>Writes each line of <paramref name="lines"/> as a <c>//</c> comment.</summary>
    public void Comment(params string[] lines)
    {
        foreach (var line in lines) Line("// " + line);
    }

    /// <summary>Writes <paramref name="header"/> and an opening brace, and indents until the scope is disposed.</summary>
    public Scope Block(string header, string closing = "}")
    {
        if (header.Length > 0) Line(header);
        Line("{");
        _indent++;
        return new Scope(this, closing);
    }

    /// <summary>A block when <paramref name="open"/>; otherwise nothing (the lines go on at the same depth).</summary>
    public Scope BlockIf(bool open, string header) => open ? Block(header) : default;

    /// <summary>Indents the following lines one level without writing a brace (argument lists, initializers).</summary>
    public Scope Indented()
    {
        _indent++;
        return new Scope(this, null);
    }

    private void Close(string? closing)
    {
        _indent--;
        if (closing is not null) Line(closing);
    }

    public override string ToString() => _text.ToString();

    /// <summary>Closes its block when disposed; the default value closes nothing.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly CodeWriter? _writer;
        private readonly string? _closing;

        public Scope(CodeWriter writer, string? closing)
        {
            _writer = writer;
            _closing = closing;
        }

        public void Dispose() => _writer?.Close(_closing);
    }
}
