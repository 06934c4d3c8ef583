using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The Linear head (y = W_hy·h + b_y, W_hy stored as Output rows of the top layer's padded width) forward and
/// backward per vector width, the output activation of Step/Forward, and the per-step loss with its gradient
/// (a handful of scalars per step, computed in double).
/// </summary>
internal static class HeadLossEmitter
{
    public static string ForwardName(HeadPlan head) => $"__Head{head.Name}Forward";

    public static string BackwardName(HeadPlan head) => $"__Head{head.Name}Backward";

    public static string StepLossName(HeadPlan head) => $"__StepLoss{head.Name}";

    public static string ActivateName(HeadPlan head) => $"__Activate{head.Name}";

    /// <summary>The named offsets of the head's weights and bias.</summary>
    private static string Offset(HeadPlan head) => $"__Head{head.Name}Offset";

    private static string BiasOffset(HeadPlan head) => $"__Head{head.Name}BiasOffset";

    /// <summary>Whether Step/Forward turn this head's logits into probabilities.</summary>
    public static bool HasOutputActivation(HeadPlan head) => head.Activation != OutputActivationKind.Linear;

    /// <summary>Whether Step/Forward turn any head's logits into probabilities.</summary>
    public static bool HasOutputActivation(ModelPlan plan) => plan.HasOutputActivation;

    /// <summary>The model's loss in words, for comments and docs.</summary>
    public static string LossDescription(ModelPlan plan)
    {
        var heads = plan.Heads;
        if (heads.Count == 0) return LossDescription(OutputActivationKind.Linear, LossKind.Mse);
        if (heads.Count == 1) return LossDescription(heads[0].Activation, heads[0].Loss);
        var parts = new System.Collections.Generic.List<string>();
        foreach (var h in heads)
            parts.Add($"{h.LossWeight.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} × head {h.Head} ({h.Loss})");
        return "Σ over the heads of weight × the head's loss: " + string.Join(" + ", parts);
    }

    /// <summary>The loss of a head in words.</summary>
    public static string LossDescription(OutputActivationKind activation, LossKind loss) => (activation, loss) switch
    {
        (OutputActivationKind.Softmax, _) => "cross-entropy = mean over the scored steps of −Σ target⊙log softmax(y)",
        (OutputActivationKind.Sigmoid, LossKind.BinaryCrossEntropy) => "binary cross-entropy with logits = mean over the scored steps × outputs",
        (OutputActivationKind.Sigmoid, _) => "MSE of σ(y) = mean over the scored steps × outputs of (σ(y) − target)²",
        _ => "MSE = mean over the scored steps × outputs of (y − target)²",
    };

    /// <summary>Every head's forward kernels and output activation (Kernels file).</summary>
    public static void EmitForward(CodeWriter w, ModelPlan plan)
    {
        var widths = ForwardKernelEmitter.Widths(plan.Top);
        foreach (var head in plan.Heads)
        {
            string skip = head.AddInput >= 0 ? $" + x[{head.AddInput}..{head.AddInput + head.Outputs})" : "";
            w.Comment($"── head{(head.Head >= 0 ? " " + I(head.Head) : "")} · forward: y = W·h + b{skip}   (W [{head.Outputs}×{head.InputUnits}] at {Offset(head)}, " +
                      $"rows padded to {head.Stride}; b at {BiasOffset(head)})");
            var signature = head.AddInput >= 0 ? Signature.Refs("p", "h", "y", "x") : Signature.Refs("p", "h", "y");
            Dispatcher.Emit(w, ForwardName(head), signature, widths);
            foreach (var width in widths)
            {
                var o = new VectorOps(width);
                string add = head.AddInput >= 0 ? $" + Unsafe.Add(ref x, {Plus(I(head.AddInput), "o")})" : "";
                w.Line(Hot);
                using (w.Block($"private static void {ForwardName(head)}{width.Suffix}({signature.Declaration})"))
                using (w.Block($"for (int o = 0; o < {I(head.Outputs)}; o++)"))
                {
                    w.Line($"ref float wo = ref Unsafe.Add(ref p, {Offset(head)} + o * {I(head.Stride)});");
                    if (o.Scalar)
                    {
                        w.Line("float acc = 0f;");
                        w.Line($"for (int j = 0; j < {I(head.InputUnits)}; j++)");
                        w.Line("    acc += Unsafe.Add(ref wo, j) * Unsafe.Add(ref h, j);   // y_o += W[o, j]·h_j");
                        w.Line($"Unsafe.Add(ref y, o) = acc + Unsafe.Add(ref p, {BiasOffset(head)} + o){add};   // y_o += b[o]");
                    }
                    else
                    {
                        string V = width.Alias;
                        w.Line($"var acc = {o.Zero};");
                        w.Line($"for (int j = 0; j < {I(head.Stride)}; j += {I(o.Lanes)})   // y_o = Σ_j W[o, j]·h_j");
                        w.Line($"    acc = {o.Fma($"{V}.LoadUnsafe(ref wo, (nuint)j)", $"{V}.LoadUnsafe(ref h, (nuint)j)", "acc")};");
                        w.Line($"Unsafe.Add(ref y, o) = {o.Sum("acc")} + Unsafe.Add(ref p, {BiasOffset(head)} + o){add};   // y_o += b[o]");
                    }
                }

                w.Line();
            }

            if (!HasOutputActivation(head)) continue;
            bool softmax = head.Activation == OutputActivationKind.Softmax;
            w.Comment($"── output activation: {(softmax ? "p = softmax(y)" : "p = σ(y)")}, applied by Step and Forward");
            w.Line(GeneratedCode);
            w.Line($"private static void {ActivateName(head)}({Span} y) => {Kernels}.{(softmax ? "SoftmaxInPlace" : "SigmoidInPlace")}(y);");
            w.Line();
        }
    }

    /// <summary>Statements that turn each activated head's slice of <paramref name="outputs"/> (a span expression of one step's outputs) into probabilities.</summary>
    public static void EmitActivations(CodeWriter w, ModelPlan plan, string outputs)
    {
        foreach (var head in plan.Heads)
            if (HasOutputActivation(head))
                w.Line(plan.Heads.Count == 1
                    ? $"{ActivateName(head)}({outputs});"
                    : $"{ActivateName(head)}({outputs}.Slice({I(head.OutputOffset)}, {I(head.Outputs)}));");
    }

    /// <summary>Every head's backward kernels: db += dy; dW += dy·hᵀ; dh += Wᵀ·dy (Training file).</summary>
    public static void EmitBackward(CodeWriter w, ModelPlan plan)
    {
        var widths = ForwardKernelEmitter.Widths(plan.Top);
        foreach (var head in plan.Heads)
        {
            w.Comment($"── head{(head.Head >= 0 ? " " + I(head.Head) : "")} · backward: db += dy; dW += dy·hᵀ; dh += Wᵀ·dy");
            Dispatcher.Emit(w, BackwardName(head), Signature.Refs("p", "g", "h", "dy", "dh"), widths);
            foreach (var width in widths)
            {
                var o = new VectorOps(width);
                w.Line(Hot);
                using (w.Block($"private static void {BackwardName(head)}{width.Suffix}(ref float p, ref float g, ref float h, ref float dy, ref float dh)"))
                using (w.Block($"for (int o = 0; o < {I(head.Outputs)}; o++)"))
                {
                    w.Line("float dyo = Unsafe.Add(ref dy, o);");
                    w.Line($"Unsafe.Add(ref g, {BiasOffset(head)} + o) += dyo;   // db[o] += dy_o");
                    w.Line($"ref float wo = ref Unsafe.Add(ref p, {Offset(head)} + o * {I(head.Stride)});");
                    w.Line($"ref float go = ref Unsafe.Add(ref g, {Offset(head)} + o * {I(head.Stride)});");
                    if (o.Scalar)
                    {
                        using (w.Block($"for (int j = 0; j < {I(head.InputUnits)}; j++)"))
                        {
                            w.Line("Unsafe.Add(ref go, j) += dyo * Unsafe.Add(ref h, j);   // dW[o, j] += dy_o·h_j");
                            w.Line("Unsafe.Add(ref dh, j) += Unsafe.Add(ref wo, j) * dyo;   // dh_j += W[o, j]·dy_o");
                        }
                    }
                    else
                    {
                        string V = width.Alias;
                        string Load(string r) => $"{V}.LoadUnsafe(ref {r}, (nuint)j)";
                        w.Line($"var c = {V}.Create(dyo);");
                        using (w.Block($"for (int j = 0; j < {I(head.Stride)}; j += {I(o.Lanes)})"))
                        {
                            w.Line($"{V}.StoreUnsafe({o.Fma("c", Load("h"), Load("go"))}, ref go, (nuint)j);   // dW[o, :] += dy_o·h");
                            w.Line($"{V}.StoreUnsafe({o.Fma("c", Load("wo"), Load("dh"))}, ref dh, (nuint)j);   // dh += W[o, :]·dy_o");
                        }
                    }
                }

                w.Line();
            }
        }
    }

    /// <summary>The lanes driver's half of a head's backward inside the step loop: dh += Wᵀ·dy.</summary>
    public static string BackwardInputName(HeadPlan head) => $"__Head{head.Name}BackwardInput";

    /// <summary>The lanes driver's other half, after the step loop, lane by lane: db += dy; dW += dy·hᵀ.</summary>
    public static string BackwardWeightsName(HeadPlan head) => $"__Head{head.Name}BackwardWeights";

    /// <summary>
    /// The head's backward in two halves for TrainBatch's lanes driver, which needs dh of every lane at every step but
    /// must add the sequences' dW in sequence order: each element's operations are those of the whole backward kernel
    /// (the same fused multiply-adds on the same values), so the bits are the same.
    /// </summary>
    public static void EmitBackwardHalves(CodeWriter w, ModelPlan plan)
    {
        var widths = ForwardKernelEmitter.Widths(plan.Top);
        foreach (var head in plan.Heads)
        {
            w.Comment($"── head{(head.Head >= 0 ? " " + I(head.Head) : "")} · backward in two halves (TrainBatch's lanes): dh += Wᵀ·dy per step; db += dy, dW += dy·hᵀ afterwards");
            Dispatcher.Emit(w, BackwardInputName(head), Signature.Refs("p", "dy", "dh"), widths);
            Dispatcher.Emit(w, BackwardWeightsName(head), Signature.Refs("g", "h", "dy"), widths);
            foreach (var width in widths)
            {
                var o = new VectorOps(width);
                string V = width.Alias;
                string Load(string r) => $"{V}.LoadUnsafe(ref {r}, (nuint)j)";
                w.Line(Hot);
                using (w.Block($"private static void {BackwardInputName(head)}{width.Suffix}(ref float p, ref float dy, ref float dh)"))
                using (w.Block($"for (int o = 0; o < {I(head.Outputs)}; o++)"))
                {
                    w.Line("float dyo = Unsafe.Add(ref dy, o);");
                    w.Line($"ref float wo = ref Unsafe.Add(ref p, {Offset(head)} + o * {I(head.Stride)});");
                    if (o.Scalar)
                    {
                        w.Line($"for (int j = 0; j < {I(head.InputUnits)}; j++)");
                        w.Line("    Unsafe.Add(ref dh, j) += Unsafe.Add(ref wo, j) * dyo;   // dh_j += W[o, j]·dy_o");
                    }
                    else
                    {
                        w.Line($"var c = {V}.Create(dyo);");
                        w.Line($"for (int j = 0; j < {I(head.Stride)}; j += {I(o.Lanes)})");
                        w.Line($"    {V}.StoreUnsafe({o.Fma("c", Load("wo"), Load("dh"))}, ref dh, (nuint)j);   // dh += W[o, :]·dy_o");
                    }
                }

                w.Line();
                w.Line(Hot);
                using (w.Block($"private static void {BackwardWeightsName(head)}{width.Suffix}(ref float g, ref float h, ref float dy)"))
                using (w.Block($"for (int o = 0; o < {I(head.Outputs)}; o++)"))
                {
                    w.Line("float dyo = Unsafe.Add(ref dy, o);");
                    w.Line($"Unsafe.Add(ref g, {BiasOffset(head)} + o) += dyo;   // db[o] += dy_o");
                    w.Line($"ref float go = ref Unsafe.Add(ref g, {Offset(head)} + o * {I(head.Stride)});");
                    if (o.Scalar)
                    {
                        w.Line($"for (int j = 0; j < {I(head.InputUnits)}; j++)");
                        w.Line("    Unsafe.Add(ref go, j) += dyo * Unsafe.Add(ref h, j);   // dW[o, j] += dy_o·h_j");
                    }
                    else
                    {
                        w.Line($"var c = {V}.Create(dyo);");
                        w.Line($"for (int j = 0; j < {I(head.Stride)}; j += {I(o.Lanes)})");
                        w.Line($"    {V}.StoreUnsafe({o.Fma("c", Load("h"), Load("go"))}, ref go, (nuint)j);   // dW[o, :] += dy_o·h");
                    }
                }

                w.Line();
            }
        }
    }

    /// <summary>
    /// <c>__StepLoss(ref y, ref target, cls, ref dy, scale)</c>: the loss of one scored step summed over the outputs,
    /// from the head's logits y, and dy = scale · dloss/dy. For cross-entropy, <c>cls</c> ≥ 0 is a class id and
    /// <c>target</c> is ignored; otherwise target holds OutputSize floats. Computed in double: a handful of values.
    /// </summary>
    public static void EmitLoss(CodeWriter w, ModelPlan plan)
    {
        if (plan.HasHead)
            foreach (var head in plan.Heads) EmitLoss(w, head, StepLossName(head), head.Outputs);
        else
            EmitLoss(w, null, "__StepLoss", plan.OutputSize);   // no head: MSE on the top layer's output
    }

    private static void EmitLoss(CodeWriter w, HeadPlan? head, string name, int outputs)
    {
        const string Math = "global::System.Math";
        var activation = head?.Activation ?? OutputActivationKind.Linear;
        var loss = head?.Loss ?? LossKind.Mse;
        w.Comment($"── loss{(head is { Head: >= 0 } ? " of head " + I(head.Head) : "")}: {LossDescription(activation, loss)}");
        w.Line(GeneratedCode);
        using (w.Block($"private static double {name}(ref float y, ref float target, int cls, ref float dy, float scale)"))
        {
            w.Line("double loss = 0;");
            switch (activation, loss)
            {
                case (OutputActivationKind.Softmax, _):
                    w.Comment("log-sum-exp with the max subtracted, so large logits cannot overflow");
                    w.Line("float max = y;");
                    w.Line($"for (int o = 1; o < {I(outputs)}; o++) max = global::System.MathF.Max(max, Unsafe.Add(ref y, o));");
                    w.Line("double sumExp = 0;");
                    w.Line($"for (int o = 0; o < {I(outputs)}; o++) sumExp += {Math}.Exp(Unsafe.Add(ref y, o) - max);");
                    w.Line($"double lse = max + {Math}.Log(sumExp);");
                    using (w.Block("if (cls >= 0)"))
                    {
                        w.Comment("loss = lse − y_cls; dy = softmax(y) − onehot(cls)");
                        w.Line("loss = lse - Unsafe.Add(ref y, cls);");
                        w.Line($"for (int o = 0; o < {I(outputs)}; o++)");
                        w.Line($"    Unsafe.Add(ref dy, o) = scale * (float)({Math}.Exp(Unsafe.Add(ref y, o) - lse) - (o == cls ? 1.0 : 0.0));");
                    }

                    using (w.Block("else"))
                    {
                        w.Comment("soft targets: loss = Σ t_o (lse − y_o); dy = softmax(y)·Σt − t");
                        w.Line("double total = 0;");
                        using (w.Block($"for (int o = 0; o < {I(outputs)}; o++)"))
                        {
                            w.Line("double t = Unsafe.Add(ref target, o);");
                            w.Line("total += t;");
                            w.Line("loss += t * (lse - Unsafe.Add(ref y, o));");
                        }

                        w.Line($"for (int o = 0; o < {I(outputs)}; o++)");
                        w.Line($"    Unsafe.Add(ref dy, o) = scale * (float)({Math}.Exp(Unsafe.Add(ref y, o) - lse) * total - Unsafe.Add(ref target, o));");
                    }

                    break;
                case (OutputActivationKind.Sigmoid, LossKind.BinaryCrossEntropy):
                    using (w.Block($"for (int o = 0; o < {I(outputs)}; o++)"))
                    {
                        w.Line("double z = Unsafe.Add(ref y, o), t = Unsafe.Add(ref target, o);");
                        w.Comment("BCE with logits, stable form: max(z, 0) − z·t + log(1 + e^−|z|); dy = σ(z) − t");
                        w.Line($"loss += {Math}.Max(z, 0) - z * t + {Math}.Log(1 + {Math}.Exp(-{Math}.Abs(z)));");
                        w.Line($"Unsafe.Add(ref dy, o) = scale * (float)(1 / (1 + {Math}.Exp(-z)) - t);");
                    }

                    break;
                case (OutputActivationKind.Sigmoid, _):
                    using (w.Block($"for (int o = 0; o < {I(outputs)}; o++)"))
                    {
                        w.Line($"double p = 1 / (1 + {Math}.Exp(-(double)Unsafe.Add(ref y, o))), e = p - Unsafe.Add(ref target, o);");
                        w.Comment("loss += (σ(y) − t)²; dy = 2(σ(y) − t)·σ(y)(1 − σ(y))");
                        w.Line("loss += e * e;");
                        w.Line("Unsafe.Add(ref dy, o) = scale * (float)(2 * e * p * (1 - p));");
                    }

                    break;
                default:
                    using (w.Block($"for (int o = 0; o < {I(outputs)}; o++)"))
                    {
                        w.Line("float e = Unsafe.Add(ref y, o) - Unsafe.Add(ref target, o);");
                        w.Comment("loss += (y − t)²; dy = 2(y − t)");
                        w.Line("loss += (double)e * e;");
                        w.Line("Unsafe.Add(ref dy, o) = scale * 2f * e;");
                    }

                    break;
            }

            w.Line("return loss;");
        }

        w.Line();
    }
}
