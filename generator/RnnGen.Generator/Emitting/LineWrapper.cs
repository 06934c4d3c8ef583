using System.Collections.Generic;
using System.Text;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// Wraps one generated line that is too long. Comments (<c>//</c>, <c>///</c>) break at spaces and continue with the same
/// marker. Code breaks inside its widest parenthesized list, after top-level commas, the pieces indented one level
/// under the line; strings and char literals are never split. A line with no such place stays as it is.
/// </summary>
internal static class LineWrapper
{
    public static IEnumerable<string> Wrap(string line, int width)
    {
        if (line.Length <= width) return new[] { line };
        string trimmed = line.TrimStart();
        if (trimmed.StartsWith("///", System.StringComparison.Ordinal)) return WrapComment(line, "/// ", width);
        if (trimmed.StartsWith("//", System.StringComparison.Ordinal)) return WrapComment(line, "//    ", width);
        return WrapCode(line, width);
    }

    private static IEnumerable<string> WrapComment(string line, string continuation, int width)
    {
        var lines = new List<string>();
        var current = new StringBuilder();
        foreach (var word in line.Split(' '))
        {
            if (current.Length > continuation.Length && current.Length + 1 + word.Length > width)
            {
                lines.Add(current.ToString().TrimEnd());
                current.Clear().Append(continuation);
            }
            else if (current.Length > 0 && current[current.Length - 1] != ' ') current.Append(' ');
            current.Append(word);
        }

        lines.Add(current.ToString());
        return lines;
    }

    /// <summary>'&lt;' or '&gt;' as part of =&gt;, &lt;=, &gt;=, &lt;&lt;, &gt;&gt; or a comparison (spaced), not a type argument bracket.</summary>
    private static bool IsOperator(string line, int i)
    {
        char c = line[i];
        if (c != '<' && c != '>') return false;
        char before = i > 0 ? line[i - 1] : ' ', after = i + 1 < line.Length ? line[i + 1] : ' ';
        return before is '=' or '<' or '>' or ' ' || after is '=' or '<' or '>' || (c == '<' && after == ' ');
    }

    /// <summary>Breaks after the opening parenthesis of the widest list and after each of its top-level commas, packing pieces up to the width.</summary>
    private static IEnumerable<string> WrapCode(string line, int width)
    {
        // Find the parenthesized group that spans the most characters (outside strings).
        var opens = new Stack<int>();
        int bestOpen = -1, bestClose = -1;
        bool inString = false, inChar = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (inString) { if (c == '\\') i++; else if (c == '"') inString = false; continue; }
            if (inChar) { if (c == '\\') i++; else if (c == '\'') inChar = false; continue; }
            if (c == '"') inString = true;
            else if (c == '\'') inChar = true;
            else if (c == '/' && i + 1 < line.Length && line[i + 1] == '/') break;   // a trailing comment
            else if (c == '(') opens.Push(i);
            else if (c == ')' && opens.Count > 0)
            {
                int open = opens.Pop();
                if (i - open > bestClose - bestOpen) (bestOpen, bestClose) = (open, i);
            }
        }

        if (bestOpen < 0) return new[] { line };
        var pieces = new List<string>();
        int depth = 0, start = bestOpen + 1;
        inString = inChar = false;
        for (int i = bestOpen + 1; i < bestClose; i++)
        {
            char c = line[i];
            if (inString) { if (c == '\\') i++; else if (c == '"') inString = false; continue; }
            if (inChar) { if (c == '\\') i++; else if (c == '\'') inChar = false; continue; }
            if (c == '"') inString = true;
            else if (c == '\'') inChar = true;
            else if (IsOperator(line, i)) continue;
            else if (c is '(' or '[' or '{' or '<') depth++;
            else if (c is ')' or ']' or '}' or '>') depth--;
            else if (c == ',' && depth == 0)
            {
                pieces.Add(line.Substring(start, i + 1 - start).Trim());
                start = i + 1;
            }
        }

        pieces.Add(line.Substring(start, bestClose - start).Trim());
        if (pieces.Count < 2) return new[] { line };

        int indent = line.Length - line.TrimStart().Length;
        string pad = new(' ', indent + 4);
        var lines = new List<string> { line.Substring(0, bestOpen + 1) };
        var current = new StringBuilder(pad);
        foreach (var piece in pieces)
        {
            if (current.Length > pad.Length && current.Length + 1 + piece.Length > width)
            {
                lines.Add(current.ToString());
                current.Clear().Append(pad);
            }
            else if (current.Length > pad.Length) current.Append(' ');
            current.Append(piece);
        }

        current.Append(line.Substring(bestClose));
        lines.Add(current.ToString());
        return lines;
    }
}
