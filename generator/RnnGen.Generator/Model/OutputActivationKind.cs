namespace RnnGen.Generator.Model;

/// <summary>Mirror of <c>RnnGen.RnnOutputActivation</c>.</summary>
internal enum OutputActivationKind
{
    Linear = 0,
    Softmax = 1,
    Sigmoid = 2,
}
