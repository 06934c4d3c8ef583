using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen;

/// <summary>
/// RMSprop (Hinton) with optional L2 weight decay, momentum and the centered variant: exactly PyTorch's
/// <c>torch.optim.RMSprop</c> (1.13, single-tensor path).
/// </summary>
/// <remarks>
/// Per element, with gradient <c>g</c>, parameter <c>p</c>, and state <c>s</c> (square_avg), <c>a</c> (grad_avg),
/// <c>b</c> (momentum_buffer), all starting at zero:
/// <code>
/// g ← g + weightDecay·p                         (if weightDecay ≠ 0)
/// s ← α·s + (1 − α)·g·g
/// if centered:  a ← α·a + (1 − α)·g;  d ← √(s − a·a) + ε
/// else:         d ← √s + ε
/// if momentum &gt; 0:  b ← momentum·b + g/d;  p ← p − lr·b
/// else:              p ← p − lr·g/d
/// </code>
/// <para>PyTorch calls the decay rate <c>alpha</c> and defaults it to 0.99; Keras calls it <c>rho</c> and defaults it
/// to 0.9 (and uses ε = 1e-7 inside the square root, lr = 1e-3). To reproduce a Keras setup, pass
/// <c>alpha: 0.9f</c> explicitly; the ε placement still differs slightly.</para>
/// <para>Evaluated in <see cref="float"/> in PyTorch's operation order, with fused multiply-adds where the hardware
/// has FMA (as PyTorch's AVX2 kernels) and a multiply and an add elsewhere; every vector width and the scalar
/// path give bit-identical results on a given machine. <see cref="Step"/> allocates nothing.</para>
/// </remarks>
public sealed class RmsProp : IOptimizer
{
    private readonly float[] _squareAvg;
    private readonly float[] _momentumBuffer;
    private readonly float[] _gradAvg;
    private readonly float _alpha;
    private readonly float _oneMinusAlpha;
    private readonly float _epsilon;
    private readonly float _weightDecay;
    private readonly float _momentum;
    private readonly bool _centered;
    private readonly string[] _stateNames;
    private float _learningRate;

