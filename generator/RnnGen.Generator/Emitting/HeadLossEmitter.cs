using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Emit;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The Linear head (y = W_hy·h + b_y, W_hy stored as Output rows of PaddedHidden floats) and its
/// backward pass, per vector width. The loss itself (MSE) is computed by the driver in
/// <see cref="ModelEmitter"/> because it is a handful of scalars per step.
/// </summary>
internal static class HeadLossEmitter
{
    public const string ForwardName = "__HeadForward";
    public const string StepLossName = "__StepLoss";
    public const string ActivateName = "__Activate";

    /// <summary>Whether Step/Forward turn the head's logits into probabilities.</summary>
    public static bool HasOutputActivation(KernelPlan plan) => plan.Spec.OutputActivation != OutputActivationKind.Linear;

    /// <summary>The loss in words, for comments and docs.</summary>
    public static string LossDescription(KernelPlan plan) => (plan.Spec.OutputActivation, plan.Spec.Loss) switch
    {
        (OutputActivationKind.Softmax, _) => "cross-entropy = mean over the scored steps of −Σ target⊙log softmax(y)",
        (OutputActivationKind.Sigmoid, LossKind.BinaryCrossEntropy) => "binary cross-entropy with logits = mean over the scored steps × outputs",
        (OutputActivationKind.Sigmoid, _) => "MSE of σ(y) = mean over the scored steps × outputs of (σ(y) − target)²",
        _ => "MSE = mean over the scored steps × outputs of (y − target)²",
    };
    public const string BackwardName = "__HeadBackward";

    public static void EmitHead(CodeWriter w, KernelPlan plan)
    {
        if (!plan.HasHead) return;
        int O = plan.Spec.Output;
        w.Line($"// ── head · forward: y = W_hy·h + b_y   (W_hy [{O}×{plan.Spec.Hidden}] at offset {plan.HeadOffset}, rows padded to {plan.PaddedHidden}; b_y at {plan.HeadBiasOffset})");
        RecurrentLayerEmitter.EmitDispatch(w, plan, ForwardName, "ref float p, ref float h, ref float y");
        foreach (var wp in plan.Widths) EmitForward(w, plan, wp);

        w.Line("// ── head · backward: db_y += dy; dW_hy += dy·hᵀ; dh += W_hyᵀ·dy");
        RecurrentLayerEmitter.EmitDispatch(w, plan, BackwardName, "ref float p, ref float g, ref float h, ref float dy, ref float dh");
        foreach (var wp in plan.Widths) EmitBackward(w, plan, wp);
    }

    private static void EmitForward(CodeWriter w, KernelPlan plan, WidthPlan wp)
    {
        int O = plan.Spec.Output, HP = plan.PaddedHidden;
        w.Line(GeneratedCode);
        w.Line(Hot);
        w.Open($"private static void {ForwardName}{wp.Width.Suffix}(ref float p, ref float h, ref float y)");
        w.Open($"for (int o = 0; o < {I(O)}; o++)");
        w.Line($"ref float wo = {At("p", $"{I(plan.HeadOffset)} + o * {I(plan.HeadStride)}")};");
        if (wp.Width.IsScalar)
        {
            w.Line("float acc = 0f;");
            w.Line($"for (int j = 0; j < {I(plan.Spec.Hidden)}; j++)");
            w.Line($"    acc += {Unsafe}.Add(ref wo, j) * {Unsafe}.Add(ref h, j);   // y_o += W_hy[o, j]·h_j");
            w.Line($"{Unsafe}.Add(ref y, o) = acc + {Unsafe}.Add(ref p, {I(plan.HeadBiasOffset)} + o);   // y_o += b_y[o]");
        }
        else
        {
            string V = wp.Width.Global;
            int L = wp.Width.Lanes;
            w.Line($"var acc = {V}<float>.Zero;");
            w.Line($"for (int j = 0; j < {I(HP)}; j += {I(L)})   // y_o = Σ_j W_hy[o, j]·h_j");
            w.Line($"    acc = {V}.{(wp.Width == VectorWidth.V128 ? "MultiplyAddEstimate" : "FusedMultiplyAdd")}({V}.LoadUnsafe(ref wo, (nuint)j), {V}.LoadUnsafe(ref h, (nuint)j), acc);");
            w.Line($"{Unsafe}.Add(ref y, o) = {V}.Sum(acc) + {Unsafe}.Add(ref p, {I(plan.HeadBiasOffset)} + o);   // y_o += b_y[o]");
        }

        w.Close();
        w.Close();
        w.Line();
    }

