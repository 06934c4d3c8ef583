using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// TrainBatch's lanes driver <c>__AccumulateLanes</c>: the sequences of a chunk (the lanes) go through BPTT together.
/// At each step every layer's forward runs over all lanes in one call (the many-agent tile walk: each weight vector is
/// loaded once per block of lanes and multiplied into each lane's sums), and so do the backward pass's transposed
/// products; the element-wise work (δ, the loss, the heads) runs lane by lane. Each lane has the per-sequence part of
/// the buffer to itself (<see cref="ModelPlan.LaneStride"/>), at the offsets the single-sequence driver uses.
/// <para>
/// The result is bit for bit that of <see cref="BpttEmitter"/>'s driver run on each sequence in turn: every lane's sums
/// keep the single-sequence order, the heads' dW waits until the step loop is over (dy_t is kept in place of y_t), and
/// then the lanes add their weight gradients one after the other, in sequence order, as the sequences would.
/// </para>
/// </summary>
internal static class LanesBpttEmitter
{
    public const string Name = "__AccumulateLanes";

    /// <summary>The generated constant this driver declares: the floats between two lanes' caches (<see cref="ModelPlan.LaneStride"/>).</summary>
    public const string LaneStride = "__LaneStride";

    public static void Emit(CodeWriter w, ModelPlan plan)
    {
        var layers = plan.Tiled;
        var top = plan.Top;
        var loss = new LossTerms(plan);
        int terms = loss.Suffixes.Count;

        w.Comment($"── TrainBatch's lanes: the per-sequence caches from __Layer0CacheHOffset on, one copy per lane, {I(plan.LaneStride)} floats apart");
        w.Line(GeneratedCode);
        w.Line($"private const int __LaneStart = {I(plan.LaneStart)}, {LaneStride} = {I(plan.LaneStride)};");
        w.Line(GeneratedCode);
        w.Line("private float[]? __laneArray;   // the lanes' caches (64-byte aligned from __laneOffset), grown when a chunk has more lanes");
        w.Line(GeneratedCode);
        w.Line("private int __laneOffset, __laneCount;");
        w.Line(GeneratedCode);
        w.Line("private double[] __laneSums = global::System.Array.Empty<double>();   // each lane's loss sums, per head");
        w.Line();

        w.Line("/// <summary>");
        w.Line("/// BPTT over <paramref name=\"lanes\"/> sequences of <paramref name=\"steps\"/> steps together, each from the zero state: adds each");
        w.Line("/// sequence's gradient into the gradients, in sequence order, and returns the sum of their losses. Bit for bit the");
        w.Line($"/// single-sequence driver ({BpttEmitter.Name}) called on each sequence in turn; the model's state is not touched.");
        w.Line("/// </summary>");
        w.Line(Hot);
        using (w.Block($"private double {Name}({ReadOnlySpan} inputs, {ReadOnlySpan} laneTargets, global::System.ReadOnlySpan<int> laneClasses, int lanes, int steps)"))
        {
            w.Line("ref float p = ref __Base;");
            w.Line("ref float g = ref Unsafe.Add(ref p, __GradientsOffset);");
            using (w.Block("if (__laneCount < lanes)"))
            {
                w.Line($"(__laneArray, __laneOffset) = {Memory}.AllocateAligned(checked(lanes * {LaneStride}));");
                w.Line($"__laneSums = new double[lanes * {I(terms)}];");
                w.Line("__laneCount = lanes;");
            }

            w.Line("ref float lane0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(__laneArray!), __laneOffset);");
            w.Line("ref float x0 = ref MemoryMarshal.GetReference(inputs);");
            w.Line("int xStride = steps * InputSize;   // lane q's inputs start at x0 + q·xStride");
            w.Line($"int perTarget = laneTargets.Length / lanes, perClass = laneClasses.Length / lanes;");
            w.Comment("lane 0's rows of every cache; lane q's are " + LaneStride + " · q floats further");
            DeclareRows(w, plan, "lane0");
            w.Line();

            w.Comment(plan.Recurrent.Any(static r => r.StateC >= 0) ? "h_0 and c_0 of every lane ← 0 (every sequence starts from the zero state)" : "h_0 of every lane ← 0 (every sequence starts from the zero state)");
            using (w.Block("for (int q = 0; q < lanes; q++)"))
            {
                foreach (var layer in plan.Recurrent)
                {
                    w.Line($"MemoryMarshal.CreateSpan({LaneAt($"hs{layer.Layer}", "q")}, {I(layer.Padded)}).Clear();");
                    if (layer.StateC >= 0) w.Line($"MemoryMarshal.CreateSpan({LaneAt($"cs{layer.Layer}", "q")}, {I(layer.Padded)}).Clear();");
                }
            }

            w.Comment("W_hhᵀ (and W_ihᵀ) of every layer ← the parameters, for the backward pass's products");
            foreach (var layer in layers)
            {
                if (!layer.IsRecurrent && !layer.HasDx) continue;
                var args = new List<string> { "ref p" };
                if (layer.IsRecurrent) args.Add($"ref Unsafe.Add(ref p, __Layer{layer.Layer}WhhTOffset)");
                if (layer.HasDx) args.Add($"ref Unsafe.Add(ref p, __Layer{layer.Layer}WihTOffset)");
                w.Line($"{BackwardKernelEmitter.TransposeName(layer)}({string.Join(", ", args)});");
            }

            w.Line();
            EmitForward(w, plan);

            w.Comment($"loss: {HeadLossEmitter.LossDescription(plan)}; each lane sums its own");
            loss.EmitDeclarations(w, scales: true, sums: false);
            w.Line($"global::System.Array.Clear(__laneSums, 0, lanes * {I(terms)});");
            w.Comment("backward through time, all lanes in step: dh{l}[cur] holds dL/dh_t, dh{l}[cur ^ 1] receives dL/dh_{t−1}");
            using (w.Block("for (int q = 0; q < lanes; q++)"))
            {
                foreach (var layer in layers)
                {
                    w.Line($"MemoryMarshal.CreateSpan({LaneAt($"dh{layer.Layer}", "q")}, {I((layer.IsRecurrent ? 2 : 1) * layer.Padded)}).Clear();");
                    if (layer.StateC >= 0) w.Line($"MemoryMarshal.CreateSpan({LaneAt($"dc{layer.Layer}", "q")}, {I(2 * layer.Padded)}).Clear();");
                }
            }

            w.Line("int cur = 0;");
            using (w.Block("for (int t = steps - 1; t >= 0; t--)"))
            {
                using (w.Block("if (t >= first)"))
                using (w.Block("for (int q = 0; q < lanes; q++)"))
                {
                    w.Line($"ref float lane = ref Unsafe.Add(ref lane0, q * {LaneStride});");
                    DeclareRows(w, plan, "lane", suffix: "Q", only: new[] { "ys", "dy", $"dh{top.Layer}", $"hs{top.Layer}" });
                    w.Line("var targets = laneTargets.IsEmpty ? default : laneTargets.Slice(q * perTarget, perTarget);");
                    w.Line("var classes = laneClasses.IsEmpty ? default : laneClasses.Slice(q * perClass, perClass);");
                    w.Line("ref float tg = ref MemoryMarshal.GetReference(targets);");
                    for (int j = 0; j < terms; j++)
                        w.Line($"double sum{loss.Suffixes[j]} = __laneSums[q * {I(terms)}{(j == 0 ? "" : " + " + I(j))}];");
                    w.Line(plan.HasHead ? "ref float yt = ref Unsafe.Add(ref ysQ, t * OutputSize);" : $"ref float yt = {At($"hs{top.Layer}Q", Times("(t + 1)", top.Padded))};");
                    loss.EmitStep(w, "yt", "dyQ", "scale");
                    for (int j = 0; j < terms; j++)
                        w.Line($"__laneSums[q * {I(terms)}{(j == 0 ? "" : " + " + I(j))}] = sum{loss.Suffixes[j]};");
                    string dhTop = At($"dh{top.Layer}Q", top.IsRecurrent ? Times("cur", top.Padded) : "0");
                    foreach (var head in plan.Heads)
                        w.Line($"{HeadLossEmitter.BackwardInputName(head)}(ref p, {At("dyQ", head.OutputOffset)}, {dhTop});   // dh_t += Wᵀ·dy");
                    if (plan.HasHead)
                        w.Line("MemoryMarshal.CreateReadOnlySpan(ref dyQ, OutputSize).CopyTo(MemoryMarshal.CreateSpan(ref yt, OutputSize));   // y_t is spent: keep dy_t in its place for dW");
                    else
                    {
                        w.Line($"ref float dhTop = {dhTop};");
                        w.Line($"for (int o = 0; o < {I(top.Units)}; o++)");
                        w.Line("    Unsafe.Add(ref dhTop, o) += Unsafe.Add(ref dyQ, o);   // y = h: dh_t += dy");
                    }
                }

                for (int i = layers.Count - 1; i >= 0; i--)
                    EmitLayerBackward(w, layers[i], i > 0 ? layers[i - 1] : null);
                w.Line("cur ^= 1;");
            }

            w.Line();
            w.Comment("lane after lane, in sequence order: the heads' dW and db of every scored step (t from the last down), then the",
                      "window's weight gradients of every layer, as the single-sequence driver adds them; and the lane's loss");
            w.Line("double total = 0;");
            using (w.Block("for (int q = 0; q < lanes; q++)"))
            {
                w.Line($"ref float lane = ref Unsafe.Add(ref lane0, q * {LaneStride});");
                DeclareRows(w, plan, "lane", suffix: "Q", only: null);
                if (plan.HasHead)
                {
                    using (w.Block("for (int t = steps - 1; t >= first; t--)"))
                        foreach (var head in plan.Heads)
                            w.Line($"{HeadLossEmitter.BackwardWeightsName(head)}(ref g, {At($"hs{top.Layer}Q", Times("(t + 1)", top.Padded))}, " +
                                   $"{At("ysQ", Plus("t * OutputSize", I(head.OutputOffset)))});   // dW += dy·hᵀ, db += dy");
                }

                TiledLayerPlan? below = null;
                foreach (var layer in layers)
                {
                    var kind = RecurrentKind.For(layer);
                    string xs = below is not null ? At($"hs{below.Layer}Q", below.Padded) : At("x0", "q * xStride");
                    string deltaRec = kind.HasSeparateRecurrentDelta ? $", ref deltaRec{layer.Layer}Q" : "";
                    string hs = layer.IsRecurrent ? $", ref hs{layer.Layer}Q" : "";
                    w.Line($"{WeightGradientEmitter.Name(layer)}(ref g, ref delta{layer.Layer}Q{deltaRec}, {xs}{hs}, steps);");
                    below = layer;
                }

                for (int j = 0; j < terms; j++)
                    w.Line($"double sum{loss.Suffixes[j]} = __laneSums[q * {I(terms)}{(j == 0 ? "" : " + " + I(j))}];");
                w.Line($"total += {loss.Result()};   // as the chunk adds each sequence's float loss");
            }

            w.Line("return total;");
        }

        w.Line();
    }

