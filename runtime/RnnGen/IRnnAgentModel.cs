using System;

namespace RnnGen;

/// <summary>
/// A generated float32 or bfloat16 model's many-agent step, for generic code that steps agents of any model:
/// <see cref="RnnWorkers.Step{TModel, TState}(TModel, Span{TState}, ReadOnlySpan{float}, Span{float})"/> uses it
/// to split a large span of agents over several threads. Every generated model implements it with its own
/// <c>State</c> struct as <typeparamref name="TState"/>.
/// </summary>
/// <typeparam name="TState">The model's <c>State</c> struct: the recurrent state of one agent.</typeparam>
public interface IRnnAgentModel<TState> : IRnnModel
    where TState : unmanaged
{
    /// <summary>
    /// How many agents the many-agent step takes through the weights together on this machine's vector path (1 when it
    /// steps them one by one). A span of agents split into ranges whose lengths are multiples of
    /// it runs every agent in a full block; any split gives the same results.
    /// </summary>
    static abstract int AgentBlock { get; }

    /// <summary>
    /// Advances many agents that share the model's weights by one step each: agent a's state is
    /// <paramref name="states"/>[a], its input <paramref name="inputs"/>[a·InputSize ..] and its outputs
    /// <paramref name="outputs"/>[a·OutputSize ..]. Bit-identical to stepping each agent alone; reads the weights
    /// only, so disjoint ranges of agents may be stepped on different threads at once.
    /// </summary>
    /// <param name="states">The agents' states (N = states.Length); each is advanced in place.</param>
    /// <param name="inputs">N×InputSize floats, agent after agent.</param>
    /// <param name="outputs">N×OutputSize floats, agent after agent; overwritten.</param>
    /// <exception cref="ArgumentException"><paramref name="inputs"/> does not hold N×InputSize floats or <paramref name="outputs"/> N×OutputSize floats.</exception>
    void Step(Span<TState> states, ReadOnlySpan<float> inputs, Span<float> outputs);
}
