using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>The model plan is pure: sizes in, tiles, widths and offsets out. Tested without Roslyn.</summary>
public sealed class ModelPlanTests
{
    internal static ModelSpec Spec(int hidden, int input, int output = 0, int layers = 1, int window = 32,
        ActivationKind activation = ActivationKind.Tanh, CellKind cell = CellKind.Elman) =>
        new("Plans", "Model", EquatableArray<ContainingTypeSpec>.Empty, false, hidden, input, output, layers, window, 0,
            cell, activation, OutputActivationKind.Linear, LossKind.Mse, LossOnKind.EveryStep);

    [Theory]
    [InlineData(1, 8, 8)]
    [InlineData(5, 8, 8)]
    [InlineData(8, 8, 8)]
    [InlineData(9, 16, 16)]
    [InlineData(16, 16, 16)]
    [InlineData(17, 32, 32)]
    [InlineData(33, 48, 48)]
    [InlineData(64, 64, 64)]
    [InlineData(65, 96, 32)]
    [InlineData(100, 128, 64)]
    [InlineData(128, 128, 64)]
    [InlineData(256, 256, 64)]
    [InlineData(4096, 4096, 64)]
    public void ChooseTiles_pads_to_whole_tiles(int hidden, int expectedPadded, int expectedTile)
    {
        var (padded, tile) = TilePlanner.ChooseTiles(hidden);
        Assert.True(padded >= hidden, $"padded {padded} < hidden {hidden}");
        Assert.True(padded % tile == 0, $"tile {tile} does not divide padded {padded}");
        Assert.True(tile <= 64, $"tile {tile} > 64 rows");
        Assert.True(padded - hidden < 32, $"{padded - hidden} padding rows for hidden {hidden}");
        Assert.True(tile % 8 == 0, $"tile {tile} is not a whole number of Vector256");
        Assert.Equal((expectedPadded, expectedTile), (padded, tile));
    }

    [Fact]
    public void ChooseTiles_holds_for_every_supported_hidden_size()
    {
        for (int hidden = 1; hidden <= 4096; hidden++)
        {
            var (padded, tile) = TilePlanner.ChooseTiles(hidden);
            Assert.True(padded >= hidden && padded % tile == 0 && tile <= 64 && tile % 8 == 0 && padded - hidden < 32,
                $"hidden {hidden}: padded {padded}, tile {tile}");
        }
    }

    /// <summary>
    /// TrainBatch gives one call of the lanes driver at most LanesPerCall sequences: whole blocks of 8, and no more than
    /// the 8 MB of lane caches allow (at least 8, at most 64), so a huge batch does not grow the caches.
    /// </summary>
    [Theory]
    [InlineData(16, 32, false, 64)]     // small lanes: the most lanes
    [InlineData(128, 32, true, 40)]     // ~190 KB a lane
    [InlineData(256, 64, true, 8)]      // ~2.4 MB a lane: never fewer than 8
    public void Lanes_per_call_keep_the_lane_caches_bounded(int hidden, int window, bool lstm, int expected)
    {
        var plan = ModelPlanner.Create(Spec(hidden, 10, 1, window: window, cell: lstm ? CellKind.Lstm : CellKind.Gru));
        Assert.Equal(expected, plan.LanesPerCall);
        Assert.Equal(0, plan.LanesPerCall % 8);
        Assert.True(plan.LanesPerCall == 8 || (long)plan.LanesPerCall * plan.LaneStride * sizeof(float) <= ModelPlanner.LaneCacheBytes);
    }

    /// <summary>RNNG014's limit is what the runtime can allocate: the largest float array less the 16 floats of alignment slack.</summary>
    [Fact]
    public void MaxBufferFloats_is_the_largest_float_array_less_the_alignment_slack() =>
        Assert.Equal(ModelPlanner.MaxBufferFloats, Array.MaxLength - 16L);

    [Fact]
    public void Create_64x10x1_counts_parameters_like_PyTorch()
    {
        var plan = ModelPlanner.Create(Spec(hidden: 64, input: 10, output: 1));

        Assert.Equal(64 * 10 + 64 * 64 + 64 + 64 + 64 + 1, plan.TrainableParameterCount);
        Assert.Equal(0, plan.ParameterCount % 16);
        Assert.True(plan.ParameterCount >= plan.TrainableParameterCount);
        Assert.Equal((64, 64, 1), (plan.Top.Padded, plan.Top.TileRows, plan.Top.Tiles));
        Assert.Equal(1, plan.OutputSize);
        Assert.True(plan.HasHead);
        Assert.Equal(plan.Tensors.Sum(static t => t.Length), plan.TrainableParameterCount);
    }

