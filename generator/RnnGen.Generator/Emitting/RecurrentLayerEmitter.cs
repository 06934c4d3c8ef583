using System;
using System.Collections.Generic;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Emit;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The tile walk shared by every cell. For each layer it emits, per vector width: the inference forward
/// kernel, the training forward kernel (which also caches what the backward pass needs) and the backward
/// kernel, plus a dispatcher per kernel that the JIT folds to one call. Weights are read tile-major with
/// constant offsets from a <c>ref float</c>: for each column k the input x_k (or h_k) is broadcast and
/// multiplied into the tile's accumulators; the cell's epilogue then runs on registers.
/// </summary>
internal sealed class RecurrentLayerEmitter
{
    private readonly KernelPlan _plan;
    private readonly CellEmitter _cell;

    public RecurrentLayerEmitter(KernelPlan plan, CellEmitter cell)
    {
        _plan = plan;
        _cell = cell;
    }

    public static string ForwardName(int layer) => $"__Layer{layer}Forward";

    public static string TrainForwardName(int layer) => $"__Layer{layer}ForwardTrain";

    public static string BackwardName(int layer) => $"__Layer{layer}Backward";

    /// <summary>Whether training needs its own forward kernel (cells that cache gate values).</summary>
    public bool HasTrainForward => _cell.CacheSlots.Length > 0;

    public string ForwardParameters(bool train) =>
        "ref float p, ref float x, ref float h, ref float hNext"
        + (_cell.HasCellState ? ", ref float c, ref float cNext" : "")
        + (train && HasTrainForward ? ", ref float cache" : "");

    public string BackwardParameters(int layer) =>
        "ref float p, ref float g, ref float x, ref float hPrev, ref float h, ref float dh, ref float dhPrev"
        + (HasDx(layer) ? ", ref float dx" : "")
        + (_cell.HasCellState ? ", ref float cPrev, ref float dc, ref float dcPrev" : "")
        + (HasTrainForward ? ", ref float cache" : "");

    /// <summary>Layers above the first pass dL/dx down to the layer below; layer 0 does too when its input is an embedding row.</summary>
    private bool HasDx(int layer) => layer > 0 || _plan.HasEmbedding;

    private static string Arguments(string parameters) => parameters.Replace("ref float ", "ref ");

    public void EmitLayer(CodeWriter w, LayerPlan layer)
    {
        string input = layer.Index == 0 ? "x" : $"h(l{layer.Index - 1})";
        string shapes = $"W_ih [{_cell.Gates.Length}·{_plan.Spec.Hidden}×{layer.InputWidth}], W_hh [{_cell.Gates.Length}·{_plan.Spec.Hidden}×{_plan.Spec.Hidden}]";
        w.Line($"// ── layer {layer.Index} · {_cell.Name} · forward");
        foreach (var line in _cell.ForwardEquations(input)) w.Line("//    " + line);
        w.Line($"//    {shapes}; tile-major: {_plan.Tiles} tile(s) of {_plan.TileRows} units at offset {layer.Offset}, {layer.TileStride} floats per tile, columns of {layer.ColumnStride}");
        EmitDispatch(w, ForwardName(layer.Index), ForwardParameters(false));
        foreach (var width in _plan.Widths) EmitForward(w, layer, width, train: false);

        if (HasTrainForward)
        {
            w.Line($"// ── layer {layer.Index} · {_cell.Name} · forward for training: as above, also caching [{string.Join(", ", _cell.CacheSlots)}] for the backward pass");
            EmitDispatch(w, TrainForwardName(layer.Index), ForwardParameters(true));
            foreach (var width in _plan.Widths) EmitForward(w, layer, width, train: true);
        }

        w.Line($"// ── layer {layer.Index} · {_cell.Name} · backward");
        foreach (var line in _cell.BackwardEquations(input)) w.Line("//    " + line);
        w.Line($"//    then per gate: db_ih += δ; db_hh += δ; dW_ih += δ·{input}ᵀ; dW_hh += δ·hᵀ; dh_prev += W_hhᵀ·δ{(layer.Index > 0 ? $"; d{input} += W_ihᵀ·δ" : "")}");
        EmitDispatch(w, BackwardName(layer.Index), BackwardParameters(layer.Index));
        foreach (var width in _plan.Widths) EmitBackward(w, layer, width);
    }

    /// <summary>A small method that calls the kernel of the widest accelerated width; the JIT keeps only that call.</summary>
    public void EmitDispatch(CodeWriter w, string name, string parameters) => EmitDispatch(w, _plan, name, parameters);

