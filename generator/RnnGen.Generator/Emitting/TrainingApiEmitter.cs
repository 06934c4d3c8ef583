using System.Linq;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The public training API: <c>ZeroGradients</c>, <c>AccumulateGradients</c> and <c>TrainStep</c> for every input and
/// target kind, their checks, and <c>__Train</c> (zero → BPTT → clip → the non-finite guard → optimizer step). The BPTT
/// driver itself is in the Training file (<see cref="BpttEmitter"/>).
/// </summary>
internal static class TrainingApiEmitter
{
    public static void Emit(CodeWriter w, ModelPlan plan)
    {
        var s = plan.Spec;
        bool lastStep = s.LossOn == LossOnKind.LastStep, ce = plan.AllHeadsCrossEntropy, vocab = plan.HasEmbedding;
        string lossName = HeadLossEmitter.LossDescription(plan);

        w.Line("/// <summary>Sets every gradient to zero.</summary>");
        w.Line(GeneratedCode);
        w.Line("public void ZeroGradients() => Gradients.Clear();");
        w.Line();

        foreach (var input in ApiOverloads.Inputs(plan))
            foreach (var target in ApiOverloads.Targets(plan))
            {
                string targets = lastStep
                    ? (target.Classes ? "1 class id: the class of the last step (LossOn = LastStep)" : "OutputSize floats: the target of the last step (LossOn = LastStep)")
                    : (target.Classes ? "T class ids: one per step" : $"T×OutputSize floats: a target for every step{(ce ? " (class probabilities)" : "")}");
                string outOfRange = input.Tokens || target.Classes
                    ? "/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A token or class id is out of range.</exception>"
                    : "";
                w.Line("/// <summary>");
                w.Line("/// Truncated BPTT over one window (1..Window steps) from the model's current state: runs the window, adds the");
                w.Line($"/// gradient of the loss ({lossName}) into <see cref=\"Gradients\"/> (+=, so minibatches and consecutive windows");
                w.Line("/// compose), advances the state to the window's last step and returns the loss.");
                w.Line("/// </summary>");
                w.Line($"/// <param name=\"{input.Name}\">{input.Doc}.</param>");
                w.Line($"/// <param name=\"targets\">{targets}.</param>");
                w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, or T is 0 or above Window.</exception>");
                if (outOfRange.Length > 0) w.Line(outOfRange);
                w.Line(GeneratedCode);
                w.Line($"public float AccumulateGradients({input.Parameter}, {target.Parameter}) => AccumulateGradients({input.Name}, targets, default);");
                w.Line();

                w.Line($"/// <summary>As <see cref=\"AccumulateGradients({input.Cref}, {target.Cref})\"/>, and also writes the gradient of the loss with respect to the " +
                       "initial state into <paramref name=\"initialStateGradient\"/> (StateSize floats in CopyStateTo order; pass an empty span to skip it).</summary>");
                w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, or T is 0 or above Window.</exception>");
                if (outOfRange.Length > 0) w.Line(outOfRange);
                w.Line(Hot);
                using (w.Block($"public float AccumulateGradients({input.Parameter}, {target.Parameter}, {Span} initialStateGradient)"))
                {
                    w.Line($"int steps = __WindowSteps({input.Steps}, nameof({input.Name}), initialStateGradient);");
                    w.Line($"{target.Check};");
                    if (HasDropout(plan)) w.Line(NextDropoutStream);
                    w.Line($"return __Accumulate({input.Pass(vocab)}, {target.Pass}, initialStateGradient, steps);");
                }

                w.Line();
                w.Line("/// <summary>");
                w.Line($"/// One optimization step over one window: zero the gradients, run the window (from {(plan.Recurrent.Any(static r => r.HasLearnedInitialState) ? "the initial state of ResetState" : "the zero state")}, or from the");
                w.Line("/// current state when <see cref=\"global::RnnGen.TrainOptions.Stateful\"/>), BPTT, clip the gradient's global norm");
                w.Line("/// (<see cref=\"global::RnnGen.TrainOptions.MaxGradientNorm\"/>), then <paramref name=\"optimizer\"/>.Step. Returns the loss.");
                w.Line("/// A non-finite loss or gradient never reaches the weights: the step is skipped, the state restored, and");
                w.Line("/// <see cref=\"SkippedSteps\"/> counts it (or it throws, per <see cref=\"global::RnnGen.TrainOptions.OnNonFinite\"/>).");
                w.Line("/// </summary>");
                w.Line($"/// <param name=\"{input.Name}\">{input.Doc}.</param>");
                w.Line($"/// <param name=\"targets\">{targets}.</param>");
                w.Line("/// <param name=\"optimizer\">An optimizer created for ParameterCount parameters.</param>");
                w.Line("/// <param name=\"options\">Clipping, statefulness and the non-finite policy; <see cref=\"global::RnnGen.TrainOptions.Default\"/> when null.</param>");
                w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, T is 0 or above Window, or the optimizer was made for another size.</exception>");
                if (outOfRange.Length > 0) w.Line(outOfRange);
                w.Line(Hot);
                using (w.Block($"public float TrainStep({input.Parameter}, {target.Parameter}, global::RnnGen.IOptimizer optimizer, global::RnnGen.TrainOptions? options = null)"))
                {
                    w.Line($"int steps = __TrainChecks({input.Steps}, nameof({input.Name}), optimizer);");
                    w.Line($"{target.Check};");
                    w.Line($"return __Train({input.Pass(vocab)}, {target.Pass}, optimizer, options ?? global::RnnGen.TrainOptions.Default, steps);");
                }

                w.Line();
            }

        w.Line(GeneratedCode);
        using (w.Block($"private static int __WindowSteps(int steps, string name, {Span} initialStateGradient)"))
        {
            w.Line($"if (steps == 0 || steps > Window) {Throw}.ThrowWindow(name, steps, Window);");
            w.Line("if (!initialStateGradient.IsEmpty && initialStateGradient.Length != StateSize)");
            w.Line($"    {Throw}.ThrowLength(nameof(initialStateGradient), StateSize, initialStateGradient.Length, \"StateSize, or empty\");");
            w.Line("return steps;");
        }

        w.Line();
        w.Line(GeneratedCode);
        using (w.Block("private static int __TrainChecks(int steps, string name, global::RnnGen.IOptimizer optimizer)"))
        {
            w.Line($"if (optimizer is null) {Throw}.ThrowNull(nameof(optimizer));");
            w.Line($"if (optimizer.ParameterCount != ParameterCount) {Throw}.ThrowOptimizerSize(ParameterCount, optimizer.ParameterCount);");
            w.Line($"if (steps == 0 || steps > Window) {Throw}.ThrowWindow(name, steps, Window);");
            w.Line("return steps;");
        }

        w.Line();
        string tokens = ApiOverloads.TokensParameter(plan);
        w.Line(Hot);
        using (w.Block($"private float __Train({ReadOnlySpan} inputs{tokens}, {ReadOnlySpan} targets, global::System.ReadOnlySpan<int> classes, " +
                       "global::RnnGen.IOptimizer optimizer, global::RnnGen.TrainOptions options, int steps)"))
        {
            w.Line("State saved = __state;");
            w.Line($"if (!options.Stateful) {Reset(plan, "this")}");
            w.Line("ZeroGradients();");
            if (HasDropout(plan)) w.Line(NextDropoutStream);
            w.Line($"float loss = __Accumulate(inputs{(vocab ? ", tokens" : "")}, targets, classes, default, steps);");
            w.Line("var gradients = Gradients;");
            EmitClipAndGuard(w, "loss", "// Nothing of this step may reach the model: restore the state, drop the gradients.", "__state = saved;");
            w.Line("optimizer.Step(Parameters, gradients);");
            if (plan.IsBFloat16) w.Line("RefreshInferenceWeights();   // Step/Forward read the bfloat16 copy");
            w.Line($"if (!options.Stateful) {Reset(plan, "this")}");
            w.Line("return loss;");
        }

        w.Line();
    }

