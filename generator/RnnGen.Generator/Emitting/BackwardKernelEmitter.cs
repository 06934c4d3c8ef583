using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The per-step kernels of a recurrent layer's backward pass: δ from dL/dh (and dL/dc) and the cached gate values
/// (the kind's prologue over the tile walk), the transposed products dL/dh_{t−1} += W_hhᵀ·δ and dL/dx_t += W_ihᵀ·δ
/// (column-broadcast kernels over row-major transposed copies, no horizontal sums), and the transposes that rebuild
/// those copies from the parameters at every BPTT call.
/// </summary>
internal static class BackwardKernelEmitter
{
    /// <summary>Per step: the gradient δ of every pre-activation, stored for the window's weight-gradient pass.</summary>
    public static string DeltaName(TiledLayerPlan layer) => $"__Layer{layer.Layer}Backward";

    /// <summary>Per step: dL/dh_{t−1} += W_hhᵀ·δ, streaming the transposed copy.</summary>
    public static string HiddenProductName(TiledLayerPlan layer) => $"__Layer{layer.Layer}BackwardHidden";

    /// <summary>Per step: dL/dx_t += W_ihᵀ·δ (layers above the first, and an embedding's layer 0).</summary>
    public static string InputProductName(TiledLayerPlan layer) => $"__Layer{layer.Layer}BackwardInput";

    /// <summary>Once per call: the transposed copies of W_hh (and W_ih) that the per-step products stream.</summary>
    public static string TransposeName(TiledLayerPlan layer) => $"__Layer{layer.Layer}Transpose";

    private static readonly Signature ProductSignature = Signature.Refs("wt", "delta", "target");

    public static void Emit(CodeWriter w, ModelPlan plan, TiledLayerPlan layer)
    {
        var kind = RecurrentKind.For(layer);
        string input = ForwardKernelEmitter.InputName(layer);
        w.Comment($"── layer {layer.Layer} · {kind.Name} · backward, per step: δ from dh (and dc) and the cached values");
        foreach (var line in kind.BackwardEquations(input)) w.Comment("   " + line);
        w.Comment($"   δ is stored per step ({layer.DeltaStride} floats, tile-major like a weight column); the weight gradients wait for the window's end");
        var deltaSignature = DeltaSignature(kind);
        Dispatcher.Emit(w, DeltaName(layer), deltaSignature, ForwardKernelEmitter.Widths(layer));
        foreach (var wp in layer.Widths) EmitDelta(w, layer, kind, wp, deltaSignature);

        if (kind.IsRecurrent)
        {
            w.Comment($"── layer {layer.Layer} · {kind.Name} · backward, per step: dh_prev += W_hhᵀ·δ, a column-broadcast product over the transposed copy");
            Dispatcher.Emit(w, HiddenProductName(layer), ProductSignature, ForwardKernelEmitter.Widths(layer));
            foreach (var wp in layer.Widths) EmitProduct(w, HiddenProductName(layer), wp.HiddenProduct, new VectorOps(wp.Width));
        }
        if (layer.HasDx)
        {
            w.Comment($"── layer {layer.Layer} · {kind.Name} · backward, per step: d{input} += W_ihᵀ·δ");
            Dispatcher.Emit(w, InputProductName(layer), ProductSignature, ForwardKernelEmitter.Widths(layer));
            foreach (var wp in layer.Widths) EmitProduct(w, InputProductName(layer), wp.InputProduct!, new VectorOps(wp.Width));
        }

        EmitTranspose(w, layer, kind);
    }

    /// <summary>(h, hPrev, dh, dhPrev[, cPrev, dc, dcPrev][, cache], delta[, deltaRec]); a Dense layer's (h, dh[, cache], delta) with h its output y.</summary>
    public static Signature DeltaSignature(RecurrentKind kind)
    {
        var names = kind.IsRecurrent ? new List<string> { "h", "hPrev", "dh", "dhPrev" } : new List<string> { "h", "dh" };
        if (kind.HasCellState) names.AddRange(new[] { "cPrev", "dc", "dcPrev" });
        if (kind.HasTrainForward) names.Add("cache");
        names.Add("delta");
        if (kind.HasSeparateRecurrentDelta) names.Add("deltaRec");
        return Signature.Refs(names.ToArray());
    }

