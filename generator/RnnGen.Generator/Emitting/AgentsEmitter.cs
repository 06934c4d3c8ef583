using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The Agents file (<c>{Name}.Agents.g.cs</c>): "many agents, one weight set". <c>Step(Span&lt;State&gt; states, inputs,
/// outputs)</c> advances N agents by one step each; an overload hands the agents to a <c>RnnWorkers</c> pool. This class
/// writes that public API, the driver per width and, per layer, the comment and the names of the agent kernels; the
/// kernels themselves are the block kernels of <see cref="BlockKernelEmitter"/>, which walk the tiles as the single-agent
/// forward kernel does but for a block of agents at once (each weight vector loaded once per column and multiplied into
/// every agent's accumulators: a matrix–matrix product per step). Each agent's accumulation order is the single-agent one,
/// so the results are bit-identical to N single steps. The driver takes the agents in chunks through every layer's
/// kernel, then the heads; agents that do not fill a last block take the single step, and so do all agents on the
/// Vector128 path of an x86 CPU without FMA when its blocks would only share weight loads from L2
/// (<see cref="AgentPlan.OneByOneWithoutFma"/>; a test the JIT folds). A bfloat16 model that streams its 16-bit copy has
/// kernels of its own over that copy, as its single step does (<see cref="BlockPassEmitter.EmitPairs"/>). A small
/// bfloat16 model whose copy holds the rounded weights as floats (<see cref="ModelPlan.HasRoundedFloat32Copy"/>) runs the
/// float32 agent kernels on that copy, as its single step runs the float32 kernels on it; its layer-0 kernel reads the
/// embedding rows from the parameters (<c>pe</c>).
/// </summary>
internal static class AgentsEmitter
{
    private const string DriverName = "__StepAgents";

    /// <summary>The agent kernel of <paramref name="layer"/>, which the driver calls per chunk (over the bfloat16 copy if the model streams it).</summary>
    public static string KernelName(ModelPlan plan, TiledLayerPlan layer) =>
        plan.StreamsBFloat16 ? $"__Layer{layer.Layer}Bf16ForwardAgents" : $"__Layer{layer.Layer}ForwardAgents";

    public static void Emit(CodeWriter w, ModelPlan plan)
    {
        EmitApi(w, plan);
        var driver = DriverSignature(plan);
        Dispatcher.Emit(w, DriverName, driver, plan.Widths, isStatic: false);
        foreach (var width in plan.Widths)
            EmitDriver(w, plan, width, driver);
        foreach (var layer in plan.Tiled)
        {
            var kind = RecurrentKind.For(layer);
            w.Comment(plan.StreamsBFloat16
                ? new[]
                {
                    $"── layer {layer.Layer} · {kind.Name} · forward, many agents, from the bfloat16 copy: for agents [first, end) in blocks, the tile walk of {BFloat16Emitter.Name(layer)},",
                    "   each word vector (two columns) loaded once and widened once per pass, then multiplied into the accumulators of every agent of the block",
                }
                : new[]
                {
                    $"── layer {layer.Layer} · {kind.Name} · forward, many agents: for agents [first, end) in blocks, the same tile walk as {ForwardKernelEmitter.Name(layer, false)},",
                    "   each weight vector loaded once per column and multiplied into the accumulators of every agent of the block",
                });
            foreach (var line in kind.ForwardEquations(ForwardKernelEmitter.InputName(layer))) w.Comment("   " + line);
            foreach (var wp in layer.Widths)   // every width of the layer is the one some driver runs it at
                BlockKernelEmitter.Emit(w, plan, layer, kind, wp.Agents);
        }
    }

    private static Signature DriverSignature(ModelPlan plan)
    {
        var parameters = new List<Parameter> { new("ref State", "s"), new("int", "n"), new("ref float", "x") };
        if (plan.HasEmbedding) parameters.Add(new Parameter("global::System.ReadOnlySpan<int>", "tokens"));
        parameters.Add(new Parameter("ref float", "y"));
        return new Signature(parameters.ToArray());
    }

    /// <summary>
    /// The agent kernel's parameters: the weights, the states and the range [first, end) of agents. Layer 0 reads the
    /// inputs (floats, or embedding rows of tokens); the layers above read h' of the layer below.
    /// </summary>
    public static Signature KernelSignature(ModelPlan plan, TiledLayerPlan layer)
    {
        var parameters = new List<Parameter> { new("ref float", "p") };
        if (plan.StreamsBFloat16) parameters.Add(new Parameter("ref float", "copy"));   // the bfloat16 copy; p still gives the embedding
        parameters.AddRange(new[] { new Parameter("ref State", "s"), new Parameter("int", "first"), new Parameter("int", "end") });
        if (layer.Layer == 0)
        {
            parameters.Add(new Parameter("ref float", "x"));
            if (plan.HasEmbedding) parameters.Add(new Parameter("global::System.ReadOnlySpan<int>", "tokens"));
            if (EmbeddingApart(plan)) parameters.Add(new Parameter("ref float", "pe"));
        }

        return new Signature(parameters.ToArray());
    }

    /// <summary>
    /// Whether the layer-0 kernel gets the parameters apart from its weights: a token model whose kernels read the rounded
    /// float32 copy, while the embedding rows stay in the parameters.
    /// </summary>
    public static bool EmbeddingApart(ModelPlan plan) => plan.HasEmbedding && plan.HasRoundedFloat32Copy;

    /// <summary>Agent <paramref name="agent"/>'s layer-0 input: its row of the inputs, or its token's embedding row (in <paramref name="parameters"/>).</summary>
    public static string InputOf(ModelPlan plan, string agent, string parameters = "p") =>
        plan.HasEmbedding ? $"ref __InputAt(ref {parameters}, ref x, tokens, {agent})" : At("x", $"{(agent.IndexOf(' ') >= 0 ? "(" + agent + ")" : agent)} * InputSize");

    private static void EmitApi(CodeWriter w, ModelPlan plan)
    {
        bool activation = HeadLossEmitter.HasOutputActivation(plan), vocab = plan.HasEmbedding;
        foreach (bool tokens in vocab ? new[] { false, true } : new[] { false })
        {
            w.Line("/// <summary>");
            w.Line("/// Advances many agents that share this model's weights by one step each: agent a's state is");
            w.Line($"/// <paramref name=\"states\"/>[a], its input {(tokens ? "the embedding of <paramref name=\"tokens\"/>[a]" : "<paramref name=\"inputs\"/>[a·InputSize ..]")} and its outputs");
            w.Line($"/// <paramref name=\"outputs\"/>[a·OutputSize ..]{(activation ? " (probabilities)" : "")}. The result is bit-identical to calling");
            w.Line($"/// <see cref=\"Step(ref State, {(tokens ? "int" : "global::System.ReadOnlySpan{float}")}, global::System.Span{{float}})\"/> for each agent in turn, but the");
            w.Line(plan.StreamsBFloat16
                ? "/// bfloat16 weights are read and widened once per block of agents instead of once per agent, so a step of many agents"
                : "/// weights are read once per block of agents instead of once per agent, so a step of many agents runs at");
            w.Line(plan.StreamsBFloat16
                ? "/// runs at the speed of the multiply-adds rather than of the memory. Reads the weights only: several threads may step"
                : "/// the speed of the multiply-adds rather than of the memory. Reads the weights only: several threads may step");
            w.Line("/// disjoint sets of states with one model. No allocation; an empty <paramref name=\"states\"/> does nothing.");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"states\">The agents' states (N = states.Length); each is advanced in place.</param>");
            w.Line(tokens
                ? "/// <param name=\"tokens\">N token ids in [0, Vocabulary), one per agent.</param>"
                : "/// <param name=\"inputs\">N×InputSize floats, agent after agent.</param>");
            w.Line("/// <param name=\"outputs\">N×OutputSize floats, agent after agent; overwritten.</param>");
            w.Line(tokens
                ? "/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"tokens\"/> does not hold N ids or <paramref name=\"outputs\"/> N×OutputSize floats.</exception>"
                : "/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"inputs\"/> does not hold N×InputSize floats or <paramref name=\"outputs\"/> N×OutputSize floats.</exception>");
            if (tokens) w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A token is not in [0, Vocabulary).</exception>");
            w.Line(Hot);
            using (w.Block($"public void Step(global::System.Span<State> states, {(tokens ? "global::System.ReadOnlySpan<int> tokens" : $"{ReadOnlySpan} inputs")}, {Span} outputs)"))
            {
                w.Line("int n = states.Length;");
                if (tokens)
                    w.Line($"if (tokens.Length != n) {Throw}.ThrowTokenCount(nameof(tokens), n, tokens.Length, n + \" agents, one token each\");");
                else
                    w.Line($"if (inputs.Length != (long)n * InputSize) {Throw}.ThrowLength(nameof(inputs), n * InputSize, inputs.Length, n + \" agents × InputSize\");");
                w.Line($"if (outputs.Length != (long)n * OutputSize) {Throw}.ThrowLength(nameof(outputs), n * OutputSize, outputs.Length, n + \" agents × OutputSize\");");
                if (tokens) w.Line("__Tokens(tokens);");
                w.Line("if (n == 0) return;");
                string x = tokens ? "default(global::System.ReadOnlySpan<float>)" : "inputs";
                string tokenArgument = vocab ? (tokens ? ", tokens" : ", default") : "";
                w.Line($"{DriverName}(ref MemoryMarshal.GetReference(states), n, ref MemoryMarshal.GetReference({x}){tokenArgument}, ref MemoryMarshal.GetReference(outputs));");
                if (activation)
                {
                    using (w.Block("for (int a = 0; a < n; a++)"))
                        HeadLossEmitter.EmitActivations(w, plan, "outputs.Slice(a * OutputSize, OutputSize)");
                }
            }

            w.Line();
        }

        EmitWorkers(w, plan);
    }

    /// <summary>
    /// The multi-core form: an overload that hands the agents to a <c>RnnWorkers</c> pool, which splits them into ranges
    /// through the float step above (the model's <c>IRnnAgentModel&lt;State&gt;</c> implementation), and the agent block
    /// the pool aligns its ranges to: per width, the block of the driver that width runs.
    /// </summary>
    private static void EmitWorkers(CodeWriter w, ModelPlan plan)
    {
        w.Line("/// <summary>");
        w.Line("/// As <see cref=\"Step(global::System.Span{State}, global::System.ReadOnlySpan{float}, global::System.Span{float})\"/>, on the");
        w.Line("/// threads of <paramref name=\"workers\"/>: the agents are split into contiguous ranges, one per thread (the calling thread");
        w.Line("/// included), each stepped by the many-agent step. Bit-identical to the single-threaded call for any thread count; no");
        w.Line("/// allocation. Spans too small to gain from more threads run on the calling thread alone.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"states\">The agents' states (N = states.Length); each is advanced in place.</param>");
        w.Line("/// <param name=\"inputs\">N×InputSize floats, agent after agent.</param>");
        w.Line("/// <param name=\"outputs\">N×OutputSize floats, agent after agent; overwritten.</param>");
        w.Line("/// <param name=\"workers\">The thread pool to step on.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentNullException\"><paramref name=\"workers\"/> is null.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"inputs\"/> does not hold N×InputSize floats or <paramref name=\"outputs\"/> N×OutputSize floats.</exception>");
        w.Line("/// <exception cref=\"global::System.ObjectDisposedException\"><paramref name=\"workers\"/> has been disposed.</exception>");
        w.Line(GeneratedCode);
        using (w.Block($"public void Step(global::System.Span<State> states, {ReadOnlySpan} inputs, {Span} outputs, global::RnnGen.RnnWorkers workers)"))
        {
            w.Line("global::System.ArgumentNullException.ThrowIfNull(workers);");
            w.Line("workers.Step(this, states, inputs, outputs);");
        }

        w.Line();
        // The widths' IsHardwareAccelerated chain of the driver's dispatcher, widest first; a width whose block equals that of
        // the widths below it adds no test.
        // A driver that steps its agents one by one where the hardware has no FMA keeps its kernels' block here: a test of the
        // hardware would buy nothing, since the one-by-one loop takes a range of any length and the ranges give the same bits.
        string block = "1";
        foreach (var width in plan.Widths.Reverse())
        {
            string agents = I(BlockAgents(plan, width));
            block = width.IsScalar || agents == block ? agents : $"{width.Alias}.IsHardwareAccelerated ? {agents} : {block}";
        }

        w.Line(GeneratedCode);
        w.Line($"static int global::RnnGen.IRnnAgentModel<State>.AgentBlock => {block};");
        w.Line();
    }

    /// <summary>The agents the driver of <paramref name="width"/> takes together: the largest block of its layers.</summary>
    private static int BlockAgents(ModelPlan plan, VectorWidth width)
    {
        int A = 1;
        foreach (var layer in plan.Tiled) A = System.Math.Max(A, AgentsAt(layer, width).Agents);
        return A;
    }

    /// <summary>
    /// The agent plan <paramref name="layer"/> runs in the driver of <paramref name="width"/>: that of the kernel its
    /// single-agent dispatcher picks on the same hardware, so each agent's sums are the single step's.
    /// </summary>
    private static AgentPlan AgentsAt(TiledLayerPlan layer, VectorWidth width) => layer.WidthAtMost(width).Agents;

    /// <summary>Whether the driver of <paramref name="width"/> steps every agent through the single step where the hardware has no FMA.</summary>
    private static bool OneByOneWithoutFma(ModelPlan plan, VectorWidth width) =>
        AgentPlan.OneByOneWithoutFma(width, plan.Tiled.Select(layer => AgentsAt(layer, width)));

    /// <summary>
    /// One width's driver: chunks of agents through every layer's agent kernel, then the heads per agent; the agents that do
    /// not fill every layer's blocks one by one. Layers may take blocks of different sizes (powers of two): the chunk is a
    /// multiple of the largest, and of the first layer's chunk size. Where the hardware has no FMA and the blocks only share
    /// weight loads from L2, every agent through the single step instead (<see cref="AgentPlan.OneByOneWithoutFma"/>).
    /// </summary>
    private static void EmitDriver(CodeWriter w, ModelPlan plan, VectorWidth width, Signature signature)
    {
        var layers = plan.Tiled;
        var ap = AgentsAt(layers[0], width);
        int A = BlockAgents(plan, width);
        int chunk = (ap.AgentsPerChunk + A - 1) / A * A;
        bool oneByOne = OneByOneWithoutFma(plan, width);
        w.Comment($"{width.TypeName}: blocks of {A} agent(s), chunks of {chunk} agents; each chunk goes through layer 0..{layers.Count - 1} " +
                  "(tiles outer, blocks inner), then the heads");
        w.Line(Hot);
        using (w.Block($"private void {DriverName}{width.Suffix}({signature.Declaration})"))
        {
            w.Line("ref float p = ref __Base;");
            if (oneByOne)
            {
                using (w.Block($"if (!({HasFma}))"))
                {
                    w.Comment($"no FMA: the blocks of {A} agents would only share weight loads from L2, and a step that multiplies and adds apart is bound");
                    w.Comment("by its arithmetic, not by those reads: every agent through the single step (the same sums, so the same bits)");
                    EmitOneByOne(w, plan, "0");
                    w.Line("return;");
                }
            }

            if (plan.HasRoundedFloat32Copy)
                w.Line($"ref float q = ref Unsafe.Add(ref p, {BFloat16Emitter.CopyBase});   // the bf16-rounded weights as floats");
            if (plan.StreamsBFloat16) w.Line("ref float q = ref Unsafe.Add(ref p, __InferenceWeightsOffset);   // the bfloat16 copy (RefreshInferenceWeights)");
            w.Line(A == 1 ? "int whole = n;" : $"int whole = n - n % {I(A)};   // agents in whole blocks");
            using (w.Block($"for (int first = 0; first < whole; first += {I(chunk)})"))
            {
                w.Line($"int end = first + global::System.Math.Min({I(chunk)}, whole - first);");
                foreach (var layer in layers)
                {
                    var own = AgentsAt(layer, width).Width;
                    // Float32: the kernels read p. Rounded float32 copy: the float32 kernels read the copy (q), layer 0 the
                    // embedding from p. Streamed bfloat16 copy: the 16-bit kernels read p (embedding) and the copy.
                    string weights = plan.HasRoundedFloat32Copy ? "ref q" : plan.StreamsBFloat16 ? "ref p, ref q" : "ref p";
                    string inputs = layer.Layer == 0 ? ", ref x" + (plan.HasEmbedding ? ", tokens" : "") + (EmbeddingApart(plan) ? ", ref p" : "") : "";
                    w.Line($"{KernelName(plan, layer)}{own.Suffix}({weights}, ref s, first, end{inputs});   // layer {layer.Layer}" +
                           (own == width ? "" : $" ({own.TypeName}: its tile is narrower)"));
                }
                using (w.Block("for (int a = first; a < end; a++)"))
                {
                    w.Line("ref State state = ref Unsafe.Add(ref s, a);");
                    string top = At("state.__Next", plan.Top.StateH);
                    foreach (var head in plan.Heads)
                        w.Line($"{HeadLossEmitter.ForwardName(head)}(ref p, {top}, {At("y", Plus("a * OutputSize", I(head.OutputOffset)))}" +
                               $"{(head.AddInput >= 0 ? ", " + At("x", "a * InputSize") : "")});   // y = W·h' + b");
                    if (!plan.HasHead)
                        w.Line($"MemoryMarshal.CreateReadOnlySpan({top}, {I(plan.Top.Units)}).CopyTo(MemoryMarshal.CreateSpan({At("y", "a * OutputSize")}, {I(plan.Top.Units)}));   // y = the top layer's output");
                    w.Line("state.__Advance();");
                }
            }

            if (A > 1)
            {
                w.Comment("the last n mod A agents: one by one, through the single-agent step (the same sums, so the same bits)");
                EmitOneByOne(w, plan, "whole");
            }
        }

        w.Line();
    }

    /// <summary>Agents <paramref name="first"/> .. n − 1 one by one through the single step.</summary>
    private static void EmitOneByOne(CodeWriter w, ModelPlan plan, string first)
    {
        w.Line($"for (int a = {first}; a < n; a++)");
        w.Line($"    __StepCore(ref Unsafe.Add(ref s, a), {InputOf(plan, "a")}, {At("y", "a * OutputSize")});");
    }
}
