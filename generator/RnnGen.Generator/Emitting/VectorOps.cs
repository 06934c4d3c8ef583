using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// Spells vector (or scalar) operations for one width through the generated files' aliases, so the layer epilogues and
/// the column walks are written once and emitted for Vector512, Vector256, Vector128 and the scalar fallback alike.
/// Offsets are constants (an int literal converts to <c>nuint</c> without a cast).
/// </summary>
internal sealed class VectorOps
{
    public VectorOps(VectorWidth width) => Width = width;

    public VectorWidth Width { get; }

    public bool Scalar => Width.IsScalar;

    public int Lanes => Width.Lanes;

    private string V => Width.Alias;

    /// <summary>The value type: <c>F512</c> (Vector512&lt;float&gt;) … or <c>float</c>.</summary>
    public string Type => Width.FloatAlias;

    public string Zero => Scalar ? "0f" : Type + ".Zero";

    public string One => Scalar ? "1f" : Type + ".One";

    /// <summary>The value at <paramref name="baseRef"/> + the constant <paramref name="offset"/>.</summary>
    public string Load(string baseRef, int offset) => Scalar
        ? Elem(baseRef, offset)
        : offset == 0 ? $"{V}.LoadUnsafe(ref {baseRef})" : $"{V}.LoadUnsafe(ref {baseRef}, {I(offset)})";

    /// <summary>A statement storing <paramref name="value"/> at <paramref name="baseRef"/> + the constant <paramref name="offset"/>.</summary>
    public string Store(string value, string baseRef, int offset) => Scalar
        ? $"{Elem(baseRef, offset)} = {value};"
        : offset == 0 ? $"{V}.StoreUnsafe({value}, ref {baseRef});" : $"{V}.StoreUnsafe({value}, ref {baseRef}, {I(offset)});";

    /// <summary>Every lane = the float <paramref name="scalar"/>.</summary>
    public string Broadcast(string scalar) => Scalar ? scalar : $"{V}.Create({scalar})";

    /// <summary>a·b + c, fused where the hardware has FMA (Vector128 takes the estimate, which fuses when it can).</summary>
    public string Fma(string a, string b, string c) => Scalar
        ? $"{Paren(a)} * {Paren(b)} + {c}"
        : Width == VectorWidth.V128
            ? $"{V}.MultiplyAddEstimate({a}, {b}, {c})"
            : $"{V}.FusedMultiplyAdd({a}, {b}, {c})";

    /// <summary>Parenthesizes a compound operand (one with an operator outside its calls) so scalar expressions keep their meaning.</summary>
    private static string Paren(string x)
    {
        int depth = 0;
        foreach (char c in x)
        {
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (c == ' ' && depth == 0) return "(" + x + ")";
        }

        return x;
    }

    public string Tanh(string x) => $"RnnMath.Tanh({x})";

    public string Sigmoid(string x) => $"RnnMath.Sigmoid({x})";

    public string Relu(string x) => Scalar ? $"global::System.MathF.Max({x}, 0f)" : $"{V}.Max({x}, {Zero})";

    /// <summary><paramref name="d"/> where <paramref name="h"/> &gt; 0, else 0 (the ReLU derivative applied).</summary>
    public string ReluGrad(string h, string d) => Scalar
        ? $"({h} > 0f ? {d} : 0f)"
        : $"{V}.ConditionalSelect({V}.GreaterThan({h}, {Zero}), {d}, {Zero})";

    /// <summary>Horizontal sum of the lanes.</summary>
    public string Sum(string v) => Scalar ? v : $"{V}.Sum({v})";
}