    [Fact]
    public void Create_64x10x1_lists_tensors_in_state_dict_order()
    {
        var plan = ModelPlanner.Create(Spec(hidden: 64, input: 10, output: 1));
        var expected = new (string Name, int Rows, int Columns, int Offset)[]
        {
            ("rnn.weight_ih_l0", 64, 10, 0),
            ("rnn.weight_hh_l0", 64, 64, 640),
            ("rnn.bias_ih_l0", 64, 0, 640 + 4096),
            ("rnn.bias_hh_l0", 64, 0, 640 + 4096 + 64),
            ("head.weight", 1, 64, 640 + 4096 + 128),
            ("head.bias", 1, 0, 640 + 4096 + 128 + 64),
        };
        Assert.Equal(expected, plan.Tensors.Select(static t => (t.Name, t.Rows, t.Columns, t.CanonicalOffset)));
    }

    [Theory]
    [InlineData((int)CellKind.Lstm, 4)]
    [InlineData((int)CellKind.Gru, 3)]
    public void Create_64x10x1_gated_cells_count_and_order_tensors_like_PyTorch(int cellKind, int gates)
    {
        var cell = (CellKind)cellKind;
        var plan = ModelPlanner.Create(Spec(hidden: 64, input: 10, output: 1, cell: cell));
        Assert.Equal(gates * (64 * 10 + 64 * 64 + 64 + 64) + 64 + 1, plan.TrainableParameterCount);
        Assert.Equal(0, plan.ParameterCount % 16);
        Assert.True(plan.ParameterCount >= plan.TrainableParameterCount);
        Assert.Equal(
            new[] { ("rnn.weight_ih_l0", gates * 64, 10), ("rnn.weight_hh_l0", gates * 64, 64), ("rnn.bias_ih_l0", gates * 64, 0),
                    ("rnn.bias_hh_l0", gates * 64, 0), ("head.weight", 1, 64), ("head.bias", 1, 0) },
            plan.Tensors.Select(static t => (t.Name, t.Rows, t.Columns)));
        Assert.NotEqual(ModelPlanner.Create(Spec(64, 10, 1)).Fingerprint, plan.Fingerprint);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(20)]
    [InlineData(100)]
    [InlineData(4096)]
    public void ChooseTiles_for_gated_cells_keeps_tiles_whole(int hidden)
    {
        foreach (int gates in new[] { 3, 4 })
        {
            var (padded, tile) = TilePlanner.ChooseTiles(hidden, gates);
            Assert.True(padded >= hidden && padded % tile == 0 && padded - hidden < 32, $"hidden {hidden}, {gates} gates: padded {padded}, tile {tile}");
            Assert.True(gates * tile <= 64, $"{gates} gates × {tile} rows per tile is more than 4 Vector512 accumulators");
        }
    }

