using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>AgentPlan (the block shape of the many-agent step) is a pure function of the model plan.</summary>
public sealed class AgentPlanTests
{
    /// <summary>The agent plans of the first layer, widest width first.</summary>
    private static List<AgentPlan> Agents(ModelPlan plan) => plan.Tiled[0].Widths.Select(static w => w.Agents).ToList();

    private static ModelPlan Plan(int hidden, int input, CellKind cell, int layers = 1) =>
        ModelPlanner.Create(ModelPlanTests.Spec(hidden, input, output: 1, layers: layers, cell: cell));

    [Theory]
    [InlineData((int)CellKind.Lstm, 64)]
    [InlineData((int)CellKind.Lstm, 128)]
    [InlineData((int)CellKind.Lstm, 256)]
    [InlineData((int)CellKind.Gru, 64)]
    [InlineData((int)CellKind.Gru, 128)]
    [InlineData((int)CellKind.Gru, 256)]
    public void Gated_cells_take_four_agents_at_Vector512_and_two_below(int cellKind, int hidden)
    {
        var plan = Plan(hidden, 10, (CellKind)cellKind);
        var agents = Agents(plan);
        Assert.Equal(new[] { "Vector512", "Vector256", "Vector128", "float" }, agents.Select(static a => a.Width.TypeName));

        // Vector512: one vector of 16 units per gate, 4 agents: 4 groups × 4 agents = 16 accumulators.
        Assert.Equal((4, 1, 1), (agents[0].Agents, agents[0].VectorsPerBlock, agents[0].BlocksPerTile));
        // Vector256 / Vector128 / scalar (16 registers): 4 groups × 2 agents = 8 accumulators.
        Assert.Equal((2, 1, 2), (agents[1].Agents, agents[1].VectorsPerBlock, agents[1].BlocksPerTile));
        Assert.Equal((2, 1, 4), (agents[2].Agents, agents[2].VectorsPerBlock, agents[2].BlocksPerTile));
        Assert.Equal((2, 1, 16), (agents[3].Agents, agents[3].VectorsPerBlock, agents[3].BlocksPerTile));
        Assert.Equal(4, agents[0].ColumnUnroll);
    }

    [Fact]
    public void Multi_pass_kernels_call_their_epilogue_and_single_pass_kernels_inline_it()
    {
        // Every Vector512 kernel of the benchmark matrix walks its columns in two passes: kept in the kernel, its epilogue's
        // activations were calls (the JIT stops inlining in methods that large), and LSTM 32 agents ran 1.8× slower than single steps.
        foreach (var cell in new[] { CellKind.Elman, CellKind.Lstm, CellKind.Gru })
            foreach (int hidden in new[] { 1, 5, 16, 32, 33, 64, 100, 128, 256 })
                foreach (var a in Agents(Plan(hidden, 10, cell)))
                    Assert.Equal(a.KSplit > 1, a.EpilogueCall);
        var lstm32 = Agents(Plan(32, 10, CellKind.Lstm));
        Assert.True(lstm32[0].EpilogueCall);    // Vector512: k-split 2
        Assert.False(lstm32[1].EpilogueCall);   // Vector256: one pass, the epilogue stays inline
        Assert.False(lstm32[3].EpilogueCall);   // scalar
    }

