namespace RnnGen.Generator.Planning;

/// <summary>
/// How one tile of rows is computed at one vector width.
/// A tile of <c>TileRows</c> rows is split into sub-blocks of <see cref="VectorsPerBlock"/> vectors
/// (one accumulator chain each, times <see cref="KSplit"/> independent partial sums over the columns),
/// and the column loop is unrolled <see cref="ColumnUnroll"/> columns at a time.
/// </summary>
internal sealed record WidthPlan(VectorWidth Width, int VectorsPerBlock, int BlocksPerTile, int KSplit, int ColumnUnroll)
{
    /// <summary>Rows covered by one sub-block.</summary>
    public int BlockRows => VectorsPerBlock * Width.Lanes;
}
