using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnGen;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2
/// weight decay: exactly PyTorch's <c>torch.optim.SGD</c> update.
/// </summary>
/// <remarks>
/// Per element, with gradient <c>g</c>, parameter <c>p</c> and momentum buffer <c>buf</c>:
/// <code>
/// g ← g + weightDecay·p                          (if weightDecay ≠ 0)
/// if momentum ≠ 0:
///     buf ← g                                    (first step after construction or Reset)
///     buf ← momentum·buf + (1 − dampening)·g     (later steps)
///     g   ← nesterov ? g + momentum·buf : buf
/// p ← p − learningRate·g
/// </code>
/// Evaluated in <see cref="float"/> with the same operation order as PyTorch's CPU kernels: a
/// scaled add is one fused multiply-add where the hardware has FMA (as PyTorch's AVX2 kernels;
/// on such machines the results match PyTorch bit for bit), a multiply and an add elsewhere.
/// On a given machine every vector width and the scalar path give bit-identical results.
/// <see cref="Step"/> allocates nothing.
/// </remarks>
public sealed class Sgd : IOptimizer
{
    private readonly float[] _momentumBuffer;
    private readonly float _momentum;
    private readonly float _oneMinusDampening;
    private readonly bool _nesterov;
    private readonly float _dampening;
    private readonly float _weightDecay;
    private float _learningRate;

    /// <summary>Creates an SGD optimizer for <paramref name="parameterCount"/> parameters.</summary>
    /// <param name="parameterCount">Length of the parameter and gradient spans passed to <see cref="Step"/> (≥ 0).</param>
    /// <param name="learningRate">Step size (≥ 0).</param>
    /// <param name="momentum">Momentum factor μ (≥ 0); 0 disables momentum and its buffer.</param>
    /// <param name="dampening">Dampening of the gradient added to the momentum buffer (PyTorch's <c>dampening</c>).</param>
    /// <param name="nesterov">Use Nesterov momentum; requires <paramref name="momentum"/> &gt; 0 and <paramref name="dampening"/> = 0.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (≥ 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or hyperparameter is negative, NaN or infinite.</exception>
    /// <exception cref="ArgumentException"><paramref name="nesterov"/> without momentum or with dampening.</exception>
    public Sgd(int parameterCount, float learningRate, float momentum = 0f, float dampening = 0f, bool nesterov = false, float weightDecay = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        OptimizerMath.ValidateLearningRate(learningRate, nameof(learningRate));
        OptimizerMath.ValidateNonNegative(momentum, nameof(momentum), "momentum");

        if (!float.IsFinite(dampening))
        {
            throw new ArgumentOutOfRangeException(nameof(dampening), dampening, "Invalid dampening value: must be finite.");
        }

        OptimizerMath.ValidateNonNegative(weightDecay, nameof(weightDecay), "weight_decay");

        if (nesterov && (momentum <= 0f || dampening != 0f))
        {
            throw new ArgumentException("Nesterov momentum requires a momentum > 0 and zero dampening.", nameof(nesterov));
        }

        ParameterCount = parameterCount;
        _learningRate = learningRate;
        _momentum = momentum;
        _oneMinusDampening = (float)(1.0 - dampening); // PyTorch: alpha = 1 - dampening in double, used as float
        _nesterov = nesterov;
        _dampening = dampening;
        _weightDecay = weightDecay;
        _momentumBuffer = momentum != 0f ? new float[parameterCount] : [];
    }

    /// <inheritdoc />
    public int ParameterCount { get; }

    /// <inheritdoc />
    public long StepCount { get; private set; }

    /// <inheritdoc />
    /// <value><c>sgd</c>.</value>
    public string Kind => "sgd";

    /// <inheritdoc />
    /// <value><c>lr</c>, <c>momentum</c>, <c>dampening</c>, <c>weight_decay</c>, <c>nesterov</c>.</value>
    public IReadOnlyList<KeyValuePair<string, string>> Hyperparameters =>
    [
        new("lr", OptimizerMath.Format(_learningRate)),
        new("momentum", OptimizerMath.Format(_momentum)),
        new("dampening", OptimizerMath.Format(_dampening)),
        new("weight_decay", OptimizerMath.Format(_weightDecay)),
        new("nesterov", OptimizerMath.Format(_nesterov)),
    ];

