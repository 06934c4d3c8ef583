namespace RnnGen.Generator.Planning;

/// <summary>
/// Where one recurrent layer's weights live in the parameter buffer. Tile-major: for each tile of
/// <c>TileRows</c> hidden units the block holds b_ih, b_hh, then every column of W_ih (one per input
/// feature), then every column of W_hh (one per hidden unit), each column <c>TileRows</c> floats long,
/// so the kernel reads one contiguous stream per tile and broadcasts x_k / h_k into it.
/// </summary>
internal sealed record LayerPlan(int Index, int InputWidth, int Offset, int TileStride)
{
    public const int BiasIhOffset = 0;

    public int BiasHhOffset(int tileRows) => tileRows;

    /// <summary>Offset inside a tile of the first W_ih column.</summary>
    public int InputColumnsOffset(int tileRows) => 2 * tileRows;

    /// <summary>Offset inside a tile of the first W_hh column.</summary>
    public int RecurrentColumnsOffset(int tileRows) => (2 + InputWidth) * tileRows;
}