    /// <summary>A small method that calls the kernel of the widest accelerated width of <paramref name="plan"/>.</summary>
    public static void EmitDispatch(CodeWriter w, KernelPlan plan, string name, string parameters)
    {
        string arguments = Arguments(parameters);
        w.Line(GeneratedCode);
        w.Line(Inline);
        w.Open($"private static void {name}({parameters})");
        bool first = true;
        foreach (var width in plan.Widths)
        {
            if (width.Width.IsScalar)
            {
                w.Line(first ? $"{name}{width.Width.Suffix}({arguments});" : "else");
                if (!first) w.Line($"    {name}{width.Width.Suffix}({arguments});");
            }
            else
            {
                w.Line($"{(first ? "if" : "else if")} ({width.Width.Global}.IsHardwareAccelerated)");
                w.Line($"    {name}{width.Width.Suffix}({arguments});");
            }

            first = false;
        }

        w.Close();
        w.Line();
    }

    // ───────────────────────────────────────────────────────────────────── tile and block loops

    /// <summary>
    /// Opens the loops over tiles and over the sub-blocks of a tile, and declares refs to the weight block
    /// (<c>wT</c>/<c>wB</c>), optionally the gradient block (<c>gT</c>/<c>gB</c>), the rows of each hidden-sized
    /// vector (<c>{name}T</c>/<c>{name}B</c>) and of each cache slot (<c>{slot}CT</c>/<c>{slot}C</c>).
    /// </summary>
    private void OpenTiles(CodeWriter w, LayerPlan layer, WidthPlan wp, bool gradients, IList<(string Name, string Source)> rows, bool cacheSlots)
    {
        int TR = _plan.TileRows;
        if (_plan.Tiles > 1) w.Open($"for (int t = 0; t < {I(_plan.Tiles)}; t++)");
        else w.Open("");
        string tileOffset = _plan.Tiles > 1 ? $"{I(layer.Offset)} + t * {I(layer.TileStride)}" : I(layer.Offset);
        string rowOffset = _plan.Tiles > 1 ? $"t * {I(TR)}" : "0";
        w.Line($"ref float wT = {At("p", tileOffset)};");
        if (gradients) w.Line($"ref float gT = {At("g", tileOffset)};");
        foreach (var (name, source) in rows)
            w.Line($"ref float {name}T = {At(source, rowOffset)};");
        if (cacheSlots)
            for (int i = 0; i < _cell.CacheSlots.Length; i++)
                w.Line($"ref float {_cell.CacheSlots[i]}CT = {At("cache", rowOffset == "0" ? I(i * _plan.PaddedHidden) : $"{I(i * _plan.PaddedHidden)} + {rowOffset}")};");

        if (wp.BlocksPerTile > 1) w.Open($"for (int b = 0; b < {I(wp.BlocksPerTile)}; b++)");
        else w.Open("");
        string blockOffset = wp.BlocksPerTile > 1 ? (wp.BlockRows == 1 ? "b" : $"b * {I(wp.BlockRows)}") : "0";
        w.Line($"ref float wB = {At("wT", blockOffset)};");
        if (gradients) w.Line($"ref float gB = {At("gT", blockOffset)};");
        foreach (var (name, _) in rows)
            w.Line($"ref float {name}B = {At(name + "T", blockOffset)};");
        if (cacheSlots)
            foreach (var slot in _cell.CacheSlots)
                w.Line($"ref float {slot}C = {At(slot + "CT", blockOffset)};");
    }

    private static void CloseTiles(CodeWriter w)
    {
        w.Close();
        w.Close();
    }

    /// <summary>
    /// Walks <paramref name="count"/> columns from <paramref name="columnsOffset"/>: fully unrolled when short,
    /// else a loop over chunks of <paramref name="unroll"/> unrolled columns plus an unrolled remainder.
    /// <paramref name="column"/> gets (index in chunk or absolute k, weight ref, gradient ref, constant offset
    /// from them, source ref, constant index into it, dot-target ref).
    /// </summary>
    private void EmitColumns(CodeWriter w, string source, int count, int columnsOffset, int unroll, int step, bool gradients, string? dotTarget,
        string comment, Action<int, string, string, int, string, int, string?> column)
    {
        w.Line($"// {comment}   (k = 0..{I(count - 1)})");
        int main = count <= unroll ? 0 : count / unroll * unroll;
        if (main > 0) EmitColumnLoop(w, source, 0, main, unroll, columnsOffset, gradients, dotTarget, column);

        // The remainder: a second, shorter rolled loop when it is long, so no method grows past the JIT's
        // full-optimization budget; only the last few columns are unrolled with absolute offsets.
        int rest = main;
        if (main > 0 && count - main >= 2 * step)
        {
            int end = main + (count - main) / step * step;
            EmitColumnLoop(w, source, main, end, step, columnsOffset, gradients, dotTarget, column);
            rest = end;
        }

        for (int k = rest; k < count; k++)
            column(k, "wB", "gB", columnsOffset + k * _plan.ColumnStride, source, k, dotTarget);
    }