    [Theory]
    [InlineData(64, 10, 1, 1)]
    [InlineData(24, 6, 2, 3)]
    [InlineData(100, 300, 4, 2)]
    [InlineData(5, 3, 0, 8)]
    public void Create_places_tensors_contiguously_and_sections_without_overlap(int hidden, int input, int output, int layers)
    {
        var plan = ModelPlanner.Create(Spec(hidden, input, output, layers));

        // Canonical (PyTorch) vector: contiguous, in order, l0 … l(L−1) then the head.
        var names = new List<string>();
        for (int l = 0; l < layers; l++)
            names.AddRange(new[] { "rnn.weight_ih_l" + l, "rnn.weight_hh_l" + l, "rnn.bias_ih_l" + l, "rnn.bias_hh_l" + l });
        if (output > 0) names.AddRange(new[] { "head.weight", "head.bias" });
        Assert.Equal(names, plan.Tensors.Select(static t => t.Name));
        int offset = 0;
        foreach (var t in plan.Tensors)
        {
            Assert.Equal(offset, t.CanonicalOffset);
            offset += t.Length;
        }

        Assert.Equal(offset, plan.TrainableParameterCount);
        int trainable = (hidden * input + hidden * hidden + 2 * hidden) + (layers - 1) * (2 * hidden * hidden + 2 * hidden)
                        + (output > 0 ? output * hidden + output : 0);
        Assert.Equal(trainable, plan.TrainableParameterCount);

        // Internal buffer: layer blocks one after another, each holding its tiles; the head after them; all inside ParameterCount.
        Assert.Equal(layers, plan.Tiled.Count);
        int end = 0;
        for (int l = 0; l < layers; l++)
        {
            var layer = plan.Tiled[l];
            Assert.Equal(l, layer.Layer);
            Assert.Equal(l == 0 ? input : hidden, layer.InputWidth);
            Assert.True(layer.Offset >= end, $"layer {l} at {layer.Offset} overlaps the previous section ending at {end}");
            Assert.Equal((2 + layer.InputWidth + hidden) * plan.Top.TileRows, layer.TileStride);
            end = layer.Offset + plan.Top.Tiles * layer.TileStride;
        }

        if (output > 0)
        {
            Assert.True(plan.Heads[0].Offset >= end, "the head overlaps the last layer");
            Assert.Equal(plan.Top.Padded, plan.Heads[0].Stride);
            Assert.True(plan.Heads[0].BiasOffset >= plan.Heads[0].Offset + output * plan.Heads[0].Stride, "head.bias overlaps head.weight");
            end = plan.Heads[0].BiasOffset + output;
        }

        Assert.True(end <= plan.ParameterCount, $"sections end at {end}, beyond ParameterCount {plan.ParameterCount}");
        Assert.Equal(0, plan.ParameterCount % ModelPlanner.Alignment);
        Assert.True(plan.ParameterCount - end < ModelPlanner.Alignment, "more padding than alignment needs");
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(5, 8)]
    [InlineData(9, 16)]
    [InlineData(33, 48)]
    [InlineData(64, 64)]
    [InlineData(65, 32)]
    [InlineData(100, 64)]
    public void Widths_are_the_vector_types_that_divide_the_tile_then_scalar(int hidden, int tile)
    {
        var plan = ModelPlanner.Create(Spec(hidden, input: 10));
        Assert.Equal(tile, plan.Top.TileRows);
        var expected = new List<string>();
        if (tile % 16 == 0) expected.Add("Vector512");
        if (tile % 8 == 0) expected.Add("Vector256");
        if (tile % 4 == 0) expected.Add("Vector128");
        expected.Add("float");
        Assert.Equal(expected, plan.Top.Widths.Select(static w => w.Width.TypeName));
        Assert.True(plan.Top.Widths[plan.Top.Widths.Count - 1].Width.IsScalar);
    }