    private static void EmitDelta(CodeWriter w, TiledLayerPlan layer, RecurrentKind kind, WidthPlan wp, Signature signature)
    {
        var o = new VectorOps(wp.Width);
        int L = wp.Width.Lanes, S = wp.VectorsPerBlock, TR = layer.TileRows, CS = layer.ColumnStride;
        var acc = kind.Accumulators;
        bool separate = kind.HasSeparateRecurrentDelta;
        w.Line(Hot);
        using (w.Block($"private static void {DeltaName(layer)}{wp.Width.Suffix}({signature.Declaration})"))
        {
            var walk = new TileWalk(w);
            var rows = new List<TileRow> { new("h", "h", TR), new("dh", "dh", TR) };
            if (kind.IsRecurrent) rows.AddRange(new TileRow[] { new("hp", "hPrev", TR), new("dhp", "dhPrev", TR) });
            if (kind.HasCellState) rows.AddRange(new TileRow[] { new("cp", "cPrev", TR), new("dc", "dc", TR), new("dcp", "dcPrev", TR) });
            rows.AddRange(ForwardKernelEmitter.CacheRows(layer, kind));
            rows.Add(new TileRow("d", "delta", CS));
            if (separate) rows.Add(new TileRow("dr", "deltaRec", CS));
            using (walk.Tiles(layer.Tiles, serpentine: false, rows.ToArray()))
            using (walk.Blocks(wp.BlocksPerTile, wp.BlockRows))
            {
                w.Comment("δ: the gradient of every pre-activation");
                var block = walk.Block(o);
                for (int s = 0; s < S; s++)
                    kind.EmitBackwardPrologue(block, s, s * L);
                w.Comment(separate ? "δ of W_ih's rows, then δ of W_hh's rows, gate by gate" : "δ, gate by gate (W_ih and W_hh share it)");
                for (int g = 0; g < kind.Gates.Length; g++)
                    for (int s = 0; s < S; s++)
                    {
                        w.Line(o.Store($"d{acc[kind.InputAccumulator(g)]}{s}", walk["d"], g * TR + s * L));
                        if (separate) w.Line(o.Store($"d{acc[kind.RecurrentAccumulator(g)]}{s}", walk["dr"], g * TR + s * L));
                    }
            }
        }

        w.Line();
    }

    /// <summary>
    /// target[0..RowLength) += Σ_c δ_c · Wᵀ[c, :] over the rows of a row-major transposed copy: δ_c is broadcast and
    /// multiplied into a block of output vectors, like the forward's column walk.
    /// </summary>
    private static void EmitProduct(CodeWriter w, string name, ProductPlan pp, VectorOps o)
    {
        int L = o.Lanes, vb = pp.VectorsPerBlock, K = pp.KSplit;
        w.Line(Hot);
        using (w.Block($"private static void {name}{o.Width.Suffix}({ProductSignature.Declaration})"))
        {
            w.Comment($"target += Σ_c δ_c·Wᵀ[c, :] for c = 0..{I(pp.Columns - 1)} (every gate row); Wᵀ rows of {I(pp.RowLength)} floats; " +
                      $"{I(pp.Blocks)} block(s) of {I(vb)} {o.Type}, {I(K)} partial sum(s)");
            string wO = "wt", tO = "target";
            using (w.BlockIf(pp.Blocks > 1, $"for (int ob = 0; ob < {I(pp.Blocks)}; ob++)"))
            {
                if (pp.Blocks > 1)
                {
                    (wO, tO) = ("wO", "tO");
                    w.Line($"ref float wO = {At("wt", $"ob * {I(vb * L)}")};");
                    w.Line($"ref float tO = {At("target", $"ob * {I(vb * L)}")};");
                }

                for (int v = 0; v < vb; v++)
                {
                    w.Line($"var a{v}_0 = {o.Load(tO, v * L)};");
                    for (int k = 1; k < K; k++) w.Line($"var a{v}_{k} = {o.Zero};");
                }

                w.Line($"{o.Type} xk;");
                void Column(int u, string wRef, int offset, string dRef, int index)
                {
                    w.Line($"xk = {o.Broadcast(Elem(dRef, index))};");
                    for (int v = 0; v < vb; v++)
                        w.Line($"a{v}_{u % K} = {o.Fma(o.Load(wRef, offset + v * L), "xk", $"a{v}_{u % K}")};");
                }

                if (pp.Unroll == pp.Columns)
                {
                    for (int c = 0; c < pp.Columns; c++) Column(c, wO, c * pp.RowLength, "delta", c);
                }
                else
                {
                    using (w.Block($"for (int c = 0; c < {I(pp.Columns)}; c += {I(pp.Unroll)})"))
                    {
                        w.Line($"ref float wC = {At(wO, $"c * {I(pp.RowLength)}")};");
                        w.Line($"ref float dC = {At("delta", "c")};");
                        for (int u = 0; u < pp.Unroll; u++) Column(u, "wC", u * pp.RowLength, "dC", u);
                    }
                }

                for (int v = 0; v < vb; v++)
                {
                    string sum = $"a{v}_0";
                    for (int k = 1; k < K; k++) sum += $" + a{v}_{k}";
                    w.Line(o.Store(sum, tO, v * L));
                }
            }
        }

        w.Line();
    }