    /// <summary>
    /// Declares the cache rows of the lane at <paramref name="lane"/> (names with <paramref name="suffix"/>): every layer's
    /// h, c, gate, dL/dh, dL/dc, δ caches, the head outputs and dL/dy; <paramref name="only"/> limits them to the names given.
    /// </summary>
    private static void DeclareRows(CodeWriter w, ModelPlan plan, string lane, string suffix = "", IReadOnlyCollection<string>? only = null)
    {
        void Row(string name, string offset)
        {
            if (only is null || only.Contains(name)) w.Line($"ref float {name}{suffix} = ref Unsafe.Add(ref {lane}, {offset} - __LaneStart);");
        }

        foreach (var layer in plan.Tiled)
        {
            var kind = RecurrentKind.For(layer);
            int l = layer.Layer;
            Row($"hs{l}", $"__Layer{l}CacheHOffset");
            if (kind.HasCellState) Row($"cs{l}", $"__Layer{l}CacheCOffset");
            if (kind.HasTrainForward) Row($"gates{l}", $"__Layer{l}GatesOffset");
            Row($"dh{l}", $"__Layer{l}DhOffset");
            if (kind.HasCellState) Row($"dc{l}", $"__Layer{l}DcOffset");
            Row($"delta{l}", $"__Layer{l}DeltaOffset");
            if (kind.HasSeparateRecurrentDelta) Row($"deltaRec{l}", $"__Layer{l}DeltaRecOffset");
        }

        if (plan.HasHead) Row("ys", "__CacheYOffset");
        Row("dy", "__DyOffset");
    }

