using System;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Emit;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// <c>WeightPrecision = RnnPrecision.BFloat16</c>: the members that keep the 16-bit copy of the recurrent weights
/// (<c>RefreshInferenceWeights</c>, emitted on every model, a no-op for Float32) and the inference kernels that
/// stream it. The float32 parameters stay the master copy: training kernels, the head, Save/Load never see this.
/// A kernel walks the same tiles and blocks as <see cref="RecurrentLayerEmitter"/>'s, two columns at a time: one
/// vector load of a column pair gives column k's weights as <c>(v &lt;&lt; 16)</c> and column k + 1's as
/// <c>(v &amp; 0xFFFF0000)</c>, both multiplied in float32 into the same accumulator chains (chain = k mod KSplit) in the
/// same column order as the float32 kernel, and the cell's epilogue is the float32 one. So a BFloat16 model
/// computes bit for bit what a Float32 model whose W_ih and W_hh were rounded to bfloat16 computes.
/// </summary>
internal static class BFloat16Emitter
{
    /// <summary>The dispatcher; kernels append the width as the float32 ones do (<c>__Layer0Bf16Forward512</c>).</summary>
    public static string ForwardName(int layer) => $"__Layer{layer}Bf16Forward";

    private static bool IsBFloat16(KernelPlan plan) => plan.Spec.WeightPrecision == PrecisionKind.BFloat16;

    private static string Parameters(CellEmitter cell, KernelPlan plan) =>
        "ref float q, ref float x, ref float h, ref float hNext" + (cell.HasCellState ? ", ref float c, ref float cNext" : "")
        + (plan.Tiles > 1 ? ", bool reverse" : "");   // serpentine tile order, as the float32 kernels

    /// <summary>The public <c>WeightPrecision</c> constant and its IRnnModel static, and the bfloat16 section's offset.</summary>
    public static void EmitConstants(CodeWriter w, KernelPlan plan, int sectionOffset)
    {
        bool bf16 = IsBFloat16(plan);
        w.Line(bf16
            ? "/// <summary>BFloat16: Step, Forward and Evaluate read a bfloat16 copy of the recurrent weights (see <see cref=\"RefreshInferenceWeights\"/>); training and Parameters are float32.</summary>"
            : "/// <summary>Float32: Step, Forward and Evaluate read the float32 <see cref=\"Parameters\"/> directly.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public const global::RnnGen.RnnPrecision WeightPrecision = global::RnnGen.RnnPrecision.{plan.Spec.WeightPrecision};");
        w.Line();
        w.Line(GeneratedCode);
        w.Line("static global::RnnGen.RnnPrecision global::RnnGen.IRnnModel.WeightPrecision => WeightPrecision;");
        if (!bf16) return;
        w.Line(GeneratedCode);
        w.Line($"private const int __InferenceWeightsOffset = {I(sectionOffset)};   // the bfloat16 copy of W_ih and W_hh (column pairs) and the summed biases");
    }

