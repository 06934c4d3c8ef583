using System;

namespace RnnGen;

/// <summary>
/// An optimizer that updates one flat parameter buffer in place from a gradient buffer of the
/// same length (a generated model's <c>Parameters</c> and <c>Gradients</c> spans).
/// </summary>
/// <remarks>
/// Implementations allocate their state (moments) once at construction and never allocate in
/// <see cref="Step"/>.
/// </remarks>
public interface IOptimizer
{
    /// <summary>The number of parameters this optimizer was created for; <see cref="Step"/> expects spans of exactly this length.</summary>
    int ParameterCount { get; }

    /// <summary>The number of <see cref="Step"/> calls since construction or the last <see cref="Reset"/>.</summary>
    long StepCount { get; }

    /// <summary>Applies one update: <paramref name="parameters"/> ← update(<paramref name="parameters"/>, <paramref name="gradients"/>).</summary>
    /// <param name="parameters">The parameters, updated in place; length <see cref="ParameterCount"/>.</param>
    /// <param name="gradients">The gradients of the loss with respect to <paramref name="parameters"/>; length <see cref="ParameterCount"/>.</param>
    /// <exception cref="ArgumentException">A span's length is not <see cref="ParameterCount"/>; the message names both lengths.</exception>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>Clears the optimizer's state (moments, momentum buffers) and sets <see cref="StepCount"/> to 0.</summary>
    void Reset();
}
