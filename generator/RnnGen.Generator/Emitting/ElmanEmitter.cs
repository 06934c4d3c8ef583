using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Emit;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// Elman (SimpleRNN) layer kernels, forward and backward side by side, one method per layer and
/// vector width. The weights are read tile-major with constant offsets from a <c>ref float</c>:
/// for each column k the input x_k (or h_k) is broadcast and multiplied into the tile's accumulators.
/// </summary>
internal static class ElmanEmitter
{
    public static string ForwardName(int layer) => $"__Layer{layer}Forward";

    public static string BackwardName(int layer) => $"__Layer{layer}Backward";

    private static string ActivationName(KernelPlan plan) => plan.Spec.Activation == ActivationKind.Relu ? "relu" : "tanh";

    public static void EmitLayer(CodeWriter w, KernelPlan plan, LayerPlan layer)
    {
        string act = ActivationName(plan);
        string input = layer.Index == 0 ? "x" : $"h(l{layer.Index - 1})";

        // Dispatchers: the JIT folds IsHardwareAccelerated, so exactly one call remains.
        w.Line($"// ── layer {layer.Index} · Elman · forward: h' = {act}(W_ih·{input} + b_ih + W_hh·h + b_hh)");
        w.Line($"//    W_ih [{plan.Spec.Hidden}×{layer.InputWidth}], W_hh [{plan.Spec.Hidden}×{plan.Spec.Hidden}], tile-major: {plan.Tiles} tile(s) of {plan.TileRows} rows at offset {layer.Offset}, {layer.TileStride} floats per tile");
        EmitDispatch(w, plan, ForwardName(layer.Index),
            "ref float p, ref float x, ref float h, ref float hNext", "ref p, ref x, ref h, ref hNext");
        foreach (var width in plan.Widths)
            EmitForward(w, plan, layer, width);

        w.Line($"// ── layer {layer.Index} · Elman · backward: da = dh'⊙{(act == "tanh" ? "(1 − h'²)" : "[h' > 0]")}; db_ih += da; db_hh += da;");
        w.Line($"//    dW_ih += da·{input}ᵀ; dW_hh += da·hᵀ; dh_prev = W_hhᵀ·da{(layer.Index > 0 ? $"; d{input} += W_ihᵀ·da" : "")}");
        string dxParam = layer.Index > 0 ? ", ref float dx" : "";
        string dxArg = layer.Index > 0 ? ", ref dx" : "";
        EmitDispatch(w, plan, BackwardName(layer.Index),
            "ref float p, ref float g, ref float x, ref float hPrev, ref float h, ref float dh, ref float dhPrev" + dxParam,
            "ref p, ref g, ref x, ref hPrev, ref h, ref dh, ref dhPrev" + dxArg);
        foreach (var width in plan.Widths)
            EmitBackward(w, plan, layer, width);
    }