    private void EmitColumnLoop(CodeWriter w, string source, int from, int to, int unroll, int columnsOffset, bool gradients, string? dotTarget,
        Action<int, string, string, int, string, int, string?> column)
    {
        int CS = _plan.ColumnStride;
        w.Open($"for (int k = {I(from)}; k < {I(to)}; k += {I(unroll)})");
        w.Line($"ref float wK = {At("wB", $"{I(columnsOffset)} + k * {I(CS)}")};");
        if (gradients) w.Line($"ref float gK = {At("gB", $"{I(columnsOffset)} + k * {I(CS)}")};");
        w.Line($"ref float sK = {At(source, "k")};");
        if (dotTarget is not null) w.Line($"ref float tK = {At(dotTarget, "k")};");
        for (int u = 0; u < unroll; u++)
            column(u, "wK", "gK", u * CS, "sK", u, dotTarget is null ? null : "tK");
        w.Close();
    }

    private static string Elem(string baseRef, int index) =>
        index == 0 ? baseRef : $"{Unsafe}.Add(ref {baseRef}, {I(index)})";

    // ───────────────────────────────────────────────────────────────────── forward

    private void EmitForward(CodeWriter w, LayerPlan layer, WidthPlan wp, bool train)
    {
        var o = new VectorOps(wp.Width);
        string name = (train ? TrainForwardName(layer.Index) : ForwardName(layer.Index)) + wp.Width.Suffix;
        int L = wp.Width.Lanes, S = wp.VectorsPerBlock, K = wp.KSplit, TR = _plan.TileRows, CS = layer.ColumnStride;
        var acc = _cell.Accumulators;
        int gates = _cell.Gates.Length;

        w.Line(GeneratedCode);
        w.Line(Hot);
        w.Open($"private static void {name}({ForwardParameters(train)})");
        w.Line(o.Scalar
            ? $"// scalar fallback: the same tile walk, one hidden unit per block, {acc.Length} accumulator(s)"
            : $"// {_plan.Tiles} tile(s) × {wp.BlocksPerTile} block(s) × {S} {wp.Width.TypeName} per group × {acc.Length} group(s) [{string.Join(" ", acc)}], {K} partial sum(s) over the columns");
        var rows = new List<(string, string)> { ("h", "h"), ("hn", "hNext") };
        if (_cell.HasCellState) { rows.Add(("c", "c")); rows.Add(("cn", "cNext")); }
        OpenTiles(w, layer, wp, gradients: false, rows, cacheSlots: train && HasTrainForward);

        // accumulators ← biases: each group gets b_ih and/or b_hh of its gate
        w.Line($"// [{string.Join(" ", acc)}] = b_ih + b_hh");
        for (int n = 0; n < acc.Length; n++)
            for (int s = 0; s < S; s++)
            {
                var terms = new List<string>();
                for (int g = 0; g < gates; g++)
                {
                    if (_cell.InputAccumulator(g) == n) terms.Add(o.Load("wB", g * TR + s * L));
                    if (_cell.RecurrentAccumulator(g) == n) terms.Add(o.Load("wB", layer.BiasHhOffset + g * TR + s * L));
                }

                w.Line($"var {acc[n]}{s}_0 = {string.Join(" + ", terms)};");
                for (int k = 1; k < K; k++) w.Line($"var {acc[n]}{s}_{k} = {o.Zero};");
            }

        w.Line($"{o.Type} xk;");

        void Column(bool recurrent, int u, string wRef, int off, string srcRef, int srcIdx)
        {
            w.Line($"xk = {o.Broadcast(Elem(srcRef, srcIdx))};");
            for (int g = 0; g < gates; g++)
            {
                int n = recurrent ? _cell.RecurrentAccumulator(g) : _cell.InputAccumulator(g);
                for (int s = 0; s < S; s++)
                {
                    string a = $"{acc[n]}{s}_{u % K}";
                    w.Line($"{a} = {o.Fma(o.Load(wRef, off + g * TR + s * L), "xk", a)};");
                }
            }
        }

        int step = KernelPlan.RoundUp(8, K);
        EmitColumns(w, "x", layer.InputWidth, layer.InputColumnsOffset, wp.ColumnUnroll, step, false, null,
            layer.Index == 0 ? "[gates] += W_ih[:, k]·x_k" : $"[gates] += W_ih[:, k]·h(l{layer.Index - 1})_k",
            (u, wRef, _, off, src, idx, _) => Column(false, u, wRef, off, src, idx));
        EmitColumns(w, "h", _plan.Spec.Hidden, layer.RecurrentColumnsOffset, wp.ColumnUnroll, step, false, null,
            "[gates] += W_hh[:, k]·h_k",
            (u, wRef, _, off, src, idx, _) => Column(true, u, wRef, off, src, idx));

        for (int n = 0; n < acc.Length; n++)
            for (int s = 0; s < S; s++)
            {
                string sum = $"{acc[n]}{s}_0";
                for (int k = 1; k < K; k++) sum += $" + {acc[n]}{s}_{k}";
                w.Line($"var {acc[n]}{s} = {sum};");
            }

        for (int s = 0; s < S; s++)
            _cell.EmitForwardEpilogue(w, o, s, s * L, train);

        CloseTiles(w);
        w.Close();
        w.Line();
    }

