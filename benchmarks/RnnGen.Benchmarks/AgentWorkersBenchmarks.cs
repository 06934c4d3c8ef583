using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// The many-agent step on one thread against the same step on a <see cref="RnnWorkers"/> pool of two threads (the
/// calling thread and one background thread), per case in one process, so the Ratio column is the speed-up on two
/// cores in back-to-back steps: LSTM 64, GRU 64 and LSTM 128 with 1,000 agents (where the pool should pay), and LSTM 16
/// with 100 and 1,000 agents, spans below the pool's default threshold (<see cref="RnnWorkers.DefaultMinimumWorkPerThread"/>)
/// that it steps on the calling thread.
/// </summary>
[MemoryDiagnoser]
public class AgentWorkersBenchmarks
{
    private IPooledAgents _agents = null!;
    private RnnWorkers _workers = null!;

    /// <summary>The model and the agent count, as "{model} x {agents}".</summary>
    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    /// <summary>The cases of <see cref="Case"/>.</summary>
    public static IEnumerable<string> Cases => ["LstmH64 x 1000", "GruH64 x 1000", "LstmH128 x 1000", "LstmH16 x 1000", "LstmH16 x 100"];

    /// <summary>Creates the model, the agents (zero states, random inputs) and a pool of two threads.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var parts = Case.Split(" x ");
        int agents = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        _agents = parts[0] switch
        {
            "LstmH16" => new PooledAgents<LstmH16, LstmH16.State>(new LstmH16(seed: 42), agents),
            "LstmH64" => new PooledAgents<LstmH64, LstmH64.State>(new LstmH64(seed: 42), agents),
            "LstmH128" => new PooledAgents<LstmH128, LstmH128.State>(new LstmH128(seed: 42), agents),
            "GruH64" => new PooledAgents<GruH64, GruH64.State>(new GruH64(seed: 42), agents),
            _ => throw new ArgumentException($"Unknown case {Case}."),
        };
        _workers = new RnnWorkers(2);
        _agents.Check(_workers);
    }

    /// <summary>Stops the pool's thread.</summary>
    [GlobalCleanup]
    public void Cleanup() => _workers.Dispose();

    /// <summary><c>model.Step(states, inputs, outputs)</c> on the calling thread.</summary>
    [Benchmark(Baseline = true)]
    public void OneThread() => _agents.Step();

    /// <summary><c>model.Step(states, inputs, outputs, workers)</c> with a pool of two threads.</summary>
    [Benchmark]
    public void TwoThreads() => _agents.Step(_workers);
}

/// <summary>
/// The same comparison as <see cref="AgentWorkersBenchmarks"/> for a game that steps its agents once per frame: each
/// measured call comes after 2 ms of idleness (an iteration setup that sleeps), by which time the pool's thread has
/// stopped spinning and gone to sleep, so the call pays for waking it. One call per iteration (about 0.2–1.5 ms here).
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1)]
[IterationCount(100)]
public class AgentWorkersAfterIdleBenchmarks
{
    private IPooledAgents _agents = null!;
    private RnnWorkers _workers = null!;

    /// <summary>The model and the agent count, as "{model} x {agents}".</summary>
    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    /// <summary>The cases of <see cref="Case"/>: the spans the pool splits by default.</summary>
    public static IEnumerable<string> Cases => ["LstmH64 x 1000", "GruH64 x 1000", "LstmH128 x 1000"];

    /// <summary>Creates the model, the agents and a pool of two threads.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var parts = Case.Split(" x ");
        int agents = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        _agents = parts[0] switch
        {
            "LstmH64" => new PooledAgents<LstmH64, LstmH64.State>(new LstmH64(seed: 42), agents),
            "LstmH128" => new PooledAgents<LstmH128, LstmH128.State>(new LstmH128(seed: 42), agents),
            "GruH64" => new PooledAgents<GruH64, GruH64.State>(new GruH64(seed: 42), agents),
            _ => throw new ArgumentException($"Unknown case {Case}."),
        };
        _workers = new RnnWorkers(2);
        _agents.Check(_workers);
    }

    /// <summary>Stops the pool's thread.</summary>
    [GlobalCleanup]
    public void Cleanup() => _workers.Dispose();

    /// <summary>The rest of a frame: 2 ms without stepping.</summary>
    [IterationSetup]
    public void Idle() => System.Threading.Thread.Sleep(2);

    /// <summary>One many-agent step on the calling thread.</summary>
    [Benchmark(Baseline = true)]
    public void OneThread() => _agents.Step();

    /// <summary>One many-agent step on a pool of two threads whose background thread is asleep.</summary>
    [Benchmark]
    public void TwoThreads() => _agents.Step(_workers);
}

/// <summary>The agents of one model, stepped on the calling thread or on a pool.</summary>
public interface IPooledAgents
{
    /// <summary>Advances every agent by one step on the calling thread.</summary>
    void Step();

    /// <summary>Advances every agent by one step on <paramref name="workers"/>.</summary>
    void Step(RnnWorkers workers);

    /// <summary>Throws unless a step on <paramref name="workers"/> gives the bits of a step on the calling thread.</summary>
    void Check(RnnWorkers workers);
}

/// <summary>The agents of <typeparamref name="TModel"/>, with their inputs and outputs.</summary>
public sealed class PooledAgents<TModel, TState> : IPooledAgents
    where TModel : class, IRnnAgentModel<TState>
    where TState : unmanaged
{
    private readonly TModel _model;
    private readonly TState[] _states;
    private readonly float[] _inputs;
    private readonly float[] _outputs;

    /// <summary>Creates <paramref name="agents"/> zero states and random inputs.</summary>
    public PooledAgents(TModel model, int agents)
    {
        _model = model;
        _states = new TState[agents];
        _inputs = Models.RandomArray(agents * TModel.InputSize, seed: 7);
        _outputs = new float[agents * TModel.OutputSize];
    }

    /// <inheritdoc/>
    public void Step() => _model.Step(_states, _inputs, _outputs);

    /// <inheritdoc/>
    public void Step(RnnWorkers workers) => workers.Step(_model, _states.AsSpan(), _inputs, _outputs);

    /// <inheritdoc/>
    public void Check(RnnWorkers workers)
    {
        var states = (TState[])_states.Clone();
        var outputs = new float[_outputs.Length];
        for (int i = 0; i < 3; i++)
        {
            Step();
            workers.Step(_model, states.AsSpan(), _inputs, outputs);
        }

        if (!_outputs.AsSpan().SequenceEqual(outputs) ||
            !System.Runtime.InteropServices.MemoryMarshal.AsBytes(_states.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(states.AsSpan())))
            throw new InvalidOperationException($"{typeof(TModel).Name}: the pool's step differs from the single-threaded step.");
    }
}