    /// <summary>Creates an RMSprop optimizer for <paramref name="parameterCount"/> parameters.</summary>
    /// <param name="parameterCount">Length of the parameter and gradient spans passed to <see cref="Step"/> (≥ 0).</param>
    /// <param name="learningRate">Step size (≥ 0). Default 1e-2, as PyTorch (Keras: 1e-3).</param>
    /// <param name="alpha">Decay of the running average of squared gradients, in [0, 1]. Default 0.99, as PyTorch; Keras' <c>rho</c> defaults to 0.9.</param>
    /// <param name="epsilon">Added to the denominator, outside the square root (&gt; 0; PyTorch also accepts 0, which turns always-zero gradients into NaN). Default 1e-8.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (≥ 0).</param>
    /// <param name="momentum">Momentum factor (≥ 0); 0 disables momentum and its buffer.</param>
    /// <param name="centered">Normalize by an estimate of the gradient's variance (subtract the squared running mean of the gradient).</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or hyperparameter is out of range, NaN or infinite.</exception>
    public RmsProp(int parameterCount, float learningRate = 1e-2f, float alpha = 0.99f, float epsilon = 1e-8f, float weightDecay = 0f, float momentum = 0f, bool centered = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        OptimizerMath.ValidateLearningRate(learningRate, nameof(learningRate));
        if (!(alpha >= 0f && alpha <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Invalid alpha value: must be in [0, 1].");
        }

        OptimizerMath.ValidateEpsilon(epsilon, nameof(epsilon));
        OptimizerMath.ValidateNonNegative(weightDecay, nameof(weightDecay), "weight_decay");
        OptimizerMath.ValidateNonNegative(momentum, nameof(momentum), "momentum");

        ParameterCount = parameterCount;
        _learningRate = learningRate;
        _alpha = alpha;
        _oneMinusAlpha = (float)(1.0 - OptimizerMath.ToDecimalDouble(alpha)); // PyTorch: value = 1 - alpha (Python float), used as float
        _epsilon = epsilon;
        _weightDecay = weightDecay;
        _momentum = momentum;
        _centered = centered;
        _squareAvg = new float[parameterCount];
        _momentumBuffer = momentum > 0f ? new float[parameterCount] : [];
        _gradAvg = centered ? new float[parameterCount] : [];
        var names = new List<string>(3) { "square_avg" }; // PyTorch's order of the state keys
        if (momentum > 0f) names.Add("momentum_buffer");
        if (centered) names.Add("grad_avg");
        _stateNames = names.ToArray();
    }

    /// <inheritdoc />
    public int ParameterCount { get; }

    /// <inheritdoc />
    public long StepCount { get; private set; }

    /// <summary>The step size; may be changed between steps (learning-rate schedules). Must be ≥ 0 and finite.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            OptimizerMath.ValidateLearningRate(value, nameof(value));
            _learningRate = value;
        }
    }

    /// <inheritdoc />
    /// <value><c>rmsprop</c>.</value>
    public string Kind => "rmsprop";

    /// <inheritdoc />
    /// <value><c>lr</c>, <c>alpha</c>, <c>eps</c>, <c>weight_decay</c>, <c>momentum</c>, <c>centered</c>.</value>
    public IReadOnlyList<KeyValuePair<string, string>> Hyperparameters =>
    [
        new("lr", OptimizerMath.Format(_learningRate)),
        new("alpha", OptimizerMath.Format(_alpha)),
        new("eps", OptimizerMath.Format(_epsilon)),
        new("weight_decay", OptimizerMath.Format(_weightDecay)),
        new("momentum", OptimizerMath.Format(_momentum)),
        new("centered", OptimizerMath.Format(_centered)),
    ];

    /// <inheritdoc />
    /// <value><c>square_avg</c>, then <c>momentum_buffer</c> when momentum &gt; 0, then <c>grad_avg</c> when centered.</value>
    public IReadOnlyList<string> StateNames => _stateNames;

    /// <inheritdoc />
    public Span<float> GetState(int index)
    {
        if ((uint)index >= (uint)_stateNames.Length)
        {
            throw OptimizerMath.StateIndexOutOfRange(index, _stateNames.Length);
        }

        return _stateNames[index] switch
        {
            "square_avg" => _squareAvg,
            "momentum_buffer" => _momentumBuffer,
            _ => _gradAvg,
        };
    }

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

        StepCount++;
        if (ParameterCount == 0)
        {
            return;
        }

        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float sq = ref MemoryMarshal.GetArrayDataReference(_squareAvg);
        ref float buf = ref MemoryMarshal.GetArrayDataReference(_momentumBuffer);
        ref float ga = ref MemoryMarshal.GetArrayDataReference(_gradAvg);
        bool hasWeightDecay = _weightDecay != 0f;
        bool hasMomentum = _momentum > 0f;
        bool centered = _centered;
        float wd = _weightDecay, alpha = _alpha, oma = _oneMinusAlpha, eps = _epsilon, mu = _momentum, negLr = -_learningRate;
        int n = ParameterCount;
        int i = 0;

        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<float> vWd = Vector512.Create(wd), vAlpha = Vector512.Create(alpha), vOma = Vector512.Create(oma);
            Vector512<float> vEps = Vector512.Create(eps), vMu = Vector512.Create(mu), vNegLr = Vector512.Create(negLr);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> pi = Vector512.LoadUnsafe(ref p, (nuint)i);
                Vector512<float> gi = Vector512.LoadUnsafe(ref g, (nuint)i);
                if (hasWeightDecay)
                {
                    gi = Vector512.FusedMultiplyAdd(pi, vWd, gi);                                                // g + wd·p
                }

                Vector512<float> si = Vector512.FusedMultiplyAdd(vOma * gi, gi, Vector512.LoadUnsafe(ref sq, (nuint)i) * vAlpha); // α·s + (1−α)·g·g
                si.StoreUnsafe(ref sq, (nuint)i);
                Vector512<float> avg;
                if (centered)
                {
                    Vector512<float> ai = Vector512.FusedMultiplyAdd(gi, vOma, Vector512.LoadUnsafe(ref ga, (nuint)i) * vAlpha); // α·a + (1−α)·g
                    ai.StoreUnsafe(ref ga, (nuint)i);
                    avg = Vector512.Sqrt(Vector512.FusedMultiplyAdd(-ai, ai, si)) + vEps;                         // √(s − a·a) + ε
                }
                else
                {
                    avg = Vector512.Sqrt(si) + vEps;                                                               // √s + ε
                }

                if (hasMomentum)
                {
                    Vector512<float> bi = Vector512.LoadUnsafe(ref buf, (nuint)i) * vMu + gi / avg;                // μ·b + g/d
                    bi.StoreUnsafe(ref buf, (nuint)i);
                    Vector512.FusedMultiplyAdd(bi, vNegLr, pi).StoreUnsafe(ref p, (nuint)i);                       // p − lr·b
                }
                else
                {
                    (pi + vNegLr * gi / avg).StoreUnsafe(ref p, (nuint)i);                                        // p − lr·g/d
                }
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Vector256<float> vWd = Vector256.Create(wd), vAlpha = Vector256.Create(alpha), vOma = Vector256.Create(oma);
            Vector256<float> vEps = Vector256.Create(eps), vMu = Vector256.Create(mu), vNegLr = Vector256.Create(negLr);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> pi = Vector256.LoadUnsafe(ref p, (nuint)i);
                Vector256<float> gi = Vector256.LoadUnsafe(ref g, (nuint)i);
                if (hasWeightDecay)
                {
                    gi = Vector256.FusedMultiplyAdd(pi, vWd, gi);
                }

                Vector256<float> si = Vector256.FusedMultiplyAdd(vOma * gi, gi, Vector256.LoadUnsafe(ref sq, (nuint)i) * vAlpha);
                si.StoreUnsafe(ref sq, (nuint)i);
                Vector256<float> avg;
                if (centered)
                {
                    Vector256<float> ai = Vector256.FusedMultiplyAdd(gi, vOma, Vector256.LoadUnsafe(ref ga, (nuint)i) * vAlpha);
                    ai.StoreUnsafe(ref ga, (nuint)i);
                    avg = Vector256.Sqrt(Vector256.FusedMultiplyAdd(-ai, ai, si)) + vEps;
                }
                else
                {
                    avg = Vector256.Sqrt(si) + vEps;
                }

                if (hasMomentum)
                {
                    Vector256<float> bi = Vector256.LoadUnsafe(ref buf, (nuint)i) * vMu + gi / avg;
                    bi.StoreUnsafe(ref buf, (nuint)i);
                    Vector256.FusedMultiplyAdd(bi, vNegLr, pi).StoreUnsafe(ref p, (nuint)i);
                }
                else
                {
                    (pi + vNegLr * gi / avg).StoreUnsafe(ref p, (nuint)i);
                }
            }
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            Vector128<float> vWd = Vector128.Create(wd), vAlpha = Vector128.Create(alpha), vOma = Vector128.Create(oma);
            Vector128<float> vEps = Vector128.Create(eps), vMu = Vector128.Create(mu), vNegLr = Vector128.Create(negLr);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> pi = Vector128.LoadUnsafe(ref p, (nuint)i);
                Vector128<float> gi = Vector128.LoadUnsafe(ref g, (nuint)i);
                if (hasWeightDecay)
                {
                    gi = OptimizerMath.MulAdd(pi, vWd, gi);
                }

                Vector128<float> si = OptimizerMath.MulAdd(vOma * gi, gi, Vector128.LoadUnsafe(ref sq, (nuint)i) * vAlpha);
                si.StoreUnsafe(ref sq, (nuint)i);
                Vector128<float> avg;
                if (centered)
                {
                    Vector128<float> ai = OptimizerMath.MulAdd(gi, vOma, Vector128.LoadUnsafe(ref ga, (nuint)i) * vAlpha);
                    ai.StoreUnsafe(ref ga, (nuint)i);
                    avg = Vector128.Sqrt(OptimizerMath.MulAdd(-ai, ai, si)) + vEps;
                }
                else
                {
                    avg = Vector128.Sqrt(si) + vEps;
                }

                if (hasMomentum)
                {
                    Vector128<float> bi = Vector128.LoadUnsafe(ref buf, (nuint)i) * vMu + gi / avg;
                    bi.StoreUnsafe(ref buf, (nuint)i);
                    OptimizerMath.MulAdd(bi, vNegLr, pi).StoreUnsafe(ref p, (nuint)i);
                }
                else
                {
                    (pi + vNegLr * gi / avg).StoreUnsafe(ref p, (nuint)i);
                }
            }
        }

        for (; i < n; i++)
        {
            float pi = Unsafe.Add(ref p, i);
            float gi = Unsafe.Add(ref g, i);
            if (hasWeightDecay)
            {
                gi = OptimizerMath.MulAdd(pi, wd, gi);
            }

            ref float sRef = ref Unsafe.Add(ref sq, i);
            float si = OptimizerMath.MulAdd(oma * gi, gi, sRef * alpha);
            sRef = si;
            float avg;
            if (centered)
            {
                ref float aRef = ref Unsafe.Add(ref ga, i);
                float ai = OptimizerMath.MulAdd(gi, oma, aRef * alpha);
                aRef = ai;
                avg = MathF.Sqrt(OptimizerMath.MulAdd(-ai, ai, si)) + eps;
            }
            else
            {
                avg = MathF.Sqrt(si) + eps;
            }

            if (hasMomentum)
            {
                ref float bRef = ref Unsafe.Add(ref buf, i);
                float bi = bRef * mu + gi / avg;
                bRef = bi;
                Unsafe.Add(ref p, i) = OptimizerMath.MulAdd(bi, negLr, pi);
            }
            else
            {
                Unsafe.Add(ref p, i) = pi + negLr * gi / avg;
            }
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
        Array.Clear(_squareAvg);
        Array.Clear(_momentumBuffer);
        Array.Clear(_gradAvg);
        StepCount = 0;
    }
}
