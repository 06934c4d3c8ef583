using System.Text;

namespace RnnGen.Generator.Emitting;

/// <summary>A small writer that counts blocks and indents with four spaces.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public void Line(string line = "")
    {
        if (line.Length == 0)
        {
            _text.Append('\n');
            return;
        }

        _text.Append(' ', _indent * 4).Append(line).Append('\n');
    }

    /// <summary>Writes <paramref name="header"/>, an opening brace, and indents.</summary>
    public void Open(string header)
    {
        if (header.Length > 0) Line(header);
        Line("{");
        _indent++;
    }

    /// <summary>Unindents and writes the closing brace (with an optional suffix such as ";").</summary>
    public void Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
    }

    /// <summary>Indents the following lines one level without writing a brace (argument lists, initializers).</summary>
    public void Indent() => _indent++;

    /// <summary>Undoes <see cref="Indent"/>.</summary>
    public void Unindent() => _indent--;

    public override string ToString() => _text.ToString();
}
