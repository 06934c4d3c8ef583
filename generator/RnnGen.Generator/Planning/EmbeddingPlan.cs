using RnnGen.Generator.Model;

namespace RnnGen.Generator.Planning;

/// <summary>
/// <c>embedding.weight [Vocabulary, Width]</c>, row-major at <see cref="Offset"/> (PyTorch's layout, so a token's row is
/// read in place as the first layer's input). In training, the rows of the window are copied to the
/// <c>InputWindow</c> section and dL/dx of each step (the <c>Dx</c> section) is added into the token's row.
/// </summary>
internal sealed record EmbeddingPlan(int Index, int Vocabulary, int Width, int Offset) : LayerPlan(Index, LayerKind.Embedding)
{
    public int Length => Vocabulary * Width;
}