    /// <summary>The lanes form of a product kernel (<see cref="EmitLanes"/>).</summary>
    public static string LanesName(string product) => product + "Lanes";

    private static readonly Signature LanesSignature = Signature.Refs("wt", "delta", "target").With(new Parameter("int", "first"), new Parameter("int", "end"));

    /// <summary>
    /// The lanes forms of the layer's transposed products, for TrainBatch's lanes driver: lane q's δ and target at the
    /// refs + q·<see cref="LanesBpttEmitter.LaneStride"/>, each row of Wᵀ loaded once per block of lanes.
    /// </summary>
    public static void EmitLanes(CodeWriter w, TiledLayerPlan layer)
    {
        var kind = RecurrentKind.For(layer);
        if (kind.IsRecurrent)
        {
            w.Comment($"── layer {layer.Layer} · {kind.Name} · backward over many lanes: dh_prev += W_hhᵀ·δ for every lane, each Wᵀ vector loaded once per block of lanes");
            Dispatcher.Emit(w, LanesName(HiddenProductName(layer)), LanesSignature, ForwardKernelEmitter.Widths(layer));
            foreach (var wp in layer.Widths) EmitLanesProduct(w, HiddenProductName(layer), wp.HiddenProduct, new VectorOps(wp.Width));
        }

        if (layer.HasDx)
        {
            w.Comment($"── layer {layer.Layer} · {kind.Name} · backward over many lanes: d{ForwardKernelEmitter.InputName(layer)} += W_ihᵀ·δ for every lane");
            Dispatcher.Emit(w, LanesName(InputProductName(layer)), LanesSignature, ForwardKernelEmitter.Widths(layer));
            foreach (var wp in layer.Widths) EmitLanesProduct(w, InputProductName(layer), wp.InputProduct!, new VectorOps(wp.Width));
        }
    }

    /// <summary>
    /// <see cref="EmitProduct"/> for blocks of lanes: per block of output vectors, each Wᵀ vector is loaded once and
    /// multiplied into every lane's accumulators. A lane's column c adds into its partial sum (c mod Unroll) mod K, and the
    /// partial sums are added in order, as in the single-lane kernel: the same bits. Lanes that do not fill a block take
    /// the single-lane kernel of the same width.
    /// </summary>
    private static void EmitLanesProduct(CodeWriter w, string name, ProductPlan pp, VectorOps o)
    {
        int L = o.Lanes, K = pp.KSplit, vectors = pp.RowLength / L;
        int budget = o.Width == VectorWidth.V512 ? AgentPlan.Vector512Accumulators : AgentPlan.NarrowAccumulators;
        // The block: the most accumulators within the budget, then the fewest loads per multiply-add ((V + A) / (V·A)).
        int bestV = 1, bestA = 1;
        double bestLoads = double.MaxValue;
        for (int v = 1; v <= vectors && v <= 4; v *= 2)
        {
            if (vectors % v != 0) break;
            for (int a = 1; a <= AgentPlan.MaxAgents && v * a * K <= budget; a++)
            {
                double loads = (double)(v + a) / (v * a);
                if (v * a > bestV * bestA || (v * a == bestV * bestA && loads < bestLoads - 1e-12)) (bestV, bestA, bestLoads) = (v, a, loads);
            }
        }

        int V = bestV, A = bestA;
        string LaneRef(string row, int a) => At(row, $"(q + {I(a)}) * {LanesBpttEmitter.LaneStride}");
        w.Line(Hot);
        using (w.Block($"private static void {LanesName(name)}{o.Width.Suffix}({LanesSignature.Declaration})"))
        {
            w.Comment($"per lane q: target_q += Σ_c δ_q[c]·Wᵀ[c, :] for c = 0..{I(pp.Columns - 1)}; blocks of {I(A)} lane(s) × {I(V)} {o.Type}, {I(K)} partial sum(s)");
            w.Line($"int whole = first + (end - first) / {I(A)} * {I(A)};");
            w.Line($"{o.Type} {string.Join(", ", Enumerable.Range(0, A).Select(a => "xk" + I(a)))}, wv;");
            using (w.Block($"for (int ob = 0; ob < {I(vectors / V)}; ob++)"))
            {
                w.Line($"ref float wO = {At("wt", $"ob * {I(V * L)}")};");
                using (w.Block("for (int q = first; q < whole; q += " + I(A) + ")"))
                {
                    for (int a = 0; a < A; a++)
                    {
                        w.Line($"ref float d{a} = {LaneRef("delta", a)};");
                        w.Line($"ref float t{a} = ref Unsafe.Add({LaneRef("target", a)}, ob * {I(V * L)});");
                    }

                    for (int v = 0; v < V; v++)
                        for (int a = 0; a < A; a++)
                        {
                            w.Line($"var a{v}_0_{a} = {o.Load($"t{a}", v * L)};");
                            for (int k = 1; k < K; k++) w.Line($"var a{v}_{k}_{a} = {o.Zero};");
                        }

                    void Column(int u, string wRef, int offset, string index)
                    {
                        for (int a = 0; a < A; a++)
                            w.Line($"xk{a} = {o.Broadcast(index == "0" ? $"d{a}" : $"Unsafe.Add(ref d{a}, {index})")};");
                        for (int v = 0; v < V; v++)
                        {
                            w.Line($"wv = {o.Load(wRef, offset + v * L)};");
                            for (int a = 0; a < A; a++)
                                w.Line($"a{v}_{u % K}_{a} = {o.Fma("wv", $"xk{a}", $"a{v}_{u % K}_{a}")};");
                        }
                    }

                    if (pp.Unroll == pp.Columns)
                    {
                        for (int c = 0; c < pp.Columns; c++) Column(c, "wO", c * pp.RowLength, I(c));
                    }
                    else
                    {
                        using (w.Block($"for (int c = 0; c < {I(pp.Columns)}; c += {I(pp.Unroll)})"))
                        {
                            w.Line($"ref float wC = {At("wO", $"c * {I(pp.RowLength)}")};");
                            for (int u = 0; u < pp.Unroll; u++) Column(u, "wC", u * pp.RowLength, u == 0 ? "c" : $"c + {I(u)}");
                        }
                    }

                    for (int v = 0; v < V; v++)
                        for (int a = 0; a < A; a++)
                        {
                            string sum = $"a{v}_0_{a}";
                            for (int k = 1; k < K; k++) sum += $" + a{v}_{k}_{a}";
                            w.Line(o.Store(sum, $"t{a}", v * L));
                        }
                }
            }

            w.Comment("the lanes that do not fill a block: one by one, through the single-lane kernel of this width");
            w.Line("for (int q = whole; q < end; q++)");
            w.Line($"    {name}{o.Width.Suffix}(ref wt, {At("delta", $"q * {LanesBpttEmitter.LaneStride}")}, {At("target", $"q * {LanesBpttEmitter.LaneStride}")});");
        }

        w.Line();
    }

