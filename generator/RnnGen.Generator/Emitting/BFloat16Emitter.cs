using System.Collections.Generic;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The BFloat16 file (<c>{Name}.BFloat16.g.cs</c>, <c>WeightPrecision = BFloat16</c> models only): <c>RefreshInferenceWeights</c>,
/// which rounds W_ih and W_hh into the 16-bit copy, and the inference kernels that stream it. The float32 parameters
/// stay the master copy: training kernels, the head and Save/Load never see this. A kernel walks the same tiles and
/// blocks as the float32 one (<see cref="TileWalk"/>), two columns at a time: one vector load of a column pair gives
/// column k's weights as <c>(v &lt;&lt; 16)</c> and column k + 1's as <c>(v &amp; 0xFFFF0000)</c>, both multiplied in float32
/// into the same accumulator chains (chain = k mod KSplit) in the same column order as the float32 kernel, and the
/// epilogue is the float32 one. So a BFloat16 model computes bit for bit what a Float32 model whose W_ih and W_hh
/// were rounded to bfloat16 computes.
/// <para>
/// A small model (<see cref="ModelPlan.HasRoundedFloat32Copy"/>, see <see cref="ModelPlanner.Float32KernelsMaxBytes"/>) gets
/// no 16-bit kernels: its copy is the tiled layers' blocks as floats, biases as they are and W_ih, W_hh rounded to
/// bfloat16, at the same offsets from the copy's start as from layer 0's in the parameters. The float32 inference and
/// agent kernels read it through a base (<c>__InferenceBaseOffset</c> past the parameters' base) at which every
/// <c>__Layer{n}Offset</c> lands in the copy, and add the same products in the same order, so the results are the 16-bit
/// kernels' bit for bit.
/// </para>
/// </summary>
internal static class BFloat16Emitter
{
    /// <summary>The dispatcher; kernels append the width as the float32 ones do (<c>__Layer0Bf16Forward512</c>).</summary>
    public static string Name(TiledLayerPlan layer) => $"__Layer{layer.Layer}Bf16Forward";

    private static string Offset(TiledLayerPlan layer) => $"__Layer{layer.Layer}Bf16Offset";

    /// <summary>The tiles of <paramref name="layer"/> in the bfloat16 copy that <paramref name="copy"/> points to, as a walk row.</summary>
    public static TileRow Weights(TiledLayerPlan layer, string copy = "q") => new("w", copy, layer.BFloat16!.TileStride, Offset(layer));

    private static Signature KernelSignature(TiledLayerPlan layer)
    {
        var names = layer.IsRecurrent ? new List<string> { "q", "x", "h", "hNext" } : new List<string> { "q", "x", "hNext" };
        if (layer.StateC >= 0) names.AddRange(new[] { "c", "cNext" });
        var signature = Signature.Refs(names.ToArray());
        return layer.Serpentine ? signature.With(new Parameter("bool", "reverse")) : signature;   // serpentine tile order, as the float32 kernels
    }

    /// <summary>The constant that gives the float32 kernels' base in a model with a rounded float32 copy.</summary>
    public const string CopyBase = "__InferenceBaseOffset";

    public static void Emit(CodeWriter w, ModelPlan plan)
    {
        if (plan.HasRoundedFloat32Copy)
        {
            EmitRoundedCopy(w, plan);
            return;
        }

        foreach (var layer in plan.Tiled)
        {
            w.Line(GeneratedCode);
            w.Line($"private const int {Offset(layer)} = {I(layer.BFloat16!.Offset)};   // layer {layer.Layer}'s tiles in the bfloat16 section");
        }

        w.Line();
        EmitRefresh(w, plan);
        foreach (var layer in plan.Tiled)
        {
            var lp = layer.BFloat16!;
            var kind = RecurrentKind.For(layer);
            w.Comment($"── layer {layer.Layer} · {kind.Name} · inference forward from the bfloat16 copy (Step, Forward, Evaluate)",
                      "   as the float32 kernel, two columns per load: a 32-bit word holds W[:, k] (low half) and W[:, k+1] (high half);",
                      $"   W[:, k] = (v << 16) as float, W[:, k+1] = (v & 0xFFFF0000) as float; {layer.Tiles} tile(s) of {lp.TileStride} words");
            var signature = KernelSignature(layer);
            Dispatcher.Emit(w, Name(layer), signature, ForwardKernelEmitter.Widths(layer));
            foreach (var wp in layer.Widths) EmitKernel(w, layer, kind, lp, wp, signature);
        }
    }

