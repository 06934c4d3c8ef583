using RnnGen.Generator.Model;

namespace RnnGen.Generator.Planning;

/// <summary>
/// An output head y = W·h + b on the last tiled layer's output: <c>W</c> as <see cref="Outputs"/> rows of
/// <see cref="Stride"/> floats (that layer's padded width; zero past <see cref="InputUnits"/>) at <see cref="Offset"/>, then
/// <c>b</c> at <see cref="BiasOffset"/>. A row is a contiguous dot product, which suits a few outputs. The head's outputs
/// sit at <see cref="OutputOffset"/> in a step's concatenated outputs; <see cref="AddInput"/> ≥ 0 adds input features
/// x[AddInput..] before the activation. <see cref="Head"/> numbers the heads (<c>heads.{Head}.*</c>; −1: the one-attribute
/// form's <c>head.*</c>).
/// </summary>
internal sealed record HeadPlan(int Index, int Outputs, int InputUnits, int Offset, int Stride, int BiasOffset) : LayerPlan(Index, LayerKind.Head)
{
    public int Head { get; init; } = -1;

    public OutputActivationKind Activation { get; init; }

    public LossKind Loss { get; init; }

    public float LossWeight { get; init; } = 1f;

    public int AddInput { get; init; } = -1;

    public int OutputOffset { get; init; }

    /// <summary>Suffix of the head's kernel names: "" for a model's only head, else its number (<c>__Head1Forward</c>).</summary>
    public string Name { get; init; } = "";
}
