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

    /// <summary>
    /// Whether this width's multiply-adds are fused on some CPUs that run it and not on others. Vector128 runs on Arm64
    /// (AdvSimd, which has FMA) and on x86 CPUs without AVX2, which give the JIT no FMA (pre-2013 CPUs, or AVX2 switched
    /// off); its kernels use <c>MultiplyAddEstimate</c>, fused where FMA exists, so which of the two the code does is the
    /// JIT-time constant <c>Fma.IsSupported || AdvSimd.IsSupported</c>. Vector512 needs AVX-512 and Vector256 AVX2 (the JIT
    /// accelerates Vector256 only with AVX2), and every x86 CPU with either has FMA, which .NET 10 enables together with
    /// AVX2: always fused. The scalar kernels write <c>a * b + c</c>, which the JIT never fuses: never fused.
    /// </summary>
    public bool FusedWhereHardwareHasFma => this == V128;
}