    [Fact]
    public void One_agent_per_block_when_more_agents_add_no_chains_and_the_weights_stay_in_L1()
    {
        // LSTM 16 (6.6 KB of weights): below Vector512 one agent's tile (4 groups × 2 vectors at Vector256) already fills the 8
        // accumulators, so a second agent adds no chains and only shares L1 weight loads; 2 agents × 1 vector spilled in the
        // inline epilogue and ran slower than single steps. Vector512 (16 accumulators, 4 groups × 1 vector) keeps 4 agents.
        var lstm16 = Agents(Plan(16, 10, CellKind.Lstm));
        Assert.Equal((4, 1, 1), (lstm16[0].Agents, lstm16[0].VectorsPerBlock, lstm16[0].BlocksPerTile));
        Assert.Equal((1, 2, 1), (lstm16[1].Agents, lstm16[1].VectorsPerBlock, lstm16[1].BlocksPerTile));
        Assert.Equal((1, 2, 2), (lstm16[2].Agents, lstm16[2].VectorsPerBlock, lstm16[2].BlocksPerTile));
        Assert.Equal((1, 2, 8), (lstm16[3].Agents, lstm16[3].VectorsPerBlock, lstm16[3].BlocksPerTile));
        Assert.Equal(1, Agents(Plan(16, 10, CellKind.Gru))[1].Agents);
        // LSTM 32 (21.5 KB) does not stay in L1 next to the agents' states: blocks of 2 agents halve the weight reads.
        Assert.Equal(2, Agents(Plan(32, 10, CellKind.Lstm))[1].Agents);
        // Elman 16 at Vector256: one agent has only 2 chains (1 group × 2 vectors), agents fill the other 6: blocks of 4.
        Assert.Equal((4, 2), (Agents(Plan(16, 10, CellKind.Elman))[1].Agents, Agents(Plan(16, 10, CellKind.Elman))[1].VectorsPerBlock));

        Assert.True(AgentPlan.AgentsAddNothing(oneAgentChains: 8, bestChains: 8, weightBytes: AgentPlan.L1ResidentWeightBytes));
        Assert.False(AgentPlan.AgentsAddNothing(oneAgentChains: 8, bestChains: 8, weightBytes: AgentPlan.L1ResidentWeightBytes + 1));
        Assert.False(AgentPlan.AgentsAddNothing(oneAgentChains: 4, bestChains: 16, weightBytes: 1024));
    }

    [Fact]
    public void Elman_64_balances_rows_and_agents()
    {
        var agents = Agents(Plan(64, 10, CellKind.Elman));
        // One tile of 64 rows: 4 Vector512 × 4 agents (8 loads per 16 FMAs) rather than 2 × 8 (10 per 16).
        Assert.Equal((4, 4, 1), (agents[0].Agents, agents[0].VectorsPerBlock, agents[0].BlocksPerTile));
        Assert.Equal((4, 2, 4), (agents[1].Agents, agents[1].VectorsPerBlock, agents[1].BlocksPerTile));
    }

    [Fact]
    public void The_k_split_is_the_single_agent_one_so_sums_keep_their_order()
    {
        foreach (var cell in new[] { CellKind.Elman, CellKind.Lstm, CellKind.Gru })
            foreach (int hidden in new[] { 1, 5, 16, 33, 64, 100, 256 })
            {
                var plan = Plan(hidden, 7, cell);
                var agents = Agents(plan);
                Assert.Equal(plan.Top.Widths.Count, agents.Count);
                for (int i = 0; i < agents.Count; i++)
                {
                    Assert.Equal(plan.Top.Widths[i].Width, agents[i].Width);
                    Assert.Equal(plan.Top.Widths[i].KSplit, agents[i].KSplit);
                }
            }
    }

    [Fact]
    public void Chunks_hold_whole_blocks_about_64_KB_of_states_and_at_least_32_agents()
    {
        var lstm64 = Agents(Plan(64, 10, CellKind.Lstm));
        Assert.Equal(2 * 2 * 64 * 4, Plan(64, 10, CellKind.Lstm).State.Bytes);   // h and c, two buffers
        Assert.Equal(64, lstm64[0].AgentsPerChunk);                                           // 64 × 1 KB
        Assert.Equal(128, Agents(Plan(64, 10, CellKind.Gru))[0].AgentsPerChunk);    // 128 × 512 B
        Assert.Equal(AgentPlan.MaxChunkAgents, Agents(Plan(5, 3, CellKind.Elman))[0].AgentsPerChunk);
        // Weights beyond L2 are read once per chunk: never fewer than 32 agents (16 × 4 KB would fit 64 KB).
        Assert.Equal(AgentPlan.MinChunkAgents, Agents(Plan(256, 10, CellKind.Lstm))[0].AgentsPerChunk);
        Assert.Equal(AgentPlan.MinChunkAgents, Agents(Plan(4096, 10, CellKind.Lstm, layers: 2))[0].AgentsPerChunk);
    }

