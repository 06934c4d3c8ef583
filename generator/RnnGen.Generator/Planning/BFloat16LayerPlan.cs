namespace RnnGen.Generator.Planning;

/// <summary>
/// Where one recurrent layer's bfloat16 inference copy lives, relative to the model's bfloat16 section. Same tiles
/// and gate interleaving as the float32 block (<see cref="LayerPlan"/>): for each tile, first
/// <see cref="BiasLength"/> float32 values, one bias vector of <c>TileRows</c> per accumulator group (b_ih + b_hh of
/// its gate, summed once here; GRU's nx and nh get b_in and b_hn alone), then <see cref="InputPairs"/> column pairs of
/// W_ih and <see cref="RecurrentPairs"/> column pairs of W_hh. A pair is <see cref="ColumnStride"/> 32-bit words, word i
/// holding bf16(column 2j)[i] in its low half and bf16(column 2j + 1)[i] in its high half (an odd last column pairs
/// with zeros), so one vector load gives both columns' weights: <c>(v &lt;&lt; 16)</c> and <c>(v &amp; 0xFFFF0000)</c>.
/// </summary>
internal sealed record BFloat16LayerPlan(int Index, int InputWidth, int Offset, int TileStride, int ColumnStride,
    int BiasLength, int InputPairs, int RecurrentPairs)
{
    /// <summary>Offset inside a tile of the bias block.</summary>
    public const int BiasOffset = 0;

    /// <summary>Offset inside a tile of the first W_ih column pair.</summary>
    public int InputPairsOffset => BiasLength;

    /// <summary>Offset inside a tile of the first W_hh column pair.</summary>
    public int RecurrentPairsOffset => BiasLength + InputPairs * ColumnStride;
}
