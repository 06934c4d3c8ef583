namespace RnnGen.Generator.Model;

/// <summary>Mirror of <c>RnnGen.RnnLossOn</c>.</summary>
internal enum LossOnKind
{
    EveryStep = 0,
    LastStep = 1,
}