    /// <summary>For every cell and many shapes, each agent plan covers the tile, fits its register budget and keeps the methods small.</summary>
    [Fact]
    public void Every_agent_plan_covers_the_tile_within_the_register_budget()
    {
        var failures = new List<string>();
        foreach (var cell in new[] { CellKind.Elman, CellKind.Lstm, CellKind.Gru })
            foreach (int hidden in new[] { 1, 5, 8, 9, 16, 17, 33, 48, 64, 65, 100, 127, 128, 255, 256, 4096 })
                foreach (int layers in new[] { 1, 3 })
                {
                    var plan = Plan(hidden, 10, cell, layers);
                    foreach (var ap in Agents(plan))
                    {
                        string at = $"{cell} hidden {hidden} × {layers}, {ap.Width.TypeName}";
                        int budget = ap.Width == VectorWidth.V512 ? AgentPlan.Vector512Accumulators : AgentPlan.NarrowAccumulators;
                        int accumulators = RecurrentKind.For(plan.Top).Accumulators.Length * ap.VectorsPerBlock * ap.Agents;
                        int fmasPerColumn = plan.Top.Gates * ap.VectorsPerBlock * ap.Agents;
                        if (ap.VectorsPerBlock * ap.BlocksPerTile * ap.Width.Lanes != plan.Top.TileRows) failures.Add($"{at}: blocks do not cover the tile");
                        if (accumulators > budget) failures.Add($"{at}: {accumulators} accumulators > {budget}");
                        if (accumulators < 8) failures.Add($"{at}: only {accumulators} FMA chains");
                        long weightBytes = plan.Tiled[0].Tiles * (long)plan.Tiled[0].TileStride * sizeof(float);
                        if (ap.Agents < 1 || ap.Agents > AgentPlan.MaxAgents) failures.Add($"{at}: {ap.Agents} agents per block");
                        if (ap.Agents == 1 && weightBytes > AgentPlan.L1ResidentWeightBytes) failures.Add($"{at}: 1 agent per block with {weightBytes} B of weights");
                        if ((ap.ColumnUnroll & (ap.ColumnUnroll - 1)) != 0) failures.Add($"{at}: unroll {ap.ColumnUnroll} is not a power of two");
                        if (ap.ColumnUnroll > 1 && ap.ColumnUnroll * fmasPerColumn > AgentPlan.FmasPerChunk) failures.Add($"{at}: {ap.ColumnUnroll} × {fmasPerColumn} FMAs per chunk");
                        if (ap.AgentsPerChunk % ap.Agents != 0 || ap.AgentsPerChunk < AgentPlan.MinChunkAgents || ap.AgentsPerChunk > AgentPlan.MaxChunkAgents)
                            failures.Add($"{at}: chunk of {ap.AgentsPerChunk} agents");
                    }
                }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// A list whose layers have different widths (GRU 16: Vector512 up; LSTM 8 and Dense 3: Vector256 down): the agents
    /// driver has a path for every width some layer has, and on each runs every layer at the width its own single-agent
    /// dispatcher picks, so the agents sum what single steps sum on any hardware.
    /// </summary>
    [Fact]
    public void Agents_run_each_layer_at_the_width_its_single_step_runs()
    {
        var text = GeneratorHarness.Run(GeneratorHarness.Usings +
            "namespace P;\n[RnnModel(input: 4)]\n[Gru(16)]\n[Lstm(8)]\n[Dense(3, Activation = RnnActivation.Tanh)]\npublic partial class Mixed;\n").Text;
        string Driver(string suffix)
        {
            int start = text.IndexOf($"private void __StepAgents{suffix}(", System.StringComparison.Ordinal);
            Assert.True(start >= 0, $"no __StepAgents{suffix}");
            return text.Substring(start, text.IndexOf("\n    }", start, System.StringComparison.Ordinal) - start);
        }

        var widest = Driver("512");
        Assert.Contains("__Layer0ForwardAgents512(", widest);
        Assert.Contains("__Layer1ForwardAgents256(", widest);
        Assert.Contains("__Layer2ForwardAgents256(", widest);
        Assert.Contains("if (V512.IsHardwareAccelerated)\n            __Layer0Forward512(", text);   // the GRU's single step at Vector512 too
        Assert.Contains("__Layer0ForwardAgents256(", Driver("256"));
        Assert.Contains("__Layer0ForwardAgentsScalar(", Driver("Scalar"));
    }

    /// <summary>
    /// A bfloat16 model's agents have kernels of their own that stream the 16-bit copy (loaded and widened once per block
    /// of agents), not the float32 agent kernels (which would not sum what its single step sums).
    /// </summary>
    [Fact]
    public void Bfloat16_agents_stream_the_16_bit_copy()
    {
        var text = GeneratorHarness.Run(GeneratorHarness.Usings +
            "namespace P;\n[RnnModel(hidden: 16, input: 3, Output = 1, Cell = RnnCell.Lstm, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]\npublic partial class B;\n").Text;
        Assert.DoesNotContain("__Layer0ForwardAgents", text);
        foreach (var suffix in new[] { "512", "256", "128", "Scalar" })
            Assert.Contains($"private static void __Layer0Bf16ForwardAgents{suffix}(ref float p, ref float copy, ref State s, int first, int end, ref float x)", text);
        Assert.Contains("ref float q = ref Unsafe.Add(ref p, __InferenceWeightsOffset);", text);
        Assert.Contains("__Layer0Bf16ForwardAgents512(ref p, ref q, ref s, first, end, ref x);", text);
        int kernel = text.IndexOf("private static void __Layer0Bf16ForwardAgents512(", StringComparison.Ordinal);
        string body = text.Substring(kernel, text.IndexOf("\n    }\n", kernel, StringComparison.Ordinal) - kernel);
        Assert.Contains("ref Unsafe.Add(ref copy, __Layer0Bf16Offset", body);
        Assert.DoesNotContain("__Layer0Offset", body);
        Assert.Contains("wv = V512.AsSingle(wu << 16);", body);
        Assert.Contains("wv = V512.AsSingle(wu & high);", body);
    }

    [Fact]
    public void A_block_adds_chains_only_when_one_agent_leaves_accumulators_unused()
    {
        // Elman 16 at Vector128: one agent's tile is 4 vectors of 1 group (4 of the 8 accumulators); 4 agents × 2 vectors fill 8.
        var elman16 = Agents(Plan(16, 10, CellKind.Elman))[2];
        Assert.Equal((4, true), (elman16.Agents, elman16.AddsChains));
        // LSTM 64 at Vector128: one agent's 4 groups × 2 vectors already fill 8; the 2 agents only share weight loads.
        var lstm64 = Agents(Plan(64, 10, CellKind.Lstm))[2];
        Assert.Equal((2, false), (lstm64.Agents, lstm64.AddsChains));
        // Elman 64 at Vector128 and the scalar path: one agent fills the 8 accumulators, 4 agents share weight loads.
        Assert.All(Agents(Plan(64, 10, CellKind.Elman)).Skip(2), static a => Assert.Equal((4, false), (a.Agents, a.AddsChains)));
        // A block of one agent adds nothing (LSTM 16 below Vector512).
        Assert.All(Agents(Plan(16, 10, CellKind.Lstm)).Skip(1), static a => Assert.Equal((1, false), (a.Agents, a.AddsChains)));
    }

    [Fact]
    public void Unfused_drivers_step_one_by_one_when_their_blocks_only_share_weight_loads_from_L2()
    {
        AgentPlan At(int hidden, CellKind cell, int width) => Agents(Plan(hidden, 10, cell))[width];
        var sharing = At(64, CellKind.Lstm, 2);     // 2 agents, no added chains
        var chains = At(16, CellKind.Elman, 2);     // 4 agents, added chains
        var single = At(16, CellKind.Lstm, 2);      // 1 agent
        var v128 = VectorWidth.V128;
        Assert.True(AgentPlan.OneByOneWithoutFma(v128, new[] { sharing }));
        Assert.True(AgentPlan.OneByOneWithoutFma(v128, new[] { single, sharing }));
        Assert.False(AgentPlan.OneByOneWithoutFma(v128, new[] { chains }));
        Assert.False(AgentPlan.OneByOneWithoutFma(v128, new[] { sharing, chains }));
        Assert.False(AgentPlan.OneByOneWithoutFma(v128, new[] { single }));
        Assert.False(AgentPlan.OneByOneWithoutFma(v128, new[] { single, single }));
        // LSTM 256 (1.1 MB of weights) spills from L2: its blocks read the weights once for two agents, and stay.
        var large = At(256, CellKind.Lstm, 2);
        Assert.Equal((2, false), (large.Agents, large.AddsChains));
        Assert.True(large.WeightBytes > AgentPlan.OneByOneMaxWeightBytes);
        Assert.False(AgentPlan.OneByOneWithoutFma(v128, new[] { large }));
        // The weights of every layer count: two layers of LSTM 128 (283 KB each) together exceed the limit.
        var lstm128 = At(128, CellKind.Lstm, 2);
        Assert.True(AgentPlan.OneByOneWithoutFma(v128, new[] { lstm128 }));
        Assert.False(AgentPlan.OneByOneWithoutFma(v128, new[] { lstm128, lstm128 }));
        // Only Vector128 is fused on some CPUs and not on others: the wider paths always fuse, the scalar path keeps its blocks.
        foreach (var width in new[] { VectorWidth.V512, VectorWidth.V256, VectorWidth.Scalar })
        {
            Assert.False(width.FusedWhereHardwareHasFma);
            Assert.False(AgentPlan.OneByOneWithoutFma(width, new[] { sharing }));
        }

        Assert.True(v128.FusedWhereHardwareHasFma);
    }

    /// <summary>
    /// Where its blocks only share weight loads and the weights stay in L2, the Vector128 driver steps every agent through the
    /// single step when the hardware has no FMA (a test the JIT folds, so the blocks stay where it has); the other drivers, and
    /// a Vector128 driver whose blocks add chains or take one agent or whose weights spill from L2, have no such test.
    /// </summary>
    [Theory]
    [InlineData("Lstm", 64, true)]
    [InlineData("Gru", 32, true)]
    [InlineData("Elman", 128, true)]
    [InlineData("Elman", 16, false)]   // blocks of 4 agents add chains at Vector128
    [InlineData("Gru", 256, false)]    // 817 KB of weights: more than stays in L2
    [InlineData("Lstm", 16, false)]    // blocks of one agent
    public void The_Vector128_driver_steps_one_by_one_without_FMA_when_its_blocks_only_share_weight_loads_from_L2(string cell, int hidden, bool oneByOne)
    {
        var text = GeneratorHarness.Run(GeneratorHarness.Usings +
            $"namespace P;\n[RnnModel(hidden: {hidden}, input: 10, Output = 1, Cell = RnnCell.{cell})]\npublic partial class M;\n").Text;
        string Driver(string suffix)
        {
            int start = text.IndexOf($"private void __StepAgents{suffix}(", StringComparison.Ordinal);
            Assert.True(start >= 0, $"no __StepAgents{suffix}");
            return text.Substring(start, text.IndexOf("\n    }\n", start, StringComparison.Ordinal) - start);
        }

        const string test = "if (!(global::System.Runtime.Intrinsics.X86.Fma.IsSupported || global::System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported))";
        const string everyAgent = "for (int a = 0; a < n; a++)\n                __StepCore(ref Unsafe.Add(ref s, a), ref Unsafe.Add(ref x, a * InputSize), ref Unsafe.Add(ref y, a * OutputSize));\n            return;";
        foreach (var suffix in new[] { "512", "256", "128", "Scalar" })
        {
            var driver = Driver(suffix);
            Assert.Contains($"__Layer0ForwardAgents{suffix}(", driver);   // with FMA (or on the other paths) the blocks stay
            Assert.Equal(oneByOne && suffix == "128", driver.Contains(test));
            Assert.Equal(oneByOne && suffix == "128", driver.Contains(everyAgent));
        }
    }

    [Fact]
    public void Create_is_pure()
    {
        var a = Agents(Plan(100, 37, CellKind.Gru, layers: 2));
        var b = Agents(Plan(100, 37, CellKind.Gru, layers: 2));
        Assert.Equal(a, b);
    }
}
