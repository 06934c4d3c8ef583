using System;
using System.Collections.Generic;

namespace RnnGen;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter) and optional AMSGrad: exactly PyTorch's
/// <c>torch.optim.AdamW</c> (1.13, single-tensor path).
/// </summary>
/// <remarks>
/// At step t (1-based), per element, with gradient <c>g</c> and parameter <c>p</c>:
/// <code>
/// p ← p·(1 − lr·weightDecay)                            (decay first, on the parameter, not the gradient)
/// m ← β1·m + (1 − β1)·g
/// v ← β2·v + (1 − β2)·g·g
/// v̂ ← amsgrad ? (vmax ← max(vmax, v)) : v
/// p ← p − (lr / (1 − β1^t))·m / (√v̂ / √(1 − β2^t) + ε)
/// </code>
/// Unlike <see cref="Adam"/>'s L2 penalty, the decay never passes through the moments, so it shrinks every weight
/// by the same factor whatever its gradient history. PyTorch's default <c>weight_decay</c> is 1e-2 (Keras' AdamW:
/// 0.004). The scalars (decay factor, bias corrections, step size) are computed in <see cref="double"/> from the
/// decimal values of the hyperparameters, like the Python floats PyTorch uses; the element-wise part runs in
/// <see cref="float"/> in PyTorch's operation order, with fused multiply-adds where the hardware has FMA (as
/// PyTorch's AVX2 kernels) and a multiply and an add elsewhere. Every vector width and the scalar path give
/// bit-identical results on a given machine, and <see cref="Step"/> allocates nothing.
/// </remarks>
public sealed class AdamW : IOptimizer
{
    private readonly AdamCore _core;

    /// <summary>Creates an AdamW optimizer for <paramref name="parameterCount"/> parameters.</summary>
    /// <param name="parameterCount">Length of the parameter and gradient spans passed to <see cref="Step"/> (≥ 0).</param>
    /// <param name="learningRate">Step size (≥ 0). Default 1e-3.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1). Default 0.9.</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1). Default 0.999.</param>
    /// <param name="epsilon">Added to the denominator for stability (&gt; 0; PyTorch also accepts 0, which turns always-zero gradients into NaN). Default 1e-8.</param>
    /// <param name="weightDecay">Decoupled decay: each step multiplies the parameters by 1 − lr·weightDecay (≥ 0). Default 1e-2, as PyTorch.</param>
    /// <param name="amsgrad">Use the AMSGrad variant (maximum of past second moments).</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or hyperparameter is out of range, NaN or infinite.</exception>
    public AdamW(int parameterCount, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 1e-2f, bool amsgrad = false)
    {
        _core = new AdamCore(parameterCount, learningRate, beta1, beta2, epsilon, weightDecay, amsgrad);
    }

    /// <inheritdoc />
    public int ParameterCount => _core.ParameterCount;

    /// <inheritdoc />
    public long StepCount => _core.StepCount;

    /// <summary>The step size; may be changed between steps (learning-rate schedules). Must be ≥ 0 and finite. The decay factor 1 − lr·weightDecay follows it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    public float LearningRate
    {
        get => _core.LearningRate;
        set => _core.LearningRate = value;
    }

    /// <inheritdoc />
    /// <value><c>adamw</c>.</value>
    public string Kind => "adamw";

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
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => _core.Step(parameters, gradients, decoupledWeightDecay: true);

    /// <inheritdoc />
    public void Reset() => _core.Reset();
}
