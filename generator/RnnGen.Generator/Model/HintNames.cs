using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RnnGen.Generator.Model;

/// <summary>
/// The names of generated files. Roslyn wants a hint name unique within the generator when compared ignoring case,
/// made of identifier characters and a few marks (no '@', no '\'); C# type names are unique only case-sensitively,
/// and in source they may carry '@' and <c>\u0041</c> escapes. The key is the type's metadata-like name
/// (<c>Ns.Outer`1.Model</c>) spelled with the characters a hint name allows; the parser adds
/// <see cref="Disambiguator"/> when another model's key differs from this one only in case.
/// </summary>
internal static class HintNames
{
    /// <summary><c>{Namespace}.{Containing}.{Type}</c>, with '@' and unicode escapes undone and generic containers as <c>Name`arity</c>.</summary>
    public static string TypeKey(string ns, IEnumerable<ContainingTypeSpec> containingTypes, string typeName)
    {
        var key = new StringBuilder();
        if (ns.Length > 0) key.Append(Unescape(ns)).Append('.');
        foreach (var c in containingTypes)
            key.Append(MetadataName(Unescape(c.NameWithTypeParameters))).Append('.');
        key.Append(Unescape(typeName));
        return Sanitize(key.ToString());
    }

    /// <summary>
    /// ".xxxxxxxx": a stable hash (FNV-1a, not <see cref="string.GetHashCode()"/>, which differs between processes) of the
    /// type's exact metadata name (case kept, nested types joined with '+'), so types whose keys are equal ignoring case
    /// get different file names.
    /// </summary>
    public static string Disambiguator(string metadataName)
    {
        uint hash = 2166136261;
        foreach (char ch in metadataName)
        {
            hash = unchecked((hash ^ ch) * 16777619);
        }

        return "." + hash.ToString("x8", CultureInfo.InvariantCulture);
    }

    /// <summary>"Outer&lt;T, U&gt;" → "Outer`2", as metadata names it, so A.M and A&lt;T&gt;.M get different keys.</summary>
    internal static string MetadataName(string name)
    {
        int lt = name.IndexOf('<');
        if (lt < 0) return name;
        int arity = 1;
        foreach (char ch in name.Substring(lt))
            if (ch == ',') arity++;
        return name.Substring(0, lt).TrimEnd() + "`" + arity.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>An identifier as written (<c>@class</c>, <c>\u0041bc</c>) → its value (<c>class</c>, <c>Abc</c>).</summary>
    internal static string Unescape(string text)
    {
        if (text.IndexOf('@') < 0 && text.IndexOf('\\') < 0) return text;
        var value = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (ch == '@') continue;
            if (ch == '\\' && i + 1 < text.Length && (text[i + 1] == 'u' || text[i + 1] == 'U'))
            {
                int digits = text[i + 1] == 'u' ? 4 : 8;
                if (i + 2 + digits <= text.Length
                    && int.TryParse(text.Substring(i + 2, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code)
                    && code <= 0x10FFFF && (code < 0xD800 || code > 0xDFFF))
                {
                    value.Append(char.ConvertFromUtf32(code));
                    i += 1 + digits;
                    continue;
                }
            }

            value.Append(ch);
        }

        return value.ToString();
    }

    /// <summary>Letters, digits, '_', '.', and '`' pass; anything else a hint name may reject becomes '_'.</summary>
    private static string Sanitize(string key)
    {
        var result = new StringBuilder(key.Length);
        foreach (char ch in key)
            result.Append(char.IsLetterOrDigit(ch) || ch is '_' or '.' or '`' ? ch : '_');
        return result.ToString();
    }
}
