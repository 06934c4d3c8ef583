using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>One parameter of an emitted method: <c>ref float x</c> is ("ref float", "x").</summary>
internal readonly record struct Parameter(string Type, string Name)
{
    public string Declaration => Type + " " + Name;

    public string Argument => Type.StartsWith("ref ", System.StringComparison.Ordinal) ? "ref " + Name : Name;
}

/// <summary>A parameter list, with its declaration and the argument list that forwards it.</summary>
internal sealed class Signature
{
    public Signature(params Parameter[] parameters) => Parameters = parameters;

    public IReadOnlyList<Parameter> Parameters { get; }

    public string Declaration => string.Join(", ", Parameters.Select(static p => p.Declaration));

    public string Arguments => string.Join(", ", Parameters.Select(static p => p.Argument));

    /// <summary>A list of <c>ref float</c> parameters.</summary>
    public static Signature Refs(params string[] names) => new(names.Select(static n => new Parameter("ref float", n)).ToArray());

    public Signature With(params Parameter[] more) => new(Parameters.Concat(more).ToArray());
}

/// <summary>
/// The dispatcher of a kernel: a small method that calls the kernel of the widest accelerated width. The JIT folds the
/// <c>IsHardwareAccelerated</c> checks, so only one call remains.
/// </summary>
internal static class Dispatcher
{
    public static void Emit(CodeWriter w, string name, Signature signature, IEnumerable<VectorWidth> widths, bool isStatic = true)
    {
        var list = widths.ToList();
        w.Line(Inline);
        using (w.Block($"private {(isStatic ? "static " : "")}void {name}({signature.Declaration})"))
        {
            string call = $"{name}{{0}}({signature.Arguments});";
            for (int i = 0; i < list.Count; i++)
            {
                var width = list[i];
                string invoke = string.Format(System.Globalization.CultureInfo.InvariantCulture, call, width.Suffix);
                if (width.IsScalar)
                {
                    w.Line(i == 0 ? invoke : "else");
                    if (i > 0) w.Line("    " + invoke);
                }
                else
                {
                    w.Line($"{(i == 0 ? "if" : "else if")} ({width.Alias}.IsHardwareAccelerated)");
                    w.Line("    " + invoke);
                }
            }
        }

        w.Line();
    }
}
