using RnnGen.Generator.Model;

namespace RnnGen.Generator.Planning;

/// <summary>
/// The Linear head y = W_hy·h + b_y on the top recurrent layer's h: <c>head.weight</c> as <see cref="Outputs"/> rows of
/// <see cref="Stride"/> floats (the layer's padded width; zero past <see cref="InputUnits"/>) at <see cref="Offset"/>,
/// then <c>head.bias</c> at <see cref="BiasOffset"/>. A row is a contiguous dot product, which suits a few outputs.
/// </summary>
internal sealed record HeadPlan(int Index, int Outputs, int InputUnits, int Offset, int Stride, int BiasOffset) : LayerPlan(Index, LayerKind.Head);
