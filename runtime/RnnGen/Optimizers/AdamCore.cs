using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnGen;

/// <summary>
/// What <see cref="Adam"/> and <see cref="AdamW"/> share: the hyperparameters, the moments, the step count and the
/// update. AdamW is Adam with decoupled weight decay: <see cref="Step"/> either adds weightDecay·p to the gradient
/// (Adam's L2 penalty) or multiplies the parameters by 1 − lr·weightDecay first (AdamW's decay).
/// </summary>
internal sealed class AdamCore
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

    /// <summary>Checks the arguments as PyTorch's Adam and AdamW do and allocates the moments.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count or hyperparameter is out of range, NaN or infinite.</exception>
    public AdamCore(int parameterCount, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, bool amsgrad)
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

    public int ParameterCount { get; }

    public long StepCount { get; private set; }

    /// <summary>The step size; setting it checks it (≥ 0, finite) and keeps its decimal value for the scalars.</summary>
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

    /// <summary><c>lr</c>, <c>betas</c>, <c>eps</c>, <c>weight_decay</c>, <c>amsgrad</c>: the same keys for Adam and AdamW.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Hyperparameters =>
    [
        new("lr", OptimizerMath.Format(_learningRate)),
        new("betas", OptimizerMath.Format(_beta1, _beta2)),
        new("eps", OptimizerMath.Format(_epsilon)),
        new("weight_decay", OptimizerMath.Format(_weightDecay)),
        new("amsgrad", OptimizerMath.Format(_amsgrad)),
    ];

    /// <summary><c>exp_avg</c>, <c>exp_avg_sq</c>, and <c>max_exp_avg_sq</c> with AMSGrad.</summary>
    public IReadOnlyList<string> StateNames => _amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"];

    public Span<float> GetState(int index) => index switch
    {
        0 => _m,
        1 => _v,
        2 when _amsgrad => _vMax,
        _ => throw OptimizerMath.StateIndexOutOfRange(index, _amsgrad ? 3 : 2),
    };

    public void RestoreStepCount(long stepCount)
    {
        OptimizerMath.ValidateStepCount(stepCount);
        StepCount = stepCount;
    }

    /// <summary>One step of Adam (<paramref name="decoupledWeightDecay"/> false) or AdamW (true).</summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, bool decoupledWeightDecay)
    {
        OptimizerMath.ValidateLengths(parameters.Length, gradients.Length, ParameterCount);
        long t = ++StepCount;
        if (ParameterCount == 0)
        {
            return;
        }

        // Scalars in double, as PyTorch computes them from Python floats.
        double biasCorrection1 = 1.0 - Math.Pow(_beta1Decimal, t);
        double biasCorrection2 = 1.0 - Math.Pow(_beta2Decimal, t);
        float negStep = (float)-(_learningRateDecimal / biasCorrection1);
        float bc2Sqrt = (float)Math.Sqrt(biasCorrection2);
        float decay = decoupledWeightDecay ? (float)(1.0 - _learningRateDecimal * _weightDecayDecimal) : 1f; // AdamW: param.mul_(1 - lr * weight_decay)
        bool l2 = !decoupledWeightDecay && _weightDecay != 0f;
        UpdateLoop.Run(new StepScalars(this, l2, decay, negStep, bc2Sqrt), parameters, gradients);
    }

    public void Reset()
    {
        Array.Clear(_m);
        Array.Clear(_v);
        Array.Clear(_vMax);
        StepCount = 0;
    }

    /// <summary>
    /// What a step needs besides the spans: the optimizer, which weight decay applies (<paramref name="l2"/>: Adam's
    /// penalty on the gradient; <paramref name="decay"/> ≠ 1: AdamW's factor on the parameters), −lr / (1 − β1^t)
    /// and √(1 − β2^t).
    /// </summary>
    private readonly struct StepScalars(AdamCore adam, bool l2, float decay, float negStep, float bc2Sqrt) : IUpdateStep
    {
        public int Chunks<V>(Span<float> parameters, ReadOnlySpan<float> gradients, int start)
            where V : struct, ILanes<V> =>
            UpdateLoop.Chunks<Update<V>, V>(new Update<V>(adam, l2, decay, negStep, bc2Sqrt, parameters, gradients), start, parameters.Length);
    }

    /// <summary>
    /// The update at width <typeparamref name="V"/>: g ← g + wd·p (Adam) or p ← p·(1 − lr·wd) (AdamW);
    /// m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g·g; v̂ ← max(vmax, v) with AMSGrad, else v;
    /// p ← p − (lr / (1 − β1^t))·m / (√v̂ / √(1 − β2^t) + ε).
    /// Each element needs a square root and two divisions, and on x64 all three share one divider (16 floats of the
    /// three take about 23 cycles on AMD Zen 4, more than the memory traffic). The division by √(1 − β2^t), the same
    /// for every element, goes through <see cref="ILanes{TSelf}.DivideByInvariant"/> instead: the same bits from fused
    /// multiply-adds. Its conditions hold here: √(1 − β2^t) is in [2⁻¹³, 1] (β2 &lt; 1 as a float, so 1 − β2^t is
    /// at least 1 − β2, about 6·10⁻⁸ at the least), and √v̂ is ±0, +∞, NaN or in [2⁻⁷⁵, 2⁶⁴] (the square root of a
    /// float).
    /// </summary>
    private readonly ref struct Update<V> : IUpdateOperator
        where V : struct, ILanes<V>
    {
        private readonly ref float _p;
        private readonly ref float _g;
        private readonly ref float _m;
        private readonly ref float _v;
        private readonly ref float _vMax;
        private readonly V _weightDecay;
        private readonly V _decay;
        private readonly V _beta1;
        private readonly V _beta2;
        private readonly V _oneMinusBeta1;
        private readonly V _oneMinusBeta2;
        private readonly V _epsilon;
        private readonly V _negStep;
        private readonly V _negBc2Sqrt;
        private readonly V _bc2SqrtReciprocal;
        private readonly bool _l2;
        private readonly bool _hasDecay;
        private readonly bool _amsgrad;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Update(AdamCore adam, bool l2, float decay, float negStep, float bc2Sqrt, Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            _p = ref MemoryMarshal.GetReference(parameters);
            _g = ref MemoryMarshal.GetReference(gradients);
            _m = ref MemoryMarshal.GetArrayDataReference(adam._m);
            _v = ref MemoryMarshal.GetArrayDataReference(adam._v);
            _vMax = ref MemoryMarshal.GetArrayDataReference(adam._vMax);
            _weightDecay = V.Create(adam._weightDecay);
            _decay = V.Create(decay);
            _beta1 = V.Create(adam._beta1);
            _beta2 = V.Create(adam._beta2);
            _oneMinusBeta1 = V.Create(adam._oneMinusBeta1);
            _oneMinusBeta2 = V.Create(adam._oneMinusBeta2);
            _epsilon = V.Create(adam._epsilon);
            _negStep = V.Create(negStep);
            _negBc2Sqrt = V.Create(-bc2Sqrt);
            _bc2SqrtReciprocal = V.Create(1f / bc2Sqrt);
            _l2 = l2;
            _hasDecay = decay != 1f;
            _amsgrad = adam._amsgrad;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke(nuint i)
        {
            V p = V.Load(ref _p, i);
            V g = V.Load(ref _g, i);
            if (_l2)
            {
                g = V.MulAdd(p, _weightDecay, g);                                        // Adam: g + wd·p
            }

            if (_hasDecay)
            {
                p *= _decay;                                                             // AdamW: p·(1 − lr·wd)
            }

            V m = V.MulAdd(g, _oneMinusBeta1, V.Load(ref _m, i) * _beta1);             // β1·m + (1−β1)·g
            V v = V.MulAdd(_oneMinusBeta2 * g, g, V.Load(ref _v, i) * _beta2);         // β2·v + (1−β2)·g·g
            m.Store(ref _m, i);
            v.Store(ref _v, i);
            if (_amsgrad)
            {
                v = V.Max(V.Load(ref _vMax, i), v);                                      // v̂ = max(vmax, v)
                v.Store(ref _vMax, i);
            }

            V denom = V.DivideByInvariant(V.Sqrt(v), _negBc2Sqrt, _bc2SqrtReciprocal) + _epsilon; // √v̂/√bc2 + ε
            (p + _negStep * m / denom).Store(ref _p, i);                               // p − step·m/denom
        }
    }
}
