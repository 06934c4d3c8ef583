using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Emit;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// Spells vector (or scalar) operations for one width, so the cell epilogues and the column walks are
/// written once and emitted for Vector512, Vector256, Vector128 and the scalar fallback alike.
/// </summary>
internal sealed class VectorOps
{
    public VectorOps(VectorWidth width) => Width = width;

    public VectorWidth Width { get; }

    public bool Scalar => Width.IsScalar;

    public int Lanes => Width.Lanes;

    private string V => Width.Global;

    /// <summary>The value type: <c>Vector512&lt;float&gt;</c> … or <c>float</c>.</summary>
    public string Type => Scalar ? "float" : V + "<float>";

    public string Zero => Scalar ? "0f" : Type + ".Zero";

    public string One => Scalar ? "1f" : Type + ".One";

    /// <summary>The value at <paramref name="baseRef"/> + <paramref name="offset"/> (a constant or expression).</summary>
    public string Load(string baseRef, string offset) => Scalar
        ? (offset == "0" ? baseRef : $"{Unsafe}.Add(ref {baseRef}, {offset})")
        : $"{V}.LoadUnsafe(ref {baseRef}, (nuint)({offset}))";

    public string Load(string baseRef, int offset) => Scalar
        ? (offset == 0 ? baseRef : $"{Unsafe}.Add(ref {baseRef}, {I(offset)})")
        : $"{V}.LoadUnsafe(ref {baseRef}, (nuint){I(offset)})";

    /// <summary>A statement storing <paramref name="value"/> at <paramref name="baseRef"/> + <paramref name="offset"/>.</summary>
    public string Store(string value, string baseRef, int offset) => Scalar
        ? $"{(offset == 0 ? baseRef : $"{Unsafe}.Add(ref {baseRef}, {I(offset)})")} = {value};"
        : $"{V}.StoreUnsafe({value}, ref {baseRef}, (nuint){I(offset)});";

    public string Store(string value, string baseRef, string offset) => Scalar
        ? $"{(offset == "0" ? baseRef : $"{Unsafe}.Add(ref {baseRef}, {offset})")} = {value};"
        : $"{V}.StoreUnsafe({value}, ref {baseRef}, (nuint)({offset}));";

    /// <summary>Every lane = the float <paramref name="scalar"/>.</summary>
    public string Broadcast(string scalar) => Scalar ? scalar : $"{V}.Create({scalar})";

    /// <summary>a·b + c, fused where the hardware has FMA.</summary>
    public string Fma(string a, string b, string c) => Scalar
        ? $"{Paren(a)} * {Paren(b)} + {c}"
        : Width == VectorWidth.V128
            ? $"{V}.MultiplyAddEstimate({a}, {b}, {c})"
            : $"{V}.FusedMultiplyAdd({a}, {b}, {c})";

    /// <summary>Parenthesizes a compound operand (one with an operator) so scalar expressions keep their meaning.</summary>
    private static string Paren(string x) => x.IndexOf(' ') >= 0 ? "(" + x + ")" : x;

    public string Tanh(string x) => $"{RnnMath}.Tanh({x})";

    public string Sigmoid(string x) => $"{RnnMath}.Sigmoid({x})";

    public string Relu(string x) => Scalar ? $"global::System.MathF.Max({x}, 0f)" : $"{V}.Max({x}, {Zero})";

    /// <summary><paramref name="d"/> where <paramref name="h"/> &gt; 0, else 0 (the ReLU derivative applied).</summary>
    public string ReluGrad(string h, string d) => Scalar
        ? $"({h} > 0f ? {d} : 0f)"
        : $"{V}.ConditionalSelect({V}.GreaterThan({h}, {Zero}), {d}, {Zero})";

    /// <summary>Horizontal sum of the lanes.</summary>
    public string Sum(string v) => Scalar ? v : $"{V}.Sum({v})";
}
