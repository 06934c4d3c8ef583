using System;

namespace RnnGen.Benchmarks;

/// <summary>
/// A runtime-sized network (sizes are constructor arguments) written for speed with TensorPrimitives: the baseline
/// every generated model is compared with. Parameters and gradients are exchanged in PyTorch <c>state_dict</c> order,
/// the order of a generated model's <c>CopyParametersTo</c>; no member allocates after construction.
/// </summary>
public interface IRuntimeSizedRnn
{
    /// <summary>Number of parameters as PyTorch counts them.</summary>
    int ParameterCount { get; }

    /// <summary>Sets the parameters from <paramref name="source"/> (PyTorch order, <see cref="ParameterCount"/> floats).</summary>
    void CopyParametersFrom(ReadOnlySpan<float> source);

    /// <summary>Copies the parameters into <paramref name="destination"/> in PyTorch order.</summary>
    void CopyParametersTo(Span<float> destination);

    /// <summary>Copies the gradients of the last <see cref="TrainWindow"/> (after clipping) into <paramref name="destination"/> in PyTorch order.</summary>
    void CopyGradientsTo(Span<float> destination);

    /// <summary>Sets the state to zeros.</summary>
    void ResetState();

    /// <summary>Advances the state by one step: I inputs → O outputs.</summary>
    void Step(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>Runs T steps from the current state: T×I inputs → T×O outputs.</summary>
    void Forward(ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>
    /// One optimization step over one window from the zero state, the work of a generated <c>TrainStep</c> with Adam:
    /// forward, MSE over every step and output, BPTT, global-norm clipping to 5, Adam. Returns the loss; the Step state
    /// is not touched.
    /// </summary>
    float TrainWindow(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets);
}
