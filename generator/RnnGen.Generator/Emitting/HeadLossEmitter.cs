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
    public const string ForwardName = "__HeadForward";
    public const string BackwardName = "__HeadBackward";
    public const string StepLossName = "__StepLoss";
    public const string ActivateName = "__Activate";

    /// <summary>Whether Step/Forward turn the head's logits into probabilities.</summary>
    public static bool HasOutputActivation(ModelPlan plan) => plan.Spec.OutputActivation != OutputActivationKind.Linear;

    /// <summary>The loss in words, for comments and docs.</summary>
    public static string LossDescription(ModelPlan plan) => (plan.Spec.OutputActivation, plan.Spec.Loss) switch
    {
        (OutputActivationKind.Softmax, _) => "cross-entropy = mean over the scored steps of −Σ target⊙log softmax(y)",
        (OutputActivationKind.Sigmoid, LossKind.BinaryCrossEntropy) => "binary cross-entropy with logits = mean over the scored steps × outputs",
        (OutputActivationKind.Sigmoid, _) => "MSE of σ(y) = mean over the scored steps × outputs of (σ(y) − target)²",
        _ => "MSE = mean over the scored steps × outputs of (y − target)²",
    };

    /// <summary>The head's forward kernels and the output activation (Kernels file).</summary>
    public static void EmitForward(CodeWriter w, ModelPlan plan)
    {
        if (plan.Head is not { } head) return;
        w.Comment($"── head · forward: y = W_hy·h + b_y   (W_hy [{head.Outputs}×{head.InputUnits}] at __HeadOffset, rows padded to {head.Stride}; b_y at __HeadBiasOffset)");
        Dispatcher.Emit(w, ForwardName, Signature.Refs("p", "h", "y"), plan.Widths);
        foreach (var width in plan.Widths)
        {
            var o = new VectorOps(width);
            w.Line(Hot);
            using (w.Block($"private static void {ForwardName}{width.Suffix}(ref float p, ref float h, ref float y)"))
            using (w.Block($"for (int o = 0; o < {I(head.Outputs)}; o++)"))
            {
                w.Line($"ref float wo = ref Unsafe.Add(ref p, __HeadOffset + o * {I(head.Stride)});");
                if (o.Scalar)
                {
                    w.Line("float acc = 0f;");
                    w.Line($"for (int j = 0; j < {I(head.InputUnits)}; j++)");
                    w.Line("    acc += Unsafe.Add(ref wo, j) * Unsafe.Add(ref h, j);   // y_o += W_hy[o, j]·h_j");
                    w.Line("Unsafe.Add(ref y, o) = acc + Unsafe.Add(ref p, __HeadBiasOffset + o);   // y_o += b_y[o]");
                }
                else
                {
                    string V = width.Alias;
                    w.Line($"var acc = {o.Zero};");
                    w.Line($"for (int j = 0; j < {I(head.Stride)}; j += {I(o.Lanes)})   // y_o = Σ_j W_hy[o, j]·h_j");
                    w.Line($"    acc = {o.Fma($"{V}.LoadUnsafe(ref wo, (nuint)j)", $"{V}.LoadUnsafe(ref h, (nuint)j)", "acc")};");
                    w.Line($"Unsafe.Add(ref y, o) = {o.Sum("acc")} + Unsafe.Add(ref p, __HeadBiasOffset + o);   // y_o += b_y[o]");
                }
            }

            w.Line();
        }

        if (!HasOutputActivation(plan)) return;
        bool softmax = plan.Spec.OutputActivation == OutputActivationKind.Softmax;
        w.Comment($"── output activation: {(softmax ? "p = softmax(y)" : "p = σ(y)")}, applied by Step and Forward");
        w.Line(GeneratedCode);
        w.Line($"private static void {ActivateName}({Span} y) => {Kernels}.{(softmax ? "SoftmaxInPlace" : "SigmoidInPlace")}(y);");
        w.Line();
    }

    /// <summary>The head's backward kernels: db_y += dy; dW_hy += dy·hᵀ; dh += W_hyᵀ·dy (Training file).</summary>
    public static void EmitBackward(CodeWriter w, ModelPlan plan)
    {
        if (plan.Head is not { } head) return;
        w.Comment("── head · backward: db_y += dy; dW_hy += dy·hᵀ; dh += W_hyᵀ·dy");
        Dispatcher.Emit(w, BackwardName, Signature.Refs("p", "g", "h", "dy", "dh"), plan.Widths);
        foreach (var width in plan.Widths)
        {
            var o = new VectorOps(width);
            w.Line(Hot);
            using (w.Block($"private static void {BackwardName}{width.Suffix}(ref float p, ref float g, ref float h, ref float dy, ref float dh)"))
            using (w.Block($"for (int o = 0; o < {I(head.Outputs)}; o++)"))
            {
                w.Line("float dyo = Unsafe.Add(ref dy, o);");
                w.Line("Unsafe.Add(ref g, __HeadBiasOffset + o) += dyo;   // db_y[o] += dy_o");
                w.Line($"ref float wo = ref Unsafe.Add(ref p, __HeadOffset + o * {I(head.Stride)});");
                w.Line($"ref float go = ref Unsafe.Add(ref g, __HeadOffset + o * {I(head.Stride)});");
                if (o.Scalar)
                {
                    using (w.Block($"for (int j = 0; j < {I(head.InputUnits)}; j++)"))
                    {
                        w.Line("Unsafe.Add(ref go, j) += dyo * Unsafe.Add(ref h, j);   // dW_hy[o, j] += dy_o·h_j");
                        w.Line("Unsafe.Add(ref dh, j) += Unsafe.Add(ref wo, j) * dyo;   // dh_j += W_hy[o, j]·dy_o");
                    }
                }
                else
                {
                    string V = width.Alias;
                    string Load(string r) => $"{V}.LoadUnsafe(ref {r}, (nuint)j)";
                    w.Line($"var c = {V}.Create(dyo);");
                    using (w.Block($"for (int j = 0; j < {I(head.Stride)}; j += {I(o.Lanes)})"))
                    {
                        w.Line($"{V}.StoreUnsafe({o.Fma("c", Load("h"), Load("go"))}, ref go, (nuint)j);   // dW_hy[o, :] += dy_o·h");
                        w.Line($"{V}.StoreUnsafe({o.Fma("c", Load("wo"), Load("dh"))}, ref dh, (nuint)j);   // dh += W_hy[o, :]·dy_o");
                    }
                }
            }

            w.Line();
        }
    }

    /// <summary>
    /// <c>__StepLoss(ref y, ref target, cls, ref dy, scale)</c>: the loss of one scored step summed over the outputs,
    /// from the head's logits y, and dy = scale · dloss/dy. For cross-entropy, <c>cls</c> ≥ 0 is a class id and
    /// <c>target</c> is ignored; otherwise target holds OutputSize floats. Computed in double: a handful of values.
    /// </summary>
    public static void EmitLoss(CodeWriter w, ModelPlan plan)
    {
        var s = plan.Spec;
        const string Math = "global::System.Math";
        w.Comment($"── loss: {LossDescription(plan)}");
        w.Line(GeneratedCode);
        using (w.Block($"private static double {StepLossName}(ref float y, ref float target, int cls, ref float dy, float scale)"))
        {
            w.Line("double loss = 0;");
            switch (s.OutputActivation, s.Loss)
            {
                case (OutputActivationKind.Softmax, _):
                    w.Comment("log-sum-exp with the max subtracted, so large logits cannot overflow");
                    w.Line("float max = y;");
                    w.Line("for (int o = 1; o < OutputSize; o++) max = global::System.MathF.Max(max, Unsafe.Add(ref y, o));");
                    w.Line("double sumExp = 0;");
                    w.Line($"for (int o = 0; o < OutputSize; o++) sumExp += {Math}.Exp(Unsafe.Add(ref y, o) - max);");
                    w.Line($"double lse = max + {Math}.Log(sumExp);");
                    using (w.Block("if (cls >= 0)"))
                    {
                        w.Comment("loss = lse − y_cls; dy = softmax(y) − onehot(cls)");
                        w.Line("loss = lse - Unsafe.Add(ref y, cls);");
                        w.Line("for (int o = 0; o < OutputSize; o++)");
                        w.Line($"    Unsafe.Add(ref dy, o) = scale * (float)({Math}.Exp(Unsafe.Add(ref y, o) - lse) - (o == cls ? 1.0 : 0.0));");
                    }

                    using (w.Block("else"))
                    {
                        w.Comment("soft targets: loss = Σ t_o (lse − y_o); dy = softmax(y)·Σt − t");
                        w.Line("double total = 0;");
                        using (w.Block("for (int o = 0; o < OutputSize; o++)"))
                        {
                            w.Line("double t = Unsafe.Add(ref target, o);");
                            w.Line("total += t;");
                            w.Line("loss += t * (lse - Unsafe.Add(ref y, o));");
                        }

                        w.Line("for (int o = 0; o < OutputSize; o++)");
                        w.Line($"    Unsafe.Add(ref dy, o) = scale * (float)({Math}.Exp(Unsafe.Add(ref y, o) - lse) * total - Unsafe.Add(ref target, o));");
                    }

                    break;
                case (OutputActivationKind.Sigmoid, LossKind.BinaryCrossEntropy):
                    using (w.Block("for (int o = 0; o < OutputSize; o++)"))
                    {
                        w.Line("double z = Unsafe.Add(ref y, o), t = Unsafe.Add(ref target, o);");
                        w.Comment("BCE with logits, stable form: max(z, 0) − z·t + log(1 + e^−|z|); dy = σ(z) − t");
                        w.Line($"loss += {Math}.Max(z, 0) - z * t + {Math}.Log(1 + {Math}.Exp(-{Math}.Abs(z)));");
                        w.Line($"Unsafe.Add(ref dy, o) = scale * (float)(1 / (1 + {Math}.Exp(-z)) - t);");
                    }

                    break;
                case (OutputActivationKind.Sigmoid, _):
                    using (w.Block("for (int o = 0; o < OutputSize; o++)"))
                    {
                        w.Line($"double p = 1 / (1 + {Math}.Exp(-(double)Unsafe.Add(ref y, o))), e = p - Unsafe.Add(ref target, o);");
                        w.Comment("loss += (σ(y) − t)²; dy = 2(σ(y) − t)·σ(y)(1 − σ(y))");
                        w.Line("loss += e * e;");
                        w.Line("Unsafe.Add(ref dy, o) = scale * (float)(2 * e * p * (1 - p));");
                    }

                    break;
                default:
                    using (w.Block("for (int o = 0; o < OutputSize; o++)"))
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
