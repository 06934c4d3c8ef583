using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

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
        ValidateLearningRate(learningRate, nameof(learningRate));
        if (!(momentum >= 0f) || float.IsInfinity(momentum))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Invalid momentum value: must be finite and >= 0.");
        }

        if (!float.IsFinite(dampening))
        {
            throw new ArgumentOutOfRangeException(nameof(dampening), dampening, "Invalid dampening value: must be finite.");
        }

        if (!(weightDecay >= 0f) || float.IsInfinity(weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Invalid weight_decay value: must be finite and >= 0.");
        }

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
            ValidateLearningRate(value, nameof(value));
            _learningRate = value;
        }
    }

    /// <inheritdoc />
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (parameters.Length != ParameterCount)
        {
            ThrowLengthMismatch(nameof(parameters), parameters.Length, ParameterCount);
        }

        if (gradients.Length != ParameterCount)
        {
            ThrowLengthMismatch(nameof(gradients), gradients.Length, ParameterCount);
        }

        bool firstStep = StepCount == 0;
        StepCount++;
        if (ParameterCount == 0)
        {
            return;
        }

        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float buf = ref MemoryMarshal.GetArrayDataReference(_momentumBuffer);
        bool hasWeightDecay = _weightDecay != 0f;
        bool hasMomentum = _momentum != 0f;
        bool nesterov = _nesterov;
        float wd = _weightDecay, mu = _momentum, omd = _oneMinusDampening, negLr = -_learningRate;
        int n = ParameterCount;
        int i = 0;

        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<float> vWd = Vector512.Create(wd), vMu = Vector512.Create(mu), vOmd = Vector512.Create(omd), vNegLr = Vector512.Create(negLr);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> pi = Vector512.LoadUnsafe(ref p, (nuint)i);
                Vector512<float> d = Vector512.LoadUnsafe(ref g, (nuint)i);
                if (hasWeightDecay)
                {
                    d = Vector512.FusedMultiplyAdd(pi, vWd, d); // d = g + wd·p
                }

                if (hasMomentum)
                {
                    Vector512<float> b = firstStep ? d : Vector512.FusedMultiplyAdd(d, vOmd, Vector512.LoadUnsafe(ref buf, (nuint)i) * vMu);
                    b.StoreUnsafe(ref buf, (nuint)i);
                    d = nesterov ? Vector512.FusedMultiplyAdd(b, vMu, d) : b;
                }

                Vector512.FusedMultiplyAdd(d, vNegLr, pi).StoreUnsafe(ref p, (nuint)i); // p = p − lr·d
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Vector256<float> vWd = Vector256.Create(wd), vMu = Vector256.Create(mu), vOmd = Vector256.Create(omd), vNegLr = Vector256.Create(negLr);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> pi = Vector256.LoadUnsafe(ref p, (nuint)i);
                Vector256<float> d = Vector256.LoadUnsafe(ref g, (nuint)i);
                if (hasWeightDecay)
                {
                    d = Vector256.FusedMultiplyAdd(pi, vWd, d);
                }

                if (hasMomentum)
                {
                    Vector256<float> b = firstStep ? d : Vector256.FusedMultiplyAdd(d, vOmd, Vector256.LoadUnsafe(ref buf, (nuint)i) * vMu);
                    b.StoreUnsafe(ref buf, (nuint)i);
                    d = nesterov ? Vector256.FusedMultiplyAdd(b, vMu, d) : b;
                }

                Vector256.FusedMultiplyAdd(d, vNegLr, pi).StoreUnsafe(ref p, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            Vector128<float> vWd = Vector128.Create(wd), vMu = Vector128.Create(mu), vOmd = Vector128.Create(omd), vNegLr = Vector128.Create(negLr);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> pi = Vector128.LoadUnsafe(ref p, (nuint)i);
                Vector128<float> d = Vector128.LoadUnsafe(ref g, (nuint)i);
                if (hasWeightDecay)
                {
                    d = MulAdd(pi, vWd, d);
                }

                if (hasMomentum)
                {
                    Vector128<float> b = firstStep ? d : MulAdd(d, vOmd, Vector128.LoadUnsafe(ref buf, (nuint)i) * vMu);
                    b.StoreUnsafe(ref buf, (nuint)i);
                    d = nesterov ? MulAdd(b, vMu, d) : b;
                }

                MulAdd(d, vNegLr, pi).StoreUnsafe(ref p, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float pi = Unsafe.Add(ref p, i);
            float d = Unsafe.Add(ref g, i);
            if (hasWeightDecay)
            {
                d = MulAdd(pi, wd, d);
            }

            if (hasMomentum)
            {
                ref float bi = ref Unsafe.Add(ref buf, i);
                float b = firstStep ? d : MulAdd(d, omd, bi * mu);
                bi = b;
                d = nesterov ? MulAdd(b, mu, d) : b;
            }

            Unsafe.Add(ref p, i) = MulAdd(d, negLr, pi);
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
        Array.Clear(_momentumBuffer);
        StepCount = 0;
    }

    // a·b + c as one fused multiply-add where that is a hardware instruction (x64 FMA3, Arm64: the
    // Vector512/Vector256 loops only run on such hardware), otherwise as a multiply and an add — as
    // PyTorch's non-AVX2 kernels do — instead of a slow emulated FMA. The JIT folds the test.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Fma.IsSupported || AdvSimd.IsSupported ? Vector128.FusedMultiplyAdd(a, b, c) : a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MulAdd(float a, float b, float c) =>
        Fma.IsSupported || AdvSimd.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    private static void ValidateLearningRate(float learningRate, string paramName)
    {
        if (!(learningRate >= 0f) || float.IsInfinity(learningRate))
        {
            throw new ArgumentOutOfRangeException(paramName, learningRate, "Invalid learning rate: must be finite and >= 0.");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLengthMismatch(string paramName, int actual, int expected) =>
        throw new ArgumentException($"{paramName} has {actual} elements; this optimizer was created for {expected} parameters.", paramName);
}
