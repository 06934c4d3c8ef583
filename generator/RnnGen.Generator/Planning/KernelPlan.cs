using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Planning;

/// <summary>
/// Sizes → memory layout and kernel shape. Pure: no Roslyn, unit-tested on its own. Speed work
/// changes the choices made here (tile rows, accumulators, unrolling, widths), not the emitters.
/// </summary>
internal sealed record KernelPlan(
    ModelSpec Spec,
    int PaddedHidden,
    int TileRows,
    int Tiles,
    EquatableArray<LayerPlan> LayerPlans,
    int Gates,
    int AccumulatorGroups,
    int HeadOffset,
    int HeadStride,
    int HeadBiasOffset,
    int ParameterCount,
    int TrainableParameterCount,
    EquatableArray<TensorPlan> Tensors,
    EquatableArray<WidthPlan> Widths)
{
    /// <summary>Every buffer section starts on a multiple of this many floats (64 bytes).</summary>
    public const int Alignment = 16;

    /// <summary>Target number of multiply-adds in one unrolled column chunk of a sub-block; keeps each emitted method well inside the JIT's full-optimization budget.</summary>
    public const int MaxFmasPerChunk = 512;

    /// <summary>Independent FMA chains needed to hide the FMA latency (4-cycle latency × 2 pipes).</summary>
    public const int ChainsForLatency = 8;

    /// <summary>Version of the internal layout; part of the fingerprint.</summary>
    public const int LayoutVersion = 1;

    public int OutputSize => Spec.Output > 0 ? Spec.Output : Spec.Hidden;

    public bool HasHead => Spec.Output > 0;

    /// <summary>Token inputs through an embedding table stored at the start of the buffer.</summary>
    public bool HasEmbedding => Spec.Vocabulary > 0;

    /// <summary>Offset of embedding.weight (row-major [Vocabulary, Input]).</summary>
    public const int EmbeddingOffset = 0;

    /// <summary>Floats of one layer's hidden vector in a state buffer (padded to the tile).</summary>
    public int StateStride => PaddedHidden;

    /// <summary>Floats of one column of a tile: every gate's rows.</summary>
    public int ColumnStride => Gates * TileRows;

    public string Fingerprint =>
        $"rnngen-layout-v{LayoutVersion};cell={Spec.Cell.ToString().ToLowerInvariant()};act={Spec.Activation.ToString().ToLowerInvariant()};" +
        $"input={Spec.Input};hidden={Spec.Hidden};layers={Spec.Layers};output={Spec.Output};vocabulary={Spec.Vocabulary};tile={TileRows};padded={PaddedHidden}";

    public static KernelPlan Create(ModelSpec spec)
    {
        int hidden = spec.Hidden;
        int gates = GatesOf(spec.Cell);
        // GRU keeps the recurrent part of its n gate apart (r ⊙ (W_hn·h + b_hn)): one more accumulator group.
        int groups = spec.Cell == CellKind.Gru ? 4 : gates;
        (int padded, int tileRows) = ChooseTiles(hidden, gates);
        int tiles = padded / tileRows;
        int columnStride = gates * tileRows;

        var layers = ImmutableArray.CreateBuilder<LayerPlan>(spec.Layers);
        // embedding.weight [Vocabulary, Input] first (PyTorch module order), rows of Input floats: a token's
        // embedding row is read in place as layer 0's input.
        int offset = spec.Vocabulary > 0 ? RoundUp(spec.Vocabulary * spec.Input, Alignment) : 0;
        for (int l = 0; l < spec.Layers; l++)
        {
            int inputWidth = l == 0 ? spec.Input : hidden;
            int tileStride = (2 + inputWidth + hidden) * columnStride;
            layers.Add(new LayerPlan(l, inputWidth, offset, tileStride, columnStride));
            offset += tiles * tileStride;
        }

        int headOffset = offset, headStride = 0, headBias = offset;
        if (spec.Output > 0)
        {
            // head.weight as Output rows of PaddedHidden floats (zero past Hidden), then head.bias.
            headStride = padded;
            headBias = headOffset + spec.Output * padded;
            offset = headBias + spec.Output;
        }

        int parameterCount = RoundUp(offset, Alignment);

        var tensors = ImmutableArray.CreateBuilder<TensorPlan>();
        int canonical = 0;
        void AddTensor(string name, int rows, int cols)
        {
            var t = new TensorPlan(name, rows, cols, canonical);
            tensors.Add(t);
            canonical += t.Length;
        }

        if (spec.Vocabulary > 0) AddTensor("embedding.weight", spec.Vocabulary, spec.Input);
        for (int l = 0; l < spec.Layers; l++)
        {
            AddTensor("rnn.weight_ih_l" + l, gates * hidden, layers[l].InputWidth);
            AddTensor("rnn.weight_hh_l" + l, gates * hidden, hidden);
            AddTensor("rnn.bias_ih_l" + l, gates * hidden, 0);
            AddTensor("rnn.bias_hh_l" + l, gates * hidden, 0);
        }

        if (spec.Output > 0)
        {
            AddTensor("head.weight", spec.Output, hidden);
            AddTensor("head.bias", spec.Output, 0);
        }

        var widths = ImmutableArray.CreateBuilder<WidthPlan>();
        foreach (var width in new[] { VectorWidth.V512, VectorWidth.V256, VectorWidth.V128 })
        {
            if (tileRows % width.Lanes != 0) continue;
            widths.Add(ChooseWidthPlan(width, tileRows, groups, Math.Max(spec.Input, hidden)));
        }

        widths.Add(ChooseWidthPlan(VectorWidth.Scalar, tileRows, groups, Math.Max(spec.Input, hidden)));

        return new KernelPlan(spec, padded, tileRows, tiles,
            new EquatableArray<LayerPlan>(layers.ToImmutable()), gates, groups, headOffset, headStride, headBias,
            parameterCount, canonical,
            new EquatableArray<TensorPlan>(tensors.ToImmutable()),
            new EquatableArray<WidthPlan>(widths.ToImmutable()));
    }

    /// <summary>Gate blocks per weight row group: Elman 1, LSTM 4 (i, f, g, o), GRU 3 (r, z, n).</summary>
    public static int GatesOf(CellKind cell) => cell switch
    {
        CellKind.Lstm => 4,
        CellKind.Gru => 3,
        _ => 1,
    };

    /// <summary>
    /// Pads the hidden size so every tile is whole. Elman: small layers are one tile (≤ 64 rows, ≤ 4 Vector512
    /// accumulators); larger ones use tiles of 64 (or 32) rows. Gated cells put every gate of a unit in the
    /// same tile, so their tiles hold 16 units (8 when hidden ≤ 8): 4 gates × 16 rows = 4 Vector512
    /// accumulators. Padded rows have zero weights, so their hidden values stay exactly 0.
    /// </summary>
    internal static (int Padded, int TileRows) ChooseTiles(int hidden, int gates = 1)
    {
        if (hidden <= 8) return (8, 8);
        if (gates > 1 || hidden <= 16) return (RoundUp(hidden, 16), 16);
        if (hidden <= 64)
        {
            int p = RoundUp(hidden, 16);
            return (p, p);
        }

        int padded = RoundUp(hidden, 32);
        return (padded, padded % 64 == 0 ? 64 : 32);
    }

    /// <summary>
    /// Accumulators for one width: as many vectors per gate group as fit in 8 registers' worth of chains,
    /// then a k-split into independent partial sums until about 8 FMA chains are in flight (4-cycle latency,
    /// 2 pipes), and a column unroll that keeps one unrolled chunk near <see cref="MaxFmasPerChunk"/> FMAs.
    /// </summary>
    internal static WidthPlan ChooseWidthPlan(VectorWidth width, int tileRows, int groups, int longestColumnRun)
    {
        if (width.IsScalar)
            return new WidthPlan(width, 1, tileRows, 1, Math.Min(longestColumnRun, 64));
        int vectorsPerTile = tileRows / width.Lanes;
        int vectorsPerBlock = vectorsPerTile;
        while (vectorsPerBlock > 1 && vectorsPerBlock * groups > 8) vectorsPerBlock /= 2;
        int blocks = vectorsPerTile / vectorsPerBlock;
        int chains = vectorsPerBlock * groups;
        int kSplit = Math.Max(1, Math.Min(4, (ChainsForLatency + chains - 1) / chains));
        int unroll = Math.Max(kSplit, MaxFmasPerChunk / chains / kSplit * kSplit);
        if (unroll >= longestColumnRun) unroll = RoundUp(longestColumnRun, kSplit);
        return new WidthPlan(width, vectorsPerBlock, blocks, kSplit, unroll);
    }

    internal static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
