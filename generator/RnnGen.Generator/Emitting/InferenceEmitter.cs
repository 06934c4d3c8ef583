using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The Kernels file (<c>{Name}.Kernels.g.cs</c>): the unchecked step (<c>__StepCore</c>: one call per layer, then the
/// head), the loss-only driver of Evaluate, and the forward kernels they call.
/// </summary>
internal static class InferenceEmitter
{
    public static void Emit(CodeWriter w, ModelPlan plan)
    {
        EmitStepCore(w, plan);
        EmitEvaluate(w, plan);
        foreach (var layer in plan.Tiled)
            ForwardKernelEmitter.Emit(w, plan, layer, train: false);
        HeadLossEmitter.EmitForward(w, plan);
    }

    /// <summary>One step of every layer from <c>state</c>'s current buffer into its next one, then the head; no validation.</summary>
    private static void EmitStepCore(CodeWriter w, ModelPlan plan)
    {
        w.Line(Inline);
        using (w.Block("private void __StepCore(ref State state, ref float x, ref float y)"))
        {
            w.Line("ref float p = ref __Base;");
            if (plan.StreamsBFloat16) w.Line("ref float q = ref Unsafe.Add(ref p, __InferenceWeightsOffset);   // the recurrent weights as bfloat16 (RefreshInferenceWeights)");
            if (plan.HasRoundedFloat32Copy)
                w.Line($"ref float q = ref Unsafe.Add(ref p, {BFloat16Emitter.CopyBase});   // the bf16-rounded weights as floats (RefreshInferenceWeights)");
            w.Line("ref float h = ref state.__Current;");
            w.Line("ref float hNext = ref state.__Next;");
            TiledLayerPlan? below = null;
            foreach (var layer in plan.Tiled)
            {
                string input = below is null ? "ref x" : At("hNext", below.StateH);
                string kernel = plan.StreamsBFloat16 ? $"{BFloat16Emitter.Name(layer)}(ref q"
                    : $"{ForwardKernelEmitter.Name(layer, train: false)}(ref {(plan.HasRoundedFloat32Copy ? "q" : "p")}";
                string h = layer.IsRecurrent ? $", {At("h", layer.StateH)}" : "";
                string cell = layer.StateC >= 0 ? $", {At("h", layer.StateC)}, {At("hNext", layer.StateC)}" : "";
                string reverse = layer.Serpentine ? ", state.__Reversed" : "";
                w.Line($"{kernel}, {input}{h}, {At("hNext", layer.StateH)}{cell}{reverse});   // layer {layer.Layer}");
                below = layer;
            }

            string top = At("hNext", plan.Top.StateH);
            foreach (var head in plan.Heads)
                w.Line($"{HeadLossEmitter.ForwardName(head)}(ref p, {top}, {At("y", head.OutputOffset)}{(head.AddInput >= 0 ? ", ref x" : "")});   // y = W·h' + b");
            if (!plan.HasHead)
                w.Line($"MemoryMarshal.CreateReadOnlySpan({top}, {I(plan.Top.Units)}).CopyTo(MemoryMarshal.CreateSpan(ref y, {I(plan.Top.Units)}));   // y = the top layer's output");
            w.Line("state.__Advance();");
        }

        w.Line();
    }

    /// <summary>The loss of a sequence without gradients: steps from the model's state, scoring the steps the loss scores.</summary>
    private static void EmitEvaluate(CodeWriter w, ModelPlan plan)
    {
        bool vocab = plan.HasEmbedding;
        var loss = new LossTerms(plan);
        w.Line(GeneratedCode);
        using (w.Block($"private float __Evaluate({ReadOnlySpan} inputs{ApiOverloads.TokensParameter(plan)}, {ReadOnlySpan} targets, global::System.ReadOnlySpan<int> classes, int steps)"))
        {
            loss.EmitDeclarations(w, scales: false);
            w.Line("ref float p = ref __Base;");
            w.Line("ref float x0 = ref MemoryMarshal.GetReference(inputs);");
            w.Line("ref float tg = ref MemoryMarshal.GetReference(targets);");
            w.Line("ref float y = ref Unsafe.Add(ref p, __ScratchYOffset);");
            w.Line("ref float dz = ref Unsafe.Add(ref p, __DyOffset);");
            using (w.Block("for (int t = 0; t < steps; t++)"))
            {
                w.Line($"__StepCore(ref __state, {ApiOverloads.InputAt(plan, vocab ? "tokens" : null, "t")}, ref y);");
                w.Line("if (t < first) continue;");
                loss.EmitStep(w, "y", "dz", "0f");
            }

            w.Line($"return {loss.Result()};   // {HeadLossEmitter.LossDescription(plan)}");
        }

        w.Line();
    }
}
