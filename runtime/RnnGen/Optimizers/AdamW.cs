using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    private readonly float[] _m;
    private readonly float[] _v;
    private readonly float[] _vMax;
    private readonly float _beta1;
    private readonly float _beta2;
    private readonly float _oneMinusBeta1;
    private readonly float _oneMinusBeta2;
    private readonly double _beta1Decimal;
    private readonly double _beta2Decimal;
    private readonly float _epsilon;
    private readonly float _weightDecay;
    private readonly double _weightDecayDecimal;
    private readonly bool _amsgrad;
    private float _learningRate;
    private double _learningRateDecimal;

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
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        OptimizerMath.ValidateLearningRate(learningRate, nameof(learningRate));
        if (!(beta1 >= 0f && beta1 < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "Invalid beta parameter: must be in [0, 1).");
        }

        if (!(beta2 >= 0f && beta2 < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "Invalid beta parameter: must be in [0, 1).");
        }

        OptimizerMath.ValidateEpsilon(epsilon, nameof(epsilon));
        OptimizerMath.ValidateNonNegative(weightDecay, nameof(weightDecay), "weight_decay");

        ParameterCount = parameterCount;
        _beta1 = beta1;
        _beta2 = beta2;
        _beta1Decimal = OptimizerMath.ToDecimalDouble(beta1);
        _beta2Decimal = OptimizerMath.ToDecimalDouble(beta2);
        _oneMinusBeta1 = (float)(1.0 - _beta1Decimal); // PyTorch: alpha = 1 - beta1 (Python float), used as float
        _oneMinusBeta2 = (float)(1.0 - _beta2Decimal);
        _epsilon = epsilon;
        _weightDecay = weightDecay;
        _weightDecayDecimal = OptimizerMath.ToDecimalDouble(weightDecay);
        _amsgrad = amsgrad;
        _learningRate = learningRate;
        _learningRateDecimal = OptimizerMath.ToDecimalDouble(learningRate);
        _m = new float[parameterCount];
        _v = new float[parameterCount];
        _vMax = amsgrad ? new float[parameterCount] : [];
    }

    /// <inheritdoc />
    public int ParameterCount { get; }

    /// <inheritdoc />
    public long StepCount { get; private set; }

    /// <summary>The step size; may be changed between steps (learning-rate schedules). Must be ≥ 0 and finite. The decay factor 1 − lr·weightDecay follows it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            OptimizerMath.ValidateLearningRate(value, nameof(value));
            _learningRate = value;
            _learningRateDecimal = OptimizerMath.ToDecimalDouble(value);
        }
    }

    /// <inheritdoc />
    /// <value><c>adamw</c>.</value>
    public string Kind => "adamw";

    /// <inheritdoc />
    /// <value><c>lr</c>, <c>betas</c>, <c>eps</c>, <c>weight_decay</c>, <c>amsgrad</c>.</value>
    public IReadOnlyList<KeyValuePair<string, string>> Hyperparameters =>
    [
        new("lr", OptimizerMath.Format(_learningRate)),
        new("betas", OptimizerMath.Format(_beta1, _beta2)),
        new("eps", OptimizerMath.Format(_epsilon)),
        new("weight_decay", OptimizerMath.Format(_weightDecay)),
        new("amsgrad", OptimizerMath.Format(_amsgrad)),
    ];

    /// <inheritdoc />
    /// <value><c>exp_avg</c>, <c>exp_avg_sq</c>, and <c>max_exp_avg_sq</c> with AMSGrad.</value>
    public IReadOnlyList<string> StateNames => _amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"];

    /// <inheritdoc />
    public Span<float> GetState(int index) => index switch
    {
        0 => _m,
        1 => _v,
        2 when _amsgrad => _vMax,
        _ => throw OptimizerMath.StateIndexOutOfRange(index, _amsgrad ? 3 : 2),
    };

    /// <inheritdoc />
    public void RestoreStepCount(long stepCount)
    {
        OptimizerMath.ValidateStepCount(stepCount);
        StepCount = stepCount;
    }

    /// <inheritdoc />
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (parameters.Length != ParameterCount)
        {
            OptimizerMath.ThrowLengthMismatch(nameof(parameters), parameters.Length, ParameterCount);
        }

        if (gradients.Length != ParameterCount)
        {
            OptimizerMath.ThrowLengthMismatch(nameof(gradients), gradients.Length, ParameterCount);
        }

        long t = ++StepCount;
        if (ParameterCount == 0)
        {
            return;
        }

        // Scalars in double, as PyTorch computes them from Python floats.
        float decay = (float)(1.0 - _learningRateDecimal * _weightDecayDecimal); // param.mul_(1 - lr * weight_decay)
        double biasCorrection1 = 1.0 - Math.Pow(_beta1Decimal, t);
        double biasCorrection2 = 1.0 - Math.Pow(_beta2Decimal, t);
        float negStep = (float)-(_learningRateDecimal / biasCorrection1);
        float bc2Sqrt = (float)Math.Sqrt(biasCorrection2);

        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float m = ref MemoryMarshal.GetArrayDataReference(_m);
        ref float v = ref MemoryMarshal.GetArrayDataReference(_v);
        ref float vMax = ref MemoryMarshal.GetArrayDataReference(_vMax);
        bool hasDecay = decay != 1f;
        bool amsgrad = _amsgrad;
        float b1 = _beta1, b2 = _beta2, omb1 = _oneMinusBeta1, omb2 = _oneMinusBeta2, eps = _epsilon;
        int n = ParameterCount;
        int i = 0;

        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<float> vDecay = Vector512.Create(decay), vB1 = Vector512.Create(b1), vB2 = Vector512.Create(b2);
            Vector512<float> vOmb1 = Vector512.Create(omb1), vOmb2 = Vector512.Create(omb2), vEps = Vector512.Create(eps);
            Vector512<float> vBc2Sqrt = Vector512.Create(bc2Sqrt), vNegStep = Vector512.Create(negStep);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> pi = Vector512.LoadUnsafe(ref p, (nuint)i);
                Vector512<float> gi = Vector512.LoadUnsafe(ref g, (nuint)i);
                if (hasDecay)
                {
                    pi *= vDecay;                                                                              // p·(1 − lr·wd)
                }

                Vector512<float> mi = Vector512.FusedMultiplyAdd(gi, vOmb1, Vector512.LoadUnsafe(ref m, (nuint)i) * vB1);  // β1·m + (1−β1)·g
                Vector512<float> vi = Vector512.FusedMultiplyAdd(vOmb2 * gi, gi, Vector512.LoadUnsafe(ref v, (nuint)i) * vB2); // β2·v + (1−β2)·g·g
                mi.StoreUnsafe(ref m, (nuint)i);
                vi.StoreUnsafe(ref v, (nuint)i);
                if (amsgrad)
                {
                    vi = Vector512.Max(Vector512.LoadUnsafe(ref vMax, (nuint)i), vi);
                    vi.StoreUnsafe(ref vMax, (nuint)i);
                }

                Vector512<float> denom = Vector512.Sqrt(vi) / vBc2Sqrt + vEps;                                  // √v̂/√bc2 + ε
                (pi + vNegStep * mi / denom).StoreUnsafe(ref p, (nuint)i);                                       // p − step·m/denom
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Vector256<float> vDecay = Vector256.Create(decay), vB1 = Vector256.Create(b1), vB2 = Vector256.Create(b2);
            Vector256<float> vOmb1 = Vector256.Create(omb1), vOmb2 = Vector256.Create(omb2), vEps = Vector256.Create(eps);
            Vector256<float> vBc2Sqrt = Vector256.Create(bc2Sqrt), vNegStep = Vector256.Create(negStep);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> pi = Vector256.LoadUnsafe(ref p, (nuint)i);
                Vector256<float> gi = Vector256.LoadUnsafe(ref g, (nuint)i);
                if (hasDecay)
                {
                    pi *= vDecay;
                }

                Vector256<float> mi = Vector256.FusedMultiplyAdd(gi, vOmb1, Vector256.LoadUnsafe(ref m, (nuint)i) * vB1);
                Vector256<float> vi = Vector256.FusedMultiplyAdd(vOmb2 * gi, gi, Vector256.LoadUnsafe(ref v, (nuint)i) * vB2);
                mi.StoreUnsafe(ref m, (nuint)i);
                vi.StoreUnsafe(ref v, (nuint)i);
                if (amsgrad)
                {
                    vi = Vector256.Max(Vector256.LoadUnsafe(ref vMax, (nuint)i), vi);
                    vi.StoreUnsafe(ref vMax, (nuint)i);
                }

                Vector256<float> denom = Vector256.Sqrt(vi) / vBc2Sqrt + vEps;
                (pi + vNegStep * mi / denom).StoreUnsafe(ref p, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            Vector128<float> vDecay = Vector128.Create(decay), vB1 = Vector128.Create(b1), vB2 = Vector128.Create(b2);
            Vector128<float> vOmb1 = Vector128.Create(omb1), vOmb2 = Vector128.Create(omb2), vEps = Vector128.Create(eps);
            Vector128<float> vBc2Sqrt = Vector128.Create(bc2Sqrt), vNegStep = Vector128.Create(negStep);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> pi = Vector128.LoadUnsafe(ref p, (nuint)i);
                Vector128<float> gi = Vector128.LoadUnsafe(ref g, (nuint)i);
                if (hasDecay)
                {
                    pi *= vDecay;
                }

                Vector128<float> mi = OptimizerMath.MulAdd(gi, vOmb1, Vector128.LoadUnsafe(ref m, (nuint)i) * vB1);
                Vector128<float> vi = OptimizerMath.MulAdd(vOmb2 * gi, gi, Vector128.LoadUnsafe(ref v, (nuint)i) * vB2);
                mi.StoreUnsafe(ref m, (nuint)i);
                vi.StoreUnsafe(ref v, (nuint)i);
                if (amsgrad)
                {
                    vi = Vector128.Max(Vector128.LoadUnsafe(ref vMax, (nuint)i), vi);
                    vi.StoreUnsafe(ref vMax, (nuint)i);
                }

                Vector128<float> denom = Vector128.Sqrt(vi) / vBc2Sqrt + vEps;
                (pi + vNegStep * mi / denom).StoreUnsafe(ref p, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float pi = Unsafe.Add(ref p, i);
            float gi = Unsafe.Add(ref g, i);
            if (hasDecay)
            {
                pi *= decay;
            }

            ref float mRef = ref Unsafe.Add(ref m, i);
            ref float vRef = ref Unsafe.Add(ref v, i);
            float mi = OptimizerMath.MulAdd(gi, omb1, mRef * b1);
            float vi = OptimizerMath.MulAdd(omb2 * gi, gi, vRef * b2);
            mRef = mi;
            vRef = vi;
            if (amsgrad)
            {
                ref float vMaxRef = ref Unsafe.Add(ref vMax, i);
                vi = MathF.Max(vMaxRef, vi);
                vMaxRef = vi;
            }

            float denom = MathF.Sqrt(vi) / bc2Sqrt + eps;
            Unsafe.Add(ref p, i) = pi + negStep * mi / denom;
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
        Array.Clear(_m);
        Array.Clear(_v);
        Array.Clear(_vMax);
        StepCount = 0;
    }
}