    // ───────────────────────────────────────────────────────────────────── backward

    private void EmitBackward(CodeWriter w, LayerPlan layer, WidthPlan wp)
    {
        var o = new VectorOps(wp.Width);
        string name = BackwardName(layer.Index) + wp.Width.Suffix;
        int L = wp.Width.Lanes, S = wp.VectorsPerBlock, TR = _plan.TileRows;
        var acc = _cell.Accumulators;
        int gates = _cell.Gates.Length;
        bool hasDx = HasDx(layer.Index);

        w.Line(GeneratedCode);
        w.Line(Hot);
        w.Open($"private static void {name}({BackwardParameters(layer.Index)})");
        var rows = new List<(string, string)> { ("h", "h"), ("hp", "hPrev"), ("dh", "dh"), ("dhp", "dhPrev") };
        if (_cell.HasCellState) { rows.Add(("cp", "cPrev")); rows.Add(("dc", "dc")); rows.Add(("dcp", "dcPrev")); }
        OpenTiles(w, layer, wp, gradients: true, rows, cacheSlots: HasTrainForward);

        w.Line("// δ: the gradient of every pre-activation");
        for (int s = 0; s < S; s++)
            _cell.EmitBackwardPrologue(w, o, s, s * L);

        w.Line("// db_ih += δ; db_hh += δ");
        for (int g = 0; g < gates; g++)
            for (int s = 0; s < S; s++)
            {
                int inOff = g * TR + s * L, recOff = layer.BiasHhOffset + g * TR + s * L;
                w.Line(o.Store($"{o.Load("gB", inOff)} + d{acc[_cell.InputAccumulator(g)]}{s}", "gB", inOff));
                w.Line(o.Store($"{o.Load("gB", recOff)} + d{acc[_cell.RecurrentAccumulator(g)]}{s}", "gB", recOff));
            }

        w.Line($"{o.Type} xk, q;");
        int unroll = Math.Max(1, wp.ColumnUnroll / 2);

        void Column(bool recurrent, string wRef, string gRef, int off, string srcRef, int srcIdx, string? dotRef)
        {
            w.Line($"xk = {o.Broadcast(Elem(srcRef, srcIdx))};");
            bool firstDot = true;
            for (int g = 0; g < gates; g++)
            {
                int n = recurrent ? _cell.RecurrentAccumulator(g) : _cell.InputAccumulator(g);
                for (int s = 0; s < S; s++)
                {
                    int at = off + g * TR + s * L;
                    string d = $"d{acc[n]}{s}";
                    w.Line(o.Store(o.Fma(d, "xk", o.Load(gRef, at)), gRef, at));
                    if (dotRef is null) continue;
                    w.Line(firstDot ? $"q = {o.Load(wRef, at)} * {d};" : $"q = {o.Fma(o.Load(wRef, at), d, "q")};");
                    firstDot = false;
                }
            }

            if (dotRef is not null) w.Line($"{Elem(dotRef, srcIdx)} += {o.Sum("q")};");
        }

        EmitColumns(w, "x", layer.InputWidth, layer.InputColumnsOffset, unroll, 8, true, hasDx ? "dx" : null,
            !hasDx ? "dW_ih[:, k] += δ·x_k"
                : layer.Index > 0 ? $"dW_ih[:, k] += δ·h(l{layer.Index - 1})_k; dh(l{layer.Index - 1})_k += W_ih[:, k]·δ"
                : "dW_ih[:, k] += δ·x_k; dx_k += W_ih[:, k]·δ (x is an embedding row)",
            (_, wRef, gRef, off, src, idx, dot) => Column(false, wRef, gRef, off, src, idx, dot));
        EmitColumns(w, "hPrev", _plan.Spec.Hidden, layer.RecurrentColumnsOffset, unroll, 8, true, "dhPrev",
            "dW_hh[:, k] += δ·h_k; dh_prev_k += W_hh[:, k]·δ",
            (_, wRef, gRef, off, src, idx, dot) => Column(true, wRef, gRef, off, src, idx, dot));

        CloseTiles(w);
        w.Close();
        w.Line();
    }
}