    private static void EmitBackward(CodeWriter w, KernelPlan plan, WidthPlan wp)
    {
        int O = plan.Spec.Output, HP = plan.PaddedHidden;
        w.Line(GeneratedCode);
        w.Line(Hot);
        w.Open($"private static void {BackwardName}{wp.Width.Suffix}(ref float p, ref float g, ref float h, ref float dy, ref float dh)");
        w.Open($"for (int o = 0; o < {I(O)}; o++)");
        w.Line($"float dyo = {Unsafe}.Add(ref dy, o);");
        w.Line($"{Unsafe}.Add(ref g, {I(plan.HeadBiasOffset)} + o) += dyo;   // db_y[o] += dy_o");
        w.Line($"ref float wo = {At("p", $"{I(plan.HeadOffset)} + o * {I(plan.HeadStride)}")};");
        w.Line($"ref float go = {At("g", $"{I(plan.HeadOffset)} + o * {I(plan.HeadStride)}")};");
        if (wp.Width.IsScalar)
        {
            w.Open($"for (int j = 0; j < {I(plan.Spec.Hidden)}; j++)");
            w.Line($"{Unsafe}.Add(ref go, j) += dyo * {Unsafe}.Add(ref h, j);   // dW_hy[o, j] += dy_o·h_j");
            w.Line($"{Unsafe}.Add(ref dh, j) += {Unsafe}.Add(ref wo, j) * dyo;   // dh_j += W_hy[o, j]·dy_o");
            w.Close();
        }
        else
        {
            string V = wp.Width.Global;
            string fma = wp.Width == VectorWidth.V128 ? "MultiplyAddEstimate" : "FusedMultiplyAdd";
            int L = wp.Width.Lanes;
            w.Line($"var c = {V}.Create(dyo);");
            w.Open($"for (int j = 0; j < {I(HP)}; j += {I(L)})");
            w.Line($"{V}.StoreUnsafe({V}.{fma}(c, {V}.LoadUnsafe(ref h, (nuint)j), {V}.LoadUnsafe(ref go, (nuint)j)), ref go, (nuint)j);   // dW_hy[o, :] += dy_o·h");
            w.Line($"{V}.StoreUnsafe({V}.{fma}(c, {V}.LoadUnsafe(ref wo, (nuint)j), {V}.LoadUnsafe(ref dh, (nuint)j)), ref dh, (nuint)j);   // dh += W_hy[o, :]·dy_o");
            w.Close();
        }

        w.Close();
        w.Close();
        w.Line();
    }

