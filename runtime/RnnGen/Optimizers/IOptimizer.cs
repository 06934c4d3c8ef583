using System;
using System.Collections.Generic;

namespace RnnGen;

/// <summary>
/// An optimizer that updates one flat parameter buffer in place from a gradient buffer of the
/// same length (a generated model's <c>Parameters</c> and <c>Gradients</c> spans).
/// </summary>
/// <remarks>
/// <para>Implementations allocate their state (moments) once at construction and never allocate in
/// <see cref="Step"/>.</para>
/// <para>The state members (<see cref="Kind"/>, <see cref="Hyperparameters"/>, <see cref="StateNames"/>,
/// <see cref="GetState"/>, <see cref="RestoreStepCount"/>) describe the optimizer with PyTorch's names so that
/// <see cref="Serialization.OptimizerStateSerializer"/> can save it and training can resume exactly.</para>
/// </remarks>
public interface IOptimizer
{
    /// <summary>The number of parameters this optimizer was created for; <see cref="Step"/> expects spans of exactly this length.</summary>
    int ParameterCount { get; }

    /// <summary>The number of <see cref="Step"/> calls since construction or the last <see cref="Reset"/> (or the value given to <see cref="RestoreStepCount"/>).</summary>
    long StepCount { get; }

    /// <summary>The step size; may be changed between steps (see <see cref="ILearningRateSchedule"/>). Must be ≥ 0 and finite.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    float LearningRate { get; set; }

    /// <summary>The optimizer's name, in lower case: <c>sgd</c>, <c>adam</c>, <c>adamw</c>, <c>rmsprop</c> or <c>adagrad</c> for RnnGen's own.</summary>
    string Kind { get; }

    /// <summary>
    /// The hyperparameters under PyTorch's names (<c>lr</c>, <c>betas</c>, <c>eps</c>, <c>weight_decay</c>, …) with
    /// their values as invariant-culture text (floats as the shortest text that round-trips, booleans as
    /// <c>True</c>/<c>False</c>, Adam's betas as <c>(0.9, 0.999)</c>), in a fixed order.
    /// </summary>
    IReadOnlyList<KeyValuePair<string, string>> Hyperparameters { get; }

    /// <summary>
    /// The names of the per-parameter state buffers, as PyTorch's <c>optimizer.state</c> keys (for example
    /// <c>exp_avg</c>, <c>exp_avg_sq</c>); only the buffers the hyperparameters enable. Empty for a stateless optimizer.
    /// </summary>
    IReadOnlyList<string> StateNames { get; }

    /// <summary>
    /// A live view of the state buffer <see cref="StateNames"/>[<paramref name="index"/>]: <see cref="ParameterCount"/>
    /// floats in the same index space as the parameters passed to <see cref="Step"/> (for a generated model, its
    /// internal <c>Parameters</c> layout).
    /// </summary>
    /// <param name="index">An index into <see cref="StateNames"/>.</param>
    /// <returns>The buffer; writes change the optimizer's state.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in [0, StateNames.Count).</exception>
    Span<float> GetState(int index);

    /// <summary>Sets <see cref="StepCount"/>, as when resuming from saved state (bias corrections and schedules use it).</summary>
    /// <param name="stepCount">The number of steps already taken (≥ 0).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepCount"/> is negative.</exception>
    void RestoreStepCount(long stepCount);

    /// <summary>Applies one update: <paramref name="parameters"/> ← update(<paramref name="parameters"/>, <paramref name="gradients"/>).</summary>
    /// <param name="parameters">The parameters, updated in place; length <see cref="ParameterCount"/>.</param>
    /// <param name="gradients">The gradients of the loss with respect to <paramref name="parameters"/>; length <see cref="ParameterCount"/>.</param>
    /// <exception cref="ArgumentException">A span's length is not <see cref="ParameterCount"/>; the message names both lengths.</exception>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>Clears the optimizer's state (moments, momentum buffers; Adagrad's sums back to their initial value) and sets <see cref="StepCount"/> to 0.</summary>
    void Reset();
}
