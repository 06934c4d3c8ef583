namespace RnnGen.Generator.Planning;

/// <summary>
/// How one tile is computed at one vector width. A tile of <c>TileRows</c> hidden units is split into
/// sub-blocks of <see cref="VectorsPerBlock"/> vectors per accumulator group (gate), each accumulated in
/// <see cref="KSplit"/> independent partial sums over the columns, and the column loop is unrolled
/// <see cref="ColumnUnroll"/> columns at a time. The scalar path is the same walk with one-lane "vectors"
/// and one row per block.
/// </summary>
internal sealed record WidthPlan(VectorWidth Width, int VectorsPerBlock, int BlocksPerTile, int KSplit, int ColumnUnroll)
{
    /// <summary>Hidden units covered by one sub-block.</summary>
    public int BlockRows => VectorsPerBlock * Width.Lanes;
}
