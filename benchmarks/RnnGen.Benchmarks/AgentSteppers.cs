using System;

namespace RnnGen.Benchmarks;

/// <summary>Steps a fixed set of agents of one model with one many-agent <c>Step(Span&lt;State&gt;, inputs, outputs)</c> call.</summary>
public interface IAgentStepper
{
    /// <summary>Advances every agent by one step.</summary>
    void Step();
}

/// <summary>The agents of one model type (its <c>State</c> is per model), with their inputs and outputs.</summary>
public sealed class AgentStepper<TState> : IAgentStepper
    where TState : struct
{
    /// <summary>A model's many-agent Step.</summary>
    public delegate void StepMany(Span<TState> states, ReadOnlySpan<float> inputs, Span<float> outputs);

    private readonly StepMany _step;
    private readonly TState[] _states;
    private readonly float[] _inputs;
    private readonly float[] _outputs;

    /// <summary>Creates <paramref name="agents"/> zero states and random inputs.</summary>
    public AgentStepper(StepMany step, int agents)
    {
        _step = step;
        _states = new TState[agents];
        _inputs = Models.RandomArray(agents * Models.Input, seed: 7);
        _outputs = new float[agents * Models.Output];
    }

    /// <inheritdoc/>
    public void Step() => _step(_states, _inputs, _outputs);
}

/// <summary>The many-agent steppers of the matrix models.</summary>
public static class Agents
{
    /// <summary>Agents per many-agent benchmark.</summary>
    public const int Count = 1000;

    /// <summary><see cref="Count"/> agents of <paramref name="model"/> (a matrix model or its bfloat16 twin).</summary>
    public static IAgentStepper Of(IRnnModel model) => model switch
    {
        ElmanH16 m => new AgentStepper<ElmanH16.State>(m.Step, Count),
        ElmanH32 m => new AgentStepper<ElmanH32.State>(m.Step, Count),
        ElmanH64 m => new AgentStepper<ElmanH64.State>(m.Step, Count),
        ElmanH128 m => new AgentStepper<ElmanH128.State>(m.Step, Count),
        ElmanH256 m => new AgentStepper<ElmanH256.State>(m.Step, Count),
        LstmH16 m => new AgentStepper<LstmH16.State>(m.Step, Count),
        LstmH32 m => new AgentStepper<LstmH32.State>(m.Step, Count),
        LstmH64 m => new AgentStepper<LstmH64.State>(m.Step, Count),
        LstmH128 m => new AgentStepper<LstmH128.State>(m.Step, Count),
        LstmH256 m => new AgentStepper<LstmH256.State>(m.Step, Count),
        GruH16 m => new AgentStepper<GruH16.State>(m.Step, Count),
        GruH32 m => new AgentStepper<GruH32.State>(m.Step, Count),
        GruH64 m => new AgentStepper<GruH64.State>(m.Step, Count),
        GruH128 m => new AgentStepper<GruH128.State>(m.Step, Count),
        GruH256 m => new AgentStepper<GruH256.State>(m.Step, Count),
        ElmanH16BFloat16 m => new AgentStepper<ElmanH16BFloat16.State>(m.Step, Count),
        ElmanH32BFloat16 m => new AgentStepper<ElmanH32BFloat16.State>(m.Step, Count),
        ElmanH64BFloat16 m => new AgentStepper<ElmanH64BFloat16.State>(m.Step, Count),
        ElmanH128BFloat16 m => new AgentStepper<ElmanH128BFloat16.State>(m.Step, Count),
        ElmanH256BFloat16 m => new AgentStepper<ElmanH256BFloat16.State>(m.Step, Count),
        LstmH16BFloat16 m => new AgentStepper<LstmH16BFloat16.State>(m.Step, Count),
        LstmH32BFloat16 m => new AgentStepper<LstmH32BFloat16.State>(m.Step, Count),
        LstmH64BFloat16 m => new AgentStepper<LstmH64BFloat16.State>(m.Step, Count),
        LstmH128BFloat16 m => new AgentStepper<LstmH128BFloat16.State>(m.Step, Count),
        LstmH256BFloat16 m => new AgentStepper<LstmH256BFloat16.State>(m.Step, Count),
        GruH16BFloat16 m => new AgentStepper<GruH16BFloat16.State>(m.Step, Count),
        GruH32BFloat16 m => new AgentStepper<GruH32BFloat16.State>(m.Step, Count),
        GruH64BFloat16 m => new AgentStepper<GruH64BFloat16.State>(m.Step, Count),
        GruH128BFloat16 m => new AgentStepper<GruH128BFloat16.State>(m.Step, Count),
        GruH256BFloat16 m => new AgentStepper<GruH256BFloat16.State>(m.Step, Count),
        _ => throw new ArgumentException($"No many-agent stepper for {model.GetType().Name}.", nameof(model)),
    };
}
