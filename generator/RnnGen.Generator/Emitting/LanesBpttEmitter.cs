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
/// products; the element-wise work (δ, the loss, the heads, the embedding rows, the dropout masks) runs lane by lane.
/// Each lane has the per-sequence part of the buffer to itself (<see cref="ModelPlan.LaneStride"/>), at the offsets the
/// single-sequence driver uses, and the sections only a lane has (<see cref="ModelPlan.LaneSections"/>).
/// <para>
/// The result is bit for bit that of <see cref="BpttEmitter"/>'s driver run on each sequence in turn: every lane's sums
/// keep the single-sequence order, the heads' dW waits until the step loop is over (dy_t is kept in place of y_t), so
/// does a token model's embedding gradient (dL/dx of every step is kept), and then the lanes add their weight gradients
/// one after the other, in sequence order, as the sequences would. A lane draws its dropout masks from its sequence's
/// stream, as the single-sequence driver does for that sequence, and starts from the learned initial state where the
/// model has one.
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
        w.Line($"private const int __LanesPerCall = {I(plan.LanesPerCall)};   // the most lanes TrainBatch gives one call: at most {I(plan.LanesPerCall)} copies of a lane's caches");
        foreach (var section in plan.LaneSections)
        {
            w.Line(GeneratedCode);
            w.Line($"private const int __Lane{section.Name}Offset = {I(section.Offset)};   // {section.Description} (from a lane's start, {I(section.Length)} floats)");
        }

        w.Line(GeneratedCode);
        w.Line("private float[]? __laneArray;   // the lanes' caches (64-byte aligned from __laneOffset), grown when a chunk has more lanes");
        w.Line(GeneratedCode);
        w.Line("private int __laneOffset, __laneCount;");
        w.Line(GeneratedCode);
        w.Line("private double[] __laneSums = global::System.Array.Empty<double>();   // each lane's loss sums, per head");
        if (TrainingApiEmitter.HasDropout(plan))
        {
            w.Line(GeneratedCode);
            w.Line("private ulong[] __laneStreams = global::System.Array.Empty<ulong>();   // each lane's dropout stream: its sequence's");
        }
        w.Line();

        bool vocab = plan.HasEmbedding, dropout = TrainingApiEmitter.HasDropout(plan);
        w.Line("/// <summary>");
        w.Line("/// BPTT over <paramref name=\"lanes\"/> sequences of <paramref name=\"steps\"/> steps together, each from " + (Learned(plan) ? "the initial state" : "the zero state") + ": adds each");
        w.Line("/// sequence's gradient into the gradients, in sequence order, and returns <paramref name=\"total\"/> plus their losses, added");
        w.Line("/// in sequence order (<paramref name=\"lanes\"/> ≤ __LanesPerCall). Bit for bit the");
        w.Line($"/// single-sequence driver ({BpttEmitter.Name}) called on each sequence in turn; the model's state is not touched.");
        w.Line("/// </summary>");
        w.Line(Hot);
        string tokensParameter = vocab ? ", global::System.ReadOnlySpan<int> tokens" : "";
        string streamParameters = dropout ? ", ulong seed, ulong call, int firstSequence" : "";
        using (w.Block($"private double {Name}({ReadOnlySpan} inputs{tokensParameter}, {ReadOnlySpan} laneTargets, global::System.ReadOnlySpan<int> laneClasses, int lanes, int steps{streamParameters}, double total)"))
        {
            w.Line("ref float p = ref __Base;");
            w.Line("ref float g = ref Unsafe.Add(ref p, __GradientsOffset);");
            using (w.Block("if (__laneCount < lanes)"))
            {
                w.Line($"(__laneArray, __laneOffset) = {Memory}.AllocateAligned(checked(lanes * {LaneStride}));");
                w.Line($"__laneSums = new double[lanes * {I(terms)}];");
                if (dropout) w.Line("__laneStreams = new ulong[lanes];");
                w.Line("__laneCount = lanes;");
            }

            w.Line("ref float lane0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(__laneArray!), __laneOffset);");
            w.Line("ref float x0 = ref MemoryMarshal.GetReference(inputs);");
            w.Line(vocab
                ? "int xStride = inputs.IsEmpty ? 0 : steps * InputSize;   // lane q's float inputs start at x0 + q·xStride (token ids: at q·steps)"
                : "int xStride = steps * InputSize;   // lane q's inputs start at x0 + q·xStride");
            w.Line($"int perTarget = laneTargets.Length / lanes, perClass = laneClasses.Length / lanes;");
            if (dropout)
            {
                w.Line("for (int q = 0; q < lanes; q++)");
                w.Line($"    __laneStreams[q] = {Kernels}.DropoutStream(seed, call, (ulong)(firstSequence + q) + 1);   // sequence firstSequence + q's masks, as one by one");
            }

            w.Comment("lane 0's rows of every cache; lane q's are " + LaneStride + " · q floats further");
            DeclareRows(w, plan, "lane0");
            w.Line();

            EmitInitialState(w, plan);

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
                    var rows = new List<string> { "ys", "dy", $"dh{top.Layer}", $"hs{top.Layer}" };
                    if (top.DropoutP > 0) rows.AddRange(new[] { $"xd{top.Layer}", $"mask{top.Layer}", $"dg{top.Layer}" });
                    DeclareRows(w, plan, "lane", suffix: "Q", only: rows);
                    w.Line("var targets = laneTargets.IsEmpty ? default : laneTargets.Slice(q * perTarget, perTarget);");
                    w.Line("var classes = laneClasses.IsEmpty ? default : laneClasses.Slice(q * perClass, perClass);");
                    w.Line("ref float tg = ref MemoryMarshal.GetReference(targets);");
                    for (int j = 0; j < terms; j++)
                        w.Line($"double sum{loss.Suffixes[j]} = __laneSums[q * {I(terms)}{(j == 0 ? "" : " + " + I(j))}];");
                    w.Line(plan.HasHead ? "ref float yt = ref Unsafe.Add(ref ysQ, t * OutputSize);" : $"ref float yt = {Output(top, "(t + 1)", "Q")};");
                    loss.EmitStep(w, "yt", "dyQ", "scale");
                    for (int j = 0; j < terms; j++)
                        w.Line($"__laneSums[q * {I(terms)}{(j == 0 ? "" : " + " + I(j))}] = sum{loss.Suffixes[j]};");
                    string dhTop = top.DropoutP > 0 ? $"ref dg{top.Layer}Q" : At($"dh{top.Layer}Q", top.IsRecurrent ? Times("cur", top.Padded) : "0");
                    if (top.DropoutP > 0) w.Line($"MemoryMarshal.CreateSpan(ref dg{top.Layer}Q, {I(top.Padded)}).Clear();");
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

                    if (top.DropoutP > 0) w.Line(MaskedAdd(top, "t", "Q", At($"dh{top.Layer}Q", top.IsRecurrent ? Times("cur", top.Padded) : "0")));
                }

                for (int i = layers.Count - 1; i >= 0; i--)
                    EmitLayerBackward(w, plan, layers[i], i > 0 ? layers[i - 1] : null);
                w.Line("cur ^= 1;");
            }

            w.Line();
            w.Comment("lane after lane, in sequence order: the heads' dW and db of every scored step (t from the last down), then the",
                      "window's weight gradients of every layer, as the single-sequence driver adds them" +
                      (vocab ? ", the embedding rows' gradient" : "") + (Learned(plan) ? ", the learned initial state's gradient" : "") + "; and the lane's loss");
            using (w.Block("for (int q = 0; q < lanes; q++)"))
            {
                w.Line($"ref float lane = ref Unsafe.Add(ref lane0, q * {LaneStride});");
                DeclareRows(w, plan, "lane", suffix: "Q", only: null);
                if (plan.HasHead)
                {
                    using (w.Block("for (int t = steps - 1; t >= first; t--)"))
                        foreach (var head in plan.Heads)
                            w.Line($"{HeadLossEmitter.BackwardWeightsName(head)}(ref g, {Output(top, "(t + 1)", "Q")}, " +
                                   $"{At("ysQ", Plus("t * OutputSize", I(head.OutputOffset)))});   // dW += dy·hᵀ, db += dy");
                }

                TiledLayerPlan? below = null;
                foreach (var layer in layers)
                {
                    var kind = RecurrentKind.For(layer);
                    string xs = below is not null ? Output(below, "1", "Q") : vocab ? "ref xwQ" : At("x0", "q * xStride");
                    string deltaRec = kind.HasSeparateRecurrentDelta ? $", ref deltaRec{layer.Layer}Q" : "";
                    string hs = layer.IsRecurrent ? $", ref hs{layer.Layer}Q" : "";
                    w.Line($"{WeightGradientEmitter.Name(layer)}(ref g, ref delta{layer.Layer}Q{deltaRec}, {xs}{hs}, steps);");
                    below = layer;
                }

                if (vocab)
                {
                    using (w.Block("if (!tokens.IsEmpty)"))
                    using (w.Block("for (int t = steps - 1; t >= 0; t--)"))
                    {
                        w.Line("ref float ge = ref Unsafe.Add(ref g, __EmbeddingOffset + tokens[q * steps + t] * InputSize);");
                        w.Line($"ref float dx = {At("dxwQ", Times("t", plan.DxLength))};");
                        w.Line("for (int k = 0; k < InputSize; k++)");
                        w.Line("    Unsafe.Add(ref ge, k) += Unsafe.Add(ref dx, k);   // dE[token_t] += dx_t");
                    }
                }

                foreach (var layer in plan.Recurrent)
                {
                    if (!layer.HasLearnedInitialState) continue;
                    w.Line($"{Kernels}.AddInPlace(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref g, {I(layer.InitialH)}), {I(layer.Units)}), " +
                           $"MemoryMarshal.CreateReadOnlySpan({At($"dh{layer.Layer}Q", Times("cur", layer.Padded))}, {I(layer.Units)}));   // dL/dh_0 into h0's gradient");
                    if (layer.InitialC >= 0)
                        w.Line($"{Kernels}.AddInPlace(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref g, {I(layer.InitialC)}), {I(layer.Units)}), " +
                               $"MemoryMarshal.CreateReadOnlySpan({At($"dc{layer.Layer}Q", Times("cur", layer.Padded))}, {I(layer.Units)}));   // dL/dc_0 into c0's gradient");
                }

                for (int j = 0; j < terms; j++)
                    w.Line($"double sum{loss.Suffixes[j]} = __laneSums[q * {I(terms)}{(j == 0 ? "" : " + " + I(j))}];");
                w.Line($"total += {loss.Result()};   // as the chunk adds each sequence's float loss");
            }

            w.Line("return total;");
        }

        w.Line();
    }

    private static bool Learned(ModelPlan plan) => plan.Recurrent.Any(static r => r.HasLearnedInitialState);

    /// <summary>Every lane's h_0 (and c_0): the zero state, or the learned h₀ (c₀) where a layer learns it, as ResetState sets them.</summary>
    private static void EmitInitialState(CodeWriter w, ModelPlan plan)
    {
        bool cells = plan.Recurrent.Any(static r => r.StateC >= 0);
        w.Comment(Learned(plan)
            ? (cells ? "h_0 and c_0 of every lane ← the initial state (the learned h₀ and c₀ where a layer learns them, zeros elsewhere)" : "h_0 of every lane ← the initial state (the learned h₀ where a layer learns it, zeros elsewhere)")
            : (cells ? "h_0 and c_0 of every lane ← 0 (every sequence starts from the zero state)" : "h_0 of every lane ← 0 (every sequence starts from the zero state)"));
        using (w.Block("for (int q = 0; q < lanes; q++)"))
        {
            foreach (var layer in plan.Recurrent)
            {
                w.Line($"MemoryMarshal.CreateSpan({LaneAt($"hs{layer.Layer}", "q")}, {I(layer.Padded)}).Clear();");
                if (layer.StateC >= 0) w.Line($"MemoryMarshal.CreateSpan({LaneAt($"cs{layer.Layer}", "q")}, {I(layer.Padded)}).Clear();");
                if (!layer.HasLearnedInitialState) continue;
                w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref p, {I(layer.InitialH)}), {I(layer.Units)}).CopyTo(MemoryMarshal.CreateSpan({LaneAt($"hs{layer.Layer}", "q")}, {I(layer.Units)}));");
                if (layer.InitialC >= 0)
                    w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref p, {I(layer.InitialC)}), {I(layer.Units)}).CopyTo(MemoryMarshal.CreateSpan({LaneAt($"cs{layer.Layer}", "q")}, {I(layer.Units)}));");
            }
        }
    }

    /// <summary>
    /// Declares the cache rows of the lane at <paramref name="lane"/> (names with <paramref name="suffix"/>): every layer's
    /// h, c, gate, dL/dh, dL/dc, δ caches (and a dropout layer's dropped outputs, masks and dL/d(dropped output)), the head
    /// outputs, dL/dy, and a token model's window of inputs and of dL/dx; <paramref name="only"/> limits them to the names given.
    /// </summary>
    private static void DeclareRows(CodeWriter w, ModelPlan plan, string lane, string suffix = "", IReadOnlyCollection<string>? only = null)
    {
        void Row(string name, string offset)
        {
            if (only is null || only.Contains(name)) w.Line($"ref float {name}{suffix} = ref Unsafe.Add(ref {lane}, {offset} - __LaneStart);");
        }

        void LaneRow(string name, string section)
        {
            if (only is null || only.Contains(name)) w.Line($"ref float {name}{suffix} = ref Unsafe.Add(ref {lane}, __Lane{section}Offset);");
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
            if (layer.DropoutP > 0)
            {
                LaneRow($"xd{l}", $"Layer{l}Dropped");
                LaneRow($"mask{l}", $"Layer{l}Mask");
                LaneRow($"dg{l}", $"Layer{l}DropGrad");
            }
        }

        if (plan.HasHead) Row("ys", "__CacheYOffset");
        Row("dy", "__DyOffset");
        if (plan.HasEmbedding)
        {
            LaneRow("xw", "InputWindow");
            LaneRow("dxw", "DxWindow");
        }
    }

    /// <summary>Lane q's copy of a row declared for lane 0.</summary>
    private static string LaneAt(string row, string q) => At(row, $"{q} * {LaneStride}");

    /// <summary>Lane q's copy of a row declared for lane 0, at <paramref name="offset"/> in it.</summary>
    private static string Q(string row, string offset) => At(row, Plus($"q * {LaneStride}", offset));

    /// <summary>The forward over the window: per step, every layer's lanes kernel over all lanes, then every lane's heads.</summary>
    private static void EmitForward(CodeWriter w, ModelPlan plan)
    {
        bool vocab = plan.HasEmbedding;
        w.Comment("forward over the window, all lanes at each step: every layer in one call over the lanes, caching h (and c and the gate values), then the heads lane by lane");
        using (w.Block("for (int t = 0; t < steps; t++)"))
        {
            if (vocab)
            {
                w.Comment("each lane's input of step t into its window: its token's embedding row, or its float inputs");
                using (w.Block("for (int q = 0; q < lanes; q++)"))
                {
                    w.Line("var laneTokens = tokens.IsEmpty ? default : tokens.Slice(q * steps, steps);");
                    w.Line($"MemoryMarshal.CreateReadOnlySpan(ref __InputAt(ref p, {At("x0", "q * xStride")}, laneTokens, t), InputSize).CopyTo(MemoryMarshal.CreateSpan({Q("xw", "t * InputSize")}, InputSize));");
                }
            }

            TiledLayerPlan? below = null;
            foreach (var layer in plan.Tiled)
            {
                var kind = RecurrentKind.For(layer);
                int l = layer.Layer;
                var args = new List<string> { "ref p" };
                args.Add(below is not null ? $"{Output(below, "(t + 1)")}, {LaneStride}"
                    : vocab ? $"{At("xw", "t * InputSize")}, {LaneStride}"
                    : At("x0", "t * InputSize") + ", xStride");
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
                if (layer.DropoutP > 0)
                {
                    using (w.Block("for (int q = 0; q < lanes; q++)"))
                    {
                        string mask = Q($"mask{l}", $"t * {I(layer.Padded)}");
                        w.Line($"{Kernels}.DropoutMask(MemoryMarshal.CreateSpan({mask}, {I(layer.Units)}), {F(layer.DropoutP)}, __laneStreams[q], {I(l)}, t);   // 0 with probability p, else 1/(1 − p)");
                        w.Line($"{Kernels}.Multiply(MemoryMarshal.CreateReadOnlySpan({Q($"hs{l}", Times("(t + 1)", layer.Padded))}, {I(layer.Units)}), " +
                               $"MemoryMarshal.CreateReadOnlySpan({mask}, {I(layer.Units)}), MemoryMarshal.CreateSpan({Q($"xd{l}", Times("(t + 1)", layer.Padded))}, {I(layer.Units)}));");
                    }
                }

                below = layer;
            }

            if (plan.HasHead)
            {
                using (w.Block("for (int q = 0; q < lanes; q++)"))
                {
                    var top = plan.Top;
                    string input = Q(top.DropoutP > 0 ? $"xd{top.Layer}" : $"hs{top.Layer}", Times("(t + 1)", top.Padded));
                    foreach (var head in plan.Heads)
                        w.Line($"{HeadLossEmitter.ForwardName(head)}(ref p, {input}, {Q("ys", Plus("t * OutputSize", I(head.OutputOffset)))}" +
                               $"{(head.AddInput >= 0 ? ", " + At("x0", "q * xStride + t * InputSize") : "")});");
                }
            }
        }

        w.Line();
    }

    /// <summary>
    /// One layer's step of the backward pass over all lanes: δ lane by lane, then dL/dh_{t−1} += W_hhᵀ·δ and
    /// dL/dx_t += W_ihᵀ·δ over all lanes in one call each (into the layer below's dL/dh, its dL/d(dropped output), or a
    /// token model's dL/dx of step t), then a dropout's gradient lane by lane.
    /// </summary>
    private static void EmitLayerBackward(CodeWriter w, ModelPlan plan, TiledLayerPlan layer, TiledLayerPlan? below)
    {
        var kind = RecurrentKind.For(layer);
        int l = layer.Layer;
        bool dxWindow = below is null && plan.HasEmbedding;
        using (w.Block("for (int q = 0; q < lanes; q++)"))
        {
            if (layer.IsRecurrent) w.Line($"MemoryMarshal.CreateSpan({Q($"dh{l}", Times("(cur ^ 1)", layer.Padded))}, {I(layer.Padded)}).Clear();");
            if (dxWindow) w.Line($"MemoryMarshal.CreateSpan({Q("dxw", Times("t", plan.DxLength))}, {I(plan.DxLength)}).Clear();");
            if (below is { DropoutP: > 0 }) w.Line($"MemoryMarshal.CreateSpan({Q($"dg{below.Layer}", "0")}, {I(below.Padded)}).Clear();");
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
        if (layer.HasDx)
        {
            string target = below is null ? At("dxw", Times("t", plan.DxLength))
                : below.DropoutP > 0 ? $"ref dg{below.Layer}"
                : At($"dh{below.Layer}", below.IsRecurrent ? Times("cur", below.Padded) : "0");
            w.Line($"{BackwardKernelEmitter.LanesName(BackwardKernelEmitter.InputProductName(layer))}(ref Unsafe.Add(ref p, __Layer{l}WihTOffset), {laneDelta}, " +
                   $"{target}, 0, lanes);   // d{ForwardKernelEmitter.InputName(layer)}_t += W_ihᵀ·δ, every lane");
        }

        if (below is { DropoutP: > 0 })
        {
            w.Line("for (int q = 0; q < lanes; q++)");
            w.Line("    " + MaskedAdd(below, "t", "", Q($"dh{below.Layer}", below.IsRecurrent ? Times("cur", below.Padded) : "0"), lane: true));
        }

        if (!layer.IsRecurrent)
        {
            w.Line("for (int q = 0; q < lanes; q++)");
            w.Line($"    MemoryMarshal.CreateSpan({At($"dh{l}", $"q * {LaneStride}")}, {I(layer.Padded)}).Clear();   // the next step's dL/dy starts from zero");
        }
    }

    /// <summary>
    /// dh += dg ⊙ mask_t, the gradient through a dropout, with the rows of <paramref name="suffix"/> (or, with
    /// <paramref name="lane"/>, lane q's copies of lane 0's rows).
    /// </summary>
    private static string MaskedAdd(TiledLayerPlan layer, string t, string suffix, string dh, bool lane = false)
    {
        int l = layer.Layer;
        string dg = lane ? Q($"dg{l}", "0") : $"ref dg{l}{suffix}";
        string mask = lane ? Q($"mask{l}", $"{t} * {I(layer.Padded)}") : At($"mask{l}{suffix}", $"{t} * {I(layer.Padded)}");
        return $"{Kernels}.MultiplyAdd(MemoryMarshal.CreateReadOnlySpan({dg}, {I(layer.Units)}), MemoryMarshal.CreateReadOnlySpan({mask}, {I(layer.Units)}), " +
               $"MemoryMarshal.CreateSpan({dh}, {I(layer.Units)}));";
    }

    /// <summary>The layer's output of step t as the layer above reads it: after its dropout when it has one (lane 0's rows, or those of <paramref name="suffix"/>).</summary>
    private static string Output(TiledLayerPlan layer, string t, string suffix = "") =>
        At((layer.DropoutP > 0 ? $"xd{layer.Layer}" : $"hs{layer.Layer}") + suffix, Times(t, layer.Padded));

    private static string F(float value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "f";

    /// <summary>h_t of <paramref name="layer"/> in lane 0's cache (<paramref name="t"/> an expression; parenthesize sums).</summary>
    private static string H(TiledLayerPlan layer, string t) => At($"hs{layer.Layer}", Times(t, layer.Padded));
}
