using System;

namespace RnnGen.Generator.Planning;

/// <summary>
/// The blocking choices of the tiled kernels, from sizes alone. Speed work changes the choices made here (tile rows,
/// accumulators, k-splits, unrolling), never the emitters.
/// </summary>
internal static class TilePlanner
{
    /// <summary>Target number of multiply-adds in one unrolled column chunk of a sub-block; keeps each emitted method well inside the JIT's full-optimization budget.</summary>
    public const int MaxFmasPerChunk = 512;

    /// <summary>
    /// Columns per loop iteration on the scalar path (machines without SIMD): a short loop, since unrolling buys little
    /// there and would only grow the generated code. Every unroll keeps each accumulator's order, so results do not change.
    /// </summary>
    public const int ScalarUnroll = 4;

    /// <summary>Independent FMA chains needed to hide the FMA latency (4-cycle latency × 2 pipes).</summary>
    public const int ChainsForLatency = 8;

    /// <summary>
    /// Pads the unit count so every tile is whole. Elman: small layers are one tile (≤ 64 rows, ≤ 4 Vector512
    /// accumulators); larger ones use tiles of 64 (or 32) rows. Gated cells put every gate of a unit in the
    /// same tile, so their tiles hold 16 units (8 when units ≤ 8): 4 gates × 16 rows = 4 Vector512
    /// accumulators. Padded rows have zero weights, so their hidden values stay exactly 0.
    /// </summary>
    public static (int Padded, int TileRows) ChooseTiles(int units, int gates = 1)
    {
        if (units <= 8) return (8, 8);
        if (gates > 1 || units <= 16) return (RoundUp(units, 16), 16);
        if (units <= 64)
        {
            int p = RoundUp(units, 16);
            return (p, p);
        }

        int padded = RoundUp(units, 32);
        return (padded, padded % 64 == 0 ? 64 : 32);
    }

    /// <summary>
    /// The forward walk at one width: as many vectors per gate group as fit in 8 registers' worth of chains, then a
    /// k-split into independent partial sums until about 8 FMA chains are in flight (4-cycle latency, 2 pipes), and a
    /// column unroll that keeps one unrolled chunk near <see cref="MaxFmasPerChunk"/> FMAs. Returns
    /// (vectors per block, blocks per tile, k-split, column unroll).
    /// </summary>
    public static (int VectorsPerBlock, int Blocks, int KSplit, int Unroll) ChooseForward(VectorWidth width, int tileRows, int groups, int longestColumnRun)
    {
        if (width.IsScalar)
            return (1, tileRows, 1, Math.Min(longestColumnRun, ScalarUnroll));
        int vectorsPerTile = tileRows / width.Lanes;
        int vectorsPerBlock = vectorsPerTile;
        while (vectorsPerBlock > 1 && vectorsPerBlock * groups > 8) vectorsPerBlock /= 2;
        int blocks = vectorsPerTile / vectorsPerBlock;
        int chains = vectorsPerBlock * groups;
        int kSplit = Math.Max(1, Math.Min(4, (ChainsForLatency + chains - 1) / chains));
        int unroll = Math.Max(kSplit, MaxFmasPerChunk / chains / kSplit * kSplit);
        if (unroll >= longestColumnRun) unroll = RoundUp(longestColumnRun, kSplit);
        return (vectorsPerBlock, blocks, kSplit, unroll);
    }

    /// <summary>
    /// target += Σ_c δ_c·Wᵀ[c, :]: blocks of up to 8 output vectors that divide the row, a k-split that brings the
    /// chains to 8, and the largest multiple of the k-split up to 256 / vectors that divides the columns as the unroll.
    /// </summary>
    public static ProductPlan ChooseProduct(VectorWidth width, int columns, int rowLength)
    {
        int vectors = rowLength / width.Lanes;
        int vb = Math.Min(vectors, 8);
        while (vectors % vb != 0) vb--;
        int kSplit = Math.Max(1, Math.Min(4, 8 / vb));
        int maxUnroll = width.IsScalar ? ScalarUnroll : Math.Max(kSplit, 256 / vb);
        int unroll = kSplit;
        for (int d = kSplit; d <= Math.Min(maxUnroll, columns); d += kSplit)
            if (columns % d == 0) unroll = d;
        return new ProductPlan(columns, rowLength, vb, vectors / vb, kSplit, unroll);
    }

    /// <summary>Columns of weight gradients kept in registers at once: a register budget (20 at Vector512, 10 narrower, 8 scalar) over gates × vectors, at most 8.</summary>
    public static int ChooseGradientColumns(VectorWidth width, int gates, int vectorsPerBlock)
    {
        int budget = width == VectorWidth.V512 ? 20 : width.IsScalar ? 8 : 10;
        return Math.Max(1, Math.Min(8, budget / (gates * vectorsPerBlock)));
    }

    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    public static long RoundUp(long value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
