using System.Globalization;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// Spellings shared by the emitters. Every generated file declares the short aliases of <see cref="Aliases"/> inside
/// the model's namespace, so kernel lines read <c>V512.FusedMultiplyAdd(V512.LoadUnsafe(ref w, 96), x1, i0)</c>; the
/// parser reports a model whose class or namespace declares one of those names (it would shadow or clash with an alias).
/// Names a user's code could shadow in other ways stay <c>global::</c>-qualified.
/// </summary>
internal static class Syntax
{
    /// <summary>The aliases every generated file declares, as (name, target).</summary>
    public static readonly (string Name, string Target)[] Aliases =
    {
        ("F128", "global::System.Runtime.Intrinsics.Vector128<float>"),
        ("F256", "global::System.Runtime.Intrinsics.Vector256<float>"),
        ("F512", "global::System.Runtime.Intrinsics.Vector512<float>"),
        ("GeneratedCode", "global::System.CodeDom.Compiler.GeneratedCodeAttribute"),
        ("MemoryMarshal", "global::System.Runtime.InteropServices.MemoryMarshal"),
        ("MethodImpl", "global::System.Runtime.CompilerServices.MethodImplAttribute"),
        ("MethodImplOptions", "global::System.Runtime.CompilerServices.MethodImplOptions"),
        ("RnnMath", "global::RnnGen.RnnMath"),
        ("Unsafe", "global::System.Runtime.CompilerServices.Unsafe"),
        ("V128", "global::System.Runtime.Intrinsics.Vector128"),
        ("V256", "global::System.Runtime.Intrinsics.Vector256"),
        ("V512", "global::System.Runtime.Intrinsics.Vector512"),
    };

    public const string Throw = "global::RnnGen.Internal.ThrowHelper";
    public const string Memory = "global::RnnGen.Internal.ModelMemory";
    public const string Kernels = "global::RnnGen.Internal.KernelHelpers";
    public const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    public const string Span = "global::System.Span<float>";

    /// <summary>
    /// True where fused multiply-add is a hardware instruction (x86 FMA, or Arm64's AdvSimd): the test RnnMath makes, a
    /// constant the JIT folds, so the branch it guards is compiled on one kind of CPU and removed on the other.
    /// </summary>
    public const string HasFma = "global::System.Runtime.Intrinsics.X86.Fma.IsSupported || global::System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported";

    public static readonly string Version =
        typeof(Syntax).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

    /// <summary>[GeneratedCode("RnnGen.Generator", version)], through the files' alias of GeneratedCodeAttribute.</summary>
    public static string GeneratedCode => $"[GeneratedCode(\"RnnGen.Generator\", \"{Version}\")]";

    /// <summary>[GeneratedCode] and AggressiveOptimization: hot methods compile fully optimized from the first call.</summary>
    public static string Hot => $"[GeneratedCode(\"RnnGen.Generator\", \"{Version}\"), MethodImpl(MethodImplOptions.AggressiveOptimization)]";

    /// <summary>[GeneratedCode] and AggressiveInlining: dispatchers and tiny helpers.</summary>
    public static string Inline => $"[GeneratedCode(\"RnnGen.Generator\", \"{Version}\"), MethodImpl(MethodImplOptions.AggressiveInlining)]";

    public static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>ref Unsafe.Add(ref base, offset)</c>, or just <c>ref base</c> for offset 0.</summary>
    public static string At(string baseRef, string offset) =>
        offset == "0" ? "ref " + baseRef : $"ref Unsafe.Add(ref {baseRef}, {offset})";

    public static string At(string baseRef, int offset) => At(baseRef, I(offset));

    /// <summary>The float at <paramref name="baseRef"/> + <paramref name="index"/> (a constant).</summary>
    public static string Elem(string baseRef, int index) =>
        index == 0 ? baseRef : $"Unsafe.Add(ref {baseRef}, {I(index)})";

    /// <summary><c>a + b</c> for offset expressions, dropping zero terms.</summary>
    public static string Plus(string a, string b) => a == "0" ? b : b == "0" ? a : a + " + " + b;

    /// <summary><c>n * expr</c> for offset expressions (<c>expr</c> when n = 1, "0" when n = 0).</summary>
    public static string Times(string expr, int n) =>
        int.TryParse(expr, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? I(value * n)
        : n == 0 ? "0" : n == 1 ? expr : $"{expr} * {I(n)}";
}
