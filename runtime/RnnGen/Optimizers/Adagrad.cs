using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnGen;

/// <summary>
/// Adagrad (Duchi et al.) with learning-rate decay, L2 weight decay and an initial accumulator value: exactly
/// PyTorch's <c>torch.optim.Adagrad</c> (1.13, single-tensor path, dense gradients).
/// </summary>
/// <remarks>
/// At step t (1-based), per element, with gradient <c>g</c>, parameter <c>p</c> and accumulator <c>s</c>
/// (PyTorch's <c>sum</c>, starting at <c>initialAccumulatorValue</c>):
/// <code>
/// g   ← g + weightDecay·p                        (if weightDecay ≠ 0)
/// clr ← lr / (1 + (t − 1)·lrDecay)
/// s   ← s + g·g
/// p   ← p − clr·g / (√s + ε)
/// </code>
/// <para>PyTorch's defaults are lr = 1e-2, initial_accumulator_value = 0, eps = 1e-10; Keras' are lr = 1e-3,
/// initial_accumulator_value = 0.1, epsilon = 1e-7 (and Keras has no lr_decay).</para>
/// <para><c>clr</c> is computed in <see cref="double"/> from the decimal values of the hyperparameters, like the
/// Python floats PyTorch uses; the element-wise part runs in <see cref="float"/> in PyTorch's operation order, with
/// fused multiply-adds where the hardware has FMA (as PyTorch's AVX2 kernels) and a multiply and an add elsewhere.
/// Every vector width and the scalar path give bit-identical results on a given machine, and <see cref="Step"/>
/// allocates nothing.</para>
/// </remarks>
public sealed class Adagrad : IOptimizer
{
    private readonly float[] _sum;
    private readonly float _learningRateDecay;
    private readonly double _learningRateDecayDecimal;
    private readonly float _weightDecay;
    private readonly float _epsilon;
    private float _learningRate;
    private double _learningRateDecimal;

    /// <summary>Creates an Adagrad optimizer for <paramref name="parameterCount"/> parameters.</summary>
    /// <param name="parameterCount">Length of the parameter and gradient spans passed to <see cref="Step"/> (≥ 0).</param>
    /// <param name="learningRate">Step size (≥ 0). Default 1e-2, as PyTorch (Keras: 1e-3).</param>
    /// <param name="learningRateDecay">Step t uses lr / (1 + (t − 1)·learningRateDecay) (≥ 0). Default 0.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (≥ 0).</param>
    /// <param name="initialAccumulatorValue">Starting value of every accumulator (≥ 0). Default 0, as PyTorch (Keras: 0.1).</param>
    /// <param name="epsilon">Added to the denominator, outside the square root (≥ 0, and &gt; 0 when <paramref name="initialAccumulatorValue"/> is 0, or an always-zero gradient gives 0/0 = NaN). Default 1e-10, as PyTorch (Keras: 1e-7).</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or hyperparameter is negative, NaN or infinite.</exception>
    public Adagrad(int parameterCount, float learningRate = 1e-2f, float learningRateDecay = 0f, float weightDecay = 0f, float initialAccumulatorValue = 0f, float epsilon = 1e-10f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        OptimizerMath.ValidateLearningRate(learningRate, nameof(learningRate));
        OptimizerMath.ValidateNonNegative(learningRateDecay, nameof(learningRateDecay), "lr_decay");
        OptimizerMath.ValidateNonNegative(weightDecay, nameof(weightDecay), "weight_decay");
        OptimizerMath.ValidateNonNegative(initialAccumulatorValue, nameof(initialAccumulatorValue), "initial_accumulator_value");
        OptimizerMath.ValidateNonNegative(epsilon, nameof(epsilon), "epsilon");
        if (epsilon == 0f && initialAccumulatorValue == 0f)
        {
            // PyTorch accepts this, but an element whose gradient is always zero (a generated model's SIMD padding)
            // would compute 0/(√0 + 0) = NaN.
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon,
                "Invalid epsilon value: must be > 0 when initial_accumulator_value is 0 (otherwise an always-zero gradient, such as a generated model's SIMD padding, becomes 0/0 = NaN).");
        }

