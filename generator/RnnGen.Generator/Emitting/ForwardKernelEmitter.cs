using System.Collections.Generic;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The float32 forward kernels of a recurrent layer, per vector width: the inference kernel (Step, Forward, Evaluate)
/// and, for kinds that cache gate values, the training kernel that also stores them. Weights are read tile-major with
/// constant offsets from a <c>ref float</c>: for each column k the input x_k (or h_k) is broadcast and multiplied into
/// the tile's accumulators (<see cref="ColumnWalk"/>); the kind's epilogue then runs on registers.
/// </summary>
internal static class ForwardKernelEmitter
{
    public static string Name(RecurrentLayerPlan layer, bool train) => train ? $"__Layer{layer.Layer}ForwardTrain" : $"__Layer{layer.Layer}Forward";

    /// <summary>(p, x, h, hNext[, c, cNext][, cache][, reverse]): the weights, the input, the state read and the state written.</summary>
    public static Signature KernelSignature(RecurrentLayerPlan layer, bool train)
    {
        var kind = RecurrentKind.For(layer);
        var names = new List<string> { "p", "x", "h", "hNext" };
        if (kind.HasCellState) names.AddRange(new[] { "c", "cNext" });
        if (train && kind.HasTrainForward) names.Add("cache");
        var signature = Signature.Refs(names.ToArray());
        return layer.Serpentine ? signature.With(new Parameter("bool", "reverse")) : signature;
    }

    /// <summary>The input's name in equations: x for the first layer, h(l−1) above.</summary>
    public static string InputName(RecurrentLayerPlan layer) => layer.Layer == 0 ? "x" : $"h(l{layer.Layer - 1})";

    public static void Emit(CodeWriter w, ModelPlan plan, RecurrentLayerPlan layer, bool train)
    {
        var kind = RecurrentKind.For(layer);
        string input = InputName(layer);
        if (train)
            w.Comment($"── layer {layer.Layer} · {kind.Name} · forward for training: as the inference kernel, also caching [{string.Join(", ", kind.CacheSlots)}] for the backward pass");
        else
        {
            w.Comment($"── layer {layer.Layer} · {kind.Name} · forward");
            foreach (var line in kind.ForwardEquations(input)) w.Comment("   " + line);
            w.Comment($"   W_ih [{kind.Gates.Length}·{layer.Units}×{layer.InputWidth}], W_hh [{kind.Gates.Length}·{layer.Units}×{layer.Units}]; tile-major: {layer.Tiles} tile(s) " +
                      $"of {layer.TileRows} units, {layer.TileStride} floats per tile, columns of {layer.ColumnStride}");
        }

        var signature = KernelSignature(layer, train);
        Dispatcher.Emit(w, Name(layer, train), signature, plan.Widths);
        foreach (var wp in layer.Widths)
            EmitKernel(w, layer, kind, wp, signature, train);
    }

    private static void EmitKernel(CodeWriter w, RecurrentLayerPlan layer, RecurrentKind kind, WidthPlan wp, Signature signature, bool train)
    {
        var o = new VectorOps(wp.Width);
        int L = wp.Width.Lanes, S = wp.VectorsPerBlock, K = wp.KSplit, TR = layer.TileRows;
        var acc = kind.Accumulators;
        w.Line(Hot);
        using (w.Block($"private static void {Name(layer, train)}{wp.Width.Suffix}({signature.Declaration})"))
        {
            w.Comment(o.Scalar
                ? $"scalar fallback: the same tile walk, one unit per block, {acc.Length} accumulator(s)"
                : $"{layer.Tiles} tile(s) × {wp.BlocksPerTile} block(s) × {S} {wp.Width.TypeName} per group × {acc.Length} group(s) [{string.Join(" ", acc)}], {K} partial sum(s)");
            var walk = new TileWalk(w);
            var rows = new List<TileRow> { Weights(layer), new("h", "h", TR), new("hn", "hNext", TR) };
            if (kind.HasCellState) rows.AddRange(new TileRow[] { new("c", "c", TR), new("cn", "cNext", TR) });
            if (train) rows.AddRange(CacheRows(layer, kind));
            using (walk.Tiles(layer.Tiles, layer.Serpentine, rows.ToArray()))
            using (walk.Blocks(wp.BlocksPerTile, wp.BlockRows))
            {
                EmitBiases(w, o, layer, kind, S, K, walk["w"], "b_ih + b_hh");
                w.Line($"{o.Type} xk;");
                EmitRuns(w, o, layer, kind, wp, walk["w"], "x", "h", (recurrent, column) =>
                {
                    w.Line($"xk = {o.Broadcast(Elem(column.Sources[0], column.Index))};");
                    for (int g = 0; g < kind.Gates.Length; g++)
                    {
                        int n = recurrent ? kind.RecurrentAccumulator(g) : kind.InputAccumulator(g);
                        for (int s = 0; s < S; s++)
                        {
                            string a = $"{acc[n]}{s}_{column.Item % K}";
                            w.Line($"{a} = {o.Fma(o.Load(column.Weights, column.Offset + g * TR + s * L), "xk", a)};");
                        }
                    }
                });
                EmitSums(w, acc, S, K);
                var block = walk.Block(o);
                for (int s = 0; s < S; s++)
                    kind.EmitForwardEpilogue(block, s, s * L, train);
            }
        }

        w.Line();
    }

