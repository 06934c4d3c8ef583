using System;
using System.Collections.Generic;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Emit;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// "Many agents, one weight set": <c>Step(Span&lt;State&gt; states, inputs, outputs)</c> advances N agents by one
/// step each. Per layer and width a kernel walks the tiles as the single-agent forward kernel does, but for a
/// block of <see cref="AgentPlan.Agents"/> agents at once: for every column it loads each weight vector once and
/// multiplies it into every agent's accumulators (a matrix–matrix product per step). The accumulation order of
/// each agent is the single-agent one (same bias start, same k-split partial sums added in the same order, same
/// fused epilogue from <see cref="CellEmitter"/>), so the results are bit-identical to N single steps. Agents that
/// do not fill a last block go through the single-agent step.
/// </summary>
internal sealed class AgentsEmitter
{
    private const string DriverName = "__StepAgents";

    private readonly KernelPlan _plan;
    private readonly CellEmitter _cell;
    private readonly EquatableArray<AgentPlan> _agents;

    public AgentsEmitter(KernelPlan plan)
    {
        _plan = plan;
        _cell = CellEmitter.For(plan.Spec.Cell, plan.Spec.Activation);
        _agents = AgentPlan.Create(plan);
    }

    private static string KernelName(int layer) => $"__Layer{layer}ForwardAgents";

    private bool Vocab => _plan.HasEmbedding;

    /// <summary>Layer 0 reads the inputs (floats, or embedding rows of tokens); the layers above read h' of the layer below.</summary>
    private string KernelParameters(int layer) =>
        "ref float p, ref State s, int first, int end"
        + (layer == 0 ? ", ref float x" + (Vocab ? ", global::System.ReadOnlySpan<int> tokens" : "") : "");

    private string DriverParameters => "ref State s, int n, ref float x" + (Vocab ? ", global::System.ReadOnlySpan<int> tokens" : "") + ", ref float y";

    private static string Arguments(string parameters) =>
        parameters.Replace("ref float ", "ref ").Replace("ref State ", "ref ").Replace("global::System.ReadOnlySpan<int> ", "").Replace("int ", "");

    /// <summary>Agent <paramref name="agent"/>'s layer-0 input: its row of the inputs, or its token's embedding row.</summary>
    private string InputOf(string agent) =>
        Vocab ? $"ref __InputAt(ref p, ref x, tokens, {agent})" : At("x", $"{(agent.IndexOf(' ') >= 0 ? "(" + agent + ")" : agent)} * InputSize");

    // ───────────────────────────────────────────────────────────────────── public API and drivers

    public void EmitApi(CodeWriter w)
    {
        bool activation = HeadLossEmitter.HasOutputActivation(_plan);
        string states = "global::System.Span<State> states";
        foreach (bool tokens in Vocab ? new[] { false, true } : new[] { false })
        {
            w.Line("/// <summary>");
            w.Line("/// Advances many agents that share this model's weights by one step each: agent a's state is");
            w.Line($"/// <paramref name=\"states\"/>[a], its input {(tokens ? "the embedding of <paramref name=\"tokens\"/>[a]" : "<paramref name=\"inputs\"/>[a·InputSize ..]")} and its outputs");
            w.Line($"/// <paramref name=\"outputs\"/>[a·OutputSize ..]{(activation ? " (probabilities)" : "")}. The result is bit-identical to calling");
            w.Line($"/// <see cref=\"Step(ref State, {(tokens ? "int" : "global::System.ReadOnlySpan{float}")}, global::System.Span{{float}})\"/> for each agent in turn, but the");
            w.Line("/// weights are read once per block of agents instead of once per agent, so a step of many agents runs at");
            w.Line("/// the speed of the multiply-adds rather than of the memory. Reads the weights only: several threads may step");
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
            w.Line(GeneratedCode);
            w.Line(Hot);
            w.Open($"public void Step({states}, {(tokens ? "global::System.ReadOnlySpan<int> tokens" : $"{ReadOnlySpan} inputs")}, {Span} outputs)");
            w.Line("int n = states.Length;");
            if (tokens)
                w.Line($"if (tokens.Length != n) {Throw}.ThrowTokenCount(nameof(tokens), n, tokens.Length, n + \" agents, one token each\");");
            else
                w.Line($"if (inputs.Length != (long)n * InputSize) {Throw}.ThrowLength(nameof(inputs), n * InputSize, inputs.Length, n + \" agents × InputSize\");");
            w.Line($"if (outputs.Length != (long)n * OutputSize) {Throw}.ThrowLength(nameof(outputs), n * OutputSize, outputs.Length, n + \" agents × OutputSize\");");
            if (tokens) w.Line("__Tokens(tokens);");
            w.Line("if (n == 0) return;");
            string x = tokens ? "default(global::System.ReadOnlySpan<float>)" : "inputs";
            string tokenArgument = Vocab ? (tokens ? ", tokens" : ", default") : "";
            w.Line($"{DriverName}(ref {MemoryMarshal}.GetReference(states), n, ref {MemoryMarshal}.GetReference({x}){tokenArgument}, ref {MemoryMarshal}.GetReference(outputs));");
            if (activation)
            {
                w.Line("for (int a = 0; a < n; a++)");
                w.Line($"    {HeadLossEmitter.ActivateName}(outputs.Slice(a * OutputSize, OutputSize));");
            }

            w.Close();
            w.Line();
        }

