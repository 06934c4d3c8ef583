using System;
using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generator.Planning;

/// <summary>
/// How the many-agent step (<c>Step(Span&lt;State&gt;, …)</c>) computes one tile at one vector width. A block of
/// <see cref="Agents"/> agents goes through a tile together: each weight vector is loaded once per column and
/// multiplied into the accumulators of every agent of the block, so a step of N agents is a matrix–matrix
/// product (FMA-bound) instead of N matrix–vector products (bound by streaming the weights).
/// <para>
/// The tile is split into sub-blocks of <see cref="VectorsPerBlock"/> vectors per accumulator group; for each
/// sub-block the columns are walked in <see cref="KSplit"/> passes (pass j takes the columns k ≡ j mod KSplit)
/// whose partial sums are added in pass order. <see cref="KSplit"/> is the single-agent kernel's k-split of the
/// same width, so every agent's pre-activations are summed in exactly the single-agent order and the results
/// are bit-identical to single steps. While a later pass accumulates, the running sums wait on the stack, so
/// the accumulators of one pass are all that is live in the column loops. Each pass walks its columns in chunks
/// of <see cref="ColumnUnroll"/> unrolled columns (a power of two, about <see cref="FmasPerChunk"/> multiply-adds). Agents are taken <see cref="AgentsPerChunk"/> at a time: every layer runs over a chunk
/// (tiles outer, blocks of agents inner, so a tile's weights stay in L1 across the chunk) before the next chunk.
/// </para>
/// <para>
/// With <see cref="EpilogueCall"/> the block's epilogue (the activations and the state update of every agent of the
/// block) runs in a small method of its own, called once per block, instead of inline in the kernel. See
/// <see cref="NeedsEpilogueCall"/>.
/// </para>
/// <para>
/// <see cref="AddsChains"/>: the block takes several agents because one agent's best sub-block leaves accumulators
/// unused, so the agents add independent FMA chains. Otherwise a block of several agents only shares weight loads, and
/// on the Vector128 path without FMA its driver steps the agents one by one instead (<see cref="OneByOneWithoutFma"/>), if
/// the model's weights (<see cref="WeightBytes"/>: the layer's) stay in L2.
/// </para>
/// </summary>
internal sealed record AgentPlan(VectorWidth Width, int Agents, int VectorsPerBlock, int BlocksPerTile, int KSplit, int ColumnUnroll, int AgentsPerChunk,
    bool EpilogueCall, bool AddsChains, long WeightBytes)
{
    /// <summary>Accumulator vectors of one pass (groups × vectors per block × agents) at Vector512: 16 of the 32 registers, leaving room for the broadcasts and a weight vector.</summary>
    public const int Vector512Accumulators = 16;

    /// <summary>Accumulators at the narrower widths and the scalar path (16 registers).</summary>
    public const int NarrowAccumulators = 8;

    /// <summary>Most agents in one block (each needs its own source pointer in the column loop).</summary>
    public const int MaxAgents = 8;

    /// <summary>Target number of multiply-adds in one unrolled chunk of a pass: with several agents per weight load there are enough independent chains without long unrolls, and the method stays small.</summary>
    public const int FmasPerChunk = 64;

    /// <summary>Bytes of agent states one chunk should touch (h and c, both ping-pong buffers): with a tile's weights they stay in L1/L2 while the chunk goes through a layer.</summary>
    public const int ChunkStateBytes = 64 * 1024;

    /// <summary>Most agents in one chunk.</summary>
    public const int MaxChunkAgents = 256;

    /// <summary>Fewest agents in one chunk (rounded up to whole blocks): every chunk reads all the weights once, so for models whose weights spill from L2 a chunk must be big enough to amortize that read.</summary>
    public const int MinChunkAgents = 32;

    /// <summary>
    /// Layer weights (bytes) small enough to stay in L1 while every agent of a chunk re-reads them: half of 32 KB, the
    /// smallest L1 data cache of the x86-64 and Arm64 cores that have the vector widths planned here, so this holds on every CPU.
    /// </summary>
    public const int L1ResidentWeightBytes = 16 * 1024;

    /// <summary>
    /// Whether the epilogue must leave the kernel: when the columns are walked in several passes (k-split &gt; 1). A multi-pass
    /// kernel holds K copies of the column walks and K sets of agent accumulators, and the JIT (on every CPU: this is a limit on
    /// the method's local variables and temporaries, not on registers) stops inlining before it reaches the epilogue: every
    /// RnnMath.Sigmoid / Tanh of every agent became a call that passes its vectors through memory, at Vector512 (k-split 2
    /// for every matrix model) costing more than the tile's multiply-adds up to LSTM 64 (LSTM 32: agents 1.8× slower than
    /// single steps on Zen 4). In its own method the epilogue is inlined; the one call per block costs little next to a
    /// multi-pass block. Single-pass kernels (half the size or less) inline their epilogues and keep them.
    /// </summary>
    internal static bool NeedsEpilogueCall(int kSplit) => kSplit > 1;

    /// <summary>
    /// Whether blocks of several agents cannot beat one agent at a time: the best one-agent block has as many FMA chains
    /// (<paramref name="oneAgentChains"/>) as the best block of any size (<paramref name="bestChains"/>), and the weights fit
    /// in L1. Then the only thing several agents share is a weight load from L1, which the load ports sustain anyway (a
    /// weight vector per FMA or fewer), while the kernel keeps A agents' pointers and epilogues in the same 16 registers:
    /// at Vector256 the LSTM 16 block of 2 agents × 1 vector spilled in its inline epilogue and ran slower than single steps.
    /// Follows from register counts, chain counts and the L1 floor, not from one CPU's timings.
    /// </summary>
    internal static bool AgentsAddNothing(int oneAgentChains, int bestChains, long weightBytes) =>
        oneAgentChains >= bestChains && weightBytes <= L1ResidentWeightBytes;

    /// <summary>
    /// Most bytes of weights (all layers) for which a driver without FMA steps its agents one by one
    /// (<see cref="OneByOneWithoutFma"/>): half the 1 MB L2 of the Zen 4 it was measured on, so one agent's step leaves the
    /// weights in L2 for the next. Above it the blocks' shared weight reads pay again (measured there: LSTM 256, 1.1 MB,
    /// blocks 6–8 % faster than one by one; GRU 256, 817 KB, even; LSTM 128, 283 KB, and Elman 256, 273 KB, one by one 4–9 %
    /// faster). Zen cores have an L2 of 512 KB or more; on a core with 256 KB (Intel before Ice Lake and Skylake-SP) a model
    /// of 256–512 KB may lose the L3 reads a block would save (not measured). Those figures come from a stopwatch
    /// comparison in one process; a BenchmarkDotNet run of AgentsVersusLoopBenchmarks (AVX2 off, same CPU) put LSTM 256's
    /// blocks at 1.17 ± 0.09 of a single step against 1.11 for the loop, so the limit above 512 KB is not settled.
    /// </summary>
    public const long OneByOneMaxWeightBytes = 512 * 1024;

    /// <summary>
    /// Whether the many-agent driver of <paramref name="width"/>, whose layers run <paramref name="layers"/>, steps every agent
    /// through the single step (the same sums, so the same bits) where the hardware has no fused multiply-add: the width's
    /// multiply-adds are fused only where the hardware has FMA (<see cref="VectorWidth.FusedWhereHardwareHasFma"/>: Vector128,
    /// unfused on x86 without AVX2), some layer takes blocks of several agents, no layer's block adds FMA chains
    /// (<see cref="AddsChains"/>), so the blocks' one gain is that each weight vector is loaded once per block, and the
    /// weights stay in L2 from one agent to the next (<see cref="OneByOneMaxWeightBytes"/>). The driver tests the hardware
    /// with a JIT-time constant; with FMA (Arm64, or x86 with AVX2 and Vector256 off) it keeps its blocks.
    /// <para>
    /// Sharing weight loads pays where a step is bound by reading its weights. At 128 bits without FMA a step whose weights
    /// stay in L2 is bound by its arithmetic (a multiply and an add per weight), so sharing saves nothing while the block's
    /// bookkeeping (A agents' pointers, the stacked partial sums, the chunk loop) still costs. Measured on an AMD EPYC Zen 4
    /// (lscpu family 25 model 17, 1 MB L2) with AVX2 switched off, 1,000 agents per agent ÷ one Step, for blocks of several
    /// agents that only share weight loads: Elman 64/128/256 1.08/1.09/1.16, LSTM 32–256 1.14/1.06/1.10/1.01, GRU 32–256
    /// 1.11/1.10/1.03/1.02. In one process on the same machine, 1,000 agents in blocks ÷ the same agents in a loop of single
    /// steps (four runs): Elman 64 1.18–1.35, LSTM 32 1.08–1.16, GRU 64 1.02–1.04, LSTM 128 1.04–1.05, Elman 256 1.06–1.09;
    /// GRU 256 0.93–1.04 and LSTM 256 0.92–0.94 (its 1.1 MB of weights spill from L2, and a block reads them once for two
    /// agents). Blocks that add chains keep their kernels: Elman 16 (one agent fills 4 of the 8 accumulators, a block of 4
    /// agents all 8) took 0.81 of a single step; a step that small is a chain of dependent work (the gate sums, the tanh,
    /// the head) that four agents overlap. Blocks of one agent keep theirs (LSTM and GRU 16, Elman 32: 1.01–1.02).
    /// </para>
    /// <para>
    /// The scalar path never fuses either, yet keeps its blocks, because they paid there: on the same Zen 4 with hardware
    /// intrinsics off, 1,000 agents took 0.31–0.50 of a single step per agent for Elman 16–256, 0.52–0.79 for GRU and
    /// 0.54–0.96 for LSTM, blocks of 2 and 4 agents that only share loads included. The wider paths always fuse, and there
    /// the blocks are what make the agents faster (0.50 of a single step for 1,000 LSTM 256 agents on that Zen 4).
    /// </para>
    /// </summary>
    internal static bool OneByOneWithoutFma(VectorWidth width, IEnumerable<AgentPlan> layers)
    {
        var list = layers.ToList();
        return width.FusedWhereHardwareHasFma && list.Any(static a => a.Agents > 1) && !list.Any(static a => a.AddsChains)
               && list.Sum(static a => a.WeightBytes) <= OneByOneMaxWeightBytes;
    }

    /// <summary>Hidden units covered by one sub-block.</summary>
    public int BlockRows => VectorsPerBlock * Width.Lanes;

    /// <summary>
    /// Picks the block shape for one width: among sub-blocks of a power-of-two number of vectors that divides the
    /// tile and blocks of 1..<see cref="MaxAgents"/> agents whose accumulators fit the width's register budget, the
    /// one with the most independent FMA chains, then the fewest loads (weight vectors + broadcasts) per FMA, then
    /// the most agents. The k-split is the single-agent one (<paramref name="singleKSplit"/>), so sums keep their order.
    /// <paramref name="stateBytes"/> is the size of one State (both buffers), <paramref name="weightBytes"/> that of the layer's weights.
    /// <para>
    /// One agent instead, when a block of agents buys nothing (<see cref="AgentsAddNothing"/>): one agent's sub-block
    /// already fills the accumulator budget, so more agents add no FMA chains, and the layer's weights stay in L1
    /// (<see cref="L1ResidentWeightBytes"/>), so sharing a weight load between agents saves no memory traffic. The block
    /// is then the single-agent kernel's shape, without the single step's per-call work.
    /// </para>
    /// </summary>
    internal static AgentPlan Choose(VectorWidth width, int singleKSplit, int tileRows, int groups, int gates, int stateBytes, long weightBytes)
    {
        int budget = width == VectorWidth.V512 ? Vector512Accumulators : NarrowAccumulators;
        int vectorsPerTile = tileRows / width.Lanes;
        int bestS = 1, bestA = 1;
        double bestLoads = double.MaxValue;
        int bestChains = 0;
        for (int s = 1; s <= vectorsPerTile; s *= 2)
        {
            if (vectorsPerTile % s != 0) break;
            for (int a = 1; a <= MaxAgents; a++)
            {
                int chains = groups * s * a;
                if (chains > budget) break;
                double loads = (double)(gates * s + a) / (gates * s * a);
                bool better = chains > bestChains
                              || (chains == bestChains && loads < bestLoads - 1e-12)
                              || (chains == bestChains && Math.Abs(loads - bestLoads) <= 1e-12 && a > bestA);
                if (!better) continue;
                (bestS, bestA, bestChains, bestLoads) = (s, a, chains, loads);
            }
        }

        // The best one-agent block: the most chains, then the fewest loads (the most vectors).
        int oneS = 1;
        for (int s = 2; s <= vectorsPerTile && vectorsPerTile % s == 0 && groups * s <= budget; s *= 2) oneS = s;
        if (AgentsAddNothing(groups * oneS, bestChains, weightBytes)) (bestS, bestA) = (oneS, 1);
        bool addsChains = bestA > 1 && bestChains > groups * oneS;

        int fmasPerColumn = gates * bestS * bestA;
        int unroll = 1;
        while (unroll * 2 * fmasPerColumn <= FmasPerChunk && (!width.IsScalar || unroll * 2 <= TilePlanner.ScalarUnroll)) unroll *= 2;   // a power of two, so it divides the usual sizes; short on the scalar path
        int chunkBlocks = Math.Max((MinChunkAgents + bestA - 1) / bestA, Math.Min(MaxChunkAgents / bestA, ChunkStateBytes / Math.Max(1, stateBytes * bestA)));
        return new AgentPlan(width, bestA, bestS, vectorsPerTile / bestS, singleKSplit, unroll, chunkBlocks * bestA, NeedsEpilogueCall(singleKSplit), addsChains, weightBytes);
    }
}
