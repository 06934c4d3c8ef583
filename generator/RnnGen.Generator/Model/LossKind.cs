namespace RnnGen.Generator.Model;

/// <summary>Mirror of <c>RnnGen.RnnLoss</c>.</summary>
internal enum LossKind
{
    Mse = 0,
    CrossEntropy = 1,
    BinaryCrossEntropy = 2,
}
