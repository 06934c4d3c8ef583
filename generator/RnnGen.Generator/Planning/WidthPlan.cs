namespace RnnGen.Generator.Planning;

/// <summary>
/// Every kernel shape of one tiled layer at one vector width. The forward walk: a tile of <c>TileRows</c> units is
/// split into <see cref="BlocksPerTile"/> sub-blocks of <see cref="VectorsPerBlock"/> vectors per accumulator group,
/// each accumulated in <see cref="KSplit"/> independent partial sums over the columns; the column loop is unrolled
/// <see cref="ColumnUnroll"/> columns at a time and ends with a shorter rolled loop of <see cref="ColumnStep"/>
/// columns. The bfloat16 kernels walk column pairs with <see cref="PairUnroll"/> and <see cref="PairStep"/>. The
/// backward pass keeps <see cref="GradientColumns"/> columns of weight gradients in registers, and computes its
/// transposed products as <see cref="HiddenProduct"/> (and <see cref="InputProduct"/>) say. <see cref="Agents"/> is
/// the many-agent walk. The scalar path is the same walk with one-lane "vectors" and one row per block.
/// </summary>
internal sealed record WidthPlan(
    VectorWidth Width,
    int VectorsPerBlock,
    int BlocksPerTile,
    int KSplit,
    int ColumnUnroll,
    int ColumnStep,
    int PairUnroll,
    int PairStep,
    int GradientColumns,
    ProductPlan HiddenProduct,
    ProductPlan? InputProduct,
    AgentPlan Agents)
{
    /// <summary>Hidden units covered by one sub-block.</summary>
    public int BlockRows => VectorsPerBlock * Width.Lanes;
}