    /// <summary>Lane q's copy of a row declared for lane 0.</summary>
    private static string LaneAt(string row, string q) => At(row, $"{q} * {LaneStride}");

    /// <summary>The forward over the window: per step, every layer's lanes kernel over all lanes, then every lane's heads.</summary>
    private static void EmitForward(CodeWriter w, ModelPlan plan)
    {
        w.Comment("forward over the window, all lanes at each step: every layer in one call over the lanes, caching h (and c and the gate values), then the heads lane by lane");
        using (w.Block("for (int t = 0; t < steps; t++)"))
        {
            TiledLayerPlan? below = null;
            foreach (var layer in plan.Tiled)
            {
                var kind = RecurrentKind.For(layer);
                int l = layer.Layer;
                var args = new List<string> { "ref p" };
                args.Add(below is null ? At("x0", "t * InputSize") + ", xStride" : $"{H(below, "(t + 1)")}, {LaneStride}");
                if (layer.IsRecurrent) args.Add(H(layer, "t"));
                args.Add(H(layer, "(t + 1)"));
                if (kind.HasCellState)
                {
                    args.Add(At($"cs{l}", Times("t", layer.Padded)));
                    args.Add(At($"cs{l}", Times("(t + 1)", layer.Padded)));
                }

                if (kind.HasTrainForward) args.Add(At($"gates{l}", $"t * {I(layer.CacheGatesStride)}"));
                args.Add("0");
                args.Add("lanes");
                w.Line($"{ForwardLanesEmitter.KernelName(layer)}({string.Join(", ", args)});");
                below = layer;
            }

            if (plan.HasHead)
            {
                using (w.Block("for (int q = 0; q < lanes; q++)"))
                {
                    string top = At($"hs{plan.Top.Layer}", Plus($"q * {LaneStride}", Times("(t + 1)", plan.Top.Padded)));
                    foreach (var head in plan.Heads)
                        w.Line($"{HeadLossEmitter.ForwardName(head)}(ref p, {top}, {At("ys", Plus($"q * {LaneStride}", Plus("t * OutputSize", I(head.OutputOffset))))}" +
                               $"{(head.AddInput >= 0 ? ", " + At("x0", "q * xStride + t * InputSize") : "")});");
                }
            }
        }

        w.Line();
    }

