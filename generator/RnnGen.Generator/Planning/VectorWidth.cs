namespace RnnGen.Generator.Planning;

/// <summary>One SIMD code path: the vector type the emitter writes and how many floats it holds (0 = scalar).</summary>
internal sealed record VectorWidth(string TypeName, int Lanes)
{
    public static readonly VectorWidth V512 = new("Vector512", 16);
    public static readonly VectorWidth V256 = new("Vector256", 8);
    public static readonly VectorWidth V128 = new("Vector128", 4);
    public static readonly VectorWidth Scalar = new("float", 1);

    public bool IsScalar => Lanes == 1;

    /// <summary>Suffix of the emitted per-width method names.</summary>
    public string Suffix => IsScalar ? "Scalar" : TypeName.Substring("Vector".Length);

    /// <summary><c>global::System.Runtime.Intrinsics.Vector256</c> and friends.</summary>
    public string Global => "global::System.Runtime.Intrinsics." + TypeName;
}
