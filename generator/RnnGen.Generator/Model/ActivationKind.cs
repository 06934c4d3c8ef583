namespace RnnGen.Generator.Model;

/// <summary>Mirror of <c>RnnGen.RnnActivation</c>.</summary>
internal enum ActivationKind
{
    Tanh = 0,
    Relu = 1,
}
