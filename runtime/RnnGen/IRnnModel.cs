using System;

namespace RnnGen;

/// <summary>Implemented by every generated model; lets generic code (trainers, benchmarks, serializers) work on any of them.</summary>
public interface IRnnModel
{
    /// <summary>The recurrent cell.</summary>
    static abstract RnnCell Cell { get; }

    /// <summary>The Elman nonlinearity (<see cref="RnnActivation.Tanh"/> for LSTM and GRU, which do not use it).</summary>
    static abstract RnnActivation Activation { get; }

    /// <summary>Token vocabulary size; 0 when the inputs are floats.</summary>
    static abstract int Vocabulary { get; }

    /// <summary>
    /// Number format of the weights the inference kernels read (<see cref="RnnModelAttribute.WeightPrecision"/>):
    /// <see cref="RnnPrecision.BFloat16"/> models step from a 16-bit copy of their recurrent weights.
    /// </summary>
    static abstract RnnPrecision WeightPrecision { get; }

    /// <summary>Input features per step.</summary>
    static abstract int InputSize { get; }

    /// <summary>Hidden units per layer.</summary>
    static abstract int HiddenSize { get; }

    /// <summary>Outputs per step.</summary>
    static abstract int OutputSize { get; }

    /// <summary>Stacked recurrent layers.</summary>
    static abstract int LayerCount { get; }

    /// <summary>Longest BPTT window.</summary>
    static abstract int WindowSize { get; }

    /// <summary>Length of <see cref="Parameters"/> and <see cref="Gradients"/> (includes always-zero SIMD padding).</summary>
    static abstract int ParameterCount { get; }

    /// <summary>Trainable values as PyTorch counts them (length of the canonical vector).</summary>
    static abstract int TrainableParameterCount { get; }

    /// <summary>Floats of a state in <see cref="CopyStateTo"/> form: layers × hidden (plus the cell state for LSTM).</summary>
    static abstract int StateSize { get; }

    /// <summary>The tensors in PyTorch order.</summary>
    static abstract RnnParameterLayout ParameterLayout { get; }

    /// <summary>
    /// Maps an index of the canonical (PyTorch-order) parameter vector, in [0, <see cref="TrainableParameterCount"/>),
    /// to the index of the same value in <see cref="Parameters"/> and <see cref="Gradients"/>; the indices it never
    /// returns are always-zero SIMD padding.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is not in [0, TrainableParameterCount).</exception>
    static abstract int ParameterIndex(int canonicalIndex);

    /// <summary>The internal parameter buffer (tile-major, 64-byte aligned).</summary>
    Span<float> Parameters { get; }

    /// <summary>The gradient buffer, same layout as <see cref="Parameters"/>.</summary>
    Span<float> Gradients { get; }

    /// <summary>Resets the model's own state to zeros.</summary>
    void ResetState();

    /// <summary>Advances the model's own state by one step.</summary>
    void Step(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Runs a sequence (T×InputSize → T×OutputSize) from the model's own state.</summary>
    void Forward(ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>Sets every gradient to zero.</summary>
    void ZeroGradients();

    /// <summary>BPTT over one window from the current state; adds into <see cref="Gradients"/> and returns the loss.</summary>
    float AccumulateGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets);

    /// <summary>As <see cref="AccumulateGradients(ReadOnlySpan{float}, ReadOnlySpan{float})"/>, also writing dL/d(initial state) (StateSize floats, or an empty span to skip).</summary>
    float AccumulateGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Span<float> initialStateGradient);

    /// <summary>The loss of a sequence from the current state (advanced), without gradients.</summary>
    float Evaluate(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets);

    /// <summary>One optimization step over one window; returns the loss.</summary>
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, IOptimizer optimizer, TrainOptions? options = null);

    /// <summary>Copies the parameters into <paramref name="destination"/> in PyTorch order (<see cref="ParameterLayout"/>).</summary>
    void CopyParametersTo(Span<float> destination);

    /// <summary>Copies the gradients into <paramref name="destination"/> in PyTorch order.</summary>
    void CopyGradientsTo(Span<float> destination);

    /// <summary>Copies the model's own state (StateSize floats, layer by layer) into <paramref name="destination"/>.</summary>
    void CopyStateTo(Span<float> destination);

    /// <summary>Sets the model's own state from <paramref name="source"/> (StateSize floats, layer by layer).</summary>
    void CopyStateFrom(ReadOnlySpan<float> source);

    /// <summary>Replaces the parameters with <paramref name="source"/>, given in PyTorch order.</summary>
    void CopyParametersFrom(ReadOnlySpan<float> source);

    /// <summary>
    /// Re-derives the weights the inference kernels read from <see cref="Parameters"/>: for a
    /// <see cref="RnnPrecision.BFloat16"/> model, rounds the recurrent weights into its bfloat16 copy; for a
    /// <see cref="RnnPrecision.Float32"/> model it does nothing. Call it after writing <see cref="Parameters"/>
    /// directly (for example after your own optimizer step); the model's own methods that change the parameters
    /// call it themselves.
    /// </summary>
    void RefreshInferenceWeights();
}
