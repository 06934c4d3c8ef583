using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

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
    private readonly bool _amsgrad;
    private float _learningRate;
    private double _learningRateDecimal;

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
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        ValidateLearningRate(learningRate, nameof(learningRate));
        if (!(beta1 >= 0f && beta1 < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "Invalid beta parameter: must be in [0, 1).");
        }

        if (!(beta2 >= 0f && beta2 < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "Invalid beta parameter: must be in [0, 1).");
        }

        OptimizerMath.ValidateEpsilon(epsilon, nameof(epsilon));

        if (!(weightDecay >= 0f) || float.IsInfinity(weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Invalid weight_decay value: must be finite and >= 0.");
        }

        ParameterCount = parameterCount;
        _beta1 = beta1;
        _beta2 = beta2;
        _beta1Decimal = ToDecimalDouble(beta1);
        _beta2Decimal = ToDecimalDouble(beta2);
        _oneMinusBeta1 = (float)(1.0 - _beta1Decimal); // PyTorch: alpha = 1 - beta1 (Python float), used as float
        _oneMinusBeta2 = (float)(1.0 - _beta2Decimal);
        _epsilon = epsilon;
        _weightDecay = weightDecay;
        _amsgrad = amsgrad;
        _learningRate = learningRate;
        _learningRateDecimal = ToDecimalDouble(learningRate);
        _m = new float[parameterCount];
        _v = new float[parameterCount];
        _vMax = amsgrad ? new float[parameterCount] : [];
    }

    /// <inheritdoc />
    public int ParameterCount { get; }

    /// <inheritdoc />
    public long StepCount { get; private set; }

    /// <inheritdoc />
    /// <value><c>adam</c>.</value>
    public string Kind => "adam";

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

    /// <summary>The step size; may be changed between steps (learning-rate schedules). Must be ≥ 0 and finite.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            ValidateLearningRate(value, nameof(value));
            _learningRate = value;
            _learningRateDecimal = ToDecimalDouble(value);
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

        long t = ++StepCount;
        if (ParameterCount == 0)
        {
            return;
        }

        // Scalars in double, as PyTorch computes them from Python floats.
        double biasCorrection1 = 1.0 - Math.Pow(_beta1Decimal, t);
        double biasCorrection2 = 1.0 - Math.Pow(_beta2Decimal, t);
        double stepSize = _learningRateDecimal / biasCorrection1;
        float negStep = (float)-stepSize;
        float bc2Sqrt = (float)Math.Sqrt(biasCorrection2);

        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float m = ref MemoryMarshal.GetArrayDataReference(_m);
        ref float v = ref MemoryMarshal.GetArrayDataReference(_v);
        ref float vMax = ref MemoryMarshal.GetArrayDataReference(_vMax);
        bool hasWeightDecay = _weightDecay != 0f;
        bool amsgrad = _amsgrad;
        float wd = _weightDecay, b1 = _beta1, b2 = _beta2, omb1 = _oneMinusBeta1, omb2 = _oneMinusBeta2, eps = _epsilon;
        int n = ParameterCount;
        int i = 0;

        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<float> vWd = Vector512.Create(wd), vB1 = Vector512.Create(b1), vB2 = Vector512.Create(b2);
            Vector512<float> vOmb1 = Vector512.Create(omb1), vOmb2 = Vector512.Create(omb2), vEps = Vector512.Create(eps);
            Vector512<float> vBc2Sqrt = Vector512.Create(bc2Sqrt), vNegStep = Vector512.Create(negStep);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> pi = Vector512.LoadUnsafe(ref p, (nuint)i);
                Vector512<float> gi = Vector512.LoadUnsafe(ref g, (nuint)i);
                if (hasWeightDecay)
                {
                    gi = Vector512.FusedMultiplyAdd(pi, vWd, gi);                                       // g + wd·p
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

                Vector512<float> denom = Vector512.Sqrt(vi) / vBc2Sqrt + vEps;                           // √v̂/√bc2 + ε
                (pi + vNegStep * mi / denom).StoreUnsafe(ref p, (nuint)i);                                // p − step·m/denom
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Vector256<float> vWd = Vector256.Create(wd), vB1 = Vector256.Create(b1), vB2 = Vector256.Create(b2);
            Vector256<float> vOmb1 = Vector256.Create(omb1), vOmb2 = Vector256.Create(omb2), vEps = Vector256.Create(eps);
            Vector256<float> vBc2Sqrt = Vector256.Create(bc2Sqrt), vNegStep = Vector256.Create(negStep);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> pi = Vector256.LoadUnsafe(ref p, (nuint)i);
                Vector256<float> gi = Vector256.LoadUnsafe(ref g, (nuint)i);
                if (hasWeightDecay)
                {
                    gi = Vector256.FusedMultiplyAdd(pi, vWd, gi);
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
            Vector128<float> vWd = Vector128.Create(wd), vB1 = Vector128.Create(b1), vB2 = Vector128.Create(b2);
            Vector128<float> vOmb1 = Vector128.Create(omb1), vOmb2 = Vector128.Create(omb2), vEps = Vector128.Create(eps);
            Vector128<float> vBc2Sqrt = Vector128.Create(bc2Sqrt), vNegStep = Vector128.Create(negStep);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> pi = Vector128.LoadUnsafe(ref p, (nuint)i);
                Vector128<float> gi = Vector128.LoadUnsafe(ref g, (nuint)i);
                if (hasWeightDecay)
                {
                    gi = MulAdd(pi, vWd, gi);
                }

                Vector128<float> mi = MulAdd(gi, vOmb1, Vector128.LoadUnsafe(ref m, (nuint)i) * vB1);
                Vector128<float> vi = MulAdd(vOmb2 * gi, gi, Vector128.LoadUnsafe(ref v, (nuint)i) * vB2);
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
            if (hasWeightDecay)
            {
                gi = MulAdd(pi, wd, gi);
            }

            ref float mRef = ref Unsafe.Add(ref m, i);
            ref float vRef = ref Unsafe.Add(ref v, i);
            float mi = MulAdd(gi, omb1, mRef * b1);
            float vi = MulAdd(omb2 * gi, gi, vRef * b2);
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

    /// <summary>
    /// The double nearest to the shortest decimal that round-trips <paramref name="value"/>
    /// (0.9f → 0.9, not 0.899999976158…): the Python float a PyTorch user would have written.
    /// </summary>
    private static double ToDecimalDouble(float value)
    {
        Span<char> text = stackalloc char[32];
        return value.TryFormat(text, out int written, default, CultureInfo.InvariantCulture)
            ? double.Parse(text[..written], NumberStyles.Float, CultureInfo.InvariantCulture)
            : value;
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
