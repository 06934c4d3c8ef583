using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace RnnGen.Benchmarks;

/// <summary>
/// Many agents, one weight set: 1,000 agents of one LSTM or GRU (input 10, one output) advanced by one step.
/// <c>SingleSteps</c> (the baseline) calls <c>Step(ref State, input, output)</c> for each agent in turn, reading
/// every weight once per agent; <c>ManyAgentStep</c> is one <c>Step(Span&lt;State&gt;, inputs, outputs)</c> call,
/// which reads each weight tile once per block of agents (a matrix–matrix product). Both give the same bits.
/// Times are per agent-step (OperationsPerInvoke = 1,000); FLOPs per agent-step = 2 · gates · H · (10 + H),
/// so GFLOP/s = that / time. <see cref="MultiAgentFmaPeakBenchmarks"/> measures the FMA peak in the same run.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByParams)]
public class MultiAgentBenchmarks
{
    /// <summary>Agents stepped per call.</summary>
    public const int Agents = 1000;

    private AgentSet _set = null!;

    /// <summary>The cell.</summary>
    [Params("Lstm", "Gru")]
    public string Cell { get; set; } = "Lstm";

    /// <summary>Hidden units.</summary>
    [Params(64, 128, 256)]
    public int Hidden { get; set; }

    /// <summary>Creates the model, 1,000 agents a few steps into random inputs, and their next inputs.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _set = (Cell, Hidden) switch
        {
            ("Lstm", 64) => new LstmH64Agents(),
            ("Lstm", 128) => new LstmH128Agents(),
            ("Lstm", 256) => new LstmH256Agents(),
            ("Gru", 64) => new GruH64Agents(),
            ("Gru", 128) => new GruH128Agents(),
            ("Gru", 256) => new GruH256Agents(),
            _ => throw new ArgumentException($"no model {Cell} {Hidden}"),
        };
        for (int step = 0; step < 3; step++)
        {
            Array.Copy(Models.RandomArray(Agents * Models.Input, seed: 10 + step), _set.Inputs, Agents * Models.Input);
            _set.ManyAgentStep();
        }
    }

    /// <summary>1,000 single-agent steps, one after another (time per agent-step).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Agents)]
    public void SingleSteps() => _set.SingleSteps();

    /// <summary>One many-agent step of 1,000 agents (time per agent-step).</summary>
    [Benchmark(OperationsPerInvoke = Agents)]
    public void ManyAgentStep() => _set.ManyAgentStep();

    /// <summary>A model and its agents: the two ways of stepping them, written per model type (State is per model).</summary>
    private abstract class AgentSet
    {
        public readonly float[] Inputs = Models.RandomArray(Agents * Models.Input, seed: 1);
        public readonly float[] Outputs = new float[Agents * Models.Output];

        public abstract void SingleSteps();

        public abstract void ManyAgentStep();
    }

    private sealed class LstmH64Agents : AgentSet
    {
        private readonly LstmH64 _model = new(42);
        private readonly LstmH64.State[] _states = new LstmH64.State[Agents];

        public override void SingleSteps()
        {
            for (int a = 0; a < Agents; a++)
                _model.Step(ref _states[a], Inputs.AsSpan(a * Models.Input, Models.Input), Outputs.AsSpan(a * Models.Output, Models.Output));
        }

        public override void ManyAgentStep() => _model.Step(_states, Inputs, Outputs);
    }

    private sealed class LstmH128Agents : AgentSet
    {
        private readonly LstmH128 _model = new(42);
        private readonly LstmH128.State[] _states = new LstmH128.State[Agents];

        public override void SingleSteps()
        {
            for (int a = 0; a < Agents; a++)
                _model.Step(ref _states[a], Inputs.AsSpan(a * Models.Input, Models.Input), Outputs.AsSpan(a * Models.Output, Models.Output));
        }

        public override void ManyAgentStep() => _model.Step(_states, Inputs, Outputs);
    }

    private sealed class LstmH256Agents : AgentSet
    {
        private readonly LstmH256 _model = new(42);
        private readonly LstmH256.State[] _states = new LstmH256.State[Agents];

        public override void SingleSteps()
        {
            for (int a = 0; a < Agents; a++)
                _model.Step(ref _states[a], Inputs.AsSpan(a * Models.Input, Models.Input), Outputs.AsSpan(a * Models.Output, Models.Output));
        }

        public override void ManyAgentStep() => _model.Step(_states, Inputs, Outputs);
    }

    private sealed class GruH64Agents : AgentSet
    {
        private readonly GruH64 _model = new(42);
        private readonly GruH64.State[] _states = new GruH64.State[Agents];

        public override void SingleSteps()
        {
            for (int a = 0; a < Agents; a++)
                _model.Step(ref _states[a], Inputs.AsSpan(a * Models.Input, Models.Input), Outputs.AsSpan(a * Models.Output, Models.Output));
        }

        public override void ManyAgentStep() => _model.Step(_states, Inputs, Outputs);
    }

    private sealed class GruH128Agents : AgentSet
    {
        private readonly GruH128 _model = new(42);
        private readonly GruH128.State[] _states = new GruH128.State[Agents];

        public override void SingleSteps()
        {
            for (int a = 0; a < Agents; a++)
                _model.Step(ref _states[a], Inputs.AsSpan(a * Models.Input, Models.Input), Outputs.AsSpan(a * Models.Output, Models.Output));
        }

        public override void ManyAgentStep() => _model.Step(_states, Inputs, Outputs);
    }

    private sealed class GruH256Agents : AgentSet
    {
        private readonly GruH256 _model = new(42);
        private readonly GruH256.State[] _states = new GruH256.State[Agents];

        public override void SingleSteps()
        {
            for (int a = 0; a < Agents; a++)
                _model.Step(ref _states[a], Inputs.AsSpan(a * Models.Input, Models.Input), Outputs.AsSpan(a * Models.Output, Models.Output));
        }

        public override void ManyAgentStep() => _model.Step(_states, Inputs, Outputs);
    }
}

/// <summary>
/// The FMA peak (<see cref="FmaPeakBenchmarks"/>) again, named so that <c>--filter '*MultiAgent*'</c> measures it in
/// the same run as <see cref="MultiAgentBenchmarks"/>: efficiency = achieved GFLOP/s ÷ this.
/// </summary>
public class MultiAgentFmaPeakBenchmarks : FmaPeakBenchmarks
{
}