    /// <inheritdoc />
    /// <value><c>momentum_buffer</c> when momentum ≠ 0, otherwise none.</value>
    public IReadOnlyList<string> StateNames => _momentum != 0f ? ["momentum_buffer"] : [];

    /// <inheritdoc />
    public Span<float> GetState(int index) =>
        index == 0 && _momentum != 0f ? _momentumBuffer : throw OptimizerMath.StateIndexOutOfRange(index, _momentum != 0f ? 1 : 0);

    /// <inheritdoc />
    /// <remarks>A step count of 0 makes the next step start the momentum buffer afresh (buf ← g), as PyTorch does when it has no buffer.</remarks>
    public void RestoreStepCount(long stepCount)
    {
        OptimizerMath.ValidateStepCount(stepCount);
        StepCount = stepCount;
    }

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
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        OptimizerMath.ValidateLengths(parameters.Length, gradients.Length, ParameterCount);
        bool firstStep = StepCount == 0;
        StepCount++;
        if (ParameterCount == 0)
        {
            return;
        }

        UpdateLoop.Run(new StepScalars(this, firstStep), parameters, gradients);
    }

    /// <inheritdoc />
    public void Reset()
    {
        Array.Clear(_momentumBuffer);
        StepCount = 0;
    }

    /// <summary>What a step needs besides the spans: the optimizer and whether the momentum buffer starts afresh.</summary>
    private readonly struct StepScalars(Sgd sgd, bool firstStep) : IUpdateStep
    {
        public int Chunks<V>(Span<float> parameters, ReadOnlySpan<float> gradients, int start)
            where V : struct, ILanes<V> =>
            UpdateLoop.Chunks<Update<V>, V>(new Update<V>(sgd, firstStep, parameters, gradients), start, parameters.Length);
    }

    /// <summary>
    /// The update at width <typeparamref name="V"/>: d ← g + wd·p; buf ← μ·buf + (1 − dampening)·d (buf ← d on the
    /// first step); d ← nesterov ? d + μ·buf : buf; p ← p − lr·d.
    /// </summary>
    private readonly ref struct Update<V> : IUpdateOperator
        where V : struct, ILanes<V>
    {
        private readonly ref float _p;
        private readonly ref float _g;
        private readonly ref float _buf;
        private readonly V _weightDecay;
        private readonly V _momentum;
        private readonly V _oneMinusDampening;
        private readonly V _negLearningRate;
        private readonly bool _hasWeightDecay;
        private readonly bool _hasMomentum;
        private readonly bool _nesterov;
        private readonly bool _firstStep;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Update(Sgd sgd, bool firstStep, Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            _p = ref MemoryMarshal.GetReference(parameters);
            _g = ref MemoryMarshal.GetReference(gradients);
            _buf = ref MemoryMarshal.GetArrayDataReference(sgd._momentumBuffer);
            _weightDecay = V.Create(sgd._weightDecay);
            _momentum = V.Create(sgd._momentum);
            _oneMinusDampening = V.Create(sgd._oneMinusDampening);
            _negLearningRate = V.Create(-sgd._learningRate);
            _hasWeightDecay = sgd._weightDecay != 0f;
            _hasMomentum = sgd._momentum != 0f;
            _nesterov = sgd._nesterov;
            _firstStep = firstStep;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke(nuint i)
        {
            V p = V.Load(ref _p, i);
            V d = V.Load(ref _g, i);
            if (_hasWeightDecay)
            {
                d = V.MulAdd(p, _weightDecay, d);                                                  // d = g + wd·p
            }

            if (_hasMomentum)
            {
                V b = _firstStep ? d : V.MulAdd(d, _oneMinusDampening, V.Load(ref _buf, i) * _momentum); // buf = μ·buf + (1 − dampening)·d
                b.Store(ref _buf, i);
                d = _nesterov ? V.MulAdd(b, _momentum, d) : b;                                       // d = d + μ·buf, or buf
            }

            V.MulAdd(d, _negLearningRate, p).Store(ref _p, i);                                      // p = p − lr·d
        }
    }
}
