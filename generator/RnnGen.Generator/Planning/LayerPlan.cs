namespace RnnGen.Generator.Planning;

/// <summary>
/// Where one recurrent layer's weights live in the parameter buffer. Tile-major and gate-interleaved:
/// for each tile of <c>TileRows</c> hidden units the block holds b_ih and b_hh (every gate), then every
/// column of W_ih (one per input feature), then every column of W_hh (one per hidden unit). A column is
/// <c>ColumnStride</c> = gates × TileRows floats: the tile's rows of gate 0, then of gate 1, … (PyTorch
/// gate order), so the kernel reads one contiguous stream per tile and broadcasts x_k / h_k into it, and
/// all gates of a hidden unit end up in registers together for the fused epilogue.
/// </summary>
internal sealed record LayerPlan(int Index, int InputWidth, int Offset, int TileStride, int ColumnStride)
{
    public const int BiasIhOffset = 0;

    public int BiasHhOffset => ColumnStride;

    /// <summary>Offset inside a tile of the first W_ih column.</summary>
    public int InputColumnsOffset => 2 * ColumnStride;

    /// <summary>Offset inside a tile of the first W_hh column.</summary>
    public int RecurrentColumnsOffset => (2 + InputWidth) * ColumnStride;
}
