using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The block kernel: one layer's forward step for many agents at once, at one width (<see cref="AgentPlan"/>). It walks
/// the tiles as the single-agent forward kernel does (<see cref="ForwardKernelEmitter"/>), but for a block of agents:
/// each sub-block's accumulators start from the biases, take the columns in the single-agent kernel's passes
/// (<see cref="BlockPassEmitter"/>: each weight vector loaded once and multiplied into every agent's accumulators), add
/// the passes' partial sums in the single-agent order and end in each agent's epilogue, inline or (with
/// <see cref="AgentPlan.EpilogueCall"/>) in a small method of its own. So every agent's sums are the single step's, bit for bit.
/// <para>
/// Two callers: the many-agent step (<see cref="AgentsEmitter"/>), whose agents are the states of a span, on the float32
/// weights or the bfloat16 copy; and TrainBatch's lanes (<see cref="ForwardLanesEmitter"/>, <c>lanes</c>), whose agents
/// are the sequences of a chunk, on the float32 parameters, with the training epilogue that caches the gate values and
/// the lanes that do not fill a block through the single-sequence kernel.
/// </para>
/// </summary>
internal static class BlockKernelEmitter
{
    /// <summary>
    /// One width's kernel of <paramref name="layer"/> (<paramref name="ap"/>): the agent kernel the many-agent driver calls,
    /// or with <paramref name="lanes"/> the lanes kernel of TrainBatch; then, with <see cref="AgentPlan.EpilogueCall"/>, its epilogue method.
    /// </summary>
    public static void Emit(CodeWriter w, ModelPlan plan, TiledLayerPlan layer, RecurrentKind kind, AgentPlan ap, bool lanes = false)
    {
        var o = new VectorOps(ap.Width);
        int TR = layer.TileRows, A = ap.Agents, S = ap.VectorsPerBlock, K = ap.KSplit, Lanes = ap.Width.Lanes;
        var acc = kind.Accumulators;
        var below = layer.Layer > 0 ? plan.Tiled[layer.Layer - 1] : null;
        bool train = lanes && kind.HasTrainForward;
        string kernel = lanes ? ForwardLanesEmitter.KernelName(layer) : AgentsEmitter.KernelName(plan, layer);
        var signature = lanes ? ForwardLanesEmitter.KernelSignature(layer, kind) : AgentsEmitter.KernelSignature(plan, layer);
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
                            ? $"ref float in{a} = {AgentsEmitter.InputOf(plan, Agent(a), AgentsEmitter.EmbeddingApart(plan) ? "pe" : "p")};"
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
                            BlockPassEmitter.EmitColumns(w, o, layer, kind, ap, j, wB, Names("in", A), false, ForwardKernelEmitter.InputName(layer));
                            if (kind.IsRecurrent) BlockPassEmitter.EmitColumns(w, o, layer, kind, ap, j, wB, Names("hs", A), true, "h");
                        }
                        else
                        {
                            BlockPassEmitter.EmitPairs(w, o, layer, kind, ap, lp, j, wB, Names("in", A), false, ForwardKernelEmitter.InputName(layer));
                            if (kind.IsRecurrent) BlockPassEmitter.EmitPairs(w, o, layer, kind, ap, lp, j, wB, Names("hs", A), true, "h");
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
                        var rows = lanes ? ForwardLanesEmitter.Rows(w, layer, kind, train, a, Agent(a)) : AgentRows(w, layer, kind, I(a), $"cur{a}", $"nxt{a}");
                        for (int n = 0; n < acc.Length; n++)
                            for (int v = 0; v < S; v++)
                                w.Line($"var {acc[n]}{a * S + v} = {acc[n]}{v}_{a};");
                        var block = new KernelBlock(w, o, rows);
                        for (int v = 0; v < S; v++)
                            kind.EmitForwardEpilogue(block, a * S + v, v * Lanes, train);
                    }
                }
            }

            if (lanes && A > 1) ForwardLanesEmitter.EmitRemainder(w, layer, kind, ap.Width);
        }

        w.Line();
        if (ap.EpilogueCall) EmitEpilogue(w, layer, kind, ap, lanes);
    }

    /// <summary>
    /// Declares the state rows of one agent (or lane) at the sub-block's first unit, for its epilogue: h and h' (and c and
    /// c'), as hB, hnB (cB, cnB) followed by <paramref name="suffix"/>; returns their names by row (<see cref="KernelBlock.Row"/>).
    /// <paramref name="at"/> gives a row's reference from whether it is in the next state and whether it is the cell's.
    /// </summary>
    public static Dictionary<string, string> StateRows(CodeWriter w, RecurrentKind kind, string suffix, System.Func<bool, bool, string> at)
    {
        var rows = new Dictionary<string, string> { ["h"] = $"hB{suffix}", ["hn"] = $"hnB{suffix}" };
        if (kind.IsRecurrent) w.Line($"ref float hB{suffix} = {at(false, false)};");
        w.Line($"ref float hnB{suffix} = {at(true, false)};");
        if (kind.HasCellState)
        {
            w.Line($"ref float cB{suffix} = {at(false, true)};");
            w.Line($"ref float cnB{suffix} = {at(true, true)};");
            (rows["c"], rows["cn"]) = ($"cB{suffix}", $"cnB{suffix}");
        }

        return rows;
    }

    /// <summary><see cref="StateRows"/> of an agent whose state's buffers are <paramref name="current"/> and <paramref name="next"/>.</summary>
    private static Dictionary<string, string> AgentRows(CodeWriter w, TiledLayerPlan layer, RecurrentKind kind, string suffix, string current, string next) =>
        StateRows(w, kind, suffix, (nextState, cell) => At(nextState ? next : current, Plus(I(cell ? layer.StateC : layer.StateH), "row")));

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
        string parameters = lanes ? ForwardLanesEmitter.RowDeclarations(kind, train) : "ref State s";
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
                    rows = AgentRows(w, layer, kind, "", "sa.__Current", "sa.__Next");
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

    private static string Agent(int a) => a == 0 ? "q" : $"q + {I(a)}";

    private static string[] Names(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => prefix + I(i)).ToArray();
}
