using System;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// Three ways to step agents of one model, per agent: one <c>Step(ref State, …)</c> on one state (the baseline), the
/// same call in a loop over 1,000 states, and the many-agent <c>Step(Span&lt;State&gt;, …)</c> over the same 1,000
/// states. The loop shows what 1,000 states passing through the caches cost by themselves; the many-agent call is
/// worth its blocks where it beats the loop. Run it on each SIMD path, e.g. with <c>DOTNET_EnableAVX2=0</c> for the
/// Vector128 path of an x86 CPU without FMA.
/// </summary>
[MemoryDiagnoser]
public class AgentsVersusLoopBenchmarks
{
    private const int Agents = 1000;

    private Action _one = null!, _loop = null!, _many = null!;

    /// <summary>The model: cell and hidden size, input 10, one output.</summary>
    [Params("Elman16", "Elman64", "Elman256", "Lstm32", "Lstm128", "Lstm256", "Gru64", "Gru256")]
    public string Model { get; set; } = "Lstm128";

    /// <summary>Builds the model, 1,000 zero states and their inputs.</summary>
    [GlobalSetup]
    public void Setup()
    {
        switch (Model)
        {
            case "Elman16": { var m = new ElmanH16(42); Bind<ElmanH16.State>(m.Step, m.Step); break; }
            case "Elman64": { var m = new ElmanH64(42); Bind<ElmanH64.State>(m.Step, m.Step); break; }
            case "Elman256": { var m = new ElmanH256(42); Bind<ElmanH256.State>(m.Step, m.Step); break; }
            case "Lstm32": { var m = new LstmH32(42); Bind<LstmH32.State>(m.Step, m.Step); break; }
            case "Lstm128": { var m = new LstmH128(42); Bind<LstmH128.State>(m.Step, m.Step); break; }
            case "Lstm256": { var m = new LstmH256(42); Bind<LstmH256.State>(m.Step, m.Step); break; }
            case "Gru64": { var m = new GruH64(42); Bind<GruH64.State>(m.Step, m.Step); break; }
            case "Gru256": { var m = new GruH256(42); Bind<GruH256.State>(m.Step, m.Step); break; }
            default: throw new ArgumentOutOfRangeException(nameof(Model), Model, "no such case");
        }
    }

    private delegate void StepOne<TState>(ref TState state, ReadOnlySpan<float> input, Span<float> output);

    private void Bind<TState>(StepOne<TState> one, AgentStepper<TState>.StepMany many)
        where TState : struct
    {
        var states = new TState[Agents];
        var single = new TState[1];
        var inputs = Models.RandomArray(Agents * Models.Input, seed: 7);
        var outputs = new float[Agents * Models.Output];
        _one = () => one(ref single[0], inputs.AsSpan(0, Models.Input), outputs.AsSpan(0, Models.Output));
        _loop = () =>
        {
            for (int a = 0; a < Agents; a++)
                one(ref states[a], inputs.AsSpan(a * Models.Input, Models.Input), outputs.AsSpan(a * Models.Output, Models.Output));
        };
        _many = () => many(states, inputs, outputs);
    }

    /// <summary>One step of one state.</summary>
    [Benchmark(Baseline = true)]
    public void OneStep() => _one();

    /// <summary>1,000 states, each through the single step in turn (time per agent).</summary>
    [Benchmark(OperationsPerInvoke = Agents)]
    public void LoopOfSteps() => _loop();

    /// <summary>The same 1,000 states in one many-agent call (time per agent).</summary>
    [Benchmark(OperationsPerInvoke = Agents)]
    public void ManyAgents() => _many();
}
