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
}
