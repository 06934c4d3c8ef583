using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The Agents file (<c>{Name}.Agents.g.cs</c>): "many agents, one weight set". <c>Step(Span&lt;State&gt; states, inputs,
/// outputs)</c> advances N agents by one step each. Per layer and width a kernel walks the tiles as the single-agent
/// forward kernel does, but for a block of agents at once: for every column it loads each weight vector once and
/// multiplies it into every agent's accumulators (a matrix–matrix product per step). Each agent's accumulation order
/// is the single-agent one (same bias start, same k-split partial sums added in the same order, same fused epilogue),
/// so the results are bit-identical to N single steps. Agents that do not fill a last block take the single step, and so do
/// all agents on the Vector128 path of an x86 CPU without FMA when its blocks would only share weight loads from L2
/// (<see cref="AgentPlan.OneByOneWithoutFma"/>; a test the JIT folds). A
/// bfloat16 model that streams its 16-bit copy has kernels of its own over that copy, as its single step does
/// (<see cref="EmitPairPass"/>). A small bfloat16 model whose copy holds the rounded weights as floats
/// (<see cref="ModelPlan.HasRoundedFloat32Copy"/>) runs the float32 agent kernels on that copy, as its single step runs the
/// float32 kernels on it; its layer-0 kernel reads the embedding rows from the parameters (<c>pe</c>).
/// </summary>
internal static class AgentsEmitter
{
    private const string DriverName = "__StepAgents";

    private static string KernelName(ModelPlan plan, TiledLayerPlan layer) =>
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
                EmitKernel(w, plan, layer, kind, wp.Agents);
        }
    }

    private static Signature DriverSignature(ModelPlan plan)
    {
        var parameters = new List<Parameter> { new("ref State", "s"), new("int", "n"), new("ref float", "x") };
        if (plan.HasEmbedding) parameters.Add(new Parameter("global::System.ReadOnlySpan<int>", "tokens"));
        parameters.Add(new Parameter("ref float", "y"));
        return new Signature(parameters.ToArray());
    }

    /// <summary>Layer 0 reads the inputs (floats, or embedding rows of tokens); the layers above read h' of the layer below.</summary>
    private static Signature KernelSignature(ModelPlan plan, TiledLayerPlan layer)
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
    private static bool EmbeddingApart(ModelPlan plan) => plan.HasEmbedding && plan.HasRoundedFloat32Copy;

    /// <summary>Agent <paramref name="agent"/>'s layer-0 input: its row of the inputs, or its token's embedding row (in <paramref name="parameters"/>).</summary>
    private static string InputOf(ModelPlan plan, string agent, string parameters = "p") =>
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

    internal static void EmitKernel(CodeWriter w, ModelPlan plan, TiledLayerPlan layer, RecurrentKind kind, AgentPlan ap, bool lanes = false)
    {
        var o = new VectorOps(ap.Width);
        int TR = layer.TileRows, A = ap.Agents, S = ap.VectorsPerBlock, K = ap.KSplit, Lanes = ap.Width.Lanes;
        var acc = kind.Accumulators;
        var below = layer.Layer > 0 ? plan.Tiled[layer.Layer - 1] : null;
        bool train = lanes && kind.HasTrainForward;
        string kernel = lanes ? ForwardLanesEmitter.KernelName(layer) : KernelName(plan, layer);
        var signature = lanes ? ForwardLanesEmitter.KernelSignature(layer, kind) : KernelSignature(plan, layer);
        w.Line(Hot);
        using (w.Block($"private static void {kernel}{ap.Width.Suffix}({signature.Declaration})"))
        {
            w.Comment($"{layer.Tiles} tile(s) × blocks of {A} agent(s) × {ap.BlocksPerTile} sub-block(s) of {S} {(o.Scalar ? "row(s)" : ap.Width.TypeName)} " +
                      $"per group × {acc.Length} group(s) [{string.Join(" ", acc)}]" +
                      (K > 1 ? $"; columns in {K} passes (k ≡ 0..{K - 1} mod {K}) whose partial sums add up in the single-agent order" : ""));
            var lp = plan.StreamsBFloat16 && !lanes ? layer.BFloat16 : null;   // training reads the float32 parameters
            w.Line($"{o.Type} wv;");
            if (lp is not null)
            {
                w.Line(o.Scalar ? "uint wu;   // a word of two bfloat16 columns" : $"{ap.Width.Global}<uint> wu;   // a word vector of two bfloat16 columns");
                if (!o.Scalar) w.Line($"var high = {ap.Width.Alias}.Create(0xFFFF0000u);   // keeps the high bfloat16 of each word");
            }

            w.Line($"{o.Type} {string.Join(", ", Names("xk", A))};");
            if (K > 1 || ap.EpilogueCall)
            {
                // The running sums wait on the stack while a later pass accumulates: kept in registers they would double the
                // live accumulators and the JIT would spill inside the column loops instead. With the epilogue out of the
                // kernel the block's final sums go there too, for the epilogue method.
                w.Comment(K == 1 ? "the block's pre-activations per group × vector × agent, for the epilogue"
                    : ap.EpilogueCall ? "sums per group × vector × agent: the running sums of the passes before (the later passes' accumulators take their registers), then the block's pre-activations"
                    : "running sums of the passes before, per group × vector × agent (the later passes' accumulators take their registers)");
                w.Line($"global::System.Span<float> sumsSpan = stackalloc float[{I(acc.Length * S * A * Lanes)}];");
                w.Line("ref float sums = ref MemoryMarshal.GetReference(sumsSpan);");
            }

            int SumAt(int n, int v, int a) => ((n * S + v) * A + a) * Lanes;
            if (lanes && A > 1) w.Line($"int whole = first + (end - first) / {I(A)} * {I(A)};   // lanes in whole blocks; the rest one by one below");
            var walk = new TileWalk(w);
            using (walk.Tiles(layer.Tiles, serpentine: false, lp is null ? ForwardKernelEmitter.Weights(layer) : BFloat16Emitter.Weights(layer, "copy")))
            using (w.Block($"for (int q = first; q < {(lanes && A > 1 ? "whole" : "end")}; q += {I(A)})"))
            {
                if (lanes)
                {
                    for (int a = 0; a < A; a++)
                    {
                        w.Line($"ref float in{a} = {At("x", $"({Agent(a)}) * xStride")};");
                        if (layer.IsRecurrent) w.Line($"ref float hs{a} = {At("h", $"({Agent(a)}) * {LanesBpttEmitter.LaneStride}")};");
                    }
                }
                else
                {
                    for (int a = 0; a < A; a++)
                    {
                        w.Line($"ref State s{a} = ref Unsafe.Add(ref s, {Agent(a)});");
                        w.Line($"ref float cur{a} = ref s{a}.__Current;");
                        w.Line($"ref float nxt{a} = ref s{a}.__Next;");
                    }

                    for (int a = 0; a < A; a++)
                    {
                        w.Line(below is null
                            ? $"ref float in{a} = {InputOf(plan, Agent(a), EmbeddingApart(plan) ? "pe" : "p")};"
                            : $"ref float in{a} = {At($"nxt{a}", below.StateH)};   // h'(l{below.Layer}) of agent {Agent(a)}");
                        if (layer.IsRecurrent) w.Line($"ref float hs{a} = {At($"cur{a}", layer.StateH)};");
                    }
                }

                using (walk.Blocks(ap.BlocksPerTile, ap.BlockRows))
                {
                    string wB = walk["w"];
                    string row = Plus(layer.Tiles > 1 ? $"t * {I(TR)}" : "0", ap.BlocksPerTile > 1 ? Times("b", ap.BlockRows) : "0");
                    w.Line($"int row = {row};   // first unit of the sub-block");
                    for (int j = 0; j < K; j++)
                    {
                        if (K > 1) w.Comment($"pass {j}: columns k ≡ {j} (mod {K}){(j == 0 ? ", from the biases" : ", a partial sum from zero, added afterwards")}");
                        if (j == 0)
                        {
                            if (lp is null)
                                ForwardKernelEmitter.EmitBiases(w, o, layer, kind, S, 1, wB, kind.IsRecurrent ? "b_ih + b_hh, for every agent" : "b, for every agent");
                            else
                            {
                                w.Comment($"[{string.Join(" ", acc)}] = the summed biases (float32), for every agent");
                                for (int n = 0; n < acc.Length; n++)
                                    for (int v = 0; v < S; v++)
                                        w.Line($"var {acc[n]}{v}_0 = {o.Load(wB, BFloat16LayerPlan.BiasOffset + n * TR + v * Lanes)};");
                            }
                            for (int n = 0; n < acc.Length; n++)
                                for (int v = 0; v < S; v++)
                                    for (int a = 1; a < A; a++) w.Line($"var {acc[n]}{v}_{a} = {acc[n]}{v}_0;");
                        }
                        else
                        {
                            for (int n = 0; n < acc.Length; n++)
                                for (int v = 0; v < S; v++)
                                    for (int a = 0; a < A; a++) w.Line($"{acc[n]}{v}_{a} = {o.Zero};");
                        }

                        if (lp is null)
                        {
                            EmitPass(w, o, layer, kind, ap, j, wB, Names("in", A), false, ForwardKernelEmitter.InputName(layer));
                            if (kind.IsRecurrent) EmitPass(w, o, layer, kind, ap, j, wB, Names("hs", A), true, "h");
                        }
                        else
                        {
                            EmitPairPass(w, o, layer, kind, ap, lp, j, wB, Names("in", A), false, ForwardKernelEmitter.InputName(layer));
                            if (kind.IsRecurrent) EmitPairPass(w, o, layer, kind, ap, lp, j, wB, Names("hs", A), true, "h");
                        }
                        if (K == 1 && !ap.EpilogueCall) continue;
                        bool last = j == K - 1;
                        w.Comment(K == 1 ? "sums = the pass, for the epilogue"
                            : j == 0 ? "sums = pass 0"
                            : !last ? $"sums = sums + pass {j}"
                            : ap.EpilogueCall ? $"sums = sums + pass {j}: the single-agent order of the partial sums, for the epilogue"
                            : $"[{string.Join(" ", acc)}] = sums + pass {j}: the single-agent order of the partial sums");
                        for (int n = 0; n < acc.Length; n++)
                            for (int v = 0; v < S; v++)
                                for (int a = 0; a < A; a++)
                                {
                                    string name = $"{acc[n]}{v}_{a}";
                                    int at = SumAt(n, v, a);
                                    if (j == 0) w.Line(o.Store(name, "sums", at));
                                    else if (!last || ap.EpilogueCall) w.Line(o.Store($"{o.Load("sums", at)} + {name}", "sums", at));
                                    else w.Line($"{name} = {o.Load("sums", at)} + {name};");
                                }
                    }

                    if (ap.EpilogueCall)
                        w.Line(lanes
                            ? $"{EpilogueName(layer, ap, lanes)}(ref sums, {ForwardLanesEmitter.RowArguments(kind, train)}, q, row);   // every lane's epilogue on its sums"
                            : $"{EpilogueName(layer, ap, lanes)}(ref sums, ref s, q, row);   // every agent's epilogue on its sums");

                    // Each agent's epilogue on its own names (vector v of agent a is number a·S + v), so no two agents share a local.
                    for (int a = 0; a < (ap.EpilogueCall ? 0 : A); a++)
                    {
                        w.Comment($"{(lanes ? "lane" : "agent")} {Agent(a)}: the epilogue on its sums");
                        var rows = lanes ? ForwardLanesEmitter.Rows(w, layer, kind, train, a, Agent(a)) : AgentRows(w, layer, kind, a);
                        for (int n = 0; n < acc.Length; n++)
                            for (int v = 0; v < S; v++)
                                w.Line($"var {acc[n]}{a * S + v} = {acc[n]}{v}_{a};");
                        var block = new KernelBlock(w, o, rows);
                        for (int v = 0; v < S; v++)
                            kind.EmitForwardEpilogue(block, a * S + v, v * Lanes, train);
                    }
                }
            }

            if (lanes && A > 1)
            {
                w.Comment("the last (end − first) mod A lanes: one by one, through the single-sequence kernel of this width (the same sums, so the same bits)");
                using (w.Block("for (int q = whole; q < end; q++)"))
                {
                    var args = new List<string> { "ref p", At("x", "q * xStride") };
                    foreach (var parameter in ForwardLanesEmitter.RowParameters(kind, train)) args.Add(At(parameter, $"q * {LanesBpttEmitter.LaneStride}"));
                    if (layer.Serpentine) args.Add("false");
                    w.Line($"{ForwardKernelEmitter.Name(layer, train)}{ap.Width.Suffix}({string.Join(", ", args)});");
                }
            }
        }

        w.Line();
        if (ap.EpilogueCall) EmitEpilogue(w, layer, kind, ap, lanes);
    }

    /// <summary>Agent a's rows for the epilogue: its state's h and h' (and c, c') at the sub-block's first unit.</summary>
    private static Dictionary<string, string> AgentRows(CodeWriter w, TiledLayerPlan layer, RecurrentKind kind, int a)
    {
        var rows = new Dictionary<string, string> { ["h"] = $"hB{a}", ["hn"] = $"hnB{a}" };
        if (kind.IsRecurrent) w.Line($"ref float hB{a} = {At($"cur{a}", Plus(I(layer.StateH), "row"))};");
        w.Line($"ref float hnB{a} = {At($"nxt{a}", Plus(I(layer.StateH), "row"))};");
        if (kind.HasCellState)
        {
            w.Line($"ref float cB{a} = {At($"cur{a}", Plus(I(layer.StateC), "row"))};");
            w.Line($"ref float cnB{a} = {At($"nxt{a}", Plus(I(layer.StateC), "row"))};");
            (rows["c"], rows["cn"]) = ($"cB{a}", $"cnB{a}");
        }

        return rows;
    }

    private static string EpilogueName(TiledLayerPlan layer, AgentPlan ap, bool lanes) =>
        $"__Layer{layer.Layer}Epilogue{(lanes ? "Lanes" : "Agents")}{ap.Width.Suffix}";

    /// <summary>
    /// The epilogue of one sub-block for the agents q .. q + A − 1, out of the kernel: the activations (RnnMath.Sigmoid,
    /// Tanh, …) are inlined here, in a small method. In the kernel (hundreds of vector locals and temporaries) the JIT gave
    /// up inlining them once its local-variable limit was reached, and every activation became a call passing vectors
    /// through memory, dearer than the FMAs of a small tile. One call per block of agents costs little.
    /// </summary>
    private static void EmitEpilogue(CodeWriter w, TiledLayerPlan layer, RecurrentKind kind, AgentPlan ap, bool lanes)
    {
        var o = new VectorOps(ap.Width);
        int A = ap.Agents, S = ap.VectorsPerBlock, Lanes = ap.Width.Lanes;
        var acc = kind.Accumulators;
        bool train = lanes && kind.HasTrainForward;
        string parameters = lanes ? string.Join(", ", ForwardLanesEmitter.RowParameters(kind, train).Select(static n => "ref float " + n)) : "ref State s";
        w.Line($"[GeneratedCode(\"RnnGen.Generator\", \"{Version}\"), MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]");
        using (w.Block($"private static void {EpilogueName(layer, ap, lanes)}(ref float sums, {parameters}, int q, int row)"))
        {
            w.Comment($"sums[((n·{S} + v)·{A} + a)·{Lanes} + lane]: group n, vector v, {(lanes ? "lane" : "agent")} q + a");
            using (w.Block($"for (int a = 0; a < {I(A)}; a++)"))
            {
                Dictionary<string, string> rows;
                if (lanes)
                {
                    w.Line($"ref float sumsA = ref Unsafe.Add(ref sums, a * {I(Lanes)});");
                    rows = ForwardLanesEmitter.Rows(w, layer, kind, train, 0, "q + a");
                }
                else
                {
                    w.Line("ref State sa = ref Unsafe.Add(ref s, q + a);");
                    w.Line($"ref float sumsA = ref Unsafe.Add(ref sums, a * {I(Lanes)});");
                    rows = new Dictionary<string, string> { ["h"] = "hB", ["hn"] = "hnB" };
                    if (kind.IsRecurrent) w.Line($"ref float hB = {At("sa.__Current", Plus(I(layer.StateH), "row"))};");
                    w.Line($"ref float hnB = {At("sa.__Next", Plus(I(layer.StateH), "row"))};");
                    if (kind.HasCellState)
                    {
                        w.Line($"ref float cB = {At("sa.__Current", Plus(I(layer.StateC), "row"))};");
                        w.Line($"ref float cnB = {At("sa.__Next", Plus(I(layer.StateC), "row"))};");
                        (rows["c"], rows["cn"]) = ("cB", "cnB");
                    }
                }

                for (int n = 0; n < acc.Length; n++)
                    for (int v = 0; v < S; v++)
                        w.Line($"var {acc[n]}{v} = {o.Load("sumsA", (n * S + v) * A * Lanes)};");
                var block = new KernelBlock(w, o, rows);
                for (int v = 0; v < S; v++)
                    kind.EmitForwardEpilogue(block, v, v * Lanes, train);
            }
        }

        w.Line();
    }

    /// <summary>Pass <paramref name="pass"/>'s columns k = pass, pass + K, … of one run, every agent's accumulators fed from one weight load.</summary>
    private static void EmitPass(CodeWriter w, VectorOps o, TiledLayerPlan layer, RecurrentKind kind, AgentPlan ap, int pass, string weights,
        string[] sources, bool recurrent, string input)
    {
        int K = ap.KSplit, A = ap.Agents, S = ap.VectorsPerBlock, TR = layer.TileRows;
        int count = recurrent ? layer.Units : layer.InputWidth;
        int items = count > pass ? (count - pass + K - 1) / K : 0;
        if (items == 0) return;
        var acc = kind.Accumulators;
        w.Comment($"{(recurrent ? $"[gates] += W_hh[:, k]·{input}_k" : ForwardKernelEmitter.InputProduct(layer, kind))}   (k = {I(pass)}{(K > 1 ? $", {I(pass + K)}, …" : ", 1, …")} ≤ {I(count - 1)})");
        var run = new ColumnRun(sources, items, pass, K, recurrent ? layer.RecurrentColumnsOffset : layer.InputColumnsOffset, layer.ColumnStride, ap.ColumnUnroll, 1);
        ColumnWalk.Emit(w, weights, run, column =>
        {
            for (int a = 0; a < A; a++)
                w.Line($"xk{a} = {o.Broadcast(Elem(column.Sources[a], column.Index))};");
            for (int g = 0; g < kind.Gates.Length; g++)
            {
                int n = recurrent ? kind.RecurrentAccumulator(g) : kind.InputAccumulator(g);
                for (int v = 0; v < S; v++)
                {
                    w.Line($"wv = {o.Load(column.Weights, column.Offset + g * TR + v * o.Lanes)};");
                    for (int a = 0; a < A; a++)
                        w.Line($"{acc[n]}{v}_{a} = {o.Fma("wv", $"xk{a}", $"{acc[n]}{v}_{a}")};");
                }
            }
        });
    }

    /// <summary>
    /// <see cref="EmitPass"/> over the bfloat16 copy, whose words hold two columns (k even in the low half, k + 1 in the
    /// high half; <c>wu &lt;&lt; 16</c> and <c>wu &amp; 0xFFFF0000</c> widen them). Pass j takes the columns k = j, j + K, …
    /// in that order, as the single-agent kernel adds them into partial sum j. Walked one column per item the word offset
    /// would not grow linearly when K is odd, so an item is G consecutive columns of the pass, with G·K even (G = 1 for an
    /// even K, 2 for an odd one; K = 1 then walks whole words, low half first): every item starts on a column of the
    /// same parity, and its columns sit at fixed word offsets from the first. Each word vector is loaded and widened
    /// once and multiplied into every agent's accumulator: the widened weight is the one the single-agent bfloat16
    /// kernel multiplies, so every agent's sums are that kernel's, bit for bit.
    /// </summary>
    private static void EmitPairPass(CodeWriter w, VectorOps o, TiledLayerPlan layer, RecurrentKind kind, AgentPlan ap, BFloat16LayerPlan lp, int pass,
        string weights, string[] sources, bool recurrent, string input)
    {
        int K = ap.KSplit, A = ap.Agents, S = ap.VectorsPerBlock, TR = layer.TileRows, CS = lp.ColumnStride;
        int count = recurrent ? layer.Units : layer.InputWidth;
        int columns = count > pass ? (count - pass + K - 1) / K : 0;
        if (columns == 0) return;
        int runOffset = recurrent ? lp.RecurrentPairsOffset : lp.InputPairsOffset;
        int parity = pass % 2, G = K % 2 == 0 ? 1 : 2, items = columns / G;
        var acc = kind.Accumulators;

        // Column k's words at runOffset + ⌊k / 2⌋·ColumnStride, its half k mod 2.
        void Multiply(string wRef, int offset, IReadOnlyList<string> srcs, int index, bool highHalf)
        {
            for (int a = 0; a < A; a++)
                w.Line($"xk{a} = {o.Broadcast(Elem(srcs[a], index))};");
            for (int g = 0; g < kind.Gates.Length; g++)
            {
                int n = recurrent ? kind.RecurrentAccumulator(g) : kind.InputAccumulator(g);
                for (int v = 0; v < S; v++)
                {
                    int at = offset + g * TR + v * o.Lanes;
                    w.Line(o.Scalar ? $"wu = Unsafe.As<float, uint>({At(wRef, at)});" : $"wu = {ap.Width.Alias}.AsUInt32({o.Load(wRef, at)});");
                    w.Line($"wv = {(highHalf ? High(o) : Low(o))};");
                    for (int a = 0; a < A; a++)
                        w.Line($"{acc[n]}{v}_{a} = {o.Fma("wv", $"xk{a}", $"{acc[n]}{v}_{a}")};");
                }
            }
        }

        w.Comment($"{(recurrent ? $"[gates] += W_hh[:, k]·{input}_k" : ForwardKernelEmitter.InputProduct(layer, kind))}   (k = {I(pass)}, {I(pass + K)}, … ≤ {I(count - 1)}" +
                  (G == 1 ? $": the {(parity == 1 ? "high" : "low")} half of each word)" : $"; {G} columns per item, two per word)"));
        if (items > 0)
        {
            var run = new ColumnRun(sources, items, pass, G * K, runOffset - parity * (CS / 2), CS / 2, System.Math.Max(1, ap.ColumnUnroll / G), 1);
            ColumnWalk.Emit(w, weights, run, column =>
            {
                for (int m = 0; m < G; m++)
                    Multiply(column.Weights, column.Offset + (parity + m * K) / 2 * CS, column.Sources, column.Index + m * K, (parity + m * K) % 2 == 1);
            });
        }

        for (int r = items * G; r < columns; r++)
        {
            int k = pass + r * K;
            Multiply(weights, runOffset + k / 2 * CS, sources, k, k % 2 == 1);
        }
    }

    /// <summary>The even column of a word: its bits shifted into the upper half.</summary>
    private static string Low(VectorOps o) => o.Scalar ? "global::System.BitConverter.UInt32BitsToSingle(wu << 16)" : $"{o.Width.Alias}.AsSingle(wu << 16)";

    /// <summary>The odd column of a word: the word with its lower half cleared.</summary>
    private static string High(VectorOps o) => o.Scalar ? "global::System.BitConverter.UInt32BitsToSingle(wu & 0xFFFF0000u)" : $"{o.Width.Alias}.AsSingle(wu & high)";

    private static string Agent(int a) => a == 0 ? "q" : $"q + {I(a)}";

    private static string[] Names(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => prefix + I(i)).ToArray();
}
