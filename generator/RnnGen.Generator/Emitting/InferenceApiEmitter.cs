using System.Linq;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The public inference API: <c>Step</c> (one state or the model's own, floats or a token), <c>ResetState</c>,
/// <c>Forward</c> and <c>Evaluate</c>, with their argument checks. Each validates once and calls the unchecked
/// drivers of the Kernels file (<see cref="InferenceEmitter"/>).
/// </summary>
internal static class InferenceApiEmitter
{
    public static void Emit(CodeWriter w, ModelPlan plan)
    {
        var s = plan.Spec;
        bool activation = HeadLossEmitter.HasOutputActivation(plan);
        bool vocab = plan.HasEmbedding;

        w.Line("/// <summary>Advances <paramref name=\"state\"/> by one step and writes the step's outputs.</summary>");
        w.Line("/// <param name=\"state\">The sequence's state; updated in place.</param>");
        w.Line("/// <param name=\"input\">InputSize floats.</param>");
        w.Line("/// <param name=\"output\">OutputSize floats, overwritten.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length.</exception>");
        w.Line(Hot);
        using (w.Block($"public void Step(ref State state, {ReadOnlySpan} input, {Span} output)"))
        {
            w.Line($"if (input.Length != InputSize) {Throw}.ThrowLength(nameof(input), InputSize, input.Length, \"InputSize\");");
            w.Line($"if (output.Length != OutputSize) {Throw}.ThrowLength(nameof(output), OutputSize, output.Length, \"OutputSize\");");
            w.Line("__StepCore(ref state, ref MemoryMarshal.GetReference(input), ref MemoryMarshal.GetReference(output));");
            HeadLossEmitter.EmitActivations(w, plan, "output");
        }

        w.Line();
        w.Line("/// <summary>Advances the model's own state by one step and writes the step's outputs.</summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length.</exception>");
        w.Line(Hot);
        w.Line($"public void Step({ReadOnlySpan} input, {Span} output) => Step(ref __state, input, output);");
        w.Line();
        if (plan.Recurrent.Any(static r => r.HasLearnedInitialState))
            EmitLearnedReset(w, plan);
        else
        {
            w.Line("/// <summary>Sets the model's own state to zeros.</summary>");
            w.Line(GeneratedCode);
            w.Line("public void ResetState() => __state = default;");
            w.Line();
            w.Line("/// <summary>Sets <paramref name=\"state\"/> to the initial state, zeros (as <c>state.Reset()</c>; models with a learned");
            w.Line("/// initial state have the same method, so code that resets agents reads the same for every model).</summary>");
            w.Line(GeneratedCode);
            w.Line("public void ResetState(ref State state) => state = default;");
            w.Line();
        }

        foreach (var input in ApiOverloads.Inputs(plan))
        {
            w.Line($"/// <summary>Runs a sequence from the model's own state and advances it: {input.Doc} → T×OutputSize outputs (every step{(activation ? ", as probabilities" : "")}).</summary>");
            w.Line($"/// <exception cref=\"global::System.ArgumentException\">{input.Error} or the outputs have the wrong length.</exception>");
            if (input.Tokens) w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A token is not in [0, Vocabulary).</exception>");
            w.Line(Hot);
            using (w.Block($"public void Forward({input.Parameter}, {Span} outputs)"))
            {
                w.Line($"int steps = {input.Steps};");
                w.Line($"if (outputs.Length != steps * OutputSize) {Throw}.ThrowLength(nameof(outputs), steps * OutputSize, outputs.Length, steps + \" steps × OutputSize\");");
                w.Line("ref float p = ref __Base;");
                w.Line($"ref float x0 = ref MemoryMarshal.GetReference({(input.Tokens ? "default(global::System.ReadOnlySpan<float>)" : "inputs")});");
                w.Line("ref float y = ref MemoryMarshal.GetReference(outputs);");
                using (w.Block("for (int t = 0; t < steps; t++)"))
                {
                    w.Line($"__StepCore(ref __state, {ApiOverloads.InputAt(plan, input.Tokens ? "tokens" : null, "t")}, {At("y", "t * OutputSize")});");
                    HeadLossEmitter.EmitActivations(w, plan, "outputs.Slice(t * OutputSize, OutputSize)");
                }
            }

            w.Line();
            foreach (var target in ApiOverloads.Targets(plan))
            {
                w.Line($"/// <summary>The loss of a sequence ({input.Doc}) against {target.Doc}, without gradients, from the model's own state (which it advances). Any length.</summary>");
                w.Line($"/// <exception cref=\"global::System.ArgumentException\">{input.Error} or the targets have the wrong length.</exception>");
                if (input.Tokens || target.Classes) w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A token or class id is out of range.</exception>");
                w.Line(GeneratedCode);
                using (w.Block($"public float Evaluate({input.Parameter}, {target.Parameter})"))
                {
                    w.Line($"int steps = {input.Steps};");
                    w.Line($"if (steps == 0) {Throw}.ThrowWindow(nameof({input.Name}), 0, int.MaxValue);");
                    w.Line($"{target.Check};");
                    w.Line($"return __Evaluate({input.Pass(vocab)}, {target.Pass}, steps);");
                }

                w.Line();
            }
        }

        if (vocab) EmitTokens(w, plan);
        EmitChecks(w, plan);
    }

    /// <summary>ResetState of a model whose initial state is learned: h₀ (c₀) of those layers, zero for the others.</summary>
    private static void EmitLearnedReset(CodeWriter w, ModelPlan plan)
    {
        w.Line("/// <summary>Sets the model's own state to the initial state: the learned h₀ (and c₀) of the layers that learn it, zeros elsewhere.</summary>");
        w.Line(GeneratedCode);
        w.Line("public void ResetState() => ResetState(ref __state);");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Sets <paramref name=\"state\"/> to the initial state: the learned h₀ (and c₀) of the layers that learn it, zeros elsewhere.");
        w.Line("/// (<c>default(State)</c> and <c>State.Reset()</c> are the zero state.) A window that AccumulateGradients starts from this");
        w.Line("/// state trains h₀ and c₀.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        using (w.Block("public void ResetState(ref State state)"))
        {
            w.Line("state = default;");
            w.Line("ref float p = ref __Base;");
            w.Line("ref float h = ref state.__Current;");
            foreach (var r in plan.Recurrent)
            {
                if (!r.HasLearnedInitialState) continue;
                w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref p, __Layer{r.Layer}H0Offset), {I(r.Units)}).CopyTo(MemoryMarshal.CreateSpan({At("h", r.StateH)}, {I(r.Units)}));");
                if (r.InitialC >= 0)
                    w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref p, __Layer{r.Layer}C0Offset), {I(r.Units)}).CopyTo(MemoryMarshal.CreateSpan({At("h", r.StateC)}, {I(r.Units)}));");
            }

            w.Line("state.__Fresh = true;");
        }

        w.Line();
    }

    private static void EmitTokens(CodeWriter w, ModelPlan plan)
    {
        w.Line("/// <summary>Layer 0's input at step t: row tokens[t] of the embedding table, or the float inputs when there are no tokens.</summary>");
        w.Line(Inline);
        w.Line("private static ref float __InputAt(ref float p, ref float x0, global::System.ReadOnlySpan<int> tokens, int t) =>");
        w.Line("    ref tokens.IsEmpty ? ref Unsafe.Add(ref x0, t * InputSize) : ref Unsafe.Add(ref p, __EmbeddingOffset + tokens[t] * InputSize);");
        w.Line();
        w.Line(GeneratedCode);
        using (w.Block("private static int __Tokens(global::System.ReadOnlySpan<int> tokens)"))
        {
            w.Line("for (int i = 0; i < tokens.Length; i++)");
            w.Line($"    if ((uint)tokens[i] >= (uint)Vocabulary) {Throw}.ThrowTokenId(nameof(tokens), i, tokens[i], Vocabulary);");
            w.Line("return tokens.Length;");
        }

        w.Line();
        w.Line("/// <summary>Advances <paramref name=\"state\"/> by one step whose input is the embedding of <paramref name=\"token\"/>, and writes the step's outputs.</summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"token\"/> is not in [0, Vocabulary).</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"output\"/> has the wrong length.</exception>");
        w.Line(Hot);
        using (w.Block($"public void Step(ref State state, int token, {Span} output)"))
        {
            w.Line($"if ((uint)token >= (uint)Vocabulary) {Throw}.ThrowTokenId(nameof(token), 0, token, Vocabulary);");
            w.Line($"if (output.Length != OutputSize) {Throw}.ThrowLength(nameof(output), OutputSize, output.Length, \"OutputSize\");");
            w.Line("__StepCore(ref state, ref Unsafe.Add(ref __Base, __EmbeddingOffset + token * InputSize), ref MemoryMarshal.GetReference(output));");
            HeadLossEmitter.EmitActivations(w, plan, "output");
        }

        w.Line();
        w.Line("/// <summary>Advances the model's own state by one token and writes the step's outputs.</summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"token\"/> is not in [0, Vocabulary).</exception>");
        w.Line(Hot);
        w.Line($"public void Step(int token, {Span} output) => Step(ref __state, token, output);");
        w.Line();
    }

    private static void EmitChecks(CodeWriter w, ModelPlan plan)
    {
        var s = plan.Spec;
        w.Line(GeneratedCode);
        using (w.Block($"private static int __Steps({ReadOnlySpan} inputs, string name)"))
        {
            w.Line($"if (inputs.Length % InputSize != 0) {Throw}.ThrowNotWholeSteps(name, inputs.Length, InputSize, \"InputSize\");");
            w.Line("return inputs.Length / InputSize;");
        }

        w.Line();
        w.Line(GeneratedCode);
        using (w.Block($"private static void __CheckTargets({ReadOnlySpan} targets, int steps)"))
        {
            if (s.LossOn == LossOnKind.LastStep)
                w.Line($"if (targets.Length != OutputSize) {Throw}.ThrowLength(nameof(targets), OutputSize, targets.Length, \"OutputSize: LossOn = LastStep scores the last step only\");");
            else
                w.Line($"if (targets.Length != steps * OutputSize) {Throw}.ThrowLength(nameof(targets), steps * OutputSize, targets.Length, steps + \" steps × OutputSize\");");
        }

        w.Line();
        if (!plan.AllHeadsCrossEntropy) return;
        int heads = plan.Heads.Count;
        w.Line(GeneratedCode);
        using (w.Block("private static void __CheckClasses(global::System.ReadOnlySpan<int> targets, int steps)"))
        {
            if (heads == 1)
            {
                if (s.LossOn == LossOnKind.LastStep)
                    w.Line($"if (targets.Length != 1) {Throw}.ThrowClassCount(nameof(targets), 1, targets.Length, \"LossOn = LastStep scores the last step only\");");
                else
                    w.Line($"if (targets.Length != steps) {Throw}.ThrowClassCount(nameof(targets), steps, targets.Length, \"one class id per step\");");
            }
            else if (s.LossOn == LossOnKind.LastStep)
                w.Line($"if (targets.Length != {I(heads)}) {Throw}.ThrowClassCount(nameof(targets), {I(heads)}, targets.Length, \"one class id per head: LossOn = LastStep scores the last step only\");");
            else
                w.Line($"if (targets.Length != steps * {I(heads)}) {Throw}.ThrowClassCount(nameof(targets), steps * {I(heads)}, targets.Length, \"one class id per head per step\");");
            EmitClassRange(w, plan, "targets");
        }

        w.Line();
    }

    /// <summary>Every class id in range: below OutputSize (one head), or below its head's width (ids of head j at positions ≡ j mod heads).</summary>
    public static void EmitClassRange(CodeWriter w, ModelPlan plan, string span)
    {
        var heads = plan.Heads;
        if (heads.Count == 1)
        {
            w.Line($"for (int i = 0; i < {span}.Length; i++)");
            w.Line($"    if ((uint){span}[i] >= (uint)OutputSize) {Throw}.ThrowClassId(nameof({span}), i, {span}[i], OutputSize);");
            return;
        }

        using (w.Block($"for (int i = 0; i < {span}.Length; i++)"))
        {
            var arms = new System.Collections.Generic.List<string>();
            for (int j = 0; j < heads.Count - 1; j++) arms.Add($"{I(j)} => {I(heads[j].Outputs)}");
            arms.Add($"_ => {I(heads[heads.Count - 1].Outputs)}");
            w.Line($"int classes = (i % {I(heads.Count)}) switch {{ {string.Join(", ", arms)} }};   // the width of the head this id belongs to");
            w.Line($"if ((uint){span}[i] >= (uint)classes) {Throw}.ThrowClassId(nameof({span}), i, {span}[i], classes);");
        }
    }
}
