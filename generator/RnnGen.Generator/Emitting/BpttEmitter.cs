using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The BPTT driver <c>__Accumulate</c>: the forward pass over the window caching what the backward pass needs (and
/// drawing the dropout masks), the loss, the backward pass step by step (δ per layer, dL/dh_{t−1} and dL/dx through the
/// transposed weights), then the weight gradients of the whole window as one blocked product per layer, the gradient
/// of a learned initial state, and the state advanced to the window's end.
/// </summary>
internal static class BpttEmitter
{
    public const string Name = "__Accumulate";

    public static void Emit(CodeWriter w, ModelPlan plan)
    {
        bool vocab = plan.HasEmbedding;
        var layers = plan.Tiled;
        var top = plan.Top;
        var loss = new LossTerms(plan);
        bool learned = plan.Recurrent.Count > 0 && HasLearned(plan);

        w.Line(Hot);
        using (w.Block($"private float {Name}({ReadOnlySpan} inputs{ApiOverloads.TokensParameter(plan)}, {ReadOnlySpan} targets, global::System.ReadOnlySpan<int> classes, " +
                       $"{Span} initialStateGradient, int steps)"))
        {
            w.Line("ref float p = ref __Base;");
            w.Line("ref float g = ref Unsafe.Add(ref p, __GradientsOffset);");
            if (plan.HasHead) w.Line("ref float ys = ref Unsafe.Add(ref p, __CacheYOffset);   // y_t");
            w.Line("ref float dy = ref Unsafe.Add(ref p, __DyOffset);");
            if (vocab)
            {
                w.Line("ref float dxs = ref Unsafe.Add(ref p, __DxOffset);");
                w.Line("ref float xw = ref Unsafe.Add(ref p, __InputWindowOffset);   // the window's embedding rows");
            }

            w.Line("ref float x0 = ref MemoryMarshal.GetReference(inputs);");
            w.Line("ref float tg = ref MemoryMarshal.GetReference(targets);");
            w.Line("ref float state = ref __state.__Current;");
            if (learned) w.Line("bool fresh = __state.__Fresh;   // the window starts from the learned initial state: train it");
            foreach (var layer in layers)
            {
                var kind = RecurrentKind.For(layer);
                int l = layer.Layer;
                w.Comment($"layer {l}: its caches");
                w.Line(layer.IsRecurrent
                    ? $"ref float hs{l} = ref Unsafe.Add(ref p, __Layer{l}CacheHOffset);   // h_t, t = 0..steps"
                    : $"ref float hs{l} = ref Unsafe.Add(ref p, __Layer{l}CacheHOffset);   // y_t at t + 1");
                if (kind.HasCellState) w.Line($"ref float cs{l} = ref Unsafe.Add(ref p, __Layer{l}CacheCOffset);   // c_t");
                if (kind.HasTrainForward) w.Line($"ref float gates{l} = ref Unsafe.Add(ref p, __Layer{l}GatesOffset);   // [{string.Join(" ", kind.CacheSlots)}] of step t");
                w.Line(layer.IsRecurrent
                    ? $"ref float dh{l} = ref Unsafe.Add(ref p, __Layer{l}DhOffset);   // dL/dh: [cur] of step t, [cur ^ 1] of t − 1"
                    : $"ref float dh{l} = ref Unsafe.Add(ref p, __Layer{l}DhOffset);   // dL/dy of step t");
                if (kind.HasCellState) w.Line($"ref float dc{l} = ref Unsafe.Add(ref p, __Layer{l}DcOffset);");
                w.Line($"ref float delta{l} = ref Unsafe.Add(ref p, __Layer{l}DeltaOffset);   // δ_t");
                if (kind.HasSeparateRecurrentDelta) w.Line($"ref float deltaRec{l} = ref Unsafe.Add(ref p, __Layer{l}DeltaRecOffset);   // δ of W_hh's rows");
                if (layer.DropoutP > 0)
                {
                    w.Line($"ref float xd{l} = ref Unsafe.Add(ref p, __Layer{l}DroppedOffset);   // the output after dropout, step t at t + 1");
                    w.Line($"ref float mask{l} = ref Unsafe.Add(ref p, __Layer{l}MaskOffset);   // 0 or 1/(1 − p)");
                    w.Line($"ref float dg{l} = ref Unsafe.Add(ref p, __Layer{l}DropGradOffset);   // dL/d(dropped output)");
                }
            }

            w.Line();
            if (plan.Recurrent.Count > 0)
            {
                w.Comment(plan.Recurrent.Any(static r => r.StateC >= 0) ? "h_0 and c_0 of every recurrent layer ← the current state" : "h_0 of every recurrent layer ← the current state");
                foreach (var layer in plan.Recurrent)
                {
                    w.Line(Copy(At("state", layer.StateH), $"ref hs{layer.Layer}", layer.Padded));
                    if (layer.StateC >= 0) w.Line(Copy(At("state", layer.StateC), $"ref cs{layer.Layer}", layer.Padded));
                }

                w.Line();
            }

            w.Comment("W_hhᵀ (and W_ihᵀ) of every layer ← the parameters, for the backward pass's per-step products");
            foreach (var layer in layers)
            {
                if (!layer.IsRecurrent && !layer.HasDx) continue;
                var args = new List<string> { "ref p" };
                if (layer.IsRecurrent) args.Add($"ref Unsafe.Add(ref p, __Layer{layer.Layer}WhhTOffset)");
                if (layer.HasDx) args.Add($"ref Unsafe.Add(ref p, __Layer{layer.Layer}WihTOffset)");
                w.Line($"{BackwardKernelEmitter.TransposeName(layer)}({string.Join(", ", args)});");
            }

            w.Line();
            EmitForward(w, plan, layers);

            w.Comment($"loss: {HeadLossEmitter.LossDescription(plan)}; each scored step adds its loss and dL/dy_t (scaled by weight/count) in the backward loop");
            loss.EmitDeclarations(w, scales: true);
            w.Line();
            w.Comment("backward through time: a recurrent layer's dh{l}[cur] holds dL/dh_t, dh{l}[cur ^ 1] receives dL/dh_{t−1}; a Dense layer's dh{l} holds dL/dy_t");
            foreach (var layer in layers)
            {
                w.Line($"MemoryMarshal.CreateSpan(ref dh{layer.Layer}, {I((layer.IsRecurrent ? 2 : 1) * layer.Padded)}).Clear();");
                if (layer.StateC >= 0) w.Line($"MemoryMarshal.CreateSpan(ref dc{layer.Layer}, {I(2 * layer.Padded)}).Clear();");
            }

            w.Line("int cur = 0;");
            using (w.Block("for (int t = steps - 1; t >= 0; t--)"))
            {
                using (w.Block("if (t >= first)"))
                {
                    w.Line(plan.HasHead ? "ref float yt = ref Unsafe.Add(ref ys, t * OutputSize);" : $"ref float yt = {Output(top, "(t + 1)")};");
                    loss.EmitStep(w, "yt", "dy", "scale");
                    string dhTop = top.DropoutP > 0 ? $"ref dg{top.Layer}" : Dh(top, "cur");
                    if (top.DropoutP > 0) w.Line($"MemoryMarshal.CreateSpan(ref dg{top.Layer}, {I(top.Padded)}).Clear();");
                    foreach (var head in plan.Heads)
                        w.Line($"{HeadLossEmitter.BackwardName(head)}(ref p, ref g, {Output(top, "(t + 1)")}, {At("dy", head.OutputOffset)}, {dhTop});   // dW, db; dh_t += Wᵀ·dy");
                    if (!plan.HasHead)
                    {
                        w.Line($"ref float dhTop = {dhTop};");
                        w.Line($"for (int o = 0; o < {I(top.Units)}; o++)");
                        w.Line("    Unsafe.Add(ref dhTop, o) += Unsafe.Add(ref dy, o);   // y = h: dh_t += dy");
                    }

                    if (top.DropoutP > 0) w.Line(MaskedAdd(top, "t"));
                }

                for (int i = layers.Count - 1; i >= 0; i--)
                    EmitLayerBackward(w, plan, layers[i], i > 0 ? layers[i - 1] : null);

                if (vocab)
                {
                    using (w.Block("if (!tokens.IsEmpty)"))
                    {
                        w.Line("ref float ge = ref Unsafe.Add(ref g, __EmbeddingOffset + tokens[t] * InputSize);");
                        w.Line("for (int k = 0; k < InputSize; k++)");
                        w.Line("    Unsafe.Add(ref ge, k) += Unsafe.Add(ref dxs, k);   // dE[token_t] += dx_t");
                    }
                }

                w.Line("cur ^= 1;");
            }

            w.Line();
            w.Comment("the weight gradients of the whole window, layer by layer: one blocked product each");
            TiledLayerPlan? below = null;
            foreach (var layer in layers)
            {
                var kind = RecurrentKind.For(layer);
                string xs = below is not null ? Output(below, "1") : vocab ? "ref xw" : "ref x0";
                string deltaRec = kind.HasSeparateRecurrentDelta ? $", ref deltaRec{layer.Layer}" : "";
                string hs = layer.IsRecurrent ? $", ref hs{layer.Layer}" : "";
                w.Line($"{WeightGradientEmitter.Name(layer)}(ref g, ref delta{layer.Layer}{deltaRec}, {xs}{hs}, steps);");
                below = layer;
            }

            if (plan.Recurrent.Count > 0)
            {
                w.Line();
                w.Comment("dL/dh_0 (and dL/dc_0) of every recurrent layer is now in dh{l}[cur] (and dc{l}[cur])");
                using (w.Block("if (!initialStateGradient.IsEmpty)"))
                {
                    int at = 0;
                    foreach (var layer in plan.Recurrent)
                    {
                        w.Line($"MemoryMarshal.CreateReadOnlySpan({Dh(layer, "cur")}, {I(layer.Units)}).CopyTo(initialStateGradient.Slice({I(at)}, {I(layer.Units)}));");
                        at += layer.Units;
                    }

                    foreach (var layer in plan.Recurrent)
                    {
                        if (layer.StateC < 0) continue;
                        w.Line($"MemoryMarshal.CreateReadOnlySpan({Dc(layer, "cur")}, {I(layer.Units)}).CopyTo(initialStateGradient.Slice({I(at)}, {I(layer.Units)}));");
                        at += layer.Units;
                    }
                }

                if (learned)
                {
                    using (w.Block("if (fresh)"))
                    {
                        w.Comment("the learned initial state's gradient: dL/dh_0 (and dL/dc_0) added to the gradients of h0 (c0)");
                        foreach (var layer in plan.Recurrent)
                        {
                            if (!layer.HasLearnedInitialState) continue;
                            w.Line($"{Kernels}.AddInPlace(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref g, {I(layer.InitialH)}), {I(layer.Units)}), " +
                                   $"MemoryMarshal.CreateReadOnlySpan({Dh(layer, "cur")}, {I(layer.Units)}));");
                            if (layer.InitialC >= 0)
                                w.Line($"{Kernels}.AddInPlace(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref g, {I(layer.InitialC)}), {I(layer.Units)}), " +
                                       $"MemoryMarshal.CreateReadOnlySpan({Dc(layer, "cur")}, {I(layer.Units)}));");
                        }
                    }
                }

                w.Line();
                w.Comment("the state advances to the window's last step");
                foreach (var layer in plan.Recurrent)
                {
                    w.Line(Copy(H(layer, "steps"), At("state", layer.StateH), layer.Padded));
                    if (layer.StateC >= 0) w.Line(Copy(C(layer, "steps"), At("state", layer.StateC), layer.Padded));
                }
            }

            w.Line($"return {loss.Result()};");
        }

        w.Line();
    }

    private static bool HasLearned(ModelPlan plan)
    {
        foreach (var layer in plan.Recurrent)
            if (layer.HasLearnedInitialState) return true;
        return false;
    }

    private static void EmitForward(CodeWriter w, ModelPlan plan, IReadOnlyList<TiledLayerPlan> layers)
    {
        bool vocab = plan.HasEmbedding;
        var kinds = new List<string>();
        if (plan.Recurrent.Any(static r => r.StateC >= 0)) kinds.Add("c_t");
        if (layers.Any(static l => RecurrentKind.For(l).HasTrainForward)) kinds.Add("the gate values");
        if (plan.HasHead) kinds.Add("y_t");
        w.Comment("forward over the window, caching every layer's output" + (kinds.Count > 0 ? ", " + string.Join(", ", kinds) : "") + (vocab ? " (and the embedding rows)" : ""));
        using (w.Block("for (int t = 0; t < steps; t++)"))
        {
            if (vocab)
                w.Line($"MemoryMarshal.CreateReadOnlySpan({ApiOverloads.InputAt(plan, "tokens", "t")}, InputSize).CopyTo(MemoryMarshal.CreateSpan({At("xw", "t * InputSize")}, InputSize));");
            TiledLayerPlan? below = null;
            foreach (var layer in layers)
            {
                var kind = RecurrentKind.For(layer);
                string input = below is not null ? Output(below, "(t + 1)") : vocab ? At("xw", "t * InputSize") : ApiOverloads.InputAt(plan, null, "t");
                string h = layer.IsRecurrent ? $", {H(layer, "t")}" : "";
                string cell = layer.StateC >= 0 ? $", {C(layer, "t")}, {C(layer, "(t + 1)")}" : "";
                string cache = kind.HasTrainForward ? $", {At($"gates{layer.Layer}", $"t * {I(layer.CacheGatesStride)}")}" : "";
                string reverse = layer.Serpentine ? ", (t & 1) != 0" : "";   // serpentine tile order (bit-identical results)
                w.Line($"{ForwardKernelEmitter.Name(layer, kind.HasTrainForward)}(ref p, {input}{h}, {H(layer, "(t + 1)")}{cell}{cache}{reverse});");
                if (layer.DropoutP > 0)
                {
                    int l = layer.Layer;
                    w.Line($"{Kernels}.DropoutMask(MemoryMarshal.CreateSpan({At($"mask{l}", $"t * {I(layer.Padded)}")}, {I(layer.Units)}), " +
                           $"{F(layer.DropoutP)}, __dropoutStream, {I(l)}, t);   // 0 with probability p, else 1/(1 − p)");
                    w.Line($"{Kernels}.Multiply(MemoryMarshal.CreateReadOnlySpan({H(layer, "(t + 1)")}, {I(layer.Units)}), " +
                           $"MemoryMarshal.CreateReadOnlySpan({At($"mask{l}", $"t * {I(layer.Padded)}")}, {I(layer.Units)}), MemoryMarshal.CreateSpan({Output(layer, "(t + 1)")}, {I(layer.Units)}));");
                }

                below = layer;
            }

            foreach (var head in plan.Heads)
                w.Line($"{HeadLossEmitter.ForwardName(head)}(ref p, {Output(plan.Top, "(t + 1)")}, {At("ys", Plus("t * OutputSize", I(head.OutputOffset)))}" +
                       $"{(head.AddInput >= 0 ? ", " + At("x0", "t * InputSize") : "")});");
        }

        w.Line();
    }

    /// <summary>One layer's step of the backward pass: δ_t, then dL/dh_{t−1} += W_hhᵀ·δ and dL/dx_t += W_ihᵀ·δ.</summary>
    private static void EmitLayerBackward(CodeWriter w, ModelPlan plan, TiledLayerPlan layer, TiledLayerPlan? below)
    {
        var kind = RecurrentKind.For(layer);
        int l = layer.Layer;
        if (layer.IsRecurrent) w.Line($"MemoryMarshal.CreateSpan({Dh(layer, "(cur ^ 1)")}, {I(layer.Padded)}).Clear();");
        if (below is null && plan.HasEmbedding) w.Line($"MemoryMarshal.CreateSpan(ref dxs, {I(plan.DxLength)}).Clear();");
        string dx = below is null ? "ref dxs" : below.DropoutP > 0 ? $"ref dg{below.Layer}" : Dh(below, "cur");
        if (below is { DropoutP: > 0 }) w.Line($"MemoryMarshal.CreateSpan(ref dg{below.Layer}, {I(below.Padded)}).Clear();");
        string cell = kind.HasCellState ? $", {C(layer, "t")}, {Dc(layer, "cur")}, {Dc(layer, "(cur ^ 1)")}" : "";
        string cache = kind.HasTrainForward ? $", {At($"gates{l}", $"t * {I(layer.CacheGatesStride)}")}" : "";
        string delta = At($"delta{l}", $"t * {I(layer.DeltaStride)}");
        string deltaRec = kind.HasSeparateRecurrentDelta ? At($"deltaRec{l}", $"t * {I(layer.DeltaStride)}") : delta;
        string states = layer.IsRecurrent
            ? $"{H(layer, "(t + 1)")}, {H(layer, "t")}, {Dh(layer, "cur")}, {Dh(layer, "(cur ^ 1)")}"
            : $"{H(layer, "(t + 1)")}, {Dh(layer, "cur")}";
        w.Line($"{BackwardKernelEmitter.DeltaName(layer)}({states}{cell}{cache}, {delta}{(kind.HasSeparateRecurrentDelta ? ", " + deltaRec : "")});   // δ_t");
        if (layer.IsRecurrent)
            w.Line($"{BackwardKernelEmitter.HiddenProductName(layer)}(ref Unsafe.Add(ref p, __Layer{l}WhhTOffset), {deltaRec}, {Dh(layer, "(cur ^ 1)")});   // dh_(t−1) += W_hhᵀ·δ");
        if (layer.HasDx)
            w.Line($"{BackwardKernelEmitter.InputProductName(layer)}(ref Unsafe.Add(ref p, __Layer{l}WihTOffset), {delta}, {dx});   // d{ForwardKernelEmitter.InputName(layer)}_t += W_ihᵀ·δ");
        if (below is { DropoutP: > 0 }) w.Line(MaskedAdd(below, "t"));
        if (!layer.IsRecurrent) w.Line($"MemoryMarshal.CreateSpan(ref dh{l}, {I(layer.Padded)}).Clear();   // the next step's dL/dy starts from zero");
    }

    /// <summary>dh(layer)[cur] += dg ⊙ mask_t: the gradient through a dropout.</summary>
    private static string MaskedAdd(TiledLayerPlan layer, string t) =>
        $"{Kernels}.MultiplyAdd(MemoryMarshal.CreateReadOnlySpan(ref dg{layer.Layer}, {I(layer.Units)}), " +
        $"MemoryMarshal.CreateReadOnlySpan({At($"mask{layer.Layer}", $"{t} * {I(layer.Padded)}")}, {I(layer.Units)}), MemoryMarshal.CreateSpan({Dh(layer, "cur")}, {I(layer.Units)}));";

    private static string F(float value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "f";

    private static string Copy(string from, string to, int length) =>
        $"MemoryMarshal.CreateReadOnlySpan({from}, {I(length)}).CopyTo(MemoryMarshal.CreateSpan({to}, {I(length)}));";

    /// <summary>The layer's output of step t as the layer above reads it in training: after its dropout when it has one.</summary>
    private static string Output(TiledLayerPlan layer, string t) => layer.DropoutP > 0 ? At($"xd{layer.Layer}", Times(t, layer.Padded)) : H(layer, t);

    /// <summary>h_t of <paramref name="layer"/> in its cache (<paramref name="t"/> an expression; parenthesize sums).</summary>
    private static string H(TiledLayerPlan layer, string t) => At($"hs{layer.Layer}", Times(t, layer.Padded));

    private static string C(TiledLayerPlan layer, string t) => At($"cs{layer.Layer}", Times(t, layer.Padded));

    /// <summary>A recurrent layer's dL/dh buffer <paramref name="which"/> (cur or cur ^ 1); a Dense layer's only one.</summary>
    private static string Dh(TiledLayerPlan layer, string which) => layer.IsRecurrent ? At($"dh{layer.Layer}", Times(which, layer.Padded)) : $"ref dh{layer.Layer}";

    private static string Dc(TiledLayerPlan layer, string which) => At($"dc{layer.Layer}", Times(which, layer.Padded));
}