    /// <summary><c>RefreshInferenceWeights()</c>: per tile, the summed biases of each accumulator group, then W_ih and W_hh as column pairs.</summary>
    private static void EmitRefresh(CodeWriter w, ModelPlan plan)
    {
        w.Line("/// <summary>");
        w.Line("/// Rounds the recurrent weights (W_ih, W_hh) of <see cref=\"Parameters\"/> to bfloat16 (nearest, ties to even) into the");
        w.Line("/// copy that Step, Forward and Evaluate stream, and stores the summed biases beside them (float32). The model calls");
        w.Line("/// this itself whenever it changes the parameters: construction, InitializeParameters, CopyParametersFrom, Load,");
        w.Line("/// TrainStep and TrainBatch (after the optimizer step; a skipped step changes nothing). After writing");
        w.Line("/// <see cref=\"Parameters\"/> directly (your own optimizer, pruning, …) call it yourself: until then inference keeps");
        w.Line("/// using the previous copy. Training and gradients always use the float32 parameters. Allocates nothing.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        using (w.Block("public void RefreshInferenceWeights()"))
        {
            w.Line("ref float p = ref __Base;");
            w.Line("ref float q = ref Unsafe.Add(ref p, __InferenceWeightsOffset);");
            foreach (var layer in plan.Tiled)
            {
                var lp = layer.BFloat16!;
                var kind = RecurrentKind.For(layer);
                var acc = kind.Accumulators;
                int TR = layer.TileRows, CS = layer.ColumnStride;
                w.Comment($"layer {layer.Layer}: per tile, the bias of each group [{string.Join(" ", acc)}] (float32), then the weight columns as bfloat16 column pairs");
                var walk = new TileWalk(w);
                // Rows named per layer: a layer of one tile declares its references in the method's own scope.
                string wRow = "w" + I(layer.Layer), qRow = "q" + I(layer.Layer);
                var weights = ForwardKernelEmitter.Weights(layer);
                using (walk.Tiles(layer.Tiles, serpentine: false, weights with { Name = wRow }, new TileRow(qRow, "q", lp.TileStride, Offset(layer))))
                {
                    string wT = walk[wRow], qT = walk[qRow];
                    using (w.Block($"for (int r = 0; r < {I(TR)}; r++)"))
                    {
                        for (int n = 0; n < acc.Length; n++)
                        {
                            var terms = new List<string>();
                            var names = new List<string>();
                            for (int g = 0; g < kind.Gates.Length; g++)
                            {
                                string gate = kind.Gates[g].Length == 0 ? "h" : kind.Gates[g];
                                if (kind.InputAccumulator(g) == n) { terms.Add($"Unsafe.Add(ref {wT}, {Plus(I(layer.BiasIhOffset + g * TR), "r")})"); names.Add("b_i" + gate); }
                                if (kind.IsRecurrent && kind.RecurrentAccumulator(g) == n) { terms.Add($"Unsafe.Add(ref {wT}, {Plus(I(layer.BiasHhOffset + g * TR), "r")})"); names.Add("b_h" + gate); }
                            }

                            w.Line($"Unsafe.Add(ref {qT}, {Plus(I(BFloat16LayerPlan.BiasOffset + n * TR), "r")}) = {string.Join(" + ", terms)};   // {acc[n]}: {string.Join(" + ", names)}");
                        }
                    }

                    w.Line($"{Kernels}.PackBFloat16ColumnPairs(MemoryMarshal.CreateReadOnlySpan({At(wT, layer.InputColumnsOffset)}, {I(layer.InputWidth * CS)}), {I(CS)},");
                    w.Line($"    MemoryMarshal.CreateSpan({At(qT, lp.InputPairsOffset)}, {I(lp.InputPairs * CS)}));   // W_ih");
                    if (layer.IsRecurrent)
                    {
                        w.Line($"{Kernels}.PackBFloat16ColumnPairs(MemoryMarshal.CreateReadOnlySpan({At(wT, layer.RecurrentColumnsOffset)}, {I(layer.Units * CS)}), {I(CS)},");
                        w.Line($"    MemoryMarshal.CreateSpan({At(qT, lp.RecurrentPairsOffset)}, {I(lp.RecurrentPairs * CS)}));   // W_hh");
                    }
                }
            }
        }

        w.Line();
    }

    /// <summary>
    /// A small model's <c>RefreshInferenceWeights()</c> and the base constant of its copy: per layer and tile, the biases
    /// copied as they are, then every W_ih and W_hh column rounded to bfloat16 (nearest, ties to even) and stored as floats.
    /// </summary>
    private static void EmitRoundedCopy(CodeWriter w, ModelPlan plan)
    {
        w.Line(GeneratedCode);
        w.Line($"private const int {CopyBase} = {I(plan.InferenceBase)};   // __InferenceWeightsOffset − __Layer0Offset: __Layer{{n}}Offset from here lands in the copy");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Rounds the recurrent weights (W_ih, W_hh) of <see cref=\"Parameters\"/> to bfloat16 (nearest, ties to even) into the");
        w.Line("/// copy that Step, Forward, Evaluate and the many-agent Step read, stored as floats beside the biases: this model is small");
        w.Line("/// enough that the float32 kernels over the rounded weights are as fast as the 16-bit ones (see <see cref=\"StreamsBFloat16\"/>),");
        w.Line("/// with the same results. The model calls this itself whenever it changes the parameters: construction,");
        w.Line("/// InitializeParameters, CopyParametersFrom, Load, TrainStep and TrainBatch (after the optimizer step; a skipped step");
        w.Line("/// changes nothing). After writing <see cref=\"Parameters\"/> directly (your own optimizer, pruning, …) call it yourself:");
        w.Line("/// until then inference keeps using the previous copy. Training and gradients always use the float32 parameters.");
        w.Line("/// Allocates nothing.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        using (w.Block("public void RefreshInferenceWeights()"))
        {
            w.Line("ref float p = ref __Base;");
            w.Line($"ref float q = ref Unsafe.Add(ref p, {CopyBase});   // the copy, addressed as the parameters are");
            foreach (var layer in plan.Tiled)
            {
                int biases = layer.InputColumnsOffset, columns = layer.TileStride - biases;
                w.Comment($"layer {layer.Layer}: per tile, {I(biases)} bias floats as they are, then {I(columns)} floats of W_ih and W_hh columns rounded to bfloat16");
                string tile = layer.Tiles > 1 ? $"__Layer{layer.Layer}Offset + t * {I(layer.TileStride)}" : $"__Layer{layer.Layer}Offset";
                using (w.BlockIf(layer.Tiles > 1, $"for (int t = 0; t < {I(layer.Tiles)}; t++)"))
                {
                    w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref p, {tile}), {I(biases)}).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref q, {tile}), {I(biases)}));");
                    w.Line($"global::RnnGen.Kernels.BFloat16.Round(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref p, {tile} + {I(biases)}), {I(columns)}),");
                    w.Line($"    MemoryMarshal.CreateSpan(ref Unsafe.Add(ref q, {tile} + {I(biases)}), {I(columns)}));");
                }
            }
        }

        w.Line();
    }

    private static void EmitKernel(CodeWriter w, TiledLayerPlan layer, RecurrentKind kind, BFloat16LayerPlan lp, WidthPlan wp, Signature signature)
    {
        var o = new VectorOps(wp.Width);
        int L = wp.Width.Lanes, S = wp.VectorsPerBlock, K = wp.KSplit, TR = layer.TileRows, CS = lp.ColumnStride;
        var acc = kind.Accumulators;
        string V = wp.Width.Alias;
        w.Line(Hot);
        using (w.Block($"private static void {Name(layer)}{wp.Width.Suffix}({signature.Declaration})"))
        {
            w.Comment(o.Scalar
                ? $"scalar fallback: the same tile walk, one unit per block, {acc.Length} accumulator(s)"
                : $"{layer.Tiles} tile(s) × {wp.BlocksPerTile} block(s) × {S} {wp.Width.TypeName} per group × {acc.Length} group(s) [{string.Join(" ", acc)}], {K} partial sum(s)");
            if (!o.Scalar) w.Line($"var high = {V}.Create(0xFFFF0000u);   // keeps the high bfloat16 of each word");
            var walk = new TileWalk(w);
            var rows = new List<TileRow> { Weights(layer), new("hn", "hNext", TR) };
            if (kind.IsRecurrent) rows.Add(new("h", "h", TR));
            if (kind.HasCellState) rows.AddRange(new TileRow[] { new("c", "c", TR), new("cn", "cNext", TR) });
            using (walk.Tiles(layer.Tiles, layer.Serpentine, rows.ToArray()))
            using (walk.Blocks(wp.BlocksPerTile, wp.BlockRows))
            {
                string wB = walk["w"];
                w.Comment($"[{string.Join(" ", acc)}] = the summed biases (float32)");
                for (int n = 0; n < acc.Length; n++)
                    for (int s = 0; s < S; s++)
                    {
                        w.Line($"var {acc[n]}{s}_0 = {o.Load(wB, BFloat16LayerPlan.BiasOffset + n * TR + s * L)};");
                        for (int k = 1; k < K; k++) w.Line($"var {acc[n]}{s}_{k} = {o.Zero};");
                    }

                w.Line($"{o.Type} xk, xk1;");
                w.Line(o.Scalar ? "uint wv;" : $"{wp.Width.Global}<uint> wv;");

                // Columns col (low half) and col + 1 (high half, when present) from the word block at wRef + off.
                void Pair(bool recurrent, int col, bool hasHigh, string wRef, int off, string srcRef, int srcIdx)
                {
                    w.Line($"xk = {o.Broadcast(Elem(srcRef, srcIdx))};");
                    if (hasHigh) w.Line($"xk1 = {o.Broadcast(Elem(srcRef, srcIdx + 1))};");
                    for (int g = 0; g < kind.Gates.Length; g++)
                    {
                        int n = recurrent ? kind.RecurrentAccumulator(g) : kind.InputAccumulator(g);
                        for (int s = 0; s < S; s++)
                        {
                            int at = off + g * TR + s * L;
                            w.Line(o.Scalar ? $"wv = Unsafe.As<float, uint>({At(wRef, at)});" : $"wv = {V}.AsUInt32({o.Load(wRef, at)});");
                            string a = $"{acc[n]}{s}_{col % K}";
                            w.Line($"{a} = {o.Fma(Low(o), "xk", a)};");
                            if (!hasHigh) continue;
                            string b = $"{acc[n]}{s}_{(col + 1) % K}";
                            w.Line($"{b} = {o.Fma(High(o), "xk1", b)};");
                        }
                    }
                }

                void Run(bool recurrent, string source, int count, int runOffset, string comment)
                {
                    w.Comment($"{comment}   (k = 0..{I(count - 1)}, two columns per word)");
                    int pairs = count / 2;
                    // Pairs are walked by their first column: k = 0, 2, 4, …; pair j's words sit at runOffset + j·ColumnStride.
                    var run = new ColumnRun(new[] { source }, pairs, 0, 2, runOffset, CS / 2, wp.PairUnroll, wp.PairStep);
                    ColumnWalk.Emit(w, wB, run, c => Pair(recurrent, c.Item, true, c.Weights, c.Offset, c.Sources[0], c.Index));
                    if (count % 2 == 1)
                        Pair(recurrent, count - 1, false, wB, runOffset + pairs * CS, source, count - 1);
                }

                Run(false, "x", layer.InputWidth, lp.InputPairsOffset, ForwardKernelEmitter.InputProduct(layer, kind));
                if (kind.IsRecurrent) Run(true, "h", layer.Units, lp.RecurrentPairsOffset, "[gates] += W_hh[:, k]·h_k");
                ForwardKernelEmitter.EmitSums(w, acc, S, K);
                var block = walk.Block(o);
                for (int s = 0; s < S; s++)
                    kind.EmitForwardEpilogue(block, s, s * L, train: false);
            }
        }

        w.Line();
    }

    /// <summary>The low bfloat16 of <c>wv</c> as a float: its bits shifted into the upper half.</summary>
    private static string Low(VectorOps o) => o.Scalar
        ? "global::System.BitConverter.UInt32BitsToSingle(wv << 16)"
        : $"{o.Width.Alias}.AsSingle(wv << 16)";

    /// <summary>The high bfloat16 of <c>wv</c> as a float: the word with its lower half cleared.</summary>
    private static string High(VectorOps o) => o.Scalar
        ? "global::System.BitConverter.UInt32BitsToSingle(wv & 0xFFFF0000u)"
        : $"{o.Width.Alias}.AsSingle(wv & high)";
}
