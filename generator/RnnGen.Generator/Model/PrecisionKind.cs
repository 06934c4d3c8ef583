namespace RnnGen.Generator.Model;

/// <summary>Mirror of RnnGen.RnnPrecision (same numeric values): the weights the inference kernels stream.</summary>
internal enum PrecisionKind
{
    Float32 = 0,
    BFloat16 = 1,
}
