namespace RnnGen.Generator.Model;

/// <summary>Mirror of <c>RnnGen.RnnActivation</c> (same numeric values).</summary>
internal enum ActivationKind
{
    Tanh = 0,
    Relu = 1,
    Identity = 2,
    Sigmoid = 3,
    Swish = 4,
}