    /// <summary><c>RefreshInferenceWeights()</c>: packs the copy (BFloat16) or does nothing (Float32).</summary>
    public static void EmitRefresh(CodeWriter w, KernelPlan plan, CellEmitter cell)
    {
        if (!IsBFloat16(plan))
        {
            w.Line("/// <summary>");
            w.Line("/// Does nothing: this model's WeightPrecision is Float32, so Step, Forward and Evaluate read <see cref=\"Parameters\"/>");
            w.Line("/// themselves and always see its current values. (A BFloat16 model rounds its recurrent weights into its 16-bit copy here.)");
            w.Line("/// </summary>");
            w.Line(GeneratedCode);
            w.Line("public void RefreshInferenceWeights() { }");
            w.Line();
            return;
        }

        var bp = BFloat16Plan.Create(plan);
        int TR = plan.TileRows;
        var acc = cell.Accumulators;
        w.Line("/// <summary>");
        w.Line("/// Rounds the recurrent weights (W_ih, W_hh) of <see cref=\"Parameters\"/> to bfloat16 (nearest, ties to even) into the");
        w.Line("/// copy that Step, Forward and Evaluate stream, and stores the summed biases beside them (float32). The model calls");
        w.Line("/// this itself whenever it changes the parameters: construction, InitializeParameters, CopyParametersFrom, Load,");
        w.Line("/// TrainStep and TrainBatch (after the optimizer step; a skipped step changes nothing). After writing");
        w.Line("/// <see cref=\"Parameters\"/> directly (your own optimizer, pruning, …) call it yourself: until then inference keeps");
        w.Line("/// using the previous copy. Training and gradients always use the float32 parameters. Allocates nothing.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        w.Open("public void RefreshInferenceWeights()");
        w.Line("ref float p = ref __Base;");
        w.Line($"ref float q = {At("p", "__InferenceWeightsOffset")};");
        foreach (var layer in plan.LayerPlans)
        {
            var lp = bp.Layers[layer.Index];
            int CS = layer.ColumnStride;
            w.Line($"// layer {layer.Index}: per tile, the bias of each group [{string.Join(" ", acc)}] (float32), then W_ih and W_hh as bfloat16 column pairs");
            if (plan.Tiles > 1) w.Open($"for (int t = 0; t < {I(plan.Tiles)}; t++)");
            else w.Open("");
            w.Line($"ref float wT = {At("p", plan.Tiles > 1 ? $"{I(layer.Offset)} + t * {I(layer.TileStride)}" : I(layer.Offset))};");
            w.Line($"ref float qT = {At("q", plan.Tiles > 1 ? $"{I(lp.Offset)} + t * {I(lp.TileStride)}" : I(lp.Offset))};");
            w.Open($"for (int r = 0; r < {I(TR)}; r++)");
            for (int n = 0; n < acc.Length; n++)
            {
                var terms = new System.Collections.Generic.List<string>();
                var names = new System.Collections.Generic.List<string>();
                for (int g = 0; g < cell.Gates.Length; g++)
                {
                    string gate = cell.Gates[g];
                    if (cell.InputAccumulator(g) == n) { terms.Add($"{Unsafe}.Add(ref wT, {Plus(g * TR)}r)"); names.Add("b_i" + (gate.Length == 0 ? "h" : gate)); }
                    if (cell.RecurrentAccumulator(g) == n) { terms.Add($"{Unsafe}.Add(ref wT, {Plus(layer.BiasHhOffset + g * TR)}r)"); names.Add("b_h" + (gate.Length == 0 ? "h" : gate)); }
                }

                w.Line($"{Unsafe}.Add(ref qT, {Plus(BFloat16LayerPlan.BiasOffset + n * TR)}r) = {string.Join(" + ", terms)};   // {acc[n]}: {string.Join(" + ", names)}");
            }

            w.Close();
            w.Line($"{Kernels}.PackBFloat16ColumnPairs({MemoryMarshal}.CreateReadOnlySpan({At("wT", I(layer.InputColumnsOffset))}, {I(layer.InputWidth * CS)}), {I(CS)}, " +
                   $"{MemoryMarshal}.CreateSpan({At("qT", I(lp.InputPairsOffset))}, {I(lp.InputPairs * CS)}));   // W_ih");
            w.Line($"{Kernels}.PackBFloat16ColumnPairs({MemoryMarshal}.CreateReadOnlySpan({At("wT", I(layer.RecurrentColumnsOffset))}, {I(plan.Spec.Hidden * CS)}), {I(CS)}, " +
                   $"{MemoryMarshal}.CreateSpan({At("qT", I(lp.RecurrentPairsOffset))}, {I(lp.RecurrentPairs * CS)}));   // W_hh");
            w.Close();
        }

        w.Close();
        w.Line();
    }

    private static string Plus(int offset) => offset == 0 ? "" : I(offset) + " + ";

    /// <summary>Per layer: a dispatcher and one bfloat16 inference kernel per vector width.</summary>
    public static void EmitKernels(CodeWriter w, KernelPlan plan, CellEmitter cell)
    {
        if (!IsBFloat16(plan)) return;
        var bp = BFloat16Plan.Create(plan);
        foreach (var layer in plan.LayerPlans)
        {
            var lp = bp.Layers[layer.Index];
            w.Line($"// ── layer {layer.Index} · {cell.Name} · inference forward from the bfloat16 copy (Step, Forward, Evaluate)");
            w.Line($"//    as the float32 kernel above, two columns per load: a 32-bit word holds W[:, k] (low half) and W[:, k+1] (high half);");
            w.Line($"//    W[:, k] = (v << 16) as float, W[:, k+1] = (v & 0xFFFF0000) as float; {plan.Tiles} tile(s) of {lp.TileStride} words at section offset {lp.Offset}");
            RecurrentLayerEmitter.EmitDispatch(w, plan, ForwardName(layer.Index), Parameters(cell, plan));
            foreach (var wp in plan.Widths) EmitForward(w, plan, cell, layer, lp, wp);
        }
    }

    private static void EmitForward(CodeWriter w, KernelPlan plan, CellEmitter cell, LayerPlan layer, BFloat16LayerPlan lp, WidthPlan wp)
    {
        var o = new VectorOps(wp.Width);
        int L = wp.Width.Lanes, S = wp.VectorsPerBlock, K = wp.KSplit, TR = plan.TileRows, CS = lp.ColumnStride;
        var acc = cell.Accumulators;
        int gates = cell.Gates.Length;
        string V = wp.Width.Global;

        w.Line(GeneratedCode);
        w.Line(Hot);
        w.Open($"private static void {ForwardName(layer.Index)}{wp.Width.Suffix}({Parameters(cell, plan)})");
        w.Line(o.Scalar
            ? $"// scalar fallback: the same tile walk, one hidden unit per block, {acc.Length} accumulator(s)"
            : $"// {plan.Tiles} tile(s) × {wp.BlocksPerTile} block(s) × {S} {wp.Width.TypeName} per group × {acc.Length} group(s) [{string.Join(" ", acc)}], {K} partial sum(s) over the columns");
        if (!o.Scalar) w.Line($"var high = {V}.Create(0xFFFF0000u);   // keeps the high bfloat16 of each word");

        if (plan.Tiles > 1)
        {
            w.Open($"for (int i = 0; i < {I(plan.Tiles)}; i++)");
            w.Line($"int t = reverse ? {I(plan.Tiles - 1)} - i : i;   // odd steps: last tile first (still in L1)");
        }
        else w.Open("");
        w.Line($"ref float wT = {At("q", plan.Tiles > 1 ? $"{I(lp.Offset)} + t * {I(lp.TileStride)}" : I(lp.Offset))};");
        string rowOffset = plan.Tiles > 1 ? $"t * {I(TR)}" : "0";
        var rows = cell.HasCellState
            ? new[] { ("h", "h"), ("hn", "hNext"), ("c", "c"), ("cn", "cNext") }
            : new[] { ("h", "h"), ("hn", "hNext") };
        foreach (var (name, source) in rows) w.Line($"ref float {name}T = {At(source, rowOffset)};");
        if (wp.BlocksPerTile > 1) w.Open($"for (int b = 0; b < {I(wp.BlocksPerTile)}; b++)");
        else w.Open("");
        string blockOffset = wp.BlocksPerTile > 1 ? (wp.BlockRows == 1 ? "b" : $"b * {I(wp.BlockRows)}") : "0";
        w.Line($"ref float wB = {At("wT", blockOffset)};");
        foreach (var (name, _) in rows) w.Line($"ref float {name}B = {At(name + "T", blockOffset)};");

        w.Line($"// [{string.Join(" ", acc)}] = the summed biases (float32)");
        for (int n = 0; n < acc.Length; n++)
            for (int s = 0; s < S; s++)
            {
                w.Line($"var {acc[n]}{s}_0 = {o.Load("wB", BFloat16LayerPlan.BiasOffset + n * TR + s * L)};");
                for (int k = 1; k < K; k++) w.Line($"var {acc[n]}{s}_{k} = {o.Zero};");
            }

        w.Line($"{o.Type} xk, xk1;");
        w.Line(o.Scalar ? "uint wv;" : $"{V}<uint> wv;");

        // Columns col (low half) and col + 1 (high half, when present) from the word block at wRef + off.
        void Pair(bool recurrent, int col, bool hasHigh, string wRef, int off, string srcRef, int srcIdx)
        {
            w.Line($"xk = {o.Broadcast(Elem(srcRef, srcIdx))};");
            if (hasHigh) w.Line($"xk1 = {o.Broadcast(Elem(srcRef, srcIdx + 1))};");
            for (int g = 0; g < gates; g++)
            {
                int n = recurrent ? cell.RecurrentAccumulator(g) : cell.InputAccumulator(g);
                for (int s = 0; s < S; s++)
                {
                    int at = off + g * TR + s * L;
                    w.Line(o.Scalar
                        ? $"wv = {Unsafe}.As<float, uint>({At(wRef, I(at))});"
                        : $"wv = {V}.AsUInt32({o.Load(wRef, at)});");
                    string a = $"{acc[n]}{s}_{col % K}";
                    w.Line($"{a} = {o.Fma(Low(o), "xk", a)};");
                    if (!hasHigh) continue;
                    string b = $"{acc[n]}{s}_{(col + 1) % K}";
                    w.Line($"{b} = {o.Fma(High(o), "xk1", b)};");
                }
            }
        }

        // Chunks hold a multiple of K pairs, so a column's chain is (its index within the run) mod K, as in the float32 kernel.
        int unrollPairs = KernelPlan.RoundUp(Math.Max(1, wp.ColumnUnroll / 2), K);
        int stepPairs = KernelPlan.RoundUp(4, K);

        void Run(bool recurrent, string source, int count, int runOffset, string comment)
        {
            w.Line($"// {comment}   (k = 0..{I(count - 1)}, two columns per word)");
            int full = count / 2;
            int main = full <= unrollPairs ? 0 : full / unrollPairs * unrollPairs;
            if (main > 0) Loop(recurrent, source, runOffset, 0, main, unrollPairs);
            int rest = main;
            if (main > 0 && full - main >= 2 * stepPairs)
            {
                int end = main + (full - main) / stepPairs * stepPairs;
                Loop(recurrent, source, runOffset, main, end, stepPairs);
                rest = end;
            }

            for (int j = rest; j < full; j++)
                Pair(recurrent, 2 * j, true, "wB", runOffset + j * CS, source, 2 * j);
            if (count % 2 == 1)
                Pair(recurrent, count - 1, false, "wB", runOffset + full * CS, source, count - 1);
        }

        void Loop(bool recurrent, string source, int runOffset, int from, int to, int unroll)
        {
            w.Open($"for (int j = {I(from)}; j < {I(to)}; j += {I(unroll)})");
            w.Line($"ref float wK = {At("wB", $"{I(runOffset)} + j * {I(CS)}")};");
            w.Line($"ref float sK = {At(source, "2 * j")};");
            for (int u = 0; u < unroll; u++)
                Pair(recurrent, 2 * u, true, "wK", u * CS, "sK", 2 * u);
            w.Close();
        }

        Run(false, "x", layer.InputWidth, lp.InputPairsOffset,
            layer.Index == 0 ? "[gates] += W_ih[:, k]·x_k" : $"[gates] += W_ih[:, k]·h(l{layer.Index - 1})_k");
        Run(true, "h", plan.Spec.Hidden, lp.RecurrentPairsOffset, "[gates] += W_hh[:, k]·h_k");

        for (int n = 0; n < acc.Length; n++)
            for (int s = 0; s < S; s++)
            {
                string sum = $"{acc[n]}{s}_0";
                for (int k = 1; k < K; k++) sum += $" + {acc[n]}{s}_{k}";
                w.Line($"var {acc[n]}{s} = {sum};");
            }

        for (int s = 0; s < S; s++)
            cell.EmitForwardEpilogue(w, o, s, s * L, train: false);

        w.Close();
        w.Close();
        w.Close();
        w.Line();
    }

    /// <summary>The low bfloat16 of <c>wv</c> as a float: its bits shifted into the upper half.</summary>
    private static string Low(VectorOps o) => o.Scalar
        ? "global::System.BitConverter.UInt32BitsToSingle(wv << 16)"
        : $"{o.Width.Global}.AsSingle(wv << 16)";

    /// <summary>The high bfloat16 of <c>wv</c> as a float: the word with its lower half cleared.</summary>
    private static string High(VectorOps o) => o.Scalar
        ? "global::System.BitConverter.UInt32BitsToSingle(wv & 0xFFFF0000u)"
        : $"{o.Width.Global}.AsSingle(wv & high)";

    private static string Elem(string baseRef, int index) =>
        index == 0 ? baseRef : $"{Unsafe}.Add(ref {baseRef}, {I(index)})";
}