        // dispatcher: the JIT keeps the call of the widest accelerated width
        w.Line(GeneratedCode);
        w.Line(Inline);
        w.Open($"private void {DriverName}({DriverParameters})");
        string arguments = Arguments(DriverParameters);
        for (int i = 0; i < _agents.Count; i++)
        {
            var width = _agents[i].Width;
            if (width.IsScalar)
            {
                w.Line(i == 0 ? $"{DriverName}{width.Suffix}({arguments});" : "else");
                if (i > 0) w.Line($"    {DriverName}{width.Suffix}({arguments});");
            }
            else
            {
                w.Line($"{(i == 0 ? "if" : "else if")} ({width.Global}.IsHardwareAccelerated)");
                w.Line($"    {DriverName}{width.Suffix}({arguments});");
            }
        }

        w.Close();
        w.Line();

        foreach (var ap in _agents) EmitDriver(w, ap);
    }

    /// <summary>One width's driver: chunks of agents through every layer's agent kernel, then the head per agent; the remainder one by one.</summary>
    private void EmitDriver(CodeWriter w, AgentPlan ap)
    {
        var s = _plan.Spec;
        int L = s.Layers, HP = _plan.PaddedHidden, A = ap.Agents;
        w.Line($"// {ap.Width.TypeName}: blocks of {A} agent(s), chunks of {ap.AgentsPerChunk} agents; each chunk goes through layer 0..{L - 1} (tiles outer, blocks inner), then the head");
        w.Line(GeneratedCode);
        w.Line(Hot);
        w.Open($"private void {DriverName}{ap.Width.Suffix}({DriverParameters})");
        w.Line("ref float p = ref __Base;");
        w.Line(A == 1 ? "int whole = n;" : $"int whole = n - n % {I(A)};   // agents in whole blocks");
        w.Open($"for (int first = 0; first < whole; first += {I(ap.AgentsPerChunk)})");
        w.Line($"int end = first + global::System.Math.Min({I(ap.AgentsPerChunk)}, whole - first);");
        for (int l = 0; l < L; l++)
            w.Line($"{KernelName(l)}{ap.Width.Suffix}(ref p, ref s, first, end{(l == 0 ? ", ref x" + (Vocab ? ", tokens" : "") : "")});   // layer {l}");
        w.Open("for (int a = first; a < end; a++)");
        w.Line($"ref State state = ref {Unsafe}.Add(ref s, a);");
        string top = At("state.__Next", I((L - 1) * HP));
        if (_plan.HasHead)
            w.Line($"{HeadLossEmitter.ForwardName}(ref p, {top}, {At("y", "a * OutputSize")});   // y = W_hy·h' + b_y");
        else
            w.Line($"{MemoryMarshal}.CreateReadOnlySpan({top}, HiddenSize).CopyTo({MemoryMarshal}.CreateSpan({At("y", "a * OutputSize")}, HiddenSize));   // y = h'");
        w.Line("state.__Advance();");
        w.Close();
        w.Close();
        if (A > 1)
        {
            w.Line("// the last n mod A agents: one by one, through the single-agent step (the same sums, so the same bits)");
            w.Line("for (int a = whole; a < n; a++)");
            w.Line($"    __StepCore(ref {Unsafe}.Add(ref s, a), {InputOf("a")}, {At("y", "a * OutputSize")});");
        }

        w.Close();
        w.Line();
    }

    // ───────────────────────────────────────────────────────────────────── kernels

    public void EmitKernels(CodeWriter w)
    {
        foreach (var layer in _plan.LayerPlans)
        {
            string input = layer.Index == 0 ? "x" : $"h(l{layer.Index - 1})";
            w.Line($"// ── layer {layer.Index} · {_cell.Name} · forward, many agents: for agents [first, end) in blocks, the same tile walk as {RecurrentLayerEmitter.ForwardName(layer.Index)},");
            w.Line("//    each weight vector loaded once per column and multiplied into the accumulators of every agent of the block");
            foreach (var line in _cell.ForwardEquations(input)) w.Line("//    " + line);
            foreach (var ap in _agents) EmitKernel(w, layer, ap);
        }
    }

    private void EmitKernel(CodeWriter w, LayerPlan layer, AgentPlan ap)
    {
        var o = new VectorOps(ap.Width);
        int l = layer.Index, Ls = _plan.Spec.Layers, HP = _plan.PaddedHidden, TR = _plan.TileRows;
        int A = ap.Agents, S = ap.VectorsPerBlock, K = ap.KSplit, Lanes = ap.Width.Lanes;
        var acc = _cell.Accumulators;
        int gates = _cell.Gates.Length;

        w.Line(GeneratedCode);
        w.Line(Hot);
        w.Open($"private static void {KernelName(l)}{ap.Width.Suffix}({KernelParameters(l)})");
        w.Line($"// {_plan.Tiles} tile(s) × blocks of {A} agent(s) × {ap.BlocksPerTile} sub-block(s) of {S} {(o.Scalar ? "row(s)" : ap.Width.TypeName)} per group × {acc.Length} group(s) [{string.Join(" ", acc)}]"
            + (K > 1 ? $"; columns in {K} passes (k ≡ 0..{K - 1} mod {K}) whose partial sums add up in the single-agent order" : ""));
        w.Line($"{o.Type} wv;");
        w.Line($"{o.Type} {string.Join(", ", Names("xk", A))};");
        int sumCount = acc.Length * S * A * Lanes;
        if (K > 1)
        {
            // The running sums wait on the stack while a later pass accumulates: kept in registers they would
            // double the live accumulators and the JIT would spill inside the column loops instead.
            w.Line("// running sums of the passes before, per group × vector × agent (the later passes' accumulators take their registers)");
            w.Line($"global::System.Span<float> sumsSpan = stackalloc float[{I(sumCount)}];");
            w.Line($"ref float sums = ref {MemoryMarshal}.GetReference(sumsSpan);");
        }

        int SumAt(int n, int v, int a) => ((n * S + v) * A + a) * Lanes;

        if (_plan.Tiles > 1) w.Open($"for (int t = 0; t < {I(_plan.Tiles)}; t++)");
        else w.Open("");
        string tileOffset = _plan.Tiles > 1 ? $"{I(layer.Offset)} + t * {I(layer.TileStride)}" : I(layer.Offset);
        w.Line($"ref float wT = {At("p", tileOffset)};");
        w.Open($"for (int q = first; q < end; q += {I(A)})");
        for (int a = 0; a < A; a++)
        {
            string agent = a == 0 ? "q" : $"q + {I(a)}";
            w.Line($"ref State s{a} = ref {Unsafe}.Add(ref s, {agent});");
            w.Line($"ref float cur{a} = ref s{a}.__Current;");
            w.Line($"ref float nxt{a} = ref s{a}.__Next;");
        }

        for (int a = 0; a < A; a++)
        {
            string agent = a == 0 ? "q" : $"q + {I(a)}";
            w.Line(l == 0
                ? $"ref float in{a} = {InputOf(agent)};"
                : $"ref float in{a} = {At($"nxt{a}", I((l - 1) * HP))};   // h'(l{l - 1}) of agent {agent}");
            w.Line($"ref float hs{a} = {At($"cur{a}", I(l * HP))};");
        }

        if (ap.BlocksPerTile > 1) w.Open($"for (int b = 0; b < {I(ap.BlocksPerTile)}; b++)");
        else w.Open("");
        string blockOffset = ap.BlocksPerTile > 1 ? (ap.BlockRows == 1 ? "b" : $"b * {I(ap.BlockRows)}") : "0";
        w.Line($"ref float wB = {At("wT", blockOffset)};");
        string row = (_plan.Tiles > 1, ap.BlocksPerTile > 1) switch
        {
            (true, true) => $"t * {I(TR)} + {blockOffset}",
            (true, false) => $"t * {I(TR)}",
            (false, true) => blockOffset,
            _ => "0",
        };
        w.Line($"int row = {row};   // first hidden unit of the sub-block");

        for (int j = 0; j < K; j++)
        {
            if (K > 1) w.Line($"// pass {j}: columns k ≡ {j} (mod {K}){(j == 0 ? ", from the biases" : ", a partial sum from zero, added afterwards")}");
            if (j == 0)
            {
                w.Line($"// [{string.Join(" ", acc)}] = b_ih + b_hh, for every agent");
                for (int n = 0; n < acc.Length; n++)
                    for (int v = 0; v < S; v++)
                    {
                        var terms = new List<string>();
                        for (int g = 0; g < gates; g++)
                        {
                            if (_cell.InputAccumulator(g) == n) terms.Add(o.Load("wB", g * TR + v * Lanes));
                            if (_cell.RecurrentAccumulator(g) == n) terms.Add(o.Load("wB", layer.BiasHhOffset + g * TR + v * Lanes));
                        }

                        w.Line($"var {acc[n]}{v}_0 = {string.Join(" + ", terms)};");
                        for (int a = 1; a < A; a++) w.Line($"var {acc[n]}{v}_{a} = {acc[n]}{v}_0;");
                    }
            }
            else
            {
                for (int n = 0; n < acc.Length; n++)
                    for (int v = 0; v < S; v++)
                        for (int a = 0; a < A; a++)
                            w.Line($"{acc[n]}{v}_{a} = {o.Zero};");
            }

            void Column(bool recurrent, string wRef, int off, string[] sources, int index)
            {
                for (int a = 0; a < A; a++)
                    w.Line($"xk{a} = {o.Broadcast(Elem(sources[a], index))};");
                for (int g = 0; g < gates; g++)
                {
                    int n = recurrent ? _cell.RecurrentAccumulator(g) : _cell.InputAccumulator(g);
                    for (int v = 0; v < S; v++)
                    {
                        w.Line($"wv = {o.Load(wRef, off + g * TR + v * Lanes)};");
                        for (int a = 0; a < A; a++)
                        {
                            string name = $"{acc[n]}{v}_{a}";
                            w.Line($"{name} = {o.Fma("wv", $"xk{a}", name)};");
                        }
                    }
                }
            }

            EmitPassColumns(w, ap, j, layer.InputWidth, layer.InputColumnsOffset, "in",
                l == 0 ? "[gates] += W_ih[:, k]·x_k" : $"[gates] += W_ih[:, k]·h(l{l - 1})_k",
                (wRef, off, src, idx) => Column(false, wRef, off, src, idx));
            EmitPassColumns(w, ap, j, _plan.Spec.Hidden, layer.RecurrentColumnsOffset, "hs",
                "[gates] += W_hh[:, k]·h_k",
                (wRef, off, src, idx) => Column(true, wRef, off, src, idx));

            if (K == 1) continue;
            w.Line(j == 0 ? "// sums = pass 0" : j < K - 1 ? $"// sums = sums + pass {j}" : $"// [{string.Join(" ", acc)}] = sums + pass {j}: the single-agent order of the partial sums");
            for (int n = 0; n < acc.Length; n++)
                for (int v = 0; v < S; v++)
                    for (int a = 0; a < A; a++)
                    {
                        string name = $"{acc[n]}{v}_{a}";
                        int at = SumAt(n, v, a);
                        if (j == 0) w.Line(o.Store(name, "sums", at));
                        else if (j < K - 1) w.Line(o.Store($"{o.Load("sums", at)} + {name}", "sums", at));
                        else w.Line($"{name} = {o.Load("sums", at)} + {name};");
                    }
        }

        for (int a = 0; a < A; a++)
        {
            w.Open($"// agent {(a == 0 ? "q" : $"q + {I(a)}")}: the cell's epilogue on its sums");
            w.Line($"ref float hB = {At($"cur{a}", PlusRow(l * HP))};");
            w.Line($"ref float hnB = {At($"nxt{a}", PlusRow(l * HP))};");
            if (_cell.HasCellState)
            {
                w.Line($"ref float cB = {At($"cur{a}", PlusRow((Ls + l) * HP))};");
                w.Line($"ref float cnB = {At($"nxt{a}", PlusRow((Ls + l) * HP))};");
            }

            for (int n = 0; n < acc.Length; n++)
                for (int v = 0; v < S; v++)
                    w.Line($"var {acc[n]}{v} = {acc[n]}{v}_{a};");
            for (int v = 0; v < S; v++)
                _cell.EmitForwardEpilogue(w, o, v, v * Lanes, train: false);
            w.Close();
        }

        w.Close();   // sub-blocks
        w.Close();   // agent blocks
        w.Close();   // tiles
        w.Close();
        w.Line();
    }

    /// <summary>
    /// Pass <paramref name="pass"/>'s columns k = pass, pass + K, … below <paramref name="count"/>: fully unrolled when
    /// there are at most <see cref="AgentPlan.ColumnUnroll"/> of them, else a loop over chunks of that many unrolled
    /// columns, then a rolled loop (or one column) for the rest, so the method stays small whatever the sizes.
    /// <paramref name="column"/> gets (weight ref, constant offset from it, each agent's source ref, constant index into it).
    /// </summary>
    private void EmitPassColumns(CodeWriter w, AgentPlan ap, int pass, int count, int columnsOffset, string source, string comment,
        Action<string, int, string[], int> column)
    {
        int K = ap.KSplit, U = ap.ColumnUnroll, CS = _plan.ColumnStride, A = ap.Agents;
        int columns = count > pass ? (count - pass + K - 1) / K : 0;
        if (columns == 0) return;
        string[] sources = Names(source, A);
        w.Line($"// {comment}   (k = {I(pass)}{(K > 1 ? $", {I(pass + K)}, …" : ", 1, …")} ≤ {I(count - 1)})");
        if (columns <= U)
        {
            for (int m = 0; m < columns; m++)
            {
                int k = pass + m * K;
                column("wB", columnsOffset + k * CS, sources, k);
            }

            return;
        }

        int main = columns / U * U;
        int mainEnd = pass + main * K;
        EmitLoop(pass, mainEnd, U);
        int rest = columns - main;
        if (rest == 1) column("wB", columnsOffset + mainEnd * CS, sources, mainEnd);
        else if (rest > 1) EmitLoop(mainEnd, pass + columns * K, 1);

        void EmitLoop(int from, int to, int unroll)
        {
            w.Open($"for (int k = {I(from)}; k < {I(to)}; k += {I(unroll * K)})");
            w.Line($"ref float wK = {At("wB", $"{I(columnsOffset)} + k * {I(CS)}")};");
            var chunkSources = Names("sK", A);
            for (int a = 0; a < A; a++)
                w.Line($"ref float sK{a} = {At(sources[a], "k")};");
            for (int u = 0; u < unroll; u++)
                column("wK", u * K * CS, chunkSources, u * K);
            w.Close();
        }
    }

    private static string PlusRow(int offset) => offset == 0 ? "row" : $"{I(offset)} + row";

    private static string[] Names(string prefix, int count)
    {
        var names = new string[count];
        for (int i = 0; i < count; i++) names[i] = prefix + I(i);
        return names;
    }

    private static string Elem(string baseRef, int index) =>
        index == 0 ? baseRef : $"{Unsafe}.Add(ref {baseRef}, {I(index)})";
}