    /// <summary>For every cell and many shapes, each WidthPlan splits the tile exactly into blocks of at most 8 vectors and unrolls whole k-splits.</summary>
    [Fact]
    public void Every_width_plan_covers_the_tile_with_few_accumulators()
    {
        var failures = new List<string>();
        foreach (var cell in new[] { CellKind.Elman, CellKind.Lstm, CellKind.Gru })
            foreach (int hidden in new[] { 1, 5, 8, 9, 16, 17, 33, 48, 64, 65, 100, 127, 128, 255, 256, 4096 })
                foreach (int input in new[] { 1, 3, 10, 127, 300, 65536 })
                {
                    var spec = Spec(hidden, input, cell: cell);
                    if (ModelPlanner.BufferFloats(spec) > ModelPlanner.MaxBufferFloats) continue;   // the parser refuses it (RNNG014)
                    var plan = ModelPlanner.Create(spec);
                    foreach (var w in plan.Top.Widths)
                    {
                        string what = $"{cell} hidden {hidden} input {input} {w.Width.TypeName}";
                        if (w.VectorsPerBlock is < 1 or > 8) failures.Add($"{what}: {w.VectorsPerBlock} vectors per block");
                        if (w.BlocksPerTile * w.VectorsPerBlock * w.Width.Lanes != plan.Top.TileRows)
                            failures.Add($"{what}: {w.BlocksPerTile} blocks × {w.VectorsPerBlock} vectors × {w.Width.Lanes} lanes ≠ {plan.Top.TileRows} tile rows");
                        if (w.BlockRows != w.VectorsPerBlock * w.Width.Lanes) failures.Add($"{what}: BlockRows {w.BlockRows}");
                        if (w.KSplit < 1 || w.ColumnUnroll < 1 || w.ColumnUnroll % w.KSplit != 0)
                            failures.Add($"{what}: unroll {w.ColumnUnroll} is not a positive multiple of KSplit {w.KSplit}");
                    }
                }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(30)));
    }

    [Fact]
    public void Fingerprint_changes_with_every_size_and_the_activation()
    {
        var specs = new[]
        {
            Spec(64, 10, 1), Spec(65, 10, 1), Spec(64, 11, 1), Spec(64, 10, 2), Spec(64, 10, 0),
            Spec(64, 10, 1, layers: 2), Spec(64, 10, 1, activation: ActivationKind.Relu),
        };
        var fingerprints = specs.Select(static s => ModelPlanner.Create(s).Fingerprint).ToList();
        Assert.Equal(fingerprints.Count, fingerprints.Distinct().Count());
        Assert.Equal(ModelPlanner.Create(Spec(64, 10, 1)).Fingerprint, ModelPlanner.Create(Spec(64, 10, 1)).Fingerprint);
        Assert.StartsWith("rnngen-layout-v" + ModelPlan.LayoutVersion + ";", fingerprints[0], System.StringComparison.Ordinal);
    }

    [Fact]
    public void Create_is_pure_and_equatable()
    {
        var spec = Spec(33, 7, 3, layers: 2);
        var a = ModelPlanner.Create(spec);
        var b = ModelPlanner.Create(spec with { });
        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, ModelPlanner.Create(spec with { Window = 16 }));
    }

    /// <summary>The parser's size check runs the planner's own layout in 64 bits: the largest attribute values overflow one buffer and are refused, smaller ones get int offsets.</summary>
    [Fact]
    public void The_largest_models_are_measured_in_64_bits_and_the_ones_that_fit_are_planned()
    {
        var largest = Spec(hidden: 4096, input: 65536, output: 65536, layers: 8, window: 4096);
        Assert.True(ModelPlanner.BufferFloats(largest) > int.MaxValue);
        Assert.Throws<System.ArgumentException>(() => ModelPlanner.Create(largest));

        var big = Spec(hidden: 4096, input: 65536, output: 65536, layers: 2, window: 8);
        long floats = ModelPlanner.BufferFloats(big);
        Assert.True(floats <= int.MaxValue, $"{floats} floats");
        var plan = ModelPlanner.Create(big);
        Assert.Equal(floats, plan.Buffer.Length);
        Assert.True(plan.TrainableParameterCount > 0);
        Assert.True(plan.ParameterCount >= plan.TrainableParameterCount);
        Assert.True(plan.Heads[0].BiasOffset > plan.Heads[0].Offset && plan.Heads[0].Offset > plan.Tiled[1].Offset);
    }

    /// <summary>Every section of the buffer starts aligned, after the previous one ends, and the last ends at the buffer's length.</summary>
    [Theory]
    [InlineData(64, 10, 1, 1, (int)CellKind.Lstm, 0)]
    [InlineData(24, 6, 2, 3, (int)CellKind.Gru, 0)]
    [InlineData(100, 300, 4, 2, (int)CellKind.Elman, 0)]
    [InlineData(6, 4, 7, 2, (int)CellKind.Lstm, 7)]
    public void Buffer_sections_follow_each_other_aligned(int hidden, int input, int output, int layers, int cellKind, int vocabulary)
    {
        var spec = Spec(hidden, input, output, layers, cell: (CellKind)cellKind) with { Vocabulary = vocabulary };
        var plan = ModelPlanner.Create(spec);
        int end = plan.ParameterCount;
        foreach (var section in plan.Buffer.Sections)
        {
            Assert.True(section.Offset >= end, $"{section.Name} at {section.Offset} overlaps the section before, which ends at {end}");
            Assert.Equal(0, section.Offset % ModelPlanner.Alignment);
            end = section.Offset + section.Length;
        }

        Assert.Equal(TilePlanner.RoundUp(end, ModelPlanner.Alignment), plan.Buffer.Length);
        Assert.Equal(plan.Buffer.Length, ModelPlanner.BufferFloats(spec));
    }
}