        ParameterCount = parameterCount;
        _learningRate = learningRate;
        _learningRateDecimal = OptimizerMath.ToDecimalDouble(learningRate);
        _learningRateDecay = learningRateDecay;
        _learningRateDecayDecimal = OptimizerMath.ToDecimalDouble(learningRateDecay);
        _weightDecay = weightDecay;
        InitialAccumulatorValue = initialAccumulatorValue;
        _epsilon = epsilon;
        _sum = new float[parameterCount];
        _sum.AsSpan().Fill(initialAccumulatorValue);
    }

    /// <inheritdoc />
    public int ParameterCount { get; }

    /// <inheritdoc />
    public long StepCount { get; private set; }

    /// <summary>The value every accumulator starts at (and returns to on <see cref="Reset"/>).</summary>
    public float InitialAccumulatorValue { get; }

    /// <summary>The base step size (before the lr_decay factor); may be changed between steps. Must be ≥ 0 and finite.</summary>
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
    /// <value><c>adagrad</c>.</value>
    public string Kind => "adagrad";

    /// <inheritdoc />
    /// <value><c>lr</c>, <c>lr_decay</c>, <c>weight_decay</c>, <c>initial_accumulator_value</c>, <c>eps</c>.</value>
    public IReadOnlyList<KeyValuePair<string, string>> Hyperparameters =>
    [
        new("lr", OptimizerMath.Format(_learningRate)),
        new("lr_decay", OptimizerMath.Format(_learningRateDecay)),
        new("weight_decay", OptimizerMath.Format(_weightDecay)),
        new("initial_accumulator_value", OptimizerMath.Format(InitialAccumulatorValue)),
        new("eps", OptimizerMath.Format(_epsilon)),
    ];

    /// <inheritdoc />
    /// <value><c>sum</c>.</value>
    public IReadOnlyList<string> StateNames => ["sum"];

    /// <inheritdoc />
    public Span<float> GetState(int index) => index == 0 ? _sum : throw OptimizerMath.StateIndexOutOfRange(index, 1);

    /// <inheritdoc />
    public void RestoreStepCount(long stepCount)
    {
        OptimizerMath.ValidateStepCount(stepCount);
        StepCount = stepCount;
    }

    /// <inheritdoc />
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        OptimizerMath.ValidateLengths(parameters.Length, gradients.Length, ParameterCount);
        long t = ++StepCount;
        if (ParameterCount == 0)
        {
            return;
        }

        // clr in double, as PyTorch computes it from Python floats; used as a float.
        float negClr = (float)-(_learningRateDecimal / (1.0 + (t - 1) * _learningRateDecayDecimal));
        UpdateLoop.Run(new StepScalars(this, negClr), parameters, gradients);
    }

    /// <inheritdoc />
    public void Reset()
    {
        _sum.AsSpan().Fill(InitialAccumulatorValue);
        StepCount = 0;
    }

    /// <summary>What a step needs besides the spans: the optimizer and −clr, this step's decayed learning rate.</summary>
    private readonly struct StepScalars(Adagrad adagrad, float negClr) : IUpdateStep
    {
        public int Chunks<V>(Span<float> parameters, ReadOnlySpan<float> gradients, int start)
            where V : struct, ILanes<V> =>
            UpdateLoop.Chunks<Update<V>, V>(new Update<V>(adagrad, negClr, parameters, gradients), start, parameters.Length);
    }

    /// <summary>The update at width <typeparamref name="V"/>: g ← g + wd·p; s ← s + g·g; p ← p − clr·g / (√s + ε).</summary>
    private readonly ref struct Update<V> : IUpdateOperator
        where V : struct, ILanes<V>
    {
        private readonly ref float _p;
        private readonly ref float _g;
        private readonly ref float _sum;
        private readonly V _weightDecay;
        private readonly V _epsilon;
        private readonly V _negClr;
        private readonly bool _hasWeightDecay;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Update(Adagrad adagrad, float negClr, Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            _p = ref MemoryMarshal.GetReference(parameters);
            _g = ref MemoryMarshal.GetReference(gradients);
            _sum = ref MemoryMarshal.GetArrayDataReference(adagrad._sum);
            _weightDecay = V.Create(adagrad._weightDecay);
            _epsilon = V.Create(adagrad._epsilon);
            _negClr = V.Create(negClr);
            _hasWeightDecay = adagrad._weightDecay != 0f;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke(nuint i)
        {
            V p = V.Load(ref _p, i);
            V g = V.Load(ref _g, i);
            if (_hasWeightDecay)
            {
                g = V.MulAdd(p, _weightDecay, g);                                // g + wd·p
            }

            V s = V.MulAdd(g, g, V.Load(ref _sum, i));                          // s + g·g
            s.Store(ref _sum, i);
            (p + _negClr * g / (V.Sqrt(s) + _epsilon)).Store(ref _p, i);       // p − clr·g/(√s + ε)
        }
    }
}
