namespace RnnGen.Generator.Planning;

/// <summary>One SIMD code path: the vector type the emitter writes and how many floats it holds (1 = scalar).</summary>
internal sealed record VectorWidth(string TypeName, int Lanes)
{
    public static readonly VectorWidth V512 = new("Vector512", 16);
    public static readonly VectorWidth V256 = new("Vector256", 8);
    public static readonly VectorWidth V128 = new("Vector128", 4);
    public static readonly VectorWidth Scalar = new("float", 1);

    /// <summary>The vector paths, widest first (the scalar path follows them in every dispatcher).</summary>
    public static readonly VectorWidth[] Vectors = { V512, V256, V128 };

    public bool IsScalar => Lanes == 1;

    /// <summary>Suffix of the emitted per-width method names: <c>512</c>, <c>256</c>, <c>128</c>, <c>Scalar</c>.</summary>
    public string Suffix => IsScalar ? "Scalar" : TypeName.Substring("Vector".Length);

    /// <summary>The file-scoped alias of the static vector class in generated files: <c>V512</c>.</summary>
    public string Alias => "V" + Suffix;

    /// <summary>The file-scoped alias of the float vector type in generated files: <c>F512</c> = <c>Vector512&lt;float&gt;</c>.</summary>
    public string FloatAlias => IsScalar ? "float" : "F" + Suffix;

    /// <summary><c>global::System.Runtime.Intrinsics.Vector256</c> and friends.</summary>
    public string Global => "global::System.Runtime.Intrinsics." + TypeName;
}