    /// <summary>The statement that starts <paramref name="model"/>'s own state afresh: zeros, or the learned initial state.</summary>
    public static string Reset(ModelPlan plan, string model) =>
        plan.Recurrent.Any(static r => r.HasLearnedInitialState) ? $"{model}.ResetState();" : (model == "this" ? "__state = default;" : $"{model}.__state = default;");

    public static bool HasDropout(ModelPlan plan) => plan.Tiled.Any(static l => l.DropoutP > 0);

    /// <summary>The dropout masks of the next training call: a new stream of the counter-based generator.</summary>
    private const string NextDropoutStream = "__dropoutStream = " + Kernels + ".DropoutStream(__dropoutSeed, __dropoutCalls++, 0);";

    /// <summary>The dropout state of a model with Dropout layers: the public seed and the generator's counters.</summary>
    public static void EmitDropoutState(CodeWriter w, ModelPlan plan)
    {
        if (!HasDropout(plan)) return;
        w.Line(GeneratedCode);
        w.Line("private ulong __dropoutSeed, __dropoutCalls, __dropoutStream;");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The seed of the dropout masks. A mask depends only on this seed, the number of training calls (AccumulateGradients,");
        w.Line("/// TrainStep, TrainBatch) since it was set, and the position (sequence, step, layer, unit): setting it restarts the");
        w.Line("/// sequence of masks, so a run repeats exactly. InitializeParameters sets it to its seed.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        w.Line("public ulong DropoutSeed");
        w.Line("{");
        w.Line("    get => __dropoutSeed;");
        w.Line("    set => (__dropoutSeed, __dropoutCalls) = (value, 0);");
        w.Line("}");
        w.Line();
    }

    /// <summary>
    /// Global-norm clipping, then the guard: a non-finite <paramref name="loss"/> or gradient norm skips the step (the
    /// gradients cleared, <c>SkippedSteps</c> counted, or an exception per the options) before any optimizer sees it.
    /// </summary>
    public static void EmitClipAndGuard(CodeWriter w, string loss, string? comment = null, string? restore = null)
    {
        w.Line("float norm = float.IsPositiveInfinity(options.MaxGradientNorm)");
        w.Line("    ? global::RnnGen.GradientClipping.GlobalNorm(gradients)");
        w.Line("    : global::RnnGen.GradientClipping.ClipByGlobalNorm(gradients, options.MaxGradientNorm);");
        using (w.Block($"if (!float.IsFinite({loss}) || !float.IsFinite(norm))"))
        {
            if (comment is not null) w.Line(comment);
            if (restore is not null) w.Line(restore);
            w.Line("gradients.Clear();");
            w.Line("SkippedSteps++;");
            w.Line($"if (options.OnNonFinite == global::RnnGen.NonFiniteBehavior.Throw) {Throw}.ThrowNonFinite({loss}, norm);");
            w.Line($"return {loss};");
        }
    }
}