    /// <summary>Writes W_hhᵀ (and W_ihᵀ) row-major, rows in δ's order (tile, gate, unit), padding columns left zero.</summary>
    private static void EmitTranspose(CodeWriter w, TiledLayerPlan layer, RecurrentKind kind)
    {
        if (!kind.IsRecurrent && !layer.HasDx) return;
        int CS = layer.ColumnStride, PH = layer.Padded, XR = layer.TransposedInputRow;
        w.Comment($"── layer {layer.Layer} · the transposed copies, rebuilt from the parameters at the start of every BPTT call (the parameters may have changed)");
        w.Line(Hot);
        var names = new List<string> { "p" };
        if (kind.IsRecurrent) names.Add("whhT");
        if (layer.HasDx) names.Add("wihT");
        var signature = Signature.Refs(names.ToArray());
        using (w.Block($"private static void {TransposeName(layer)}({signature.Declaration})"))
        {
            var walk = new TileWalk(w);
            var rows = new List<TileRow> { ForwardKernelEmitter.Weights(layer) };
            if (kind.IsRecurrent) rows.Add(new TileRow("hh", "whhT", CS * PH));
            if (layer.HasDx) rows.Add(new TileRow("ih", "wihT", CS * XR));
            using (walk.Tiles(layer.Tiles, serpentine: false, rows.ToArray()))
            {
                if (kind.IsRecurrent)
                {
                    w.Comment($"W_hhᵀ[t·{I(CS)} + r, k] = column k of tile t, row r");
                    w.Line($"{Kernels}.Transpose({At(walk["w"], layer.RecurrentColumnsOffset)}, {I(CS)}, {I(layer.Units)}, {I(CS)}, ref {walk["hh"]}, {I(PH)});");
                }

                if (layer.HasDx)
                {
                    w.Comment($"W_ihᵀ likewise, rows of {I(XR)}");
                    w.Line($"{Kernels}.Transpose({At(walk["w"], layer.InputColumnsOffset)}, {I(CS)}, {I(layer.InputWidth)}, {I(CS)}, ref {walk["ih"]}, {I(XR)});");
                }
            }
        }

        w.Line();
    }
}