    /// <summary>The weight tiles of <paramref name="layer"/> in the parameters, as a walk row.</summary>
    public static TileRow Weights(RecurrentLayerPlan layer) => new("w", "p", layer.TileStride, $"__Layer{layer.Layer}Offset");

    /// <summary>The cache slots of one step (slot i at i·Padded), as walk rows over the kernel's <c>cache</c> parameter.</summary>
    public static IEnumerable<TileRow> CacheRows(RecurrentLayerPlan layer, RecurrentKind kind)
    {
        for (int i = 0; i < kind.CacheSlots.Length; i++)
            yield return new TileRow(TileWalk.CacheRow(kind.CacheSlots[i]), "cache", layer.TileRows, I(i * layer.Padded));
    }

    /// <summary>Every accumulator ← the biases of its gates (b_ih and/or b_hh), partial sums past the first ← 0.</summary>
    public static void EmitBiases(CodeWriter w, VectorOps o, RecurrentLayerPlan layer, RecurrentKind kind, int S, int K, string weights, string what)
    {
        var acc = kind.Accumulators;
        int L = o.Lanes, TR = layer.TileRows;
        w.Comment($"[{string.Join(" ", acc)}] = {what}");
        for (int n = 0; n < acc.Length; n++)
            for (int s = 0; s < S; s++)
            {
                var terms = new List<string>();
                for (int g = 0; g < kind.Gates.Length; g++)
                {
                    if (kind.InputAccumulator(g) == n) terms.Add(o.Load(weights, layer.BiasIhOffset + g * TR + s * L));
                    if (kind.RecurrentAccumulator(g) == n) terms.Add(o.Load(weights, layer.BiasHhOffset + g * TR + s * L));
                }

                w.Line($"var {acc[n]}{s}_0 = {string.Join(" + ", terms)};");
                for (int k = 1; k < K; k++) w.Line($"var {acc[n]}{s}_{k} = {o.Zero};");
            }
    }

    /// <summary>The two column runs of a forward kernel: W_ih over the input, then W_hh over h.</summary>
    public static void EmitRuns(CodeWriter w, VectorOps o, RecurrentLayerPlan layer, RecurrentKind kind, WidthPlan wp, string weights,
        string input, string hidden, System.Action<bool, Column> column)
    {
        w.Comment($"[gates] += W_ih[:, k]·{InputName(layer)}_k   (k = 0..{I(layer.InputWidth - 1)})");
        ColumnWalk.Emit(w, weights, new ColumnRun(new[] { input }, layer.InputWidth, 0, 1, layer.InputColumnsOffset, layer.ColumnStride, wp.ColumnUnroll, wp.ColumnStep),
            c => column(false, c));
        w.Comment($"[gates] += W_hh[:, k]·h_k   (k = 0..{I(layer.Units - 1)})");
        ColumnWalk.Emit(w, weights, new ColumnRun(new[] { hidden }, layer.Units, 0, 1, layer.RecurrentColumnsOffset, layer.ColumnStride, wp.ColumnUnroll, wp.ColumnStep),
            c => column(true, c));
    }

    /// <summary>Each group's pre-activation = its partial sums added in order (the order every path keeps).</summary>
    public static void EmitSums(CodeWriter w, string[] acc, int S, int K)
    {
        for (int n = 0; n < acc.Length; n++)
            for (int s = 0; s < S; s++)
            {
                string sum = $"{acc[n]}{s}_0";
                for (int k = 1; k < K; k++) sum += $" + {acc[n]}{s}_{k}";
                w.Line($"var {acc[n]}{s} = {sum};");
            }
    }
}
