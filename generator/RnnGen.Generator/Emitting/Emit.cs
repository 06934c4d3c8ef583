using System.Globalization;
using System.Reflection;

namespace RnnGen.Generator.Emitting;

/// <summary>Spellings shared by the emitters.</summary>
internal static class Emit
{
    public const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    public const string MemoryMarshal = "global::System.Runtime.InteropServices.MemoryMarshal";
    public const string MethodImpl = "global::System.Runtime.CompilerServices.MethodImpl";
    public const string MethodImplOptions = "global::System.Runtime.CompilerServices.MethodImplOptions";
    public const string Throw = "global::RnnGen.Internal.ThrowHelper";
    public const string Memory = "global::RnnGen.Internal.ModelMemory";
    public const string Kernels = "global::RnnGen.Internal.KernelHelpers";
    public const string RnnMath = "global::RnnGen.RnnMath";
    public const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    public const string Span = "global::System.Span<float>";

    public static readonly string Version =
        typeof(Emit).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

    public static string GeneratedCode => $"[global::System.CodeDom.Compiler.GeneratedCode(\"RnnGen.Generator\", \"{Version}\")]";

    public const string Hot = "[" + MethodImpl + "(" + MethodImplOptions + ".AggressiveOptimization)]";
    public const string Inline = "[" + MethodImpl + "(" + MethodImplOptions + ".AggressiveInlining)]";

    public static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>ref Unsafe.Add(ref base, offset)</c>, or just <c>ref base</c> for offset 0.</summary>
    public static string At(string baseRef, string offset) =>
        offset == "0" ? "ref " + baseRef : $"ref {Unsafe}.Add(ref {baseRef}, {offset})";
}
