using System.Collections.Generic;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The BPTT driver <c>__Accumulate</c>: the forward pass over the window caching what the backward pass needs, the loss,
/// the backward pass step by step (δ per layer, dL/dh_{t−1} and dL/dx through the transposed weights), then the weight
/// gradients of the whole window as one blocked product per layer, and the state advanced to the window's end.
/// </summary>
internal static class BpttEmitter
{
    public const string Name = "__Accumulate";

    public static void Emit(CodeWriter w, ModelPlan plan)
    {
        var s = plan.Spec;
        bool vocab = plan.HasEmbedding, lastStep = s.LossOn == LossOnKind.LastStep, ce = s.Loss == LossKind.CrossEntropy;
        var layers = plan.Recurrent;
        var top = plan.Top;

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
            foreach (var layer in layers)
            {
                var kind = RecurrentKind.For(layer);
                int l = layer.Layer;
                w.Comment($"layer {l}: its caches");
                w.Line($"ref float hs{l} = ref Unsafe.Add(ref p, __Layer{l}CacheHOffset);   // h_t, t = 0..steps");
                if (kind.HasCellState) w.Line($"ref float cs{l} = ref Unsafe.Add(ref p, __Layer{l}CacheCOffset);   // c_t");
                if (kind.HasTrainForward) w.Line($"ref float gates{l} = ref Unsafe.Add(ref p, __Layer{l}GatesOffset);   // [{string.Join(" ", kind.CacheSlots)}] of step t");
                w.Line($"ref float dh{l} = ref Unsafe.Add(ref p, __Layer{l}DhOffset);   // dL/dh: [cur] of step t, [cur ^ 1] of t − 1");
                if (kind.HasCellState) w.Line($"ref float dc{l} = ref Unsafe.Add(ref p, __Layer{l}DcOffset);");
                w.Line($"ref float delta{l} = ref Unsafe.Add(ref p, __Layer{l}DeltaOffset);   // δ_t");
                if (kind.HasSeparateRecurrentDelta) w.Line($"ref float deltaRec{l} = ref Unsafe.Add(ref p, __Layer{l}DeltaRecOffset);   // δ of W_hh's rows");
            }

            w.Line();
            w.Comment(top.StateC >= 0 ? "h_0 and c_0 of every layer ← the current state" : "h_0 of every layer ← the current state");
            foreach (var layer in layers)
            {
                w.Line(Copy(At("state", layer.StateH), $"ref hs{layer.Layer}", layer.Padded));
                if (layer.StateC >= 0) w.Line(Copy(At("state", layer.StateC), $"ref cs{layer.Layer}", layer.Padded));
            }

            w.Line();
            w.Comment("W_hhᵀ (and W_ihᵀ) of every layer ← the parameters, for the backward pass's per-step products");
            foreach (var layer in layers)
                w.Line($"{BackwardKernelEmitter.TransposeName(layer)}(ref p, ref Unsafe.Add(ref p, __Layer{layer.Layer}WhhTOffset)" +
                       $"{(layer.HasDx ? $", ref Unsafe.Add(ref p, __Layer{layer.Layer}WihTOffset)" : "")});");
            w.Line();

            EmitForward(w, plan, layers);

            // y_t as seen by the loss: the head's logits, or the top layer's h.
            string Y(string t) => plan.HasHead ? At("ys", $"{t} * OutputSize") : H(top, $"({t} + 1)");
            w.Comment($"loss: {HeadLossEmitter.LossDescription(plan)}; each scored step adds its loss and dL/dy_t (scaled by 1/normalizer) in the backward loop");
            w.Line($"int first = {(lastStep ? "steps - 1" : "0")};");
            w.Line($"int count = {(ce ? "steps - first" : "(steps - first) * OutputSize")};");
            w.Line("float scale = 1f / count;");
            w.Line("double sum = 0;");
            w.Line();
            w.Comment("backward through time: dh{l}[cur] holds dL/dh_t of layer l, dh{l}[cur ^ 1] receives dL/dh_{t−1}" + (top.StateC >= 0 ? "; dc likewise" : ""));
            foreach (var layer in layers)
            {
                w.Line($"MemoryMarshal.CreateSpan(ref dh{layer.Layer}, {I(2 * layer.Padded)}).Clear();");
                if (layer.StateC >= 0) w.Line($"MemoryMarshal.CreateSpan(ref dc{layer.Layer}, {I(2 * layer.Padded)}).Clear();");
            }

            w.Line("int cur = 0;");
            using (w.Block("for (int t = steps - 1; t >= 0; t--)"))
            {
                using (w.Block("if (t >= first)"))
                {
                    w.Line("ref float target = ref targets.IsEmpty ? ref dy : ref Unsafe.Add(ref tg, (t - first) * OutputSize);");
                    w.Line($"sum += {HeadLossEmitter.StepLossName}({Y("t")}, ref target, classes.IsEmpty ? -1 : classes[t - first], ref dy, scale);   // loss_t, dL/dy_t");
                    if (plan.HasHead)
                        w.Line($"{HeadLossEmitter.BackwardName}(ref p, ref g, {H(top, "(t + 1)")}, ref dy, {Dh(top, "cur")});   // dW_hy, db_y; dh_t += W_hyᵀ·dy");
                    else
                    {
                        w.Line($"ref float dhTop = {Dh(top, "cur")};");
                        w.Line("for (int o = 0; o < OutputSize; o++)");
                        w.Line("    Unsafe.Add(ref dhTop, o) += Unsafe.Add(ref dy, o);   // y = h: dh_t += dy");
                    }
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
            RecurrentLayerPlan? below = null;
            foreach (var layer in layers)
            {
                var kind = RecurrentKind.For(layer);
                string xs = below is not null ? H(below, "1") : vocab ? "ref xw" : "ref x0";
                string deltaRec = kind.HasSeparateRecurrentDelta ? $", ref deltaRec{layer.Layer}" : "";
                w.Line($"{WeightGradientEmitter.Name(layer)}(ref g, ref delta{layer.Layer}{deltaRec}, {xs}, ref hs{layer.Layer}, steps);");
                below = layer;
            }

            w.Line();
            w.Comment("dL/dh_0 (and dL/dc_0) of every layer is now in dh{l}[cur]" + (top.StateC >= 0 ? " and dc{l}[cur]" : ""));
            using (w.Block("if (!initialStateGradient.IsEmpty)"))
            {
                foreach (var layer in layers)
                {
                    int l = layer.Layer;
                    w.Line($"MemoryMarshal.CreateReadOnlySpan({Dh(layer, "cur")}, HiddenSize).CopyTo(initialStateGradient.Slice({I(l * layer.Units)}, HiddenSize));");
                    if (layer.StateC >= 0)
                        w.Line($"MemoryMarshal.CreateReadOnlySpan({Dc(layer, "cur")}, HiddenSize).CopyTo(initialStateGradient.Slice({I((layers.Count + l) * layer.Units)}, HiddenSize));");
                }
            }

            w.Line();
            w.Comment("the state advances to the window's last step");
            foreach (var layer in layers)
            {
                w.Line(Copy(H(layer, "steps"), At("state", layer.StateH), layer.Padded));
                if (layer.StateC >= 0) w.Line(Copy(C(layer, "steps"), At("state", layer.StateC), layer.Padded));
            }

            w.Line("return (float)(sum / count);");
        }

        w.Line();
    }

    private static void EmitForward(CodeWriter w, ModelPlan plan, IReadOnlyList<RecurrentLayerPlan> layers)
    {
        bool vocab = plan.HasEmbedding;
        var kinds = new List<string>();
        if (layers[0].StateC >= 0) kinds.Add("c_t");
        if (RecurrentKind.For(layers[0]).HasTrainForward) kinds.Add("the gate values");
        if (plan.HasHead) kinds.Add("y_t");
        w.Comment("forward over the window, caching every h_t" + (kinds.Count > 0 ? ", " + string.Join(", ", kinds) : "") + (vocab ? " (and the embedding rows)" : ""));
        using (w.Block("for (int t = 0; t < steps; t++)"))
        {
            if (vocab)
                w.Line($"MemoryMarshal.CreateReadOnlySpan({ApiOverloads.InputAt(plan, "tokens", "t")}, InputSize).CopyTo(MemoryMarshal.CreateSpan({At("xw", "t * InputSize")}, InputSize));");
            RecurrentLayerPlan? below = null;
            foreach (var layer in layers)
            {
                var kind = RecurrentKind.For(layer);
                string input = below is not null ? H(below, "(t + 1)") : vocab ? At("xw", "t * InputSize") : ApiOverloads.InputAt(plan, null, "t");
                string cell = layer.StateC >= 0 ? $", {C(layer, "t")}, {C(layer, "(t + 1)")}" : "";
                string cache = kind.HasTrainForward ? $", {At($"gates{layer.Layer}", $"t * {I(layer.CacheGatesStride)}")}" : "";
                string reverse = layer.Serpentine ? ", (t & 1) != 0" : "";   // serpentine tile order (bit-identical results)
                w.Line($"{ForwardKernelEmitter.Name(layer, kind.HasTrainForward)}(ref p, {input}, {H(layer, "t")}, {H(layer, "(t + 1)")}{cell}{cache}{reverse});");
                below = layer;
            }

            if (plan.HasHead)
                w.Line($"{HeadLossEmitter.ForwardName}(ref p, {H(plan.Top, "(t + 1)")}, {At("ys", "t * OutputSize")});");
        }

        w.Line();
    }

    /// <summary>One layer's step of the backward pass: δ_t, then dL/dh_{t−1} += W_hhᵀ·δ and dL/dx_t += W_ihᵀ·δ.</summary>
    private static void EmitLayerBackward(CodeWriter w, ModelPlan plan, RecurrentLayerPlan layer, RecurrentLayerPlan? below)
    {
        var kind = RecurrentKind.For(layer);
        int l = layer.Layer;
        w.Line($"MemoryMarshal.CreateSpan({Dh(layer, "(cur ^ 1)")}, {I(layer.Padded)}).Clear();");
        string dx = below is not null ? Dh(below, "cur") : "ref dxs";
        if (below is null && plan.HasEmbedding) w.Line($"MemoryMarshal.CreateSpan(ref dxs, {I(plan.DxLength)}).Clear();");
        string cell = kind.HasCellState ? $", {C(layer, "t")}, {Dc(layer, "cur")}, {Dc(layer, "(cur ^ 1)")}" : "";
        string cache = kind.HasTrainForward ? $", {At($"gates{l}", $"t * {I(layer.CacheGatesStride)}")}" : "";
        string delta = At($"delta{l}", $"t * {I(layer.DeltaStride)}");
        string deltaRec = kind.HasSeparateRecurrentDelta ? At($"deltaRec{l}", $"t * {I(layer.DeltaStride)}") : delta;
        w.Line($"{BackwardKernelEmitter.DeltaName(layer)}({H(layer, "(t + 1)")}, {H(layer, "t")}, {Dh(layer, "cur")}, {Dh(layer, "(cur ^ 1)")}{cell}{cache}, {delta}" +
               $"{(kind.HasSeparateRecurrentDelta ? ", " + deltaRec : "")});   // δ_t");
        w.Line($"{BackwardKernelEmitter.HiddenProductName(layer)}(ref Unsafe.Add(ref p, __Layer{l}WhhTOffset), {deltaRec}, {Dh(layer, "(cur ^ 1)")});   // dh_(t−1) += W_hhᵀ·δ");
        if (layer.HasDx)
            w.Line($"{BackwardKernelEmitter.InputProductName(layer)}(ref Unsafe.Add(ref p, __Layer{l}WihTOffset), {delta}, {dx});   // d{ForwardKernelEmitter.InputName(layer)}_t += W_ihᵀ·δ");
    }

    private static string Copy(string from, string to, int length) =>
        $"MemoryMarshal.CreateReadOnlySpan({from}, {I(length)}).CopyTo(MemoryMarshal.CreateSpan({to}, {I(length)}));";

    /// <summary>h_t of <paramref name="layer"/> in its cache (<paramref name="t"/> an expression; parenthesize sums).</summary>
    private static string H(RecurrentLayerPlan layer, string t) => At($"hs{layer.Layer}", Times(t, layer.Padded));

    private static string C(RecurrentLayerPlan layer, string t) => At($"cs{layer.Layer}", Times(t, layer.Padded));

    private static string Dh(RecurrentLayerPlan layer, string which) => At($"dh{layer.Layer}", Times(which, layer.Padded));

    private static string Dc(RecurrentLayerPlan layer, string which) => At($"dc{layer.Layer}", Times(which, layer.Padded));
}
