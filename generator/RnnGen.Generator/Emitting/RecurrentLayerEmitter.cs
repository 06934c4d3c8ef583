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

    /// <summary>Per step: the gradient δ of every pre-activation, stored for the window's weight-gradient pass.</summary>
    public static string BackwardName(int layer) => $"__Layer{layer}Backward";

    /// <summary>Per step: dL/dh_{t−1} += W_hhᵀ·δ, streaming the transposed copy.</summary>
    public static string BackwardHiddenName(int layer) => $"__Layer{layer}BackwardHidden";

    /// <summary>Per step: dL/dx_t += W_ihᵀ·δ (layers above the first, and an embedding's layer 0).</summary>
    public static string BackwardInputName(int layer) => $"__Layer{layer}BackwardInput";

    /// <summary>Once per call: the transposed copies of W_hh (and W_ih) that the per-step products stream.</summary>
    public static string TransposeName(int layer) => $"__Layer{layer}Transpose";

    /// <summary>Once per window: every weight and bias gradient of the layer as one blocked product over the steps.</summary>
    public static string WeightGradientsName(int layer) => $"__Layer{layer}WeightGradients";

    /// <summary>Whether training needs its own forward kernel (cells that cache gate values).</summary>
    public bool HasTrainForward => _cell.CacheSlots.Length > 0;

    /// <summary>GRU's n gate has a different δ for W_hh (δn⊙r) than for W_ih (δn): it keeps a second δ per step.</summary>
    public bool HasSeparateRecurrentDelta
    {
        get
        {
            for (int g = 0; g < _cell.Gates.Length; g++)
                if (_cell.InputAccumulator(g) != _cell.RecurrentAccumulator(g)) return true;
            return false;
        }
    }

    /// <summary>Floats of one step's δ of one layer: every gate row of every tile, tile-major like a weight column.</summary>
    public int DeltaStride => _plan.Tiles * _plan.ColumnStride;

    /// <summary>Length of a row of the transposed W_ih copy (the layer's input width, padded to the tile).</summary>
    public int TransposedInputRow(LayerPlan layer) => KernelPlan.RoundUp(layer.InputWidth, _plan.TileRows);

    public string ForwardParameters(bool train) =>
        "ref float p, ref float x, ref float h, ref float hNext"
        + (_cell.HasCellState ? ", ref float c, ref float cNext" : "")
        + (train && HasTrainForward ? ", ref float cache" : "")
        + (Serpentine ? ", bool reverse" : "");

    /// <summary>
    /// Forward kernels of models with several tiles take the tile order from the step's parity: odd steps walk
    /// the tiles last to first, so the tiles the previous step read last, still in L1, come first. Tiles are
    /// independent, so the results are bit-identical either way.
    /// </summary>
    public bool Serpentine => _plan.Tiles > 1;

    public string BackwardParameters =>
        "ref float h, ref float hPrev, ref float dh, ref float dhPrev"
        + (_cell.HasCellState ? ", ref float cPrev, ref float dc, ref float dcPrev" : "")
        + (HasTrainForward ? ", ref float cache" : "")
        + ", ref float delta"
        + (HasSeparateRecurrentDelta ? ", ref float deltaRec" : "");

    private const string ProductParameters = "ref float wt, ref float delta, ref float target";

    private const string TransposeParameters = "ref float p, ref float whhT, ref float wihT";

    private const string WeightGradientParameters = "ref float g, ref float delta, ref float deltaRec, ref float xs, ref float hs, int steps";

    /// <summary>Layers above the first pass dL/dx down to the layer below; layer 0 does too when its input is an embedding row.</summary>
    public bool HasDx(int layer) => layer > 0 || _plan.HasEmbedding;

    /// <summary>The argument list that forwards <paramref name="parameters"/> ("ref float x, int n" → "ref x, n").</summary>
    private static string Arguments(string parameters)
    {
        var parts = parameters.Split(',');
        for (int i = 0; i < parts.Length; i++)
        {
            string part = parts[i].Trim();
            string name = part.Substring(part.LastIndexOf(' ') + 1);
            parts[i] = part.StartsWith("ref ", StringComparison.Ordinal) ? "ref " + name : name;
        }

        return string.Join(", ", parts);
    }

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

        w.Line($"// ── layer {layer.Index} · {_cell.Name} · backward, per step: δ from dh (and dc) and the cached values");
        foreach (var line in _cell.BackwardEquations(input)) w.Line("//    " + line);
        w.Line($"//    δ is stored per step ({DeltaStride} floats, tile-major like a weight column); the weight gradients wait for the window's end");
        EmitDispatch(w, BackwardName(layer.Index), BackwardParameters);
        foreach (var width in _plan.Widths) EmitDelta(w, layer, width);

        w.Line($"// ── layer {layer.Index} · {_cell.Name} · backward, per step: dh_prev += W_hhᵀ·δ, a column-broadcast product over the transposed copy");
        EmitDispatch(w, BackwardHiddenName(layer.Index), ProductParameters);
        foreach (var width in _plan.Widths) EmitTransposedProduct(w, BackwardHiddenName(layer.Index), DeltaStride, _plan.PaddedHidden, width);
        if (HasDx(layer.Index))
        {
            w.Line($"// ── layer {layer.Index} · {_cell.Name} · backward, per step: d{input} += W_ihᵀ·δ");
            EmitDispatch(w, BackwardInputName(layer.Index), ProductParameters);
            foreach (var width in _plan.Widths) EmitTransposedProduct(w, BackwardInputName(layer.Index), DeltaStride, TransposedInputRow(layer), width);
        }

        EmitTranspose(w, layer);

        w.Line($"// ── layer {layer.Index} · {_cell.Name} · weight gradients, once per window: db += Σ_t δ_t; dW_ih += Σ_t δ_t·{input}_tᵀ; dW_hh += Σ_t δ_t·h_{{t−1}}ᵀ");
        EmitDispatch(w, WeightGradientsName(layer.Index), WeightGradientParameters);
        foreach (var width in _plan.Widths) EmitWeightGradients(w, layer, width);
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
    private void OpenTiles(CodeWriter w, LayerPlan layer, WidthPlan wp, bool gradients, IList<(string Name, string Source)> rows, bool cacheSlots,
        bool weights = true, IList<(string Name, string Source)>? deltaRows = null, bool reverse = false)
    {
        int TR = _plan.TileRows;
        if (_plan.Tiles > 1 && reverse)
        {
            w.Open($"for (int i = 0; i < {I(_plan.Tiles)}; i++)");
            w.Line($"int t = reverse ? {I(_plan.Tiles - 1)} - i : i;");
        }
        else if (_plan.Tiles > 1) w.Open($"for (int t = 0; t < {I(_plan.Tiles)}; t++)");
        else w.Open("");
        string tileOffset = _plan.Tiles > 1 ? $"{I(layer.Offset)} + t * {I(layer.TileStride)}" : I(layer.Offset);
        string rowOffset = _plan.Tiles > 1 ? $"t * {I(TR)}" : "0";
        if (weights) w.Line($"ref float wT = {At("p", tileOffset)};");
        if (gradients) w.Line($"ref float gT = {At("g", tileOffset)};");
        string deltaOffset = _plan.Tiles > 1 ? $"t * {I(_plan.ColumnStride)}" : "0";
        foreach (var (name, source) in deltaRows ?? Array.Empty<(string, string)>())
            w.Line($"ref float {name}T = {At(source, deltaOffset)};");
        foreach (var (name, source) in rows)
            w.Line($"ref float {name}T = {At(source, rowOffset)};");
        if (cacheSlots)
            for (int i = 0; i < _cell.CacheSlots.Length; i++)
                w.Line($"ref float {_cell.CacheSlots[i]}CT = {At("cache", rowOffset == "0" ? I(i * _plan.PaddedHidden) : $"{I(i * _plan.PaddedHidden)} + {rowOffset}")};");

        if (wp.BlocksPerTile > 1) w.Open($"for (int b = 0; b < {I(wp.BlocksPerTile)}; b++)");
        else w.Open("");
        string blockOffset = wp.BlocksPerTile > 1 ? (wp.BlockRows == 1 ? "b" : $"b * {I(wp.BlockRows)}") : "0";
        if (weights) w.Line($"ref float wB = {At("wT", blockOffset)};");
        if (gradients) w.Line($"ref float gB = {At("gT", blockOffset)};");
        foreach (var (name, _) in deltaRows ?? Array.Empty<(string, string)>())
            w.Line($"ref float {name}B = {At(name + "T", blockOffset)};");
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
        OpenTiles(w, layer, wp, gradients: false, rows, cacheSlots: train && HasTrainForward, reverse: Serpentine);

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

    private void EmitDelta(CodeWriter w, LayerPlan layer, WidthPlan wp)
    {
        var o = new VectorOps(wp.Width);
        int L = wp.Width.Lanes, S = wp.VectorsPerBlock, TR = _plan.TileRows;
        var acc = _cell.Accumulators;
        bool separate = HasSeparateRecurrentDelta;

        w.Line(GeneratedCode);
        w.Line(Hot);
        w.Open($"private static void {BackwardName(layer.Index)}{wp.Width.Suffix}({BackwardParameters})");
        var rows = new List<(string, string)> { ("h", "h"), ("hp", "hPrev"), ("dh", "dh"), ("dhp", "dhPrev") };
        if (_cell.HasCellState) { rows.Add(("cp", "cPrev")); rows.Add(("dc", "dc")); rows.Add(("dcp", "dcPrev")); }
        var deltaRows = new List<(string, string)> { ("d", "delta") };
        if (separate) deltaRows.Add(("dr", "deltaRec"));
        OpenTiles(w, layer, wp, gradients: false, rows, cacheSlots: HasTrainForward, weights: false, deltaRows);

        w.Line("// δ: the gradient of every pre-activation");
        for (int s = 0; s < S; s++)
            _cell.EmitBackwardPrologue(w, o, s, s * L);

        w.Line(separate ? "// δ of W_ih's rows, then δ of W_hh's rows, gate by gate" : "// δ, gate by gate (W_ih and W_hh share it)");
        for (int g = 0; g < _cell.Gates.Length; g++)
            for (int s = 0; s < S; s++)
            {
                w.Line(o.Store($"d{acc[_cell.InputAccumulator(g)]}{s}", "dB", g * TR + s * L));
                if (separate) w.Line(o.Store($"d{acc[_cell.RecurrentAccumulator(g)]}{s}", "drB", g * TR + s * L));
            }

        CloseTiles(w);
        w.Close();
        w.Line();
    }

    /// <summary>
    /// target[0..rowLength) += Σ_c δ_c · Wᵀ[c, :] over <paramref name="columns"/> rows of a row-major transposed
    /// copy: δ_c is broadcast and multiplied into a block of output vectors, like the forward's column walk.
    /// </summary>
    private static void EmitTransposedProduct(CodeWriter w, string baseName, int columns, int rowLength, WidthPlan wp)
    {
        var o = new VectorOps(wp.Width);
        int L = wp.Width.Lanes;
        int vectors = rowLength / L;
        int vb = Math.Min(vectors, 8);
        while (vectors % vb != 0) vb--;
        int blocks = vectors / vb;
        int K = Math.Max(1, Math.Min(4, 8 / vb));
        int maxUnroll = Math.Max(K, 256 / vb);
        int unroll = K;
        for (int d = K; d <= Math.Min(maxUnroll, columns); d += K)
            if (columns % d == 0) unroll = d;

        w.Line(GeneratedCode);
        w.Line(Hot);
        w.Open($"private static void {baseName}{wp.Width.Suffix}({ProductParameters})");
        w.Line($"// target += Σ_c δ_c·Wᵀ[c, :] for c = 0..{I(columns - 1)} (every gate row); Wᵀ rows of {I(rowLength)} floats; {I(blocks)} block(s) of {I(vb)} {o.Type}, {I(K)} partial sum(s)");
        if (blocks > 1)
        {
            w.Open($"for (int ob = 0; ob < {I(blocks)}; ob++)");
            w.Line($"ref float wO = {At("wt", $"ob * {I(vb * L)}")};");
            w.Line($"ref float tO = {At("target", $"ob * {I(vb * L)}")};");
        }
        else
        {
            w.Open("");
            w.Line("ref float wO = ref wt;");
            w.Line("ref float tO = ref target;");
        }

        for (int v = 0; v < vb; v++)
        {
            w.Line($"var a{v}_0 = {o.Load("tO", v * L)};");
            for (int k = 1; k < K; k++) w.Line($"var a{v}_{k} = {o.Zero};");
        }

        w.Line($"{o.Type} xk;");
        void Column(int u, string wRef, int offset, string dRef, int index)
        {
            w.Line($"xk = {o.Broadcast(Elem(dRef, index))};");
            for (int v = 0; v < vb; v++)
                w.Line($"a{v}_{u % K} = {o.Fma(o.Load(wRef, offset + v * L), "xk", $"a{v}_{u % K}")};");
        }

        if (unroll == columns)
        {
            for (int c = 0; c < columns; c++) Column(c, "wO", c * rowLength, "delta", c);
        }
        else
        {
            w.Open($"for (int c = 0; c < {I(columns)}; c += {I(unroll)})");
            w.Line($"ref float wC = {At("wO", $"c * {I(rowLength)}")};");
            w.Line($"ref float dC = {At("delta", "c")};");
            for (int u = 0; u < unroll; u++) Column(u, "wC", u * rowLength, "dC", u);
            w.Close();
        }

        for (int v = 0; v < vb; v++)
        {
            string sum = $"a{v}_0";
            for (int k = 1; k < K; k++) sum += $" + a{v}_{k}";
            w.Line(o.Store(sum, "tO", v * L));
        }

        w.Close();
        w.Close();
        w.Line();
    }

    /// <summary>Writes W_hhᵀ (and W_ihᵀ) row-major, rows in δ's order (tile, gate, unit), padding columns left zero.</summary>
    private void EmitTranspose(CodeWriter w, LayerPlan layer)
    {
        int CS = _plan.ColumnStride, PH = _plan.PaddedHidden;
        w.Line($"// ── layer {layer.Index} · the transposed copies, rebuilt from the parameters at the start of every BPTT call (the parameters may have changed)");
        w.Line(GeneratedCode);
        w.Line(Hot);
        w.Open($"private static void {TransposeName(layer.Index)}({TransposeParameters})");
        if (_plan.Tiles > 1) w.Open($"for (int t = 0; t < {I(_plan.Tiles)}; t++)");
        else w.Open("");
        string tileOffset = _plan.Tiles > 1 ? $"{I(layer.Offset)} + t * {I(layer.TileStride)}" : I(layer.Offset);
        w.Line($"ref float wT = {At("p", tileOffset)};");

        void One(string target, int rowLength, int columnsOffset, int count, string what)
        {
            w.Line($"// {what}: Wᵀ[t·{I(CS)} + r, k] = column k of tile t, row r");
            string at = _plan.Tiles > 1 ? $"t * {I(CS * rowLength)}" : "0";
            w.Line($"{Kernels}.Transpose({At("wT", I(columnsOffset))}, {I(CS)}, {I(count)}, {I(CS)}, {At(target, at)}, {I(rowLength)});");
        }

        One("whhT", PH, layer.RecurrentColumnsOffset, _plan.Spec.Hidden, "W_hhᵀ");
        if (HasDx(layer.Index)) One("wihT", TransposedInputRow(layer), layer.InputColumnsOffset, layer.InputWidth, "W_ihᵀ");
        w.Close();
        w.Close();
        w.Line();
    }

    /// <summary>
    /// The window's weight gradients as one blocked product: for each tile sub-block and group of columns the
    /// gradients stay in registers while the steps stream past (δ_t vectors × broadcast x_t[k] / h_{t−1}[k]),
    /// and are added to the gradient buffer once.
    /// </summary>
    private void EmitWeightGradients(CodeWriter w, LayerPlan layer, WidthPlan wp)
    {
        var o = new VectorOps(wp.Width);
        int L = wp.Width.Lanes, S = wp.VectorsPerBlock, TR = _plan.TileRows, CS = _plan.ColumnStride, DS = DeltaStride;
        int G = _cell.Gates.Length;
        bool separate = HasSeparateRecurrentDelta;
        int budget = wp.Width == VectorWidth.V512 ? 20 : wp.Width.IsScalar ? 8 : 10;
        int columnsPerGroup = Math.Max(1, Math.Min(8, budget / (G * S)));
        int inputStride = layer.Index == 0 ? _plan.Spec.Input : _plan.PaddedHidden;

        w.Line(GeneratedCode);
        w.Line(Hot);
        w.Open($"private static void {WeightGradientsName(layer.Index)}{wp.Width.Suffix}({WeightGradientParameters})");
        w.Line($"// per sub-block: {I(columnsPerGroup)} column(s) × {I(G)} gate(s) × {I(S)} {o.Type} of gradients in registers while the {I(DS)}-float δ_t of every step stream past");
        var deltaRows = new List<(string, string)> { ("d", "delta") };
        if (separate) deltaRows.Add(("dr", "deltaRec"));
        OpenTiles(w, layer, wp, gradients: true, new List<(string, string)>(), cacheSlots: false, weights: false, deltaRows);

        void BiasSums(string deltaRef, params int[] offsets)
        {
            w.Open("");
            for (int g = 0; g < G; g++)
                for (int s = 0; s < S; s++)
                    w.Line($"var b{g}_{s} = {o.Zero};");
            w.Open("for (int i = 0; i < steps; i++)");
            w.Line($"ref float dI = {At(deltaRef, $"i * {I(DS)}")};");
            for (int g = 0; g < G; g++)
                for (int s = 0; s < S; s++)
                    w.Line($"b{g}_{s} += {o.Load("dI", g * TR + s * L)};");
            w.Close();
            foreach (int offset in offsets)
                for (int g = 0; g < G; g++)
                    for (int s = 0; s < S; s++)
                        w.Line(o.Store($"{o.Load("gB", offset + g * TR + s * L)} + b{g}_{s}", "gB", offset + g * TR + s * L));
            w.Close();
        }

        void Columns(string source, int stride, int count, int columnsOffset, string deltaRef, string comment)
        {
            w.Line($"// {comment}   (k = 0..{I(count - 1)}, {I(columnsPerGroup)} at a time)");
            int main = count / columnsPerGroup * columnsPerGroup;

            void Group(string k, int n, int constantK)
            {
                for (int c = 0; c < n; c++)
                    for (int g = 0; g < G; g++)
                        for (int s = 0; s < S; s++)
                            w.Line($"var m{c}_{g}_{s} = {o.Zero};");
                w.Line($"{o.Type} xb;");
                w.Line($"ref float sK = {At(source, k)};");
                w.Open("for (int i = 0; i < steps; i++)");
                w.Line($"ref float dI = {At(deltaRef, $"i * {I(DS)}")};");
                for (int g = 0; g < G; g++)
                    for (int s = 0; s < S; s++)
                        w.Line($"var e{g}_{s} = {o.Load("dI", g * TR + s * L)};");
                w.Line($"ref float sI = {At("sK", $"i * {I(stride)}")};");
                for (int c = 0; c < n; c++)
                {
                    w.Line($"xb = {o.Broadcast(Elem("sI", c))};");
                    for (int g = 0; g < G; g++)
                        for (int s = 0; s < S; s++)
                            w.Line($"m{c}_{g}_{s} = {o.Fma($"e{g}_{s}", "xb", $"m{c}_{g}_{s}")};");
                }

                w.Close();
                w.Line($"ref float gK = {At("gB", constantK >= 0 ? I(columnsOffset + constantK * CS) : $"{I(columnsOffset)} + {k} * {I(CS)}")};");
                for (int c = 0; c < n; c++)
                    for (int g = 0; g < G; g++)
                        for (int s = 0; s < S; s++)
                        {
                            int at = c * CS + g * TR + s * L;
                            w.Line(o.Store($"{o.Load("gK", at)} + m{c}_{g}_{s}", "gK", at));
                        }
            }

            if (main > columnsPerGroup)
            {
                w.Open($"for (int k = 0; k < {I(main)}; k += {I(columnsPerGroup)})");
                Group("k", columnsPerGroup, -1);
                w.Close();
            }
            else if (main > 0)
            {
                w.Open("");
                Group("0", columnsPerGroup, 0);
                w.Close();
            }

            if (count > main)
            {
                w.Open("");
                Group(I(main), count - main, main);
                w.Close();
            }
        }

        w.Line(separate ? "// db_ih += Σ_t δ_t" : "// db_ih += Σ_t δ_t; db_hh += Σ_t δ_t");
        if (separate)
        {
            BiasSums("dB", LayerPlan.BiasIhOffset);
            w.Line("// db_hh += Σ_t δ(hh)_t");
            BiasSums("drB", layer.BiasHhOffset);
        }
        else BiasSums("dB", LayerPlan.BiasIhOffset, layer.BiasHhOffset);

        string input = layer.Index == 0 ? (_plan.HasEmbedding ? "x (embedding rows)" : "x") : $"h(l{layer.Index - 1})";
        Columns("xs", inputStride, layer.InputWidth, layer.InputColumnsOffset, "dB", $"dW_ih[:, k] += Σ_t δ_t·{input}_t[k]");
        Columns("hs", _plan.PaddedHidden, _plan.Spec.Hidden, layer.RecurrentColumnsOffset, separate ? "drB" : "dB", "dW_hh[:, k] += Σ_t δ(hh)_t·h_{t−1}[k]");

        CloseTiles(w);
        w.Close();
        w.Line();
    }
}