    internal static void EmitDispatch(CodeWriter w, KernelPlan plan, string name, string parameters, string arguments)
    {
        w.Line(GeneratedCode);
        w.Line(Inline);
        w.Open($"private static void {name}({parameters})");
        bool first = true;
        foreach (var width in plan.Widths)
        {
            if (width.Width.IsScalar)
            {
                if (first) w.Line($"{name}{width.Width.Suffix}({arguments});");
                else
                {
                    w.Line("else");
                    w.Line($"    {name}{width.Width.Suffix}({arguments});");
                }
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

    // ────────────────────────────────────────────────────────────────────────── forward

    private static void EmitForward(CodeWriter w, KernelPlan plan, LayerPlan layer, WidthPlan wp)
    {
        string name = ForwardName(layer.Index) + wp.Width.Suffix;
        w.Line(GeneratedCode);
        w.Line(Hot);
        w.Open($"private static void {name}(ref float p, ref float x, ref float h, ref float hNext)");
        if (wp.Width.IsScalar) EmitForwardScalar(w, plan, layer);
        else EmitForwardVector(w, plan, layer, wp);
        w.Close();
        w.Line();
    }

    /// <summary>
    /// Opens the loops over tiles (and sub-blocks of a tile) and declares, for each, refs to the weight
    /// block (<c>wT</c>/<c>wB</c>), optionally the gradient block (<c>gT</c>/<c>gB</c>), and the rows of
    /// each hidden-sized vector (<c>{name}T</c>/<c>{name}B</c>).
    /// </summary>
    private static void OpenTiles(CodeWriter w, KernelPlan plan, LayerPlan layer, WidthPlan wp, bool gradients, params string[] rows)
    {
        if (plan.Tiles > 1) w.Open($"for (int t = 0; t < {I(plan.Tiles)}; t++)");
        else w.Open("");
        string tileOffset = plan.Tiles > 1 ? $"{I(layer.Offset)} + t * {I(layer.TileStride)}" : I(layer.Offset);
        w.Line($"ref float wT = {At("p", tileOffset)};");
        if (gradients) w.Line($"ref float gT = {At("g", tileOffset)};");
        for (int i = 0; i < rows.Length; i += 2)
            w.Line($"ref float {rows[i]}T = {At(rows[i + 1], plan.Tiles > 1 ? $"t * {I(plan.TileRows)}" : "0")};");

        if (wp.BlocksPerTile > 1) w.Open($"for (int b = 0; b < {I(wp.BlocksPerTile)}; b++)");
        else w.Open("");
        string blockOffset = wp.BlocksPerTile > 1 ? $"b * {I(wp.BlockRows)}" : "0";
        w.Line($"ref float wB = {At("wT", blockOffset)};");
        if (gradients) w.Line($"ref float gB = {At("gT", blockOffset)};");
        for (int i = 0; i < rows.Length; i += 2)
            w.Line($"ref float {rows[i]}B = {At(rows[i] + "T", blockOffset)};");
    }

    private static void CloseTiles(CodeWriter w)
    {
        w.Close();
        w.Close();
    }

    private static void EmitForwardVector(CodeWriter w, KernelPlan plan, LayerPlan layer, WidthPlan wp)
    {
        string V = wp.Width.Global;
        string T = $"{V}<float>";
        int L = wp.Width.Lanes, S = wp.VectorsPerBlock, K = wp.KSplit, TR = plan.TileRows;
        string fma = wp.Width == VectorWidth.V128 ? "MultiplyAddEstimate" : "FusedMultiplyAdd";

        w.Line($"// {plan.Tiles} tile(s) × {wp.BlocksPerTile} block(s) × {S} {wp.Width.TypeName} accumulator(s), {K} partial sum(s) over the columns");
        OpenTiles(w, plan, layer, wp, false, "hn", "hNext");

        w.Line("// a = b_ih + b_hh");
        for (int s = 0; s < S; s++)
            w.Line($"var a{s}_0 = {V}.LoadUnsafe(ref wB, {Off(s * L)}) + {V}.LoadUnsafe(ref wB, {Off(TR + s * L)});");
        for (int k = 1; k < K; k++)
            for (int s = 0; s < S; s++)
                w.Line($"var a{s}_{k} = {T}.Zero;");
        w.Line($"{T} c;");

        EmitColumnRun(w, wp, "x", layer.InputWidth, layer.InputColumnsOffset(TR), TR,
            layer.Index == 0 ? "a += W_ih[:, k]·x_k" : $"a += W_ih[:, k]·h(l{layer.Index - 1})_k",
            (u, colRef, colOff, srcRef, srcIdx) =>
            {
                w.Line($"c = {V}.Create({Elem(srcRef, srcIdx)});");
                for (int s = 0; s < S; s++)
                    w.Line($"a{s}_{u % K} = {V}.{fma}({V}.LoadUnsafe(ref {colRef}, {Off(colOff + s * L)}), c, a{s}_{u % K});");
            });
        EmitColumnRun(w, wp, "h", plan.Spec.Hidden, layer.RecurrentColumnsOffset(TR), TR,
            "a += W_hh[:, k]·h_k",
            (u, colRef, colOff, srcRef, srcIdx) =>
            {
                w.Line($"c = {V}.Create({Elem(srcRef, srcIdx)});");
                for (int s = 0; s < S; s++)
                    w.Line($"a{s}_{u % K} = {V}.{fma}({V}.LoadUnsafe(ref {colRef}, {Off(colOff + s * L)}), c, a{s}_{u % K});");
            });

        if (K > 1)
        {
            w.Line("// a = Σ partial sums");
            for (int s = 0; s < S; s++)
            {
                string sum = $"a{s}_0";
                for (int k = 1; k < K; k++) sum += $" + a{s}_{k}";
                w.Line($"a{s}_0 = {sum};");
            }
        }

        bool relu = plan.Spec.Activation == ActivationKind.Relu;
        w.Line(relu ? "// h' = max(a, 0)" : "// h' = tanh(a)");
        for (int s = 0; s < S; s++)
        {
            string value = relu ? $"{V}.Max(a{s}_0, {T}.Zero)" : $"{RnnMath}.Tanh(a{s}_0)";
            w.Line($"{V}.StoreUnsafe({value}, ref hnB, {Off(s * L)});");
        }

        CloseTiles(w);
    }

    private static void EmitForwardScalar(CodeWriter w, KernelPlan plan, LayerPlan layer)
    {
        int TR = plan.TileRows;
        w.Line("// scalar fallback: the same tile-major walk, one row at a time");
        w.Open($"for (int t = 0; t < {I(plan.Tiles)}; t++)");
        w.Line($"ref float wt = {At("p", $"{I(layer.Offset)} + t * {I(layer.TileStride)}")};");
        w.Open($"for (int r = 0; r < {I(TR)}; r++)");
        w.Line($"float a = {Unsafe}.Add(ref wt, r) + {Unsafe}.Add(ref wt, {I(TR)} + r);                 // a = b_ih + b_hh");
        w.Line($"for (int k = 0; k < {I(layer.InputWidth)}; k++)");
        w.Line($"    a += {Unsafe}.Add(ref wt, {I(layer.InputColumnsOffset(TR))} + k * {I(TR)} + r) * {Unsafe}.Add(ref x, k);   // a += W_ih[r, k]·x_k");
        w.Line($"for (int k = 0; k < {I(plan.Spec.Hidden)}; k++)");
        w.Line($"    a += {Unsafe}.Add(ref wt, {I(layer.RecurrentColumnsOffset(TR))} + k * {I(TR)} + r) * {Unsafe}.Add(ref h, k);   // a += W_hh[r, k]·h_k");
        w.Line(plan.Spec.Activation == ActivationKind.Relu
            ? $"{Unsafe}.Add(ref hNext, t * {I(TR)} + r) = global::System.MathF.Max(a, 0f);   // h' = max(a, 0)"
            : $"{Unsafe}.Add(ref hNext, t * {I(TR)} + r) = {RnnMath}.Tanh(a);   // h' = tanh(a)");
        w.Close();
        w.Close();
    }

    /// <summary>
    /// Emits the walk over <paramref name="count"/> columns starting at <paramref name="columnsOffset"/>:
    /// fully unrolled when short, else a loop over chunks of <c>ColumnUnroll</c> unrolled columns plus an
    /// unrolled remainder. <paramref name="column"/> writes one column given (index within chunk,
    /// weight ref, constant offset from it, source ref, constant index into it).
    /// </summary>
    internal static void EmitColumnRun(CodeWriter w, WidthPlan wp, string source, int count, int columnsOffset, int tileRows,
        string comment, System.Action<int, string, int, string, int> column, int unrollOverride = 0)
    {
        int unroll = unrollOverride > 0 ? unrollOverride : wp.ColumnUnroll;
        w.Line($"// {comment}   (k = 0..{I(count - 1)})");
        int main = count <= unroll ? 0 : count / unroll * unroll;
        if (main > 0)
        {
            w.Open($"for (int k = 0; k < {I(main)}; k += {I(unroll)})");
            w.Line($"ref float wc = {At("wB", $"{I(columnsOffset)} + k * {I(tileRows)}")};");
            w.Line($"ref float sc = {At(source, "k")};");
            for (int u = 0; u < unroll; u++)
                column(u, "wc", u * tileRows, "sc", u);
            w.Close();
        }

        for (int k = main; k < count; k++)
            column(k, "wB", columnsOffset + k * tileRows, source, k);
    }

    internal static string Off(int offset) => $"(nuint){I(offset)}";

    internal static string Elem(string baseRef, int index) =>
        index == 0 ? baseRef : $"{Unsafe}.Add(ref {baseRef}, {I(index)})";

    // ────────────────────────────────────────────────────────────────────────── backward

    private static void EmitBackward(CodeWriter w, KernelPlan plan, LayerPlan layer, WidthPlan wp)
    {
        string name = BackwardName(layer.Index) + wp.Width.Suffix;
        string dxParam = layer.Index > 0 ? ", ref float dx" : "";
        w.Line(GeneratedCode);
        w.Line(Hot);
        w.Open($"private static void {name}(ref float p, ref float g, ref float x, ref float hPrev, ref float h, ref float dh, ref float dhPrev{dxParam})");
        if (wp.Width.IsScalar) EmitBackwardScalar(w, plan, layer);
        else EmitBackwardVector(w, plan, layer, wp);
        w.Close();
        w.Line();
    }

    private static void EmitBackwardVector(CodeWriter w, KernelPlan plan, LayerPlan layer, WidthPlan wp)
    {
        string V = wp.Width.Global;
        string T = $"{V}<float>";
        int L = wp.Width.Lanes, S = wp.VectorsPerBlock, TR = plan.TileRows;
        bool relu = plan.Spec.Activation == ActivationKind.Relu;
        bool hasDx = layer.Index > 0;
        string fma = wp.Width == VectorWidth.V128 ? "MultiplyAddEstimate" : "FusedMultiplyAdd";

        OpenTiles(w, plan, layer, wp, true, "h", "h", "dh", "dh");

        w.Line(relu ? "// da = dh' ⊙ [h' > 0]" : "// da = dh' ⊙ (1 − h'²)");
        for (int s = 0; s < S; s++)
        {
            w.Line($"var hv{s} = {V}.LoadUnsafe(ref hB, {Off(s * L)});");
            w.Line(relu
                ? $"var d{s} = {V}.ConditionalSelect({V}.GreaterThan(hv{s}, {T}.Zero), {V}.LoadUnsafe(ref dhB, {Off(s * L)}), {T}.Zero);"
                : $"var d{s} = {V}.LoadUnsafe(ref dhB, {Off(s * L)}) * ({T}.One - hv{s} * hv{s});");
        }

        w.Line("// db_ih += da; db_hh += da");
        for (int s = 0; s < S; s++)
        {
            w.Line($"{V}.StoreUnsafe({V}.LoadUnsafe(ref gB, {Off(s * L)}) + d{s}, ref gB, {Off(s * L)});");
            w.Line($"{V}.StoreUnsafe({V}.LoadUnsafe(ref gB, {Off(TR + s * L)}) + d{s}, ref gB, {Off(TR + s * L)});");
        }

        w.Line($"{T} c, q;");
        int unroll = System.Math.Max(1, wp.ColumnUnroll / 2);

        void Column(string gradRef, int colOff, string srcRef, int srcIdx, string weightRef, bool dot, string dotTarget)
        {
            w.Line($"c = {V}.Create({Elem(srcRef, srcIdx)});");
            for (int s = 0; s < S; s++)
                w.Line($"{V}.StoreUnsafe({V}.{fma}(d{s}, c, {V}.LoadUnsafe(ref {gradRef}, {Off(colOff + s * L)})), ref {gradRef}, {Off(colOff + s * L)});");
            if (!dot) return;
            w.Line($"q = {V}.LoadUnsafe(ref {weightRef}, {Off(colOff)}) * d0;");
            for (int s = 1; s < S; s++)
                w.Line($"q = {V}.{fma}({V}.LoadUnsafe(ref {weightRef}, {Off(colOff + s * L)}), d{s}, q);");
            w.Line($"{Elem(dotTarget, srcIdx)} += {V}.Sum(q);");
        }

        // The weight and gradient columns share offsets; the column walk moves both refs together.
        EmitGradientColumns(w, "x", layer.InputWidth, layer.InputColumnsOffset(TR), TR, unroll,
            hasDx ? $"dW_ih[:, k] += da·h(l{layer.Index - 1})_k; dh(l{layer.Index - 1})_k += W_ih[:, k]·da" : "dW_ih[:, k] += da·x_k",
            hasDx, "dx", Column);
        EmitGradientColumns(w, "hPrev", plan.Spec.Hidden, layer.RecurrentColumnsOffset(TR), TR, unroll,
            "dW_hh[:, k] += da·h_k; dh_prev_k += W_hh[:, k]·da", true, "dhPrev", Column);

        CloseTiles(w);
    }

    private static void EmitGradientColumns(CodeWriter w, string source, int count, int columnsOffset, int tileRows, int unroll,
        string comment, bool dot, string dotTarget, System.Action<string, int, string, int, string, bool, string> column)
    {
        w.Line($"// {comment}   (k = 0..{I(count - 1)})");
        int main = count <= unroll ? 0 : count / unroll * unroll;
        if (main > 0)
        {
            w.Open($"for (int k = 0; k < {I(main)}; k += {I(unroll)})");
            w.Line($"ref float wc = {At("wB", $"{I(columnsOffset)} + k * {I(tileRows)}")};");
            w.Line($"ref float gc = {At("gB", $"{I(columnsOffset)} + k * {I(tileRows)}")};");
            w.Line($"ref float sc = {At(source, "k")};");
            if (dot) w.Line($"ref float dc = {At(dotTarget, "k")};");
            for (int u = 0; u < unroll; u++)
                column("gc", u * tileRows, "sc", u, "wc", dot, "dc");
            w.Close();
        }

        for (int k = main; k < count; k++)
            column("gB", columnsOffset + k * tileRows, source, k, "wB", dot, dotTarget);
    }

    private static void EmitBackwardScalar(CodeWriter w, KernelPlan plan, LayerPlan layer)
    {
        int TR = plan.TileRows;
        bool relu = plan.Spec.Activation == ActivationKind.Relu;
        w.Line("// scalar fallback: the same tile-major walk, one row at a time");
        w.Open($"for (int t = 0; t < {I(plan.Tiles)}; t++)");
        w.Line($"int tile = {I(layer.Offset)} + t * {I(layer.TileStride)};");
        w.Line($"ref float wt = {At("p", "tile")};");
        w.Line($"ref float gt = {At("g", "tile")};");
        w.Open($"for (int r = 0; r < {I(TR)}; r++)");
        w.Line($"int j = t * {I(TR)} + r;");
        w.Line($"float hj = {Unsafe}.Add(ref h, j);");
        w.Line(relu
            ? $"float d = hj > 0f ? {Unsafe}.Add(ref dh, j) : 0f;   // da = dh' ⊙ [h' > 0]"
            : $"float d = {Unsafe}.Add(ref dh, j) * (1f - hj * hj);   // da = dh' ⊙ (1 − h'²)");
        w.Line($"{Unsafe}.Add(ref gt, r) += d;   // db_ih += da");
        w.Line($"{Unsafe}.Add(ref gt, {I(TR)} + r) += d;   // db_hh += da");
        w.Open($"for (int k = 0; k < {I(layer.InputWidth)}; k++)");
        w.Line($"int o = {I(layer.InputColumnsOffset(TR))} + k * {I(TR)} + r;");
        w.Line($"{Unsafe}.Add(ref gt, o) += d * {Unsafe}.Add(ref x, k);   // dW_ih[r, k] += da·x_k");
        if (layer.Index > 0)
            w.Line($"{Unsafe}.Add(ref dx, k) += {Unsafe}.Add(ref wt, o) * d;   // dx_k += W_ih[r, k]·da");
        w.Close();
        w.Open($"for (int k = 0; k < {I(plan.Spec.Hidden)}; k++)");
        w.Line($"int o = {I(layer.RecurrentColumnsOffset(TR))} + k * {I(TR)} + r;");
        w.Line($"{Unsafe}.Add(ref gt, o) += d * {Unsafe}.Add(ref hPrev, k);   // dW_hh[r, k] += da·h_k");
        w.Line($"{Unsafe}.Add(ref dhPrev, k) += {Unsafe}.Add(ref wt, o) * d;   // dh_prev_k += W_hh[r, k]·da");
        w.Close();
        w.Close();
        w.Close();
    }
}