    /// <summary>
    /// One layer's step of the backward pass over all lanes: δ lane by lane, then dL/dh_{t−1} += W_hhᵀ·δ and
    /// dL/dx_t += W_ihᵀ·δ over all lanes in one call each.
    /// </summary>
    private static void EmitLayerBackward(CodeWriter w, TiledLayerPlan layer, TiledLayerPlan? below)
    {
        var kind = RecurrentKind.For(layer);
        int l = layer.Layer;
        using (w.Block("for (int q = 0; q < lanes; q++)"))
        {
            string Q(string row, string offset) => At(row, Plus($"q * {LaneStride}", offset));
            if (layer.IsRecurrent) w.Line($"MemoryMarshal.CreateSpan({Q($"dh{l}", Times("(cur ^ 1)", layer.Padded))}, {I(layer.Padded)}).Clear();");
            string cell = kind.HasCellState
                ? $", {Q($"cs{l}", Times("t", layer.Padded))}, {Q($"dc{l}", Times("cur", layer.Padded))}, {Q($"dc{l}", Times("(cur ^ 1)", layer.Padded))}"
                : "";
            string cache = kind.HasTrainForward ? $", {Q($"gates{l}", $"t * {I(layer.CacheGatesStride)}")}" : "";
            string delta = Q($"delta{l}", $"t * {I(layer.DeltaStride)}");
            string deltaRec = kind.HasSeparateRecurrentDelta ? ", " + Q($"deltaRec{l}", $"t * {I(layer.DeltaStride)}") : "";
            string states = layer.IsRecurrent
                ? $"{Q($"hs{l}", Times("(t + 1)", layer.Padded))}, {Q($"hs{l}", Times("t", layer.Padded))}, {Q($"dh{l}", Times("cur", layer.Padded))}, {Q($"dh{l}", Times("(cur ^ 1)", layer.Padded))}"
                : $"{Q($"hs{l}", Times("(t + 1)", layer.Padded))}, {Q($"dh{l}", "0")}";
            w.Line($"{BackwardKernelEmitter.DeltaName(layer)}({states}{cell}{cache}, {delta}{deltaRec});   // δ_t");
        }

        string laneDelta = At($"delta{l}", $"t * {I(layer.DeltaStride)}");
        string laneDeltaRec = kind.HasSeparateRecurrentDelta ? At($"deltaRec{l}", $"t * {I(layer.DeltaStride)}") : laneDelta;
        if (layer.IsRecurrent)
            w.Line($"{BackwardKernelEmitter.LanesName(BackwardKernelEmitter.HiddenProductName(layer))}(ref Unsafe.Add(ref p, __Layer{l}WhhTOffset), {laneDeltaRec}, " +
                   $"{At($"dh{l}", Times("(cur ^ 1)", layer.Padded))}, 0, lanes);   // dh_(t−1) += W_hhᵀ·δ, every lane");
        if (layer.HasDx && below is not null)
            w.Line($"{BackwardKernelEmitter.LanesName(BackwardKernelEmitter.InputProductName(layer))}(ref Unsafe.Add(ref p, __Layer{l}WihTOffset), {laneDelta}, " +
                   $"{At($"dh{below.Layer}", below.IsRecurrent ? Times("cur", below.Padded) : "0")}, 0, lanes);   // d{ForwardKernelEmitter.InputName(layer)}_t += W_ihᵀ·δ, every lane");
        if (!layer.IsRecurrent)
        {
            w.Line("for (int q = 0; q < lanes; q++)");
            w.Line($"    MemoryMarshal.CreateSpan({At($"dh{l}", $"q * {LaneStride}")}, {I(layer.Padded)}).Clear();   // the next step's dL/dy starts from zero");
        }
    }

    /// <summary>h_t of <paramref name="layer"/> in lane 0's cache (<paramref name="t"/> an expression; parenthesize sums).</summary>
    private static string H(TiledLayerPlan layer, string t) => At($"hs{layer.Layer}", Times(t, layer.Padded));
}