    /// <summary>
    /// <c>__StepLoss(ref y, ref target, cls, ref dy, scale)</c>: the loss of one scored step summed over the outputs,
    /// from the head's logits y, and dy = scale · dloss/dy. For cross-entropy, <c>cls</c> ≥ 0 is a class id and
    /// <c>target</c> is ignored; otherwise target holds OutputSize floats. Computed in double: a handful of values.
    /// </summary>
    public static void EmitLoss(CodeWriter w, KernelPlan plan)
    {
        var s = plan.Spec;
        w.Line($"// ── loss: {LossDescription(plan)}");
        w.Line(GeneratedCode);
        w.Open("private static double __StepLoss(ref float y, ref float target, int cls, ref float dy, float scale)");
        w.Line("double loss = 0;");
        switch (s.OutputActivation, s.Loss)
        {
            case (OutputActivationKind.Softmax, _):
                w.Line("// log-sum-exp with the max subtracted, so large logits cannot overflow");
                w.Line("float max = y;");
                w.Line($"for (int o = 1; o < OutputSize; o++) max = global::System.MathF.Max(max, {Unsafe}.Add(ref y, o));");
                w.Line("double sumExp = 0;");
                w.Line($"for (int o = 0; o < OutputSize; o++) sumExp += global::System.Math.Exp({Unsafe}.Add(ref y, o) - max);");
                w.Line("double lse = max + global::System.Math.Log(sumExp);");
                w.Open("if (cls >= 0)");
                w.Line("// loss = lse − y_cls; dy = softmax(y) − onehot(cls)");
                w.Line($"loss = lse - {Unsafe}.Add(ref y, cls);");
                w.Line("for (int o = 0; o < OutputSize; o++)");
                w.Line($"    {Unsafe}.Add(ref dy, o) = scale * (float)(global::System.Math.Exp({Unsafe}.Add(ref y, o) - lse) - (o == cls ? 1.0 : 0.0));");
                w.Close();
                w.Open("else");
                w.Line("// soft targets: loss = Σ t_o (lse − y_o); dy = softmax(y)·Σt − t");
                w.Line("double total = 0;");
                w.Open("for (int o = 0; o < OutputSize; o++)");
                w.Line($"double t = {Unsafe}.Add(ref target, o);");
                w.Line("total += t;");
                w.Line($"loss += t * (lse - {Unsafe}.Add(ref y, o));");
                w.Close();
                w.Line("for (int o = 0; o < OutputSize; o++)");
                w.Line($"    {Unsafe}.Add(ref dy, o) = scale * (float)(global::System.Math.Exp({Unsafe}.Add(ref y, o) - lse) * total - {Unsafe}.Add(ref target, o));");
                w.Close();
                break;
            case (OutputActivationKind.Sigmoid, LossKind.BinaryCrossEntropy):
                w.Open("for (int o = 0; o < OutputSize; o++)");
                w.Line($"double z = {Unsafe}.Add(ref y, o), t = {Unsafe}.Add(ref target, o);");
                w.Line("// BCE with logits, stable form: max(z, 0) − z·t + log(1 + e^−|z|); dy = σ(z) − t");
                w.Line("loss += global::System.Math.Max(z, 0) - z * t + global::System.Math.Log(1 + global::System.Math.Exp(-global::System.Math.Abs(z)));");
                w.Line($"{Unsafe}.Add(ref dy, o) = scale * (float)(1 / (1 + global::System.Math.Exp(-z)) - t);");
                w.Close();
                break;
            case (OutputActivationKind.Sigmoid, _):
                w.Open("for (int o = 0; o < OutputSize; o++)");
                w.Line($"double p = 1 / (1 + global::System.Math.Exp(-(double){Unsafe}.Add(ref y, o))), e = p - {Unsafe}.Add(ref target, o);");
                w.Line("// loss += (σ(y) − t)²; dy = 2(σ(y) − t)·σ(y)(1 − σ(y))");
                w.Line("loss += e * e;");
                w.Line($"{Unsafe}.Add(ref dy, o) = scale * (float)(2 * e * p * (1 - p));");
                w.Close();
                break;
            default:
                w.Open("for (int o = 0; o < OutputSize; o++)");
                w.Line($"float e = {Unsafe}.Add(ref y, o) - {Unsafe}.Add(ref target, o);");
                w.Line("// loss += (y − t)²; dy = 2(y − t)");
                w.Line("loss += (double)e * e;");
                w.Line($"{Unsafe}.Add(ref dy, o) = scale * 2f * e;");
                w.Close();
                break;
        }

        w.Line("return loss;");
        w.Close();
        w.Line();

        if (!HasOutputActivation(plan)) return;
        w.Line($"// ── output activation: {(s.OutputActivation == OutputActivationKind.Softmax ? "p = softmax(y)" : "p = σ(y)")}, applied by Step and Forward");
        w.Line(GeneratedCode);
        w.Line($"private static void {ActivateName}(global::System.Span<float> y) => {Kernels}.{(s.OutputActivation == OutputActivationKind.Softmax ? "SoftmaxInPlace" : "SigmoidInPlace")}(y);");
        w.Line();
    }
}
