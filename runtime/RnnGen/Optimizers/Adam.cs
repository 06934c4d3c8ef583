using System;
using System.Collections.Generic;

namespace RnnGen;

/// <summary>
/// Adam (Kingma &amp; Ba) with optional L2 weight decay and AMSGrad: exactly PyTorch's
/// <c>torch.optim.Adam</c> (1.13, single-tensor path).
/// </summary>
/// <remarks>
/// At step t (1-based), per element, with gradient <c>g</c> and parameter <c>p</c>:
/// <code>
/// g ← g + weightDecay·p                                 (if weightDecay ≠ 0)
/// m ← β1·m + (1 − β1)·g
/// v ← β2·v + (1 − β2)·g·g
/// v̂ ← amsgrad ? (vmax ← max(vmax, v)) : v
/// p ← p − (lr / (1 − β1^t))·m / (√v̂ / √(1 − β2^t) + ε)
/// </code>
/// The bias corrections and the step size are computed in <see cref="double"/> from the decimal
/// values of the hyperparameters (the value a <see cref="float"/> such as <c>0.9f</c> was written
/// as), like the Python floats PyTorch uses; the element-wise part runs in <see cref="float"/> in
/// PyTorch's operation order, with fused multiply-adds where the hardware has FMA (as PyTorch's
/// AVX2 kernels: on such machines the results match PyTorch bit for bit) and a multiply and an
/// add elsewhere. On a given machine every vector width and the scalar path give bit-identical
/// results, and <see cref="Step"/> allocates nothing.
/// </remarks>
public sealed class Adam : IOptimizer
{
    private readonly AdamCore _core;

    /// <summary>Creates an Adam optimizer for <paramref name="parameterCount"/> parameters.</summary>
    /// <param name="parameterCount">Length of the parameter and gradient spans passed to <see cref="Step"/> (≥ 0).</param>
    /// <param name="learningRate">Step size (≥ 0). Default 1e-3.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1). Default 0.9.</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1). Default 0.999.</param>
    /// <param name="epsilon">Added to the denominator for stability (&gt; 0; PyTorch also accepts 0, which turns always-zero gradients — such as a generated model's SIMD padding — into NaN). Default 1e-8.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (≥ 0); for decoupled decay use AdamW.</param>
    /// <param name="amsgrad">Use the AMSGrad variant (maximum of past second moments).</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or hyperparameter is out of range, NaN or infinite.</exception>
    public Adam(int parameterCount, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f, bool amsgrad = false)
    {
        _core = new AdamCore(parameterCount, learningRate, beta1, beta2, epsilon, weightDecay, amsgrad);
    }

    /// <inheritdoc />
    public int ParameterCount => _core.ParameterCount;

    /// <inheritdoc />
    public long StepCount => _core.StepCount;

    /// <summary>The step size; may be changed between steps (learning-rate schedules). Must be ≥ 0 and finite.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    public float LearningRate
    {
        get => _core.LearningRate;
        set => _core.LearningRate = value;
    }

    /// <inheritdoc />
    /// <value><c>adam</c>.</value>
    public string Kind => "adam";

    /// <inheritdoc />
    /// <value><c>lr</c>, <c>betas</c>, <c>eps</c>, <c>weight_decay</c>, <c>amsgrad</c>.</value>
    public IReadOnlyList<KeyValuePair<string, string>> Hyperparameters => _core.Hyperparameters;

    /// <inheritdoc />
    /// <value><c>exp_avg</c>, <c>exp_avg_sq</c>, and <c>max_exp_avg_sq</c> with AMSGrad.</value>
    public IReadOnlyList<string> StateNames => _core.StateNames;

    /// <inheritdoc />
    public Span<float> GetState(int index) => _core.GetState(index);

    /// <inheritdoc />
    public void RestoreStepCount(long stepCount) => _core.RestoreStepCount(stepCount);

    /// <inheritdoc />
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => _core.Step(parameters, gradients, decoupledWeightDecay: false);

    /// <inheritdoc />
    public void Reset() => _core.Reset();
}
