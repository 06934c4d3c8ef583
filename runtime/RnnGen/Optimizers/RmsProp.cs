using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
        OptimizerMath.ValidateLengths(parameters.Length, gradients.Length, ParameterCount);
        StepCount++;
        if (ParameterCount == 0)
        {
            return;
        }

        UpdateLoop.Run(new StepScalars(this), parameters, gradients);
    }

    /// <inheritdoc />
    public void Reset()
    {
        Array.Clear(_squareAvg);
        Array.Clear(_momentumBuffer);
        Array.Clear(_gradAvg);
        StepCount = 0;
    }

    /// <summary>What a step needs besides the spans: the optimizer (RMSprop has no per-step scalar).</summary>
    private readonly struct StepScalars(RmsProp rmsProp) : IUpdateStep
    {
        public int Chunks<V>(Span<float> parameters, ReadOnlySpan<float> gradients, int start)
            where V : struct, ILanes<V> =>
            UpdateLoop.Chunks<Update<V>, V>(new Update<V>(rmsProp, parameters, gradients), start, parameters.Length);
    }

    /// <summary>
    /// The update at width <typeparamref name="V"/>: g ← g + wd·p; s ← α·s + (1 − α)·g·g; d ← √(s − a·a) + ε with
    /// a ← α·a + (1 − α)·g when centered, else √s + ε; then b ← μ·b + g/d and p ← p − lr·b with momentum, else
    /// p ← p − lr·g/d.
    /// </summary>
    private readonly ref struct Update<V> : IUpdateOperator
        where V : struct, ILanes<V>
    {
        private readonly ref float _p;
        private readonly ref float _g;
        private readonly ref float _squareAvg;
        private readonly ref float _momentumBuffer;
        private readonly ref float _gradAvg;
        private readonly V _weightDecay;
        private readonly V _alpha;
        private readonly V _oneMinusAlpha;
        private readonly V _epsilon;
        private readonly V _momentum;
        private readonly V _negLearningRate;
        private readonly bool _hasWeightDecay;
        private readonly bool _hasMomentum;
        private readonly bool _centered;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Update(RmsProp rmsProp, Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            _p = ref MemoryMarshal.GetReference(parameters);
            _g = ref MemoryMarshal.GetReference(gradients);
            _squareAvg = ref MemoryMarshal.GetArrayDataReference(rmsProp._squareAvg);
            _momentumBuffer = ref MemoryMarshal.GetArrayDataReference(rmsProp._momentumBuffer);
            _gradAvg = ref MemoryMarshal.GetArrayDataReference(rmsProp._gradAvg);
            _weightDecay = V.Create(rmsProp._weightDecay);
            _alpha = V.Create(rmsProp._alpha);
            _oneMinusAlpha = V.Create(rmsProp._oneMinusAlpha);
            _epsilon = V.Create(rmsProp._epsilon);
            _momentum = V.Create(rmsProp._momentum);
            _negLearningRate = V.Create(-rmsProp._learningRate);
            _hasWeightDecay = rmsProp._weightDecay != 0f;
            _hasMomentum = rmsProp._momentum > 0f;
            _centered = rmsProp._centered;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke(nuint i)
        {
            V p = V.Load(ref _p, i);
            V g = V.Load(ref _g, i);
            if (_hasWeightDecay)
            {
                g = V.MulAdd(p, _weightDecay, g);                                                   // g + wd·p
            }

            V s = V.MulAdd(_oneMinusAlpha * g, g, V.Load(ref _squareAvg, i) * _alpha);            // α·s + (1−α)·g·g
            s.Store(ref _squareAvg, i);
            V avg;
            if (_centered)
            {
                V a = V.MulAdd(g, _oneMinusAlpha, V.Load(ref _gradAvg, i) * _alpha);              // α·a + (1−α)·g
                a.Store(ref _gradAvg, i);
                avg = V.Sqrt(V.MulAdd(-a, a, s)) + _epsilon;                                      // √(s − a·a) + ε
            }
            else
            {
                avg = V.Sqrt(s) + _epsilon;                                                        // √s + ε
            }

            if (_hasMomentum)
            {
                V b = V.Load(ref _momentumBuffer, i) * _momentum + g / avg;                         // μ·b + g/d
                b.Store(ref _momentumBuffer, i);
                V.MulAdd(b, _negLearningRate, p).Store(ref _p, i);                                 // p − lr·b
            }
            else
            {
                (p + _negLearningRate * g / avg).Store(ref _p, i);                                // p − lr·g/d
            }
        }
    }
}
