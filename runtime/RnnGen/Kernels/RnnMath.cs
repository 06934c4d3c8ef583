using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace RnnGen;

/// <summary>
/// Vectorized activation functions shared by generated models: <c>tanh</c> and the logistic
/// <c>sigmoid</c> for <see cref="float"/>, <see cref="Vector128{T}"/>, <see cref="Vector256{T}"/>
/// and <see cref="Vector512{T}"/>.
/// </summary>
/// <remarks>
/// <para>
/// <b>tanh</b>: Eigen's 13/6 odd rational approximation (<c>generic_fast_tanh_float</c>),
/// <c>tanh(x) ≈ x·P(x²) / Q(x²)</c>. Where the hardware has fused multiply-add (x64 with FMA3,
/// Arm64) it is evaluated in <see cref="float"/> with fused multiply-adds on <c>x</c> clamped to
/// ±7.99881172180175781, the point where that evaluation gives exactly 1 (as in XLA's FMA
/// variant): maximum absolute error 2.92e-7 against <see cref="Math.Tanh(double)"/>, measured over
/// every float in [−20, 20]. Without FMA (older x64, or <c>DOTNET_EnableAVX2=0</c> /
/// <c>DOTNET_EnableHWIntrinsic=0</c>) an emulated fused multiply-add would be hundreds of times
/// slower, so the same rational is evaluated in <see cref="double"/> and rounded once (maximum
/// error 2.26e-7), with ±1 returned for |x| ≥ 7.99881172180175781 as on the FMA path.
/// Either way: for <c>|x| &lt; 0.0004</c> the result is <c>x</c> itself (within 1 ulp of tanh x;
/// the rational would flush tiny inputs to 0); the result lies in [−1, 1] and is exactly ±1 for
/// |x| ≥ 7.9988.
/// </para>
/// <para>
/// <b>sigmoid</b> = 0.5·tanh(0.5·x) + 0.5: maximum absolute error 1.7e-7 (every float in
/// [−40, 40]); exactly 1 for x ≥ 16 and exactly 0 for x ≤ −16.
/// </para>
/// <para>
/// NaN in gives NaN out; ±∞ gives ±1 (tanh) and 1 / 0 (sigmoid). Every operation is IEEE
/// correctly rounded, so on a given machine the scalar overload and every vector width return
/// bit-identical results (and the same bits on every machine of the same FMA capability).
/// </para>
/// </remarks>
public static class RnnMath
{
    /// <summary>Inputs are clamped to ±this before the rational; its fused evaluation there is exactly 1.</summary>
    private const float TanhClamp = 7.99881172180175781f;

    /// <summary>Below this magnitude tanh(x) = x is returned (also the NaN pass-through test).</summary>
    private const float TanhIdentityBelow = 0.0004f;

    // Numerator x·(α1 + x²(α3 + x²(α5 + x²(α7 + x²(α9 + x²(α11 + x²α13))))))
    private const float Alpha1 = 4.89352455891786e-03f;
    private const float Alpha3 = 6.37261928875436e-04f;
    private const float Alpha5 = 1.48572235717979e-05f;
    private const float Alpha7 = 5.12229709037114e-08f;
    private const float Alpha9 = -8.60467152213735e-11f;
    private const float Alpha11 = 2.00018790482477e-13f;
    private const float Alpha13 = -2.76076847742355e-16f;

    // Denominator β0 + x²(β2 + x²(β4 + x²β6))
    private const float Beta0 = 4.89352518554385e-03f;
    private const float Beta2 = 2.26843463243900e-03f;
    private const float Beta4 = 1.18534705686654e-04f;
    private const float Beta6 = 1.19825839466702e-06f;

    /// <summary>Hyperbolic tangent of <paramref name="x"/> (max abs error 2.92e-7; see <see cref="RnnMath"/>).</summary>
    /// <param name="x">The argument.</param>
    /// <returns>tanh(x), in [−1, 1]; NaN for NaN.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        // |x| < 0.0004 or NaN: tanh(x) = x.
        if (!(MathF.Abs(x) >= TanhIdentityBelow))
        {
            return x;
        }

        if (!HasFma)
        {
            return TanhInDouble(x);
        }

        float c = x > TanhClamp ? TanhClamp : (x < -TanhClamp ? -TanhClamp : x);
        float x2 = c * c;
        float p = MathF.FusedMultiplyAdd(x2, Alpha13, Alpha11);
        p = MathF.FusedMultiplyAdd(x2, p, Alpha9);
        p = MathF.FusedMultiplyAdd(x2, p, Alpha7);
        p = MathF.FusedMultiplyAdd(x2, p, Alpha5);
        p = MathF.FusedMultiplyAdd(x2, p, Alpha3);
        p = MathF.FusedMultiplyAdd(x2, p, Alpha1);
        p *= c;
        float q = MathF.FusedMultiplyAdd(x2, Beta6, Beta4);
        q = MathF.FusedMultiplyAdd(x2, q, Beta2);
        q = MathF.FusedMultiplyAdd(x2, q, Beta0);
        return p / q;
    }

    /// <summary>Element-wise hyperbolic tangent (bit-identical to <see cref="Tanh(float)"/>).</summary>
    /// <param name="x">The arguments.</param>
    /// <returns>tanh of each element.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        if (!HasFma)
        {
            return TanhInDouble(x);
        }

        Vector128<float> c = Vector128.ClampNative(x, Vector128.Create(-TanhClamp), Vector128.Create(TanhClamp));
        Vector128<float> x2 = c * c;
        Vector128<float> p = Vector128.FusedMultiplyAdd(x2, Vector128.Create(Alpha13), Vector128.Create(Alpha11));
        p = Vector128.FusedMultiplyAdd(x2, p, Vector128.Create(Alpha9));
        p = Vector128.FusedMultiplyAdd(x2, p, Vector128.Create(Alpha7));
        p = Vector128.FusedMultiplyAdd(x2, p, Vector128.Create(Alpha5));
        p = Vector128.FusedMultiplyAdd(x2, p, Vector128.Create(Alpha3));
        p = Vector128.FusedMultiplyAdd(x2, p, Vector128.Create(Alpha1));
        p *= c;
        Vector128<float> q = Vector128.FusedMultiplyAdd(x2, Vector128.Create(Beta6), Vector128.Create(Beta4));
        q = Vector128.FusedMultiplyAdd(x2, q, Vector128.Create(Beta2));
        q = Vector128.FusedMultiplyAdd(x2, q, Vector128.Create(Beta0));

        // |x| >= 0.0004 → rational; otherwise (tiny, or NaN: the compare is false) → x.
        Vector128<float> useRational = Vector128.GreaterThanOrEqual(Vector128.Abs(x), Vector128.Create(TanhIdentityBelow));
        return Vector128.ConditionalSelect(useRational, p / q, x);
    }

    /// <summary>Element-wise hyperbolic tangent (bit-identical to <see cref="Tanh(float)"/>).</summary>
    /// <param name="x">The arguments.</param>
    /// <returns>tanh of each element.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        if (!HasFma)
        {
            return Vector256.Create(Tanh(x.GetLower()), Tanh(x.GetUpper())); // software / no-FMA path
        }

        Vector256<float> c = Vector256.ClampNative(x, Vector256.Create(-TanhClamp), Vector256.Create(TanhClamp));
        Vector256<float> x2 = c * c;
        Vector256<float> p = Vector256.FusedMultiplyAdd(x2, Vector256.Create(Alpha13), Vector256.Create(Alpha11));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(Alpha9));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(Alpha7));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(Alpha5));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(Alpha3));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(Alpha1));
        p *= c;
        Vector256<float> q = Vector256.FusedMultiplyAdd(x2, Vector256.Create(Beta6), Vector256.Create(Beta4));
        q = Vector256.FusedMultiplyAdd(x2, q, Vector256.Create(Beta2));
        q = Vector256.FusedMultiplyAdd(x2, q, Vector256.Create(Beta0));

        // |x| >= 0.0004 → rational; otherwise (tiny, or NaN: the compare is false) → x.
        Vector256<float> useRational = Vector256.GreaterThanOrEqual(Vector256.Abs(x), Vector256.Create(TanhIdentityBelow));
        return Vector256.ConditionalSelect(useRational, p / q, x);
    }

    /// <summary>Element-wise hyperbolic tangent (bit-identical to <see cref="Tanh(float)"/>).</summary>
    /// <param name="x">The arguments.</param>
    /// <returns>tanh of each element.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        if (!HasFma)
        {
            return Vector512.Create(Tanh(x.GetLower()), Tanh(x.GetUpper())); // software / no-FMA path
        }

        Vector512<float> c = Vector512.ClampNative(x, Vector512.Create(-TanhClamp), Vector512.Create(TanhClamp));
        Vector512<float> x2 = c * c;
        Vector512<float> p = Vector512.FusedMultiplyAdd(x2, Vector512.Create(Alpha13), Vector512.Create(Alpha11));
        p = Vector512.FusedMultiplyAdd(x2, p, Vector512.Create(Alpha9));
        p = Vector512.FusedMultiplyAdd(x2, p, Vector512.Create(Alpha7));
        p = Vector512.FusedMultiplyAdd(x2, p, Vector512.Create(Alpha5));
        p = Vector512.FusedMultiplyAdd(x2, p, Vector512.Create(Alpha3));
        p = Vector512.FusedMultiplyAdd(x2, p, Vector512.Create(Alpha1));
        p *= c;
        Vector512<float> q = Vector512.FusedMultiplyAdd(x2, Vector512.Create(Beta6), Vector512.Create(Beta4));
        q = Vector512.FusedMultiplyAdd(x2, q, Vector512.Create(Beta2));
        q = Vector512.FusedMultiplyAdd(x2, q, Vector512.Create(Beta0));

        // |x| >= 0.0004 → rational; otherwise (tiny, or NaN: the compare is false) → x.
        Vector512<float> useRational = Vector512.GreaterThanOrEqual(Vector512.Abs(x), Vector512.Create(TanhIdentityBelow));
        return Vector512.ConditionalSelect(useRational, p / q, x);
    }

    /// <summary>Logistic sigmoid 1/(1+e^−x) computed as 0.5·tanh(0.5·x) + 0.5 (max abs error 1.7e-7).</summary>
    /// <param name="x">The argument.</param>
    /// <returns>sigmoid(x), in [0, 1]; NaN for NaN.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => Tanh(0.5f * x) * 0.5f + 0.5f; // t·0.5 is exact: one rounding, as a fused form

    /// <summary>Element-wise logistic sigmoid (bit-identical to <see cref="Sigmoid(float)"/>).</summary>
    /// <param name="x">The arguments.</param>
    /// <returns>sigmoid of each element.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x)
    {
        Vector128<float> half = Vector128.Create(0.5f);
        return Tanh(half * x) * half + half;
    }

    /// <summary>Element-wise logistic sigmoid (bit-identical to <see cref="Sigmoid(float)"/>).</summary>
    /// <param name="x">The arguments.</param>
    /// <returns>sigmoid of each element.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
    {
        Vector256<float> half = Vector256.Create(0.5f);
        return Tanh(half * x) * half + half;
    }

    /// <summary>Element-wise logistic sigmoid (bit-identical to <see cref="Sigmoid(float)"/>).</summary>
    /// <param name="x">The arguments.</param>
    /// <returns>sigmoid of each element.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x)
    {
        Vector512<float> half = Vector512.Create(0.5f);
        return Tanh(half * x) * half + half;
    }

    /// <summary>True where fused multiply-add is a hardware instruction (the JIT folds this to a constant).</summary>
    private static bool HasFma
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Fma.IsSupported || AdvSimd.IsSupported;
    }

    /// <summary>Without FMA: ±1 from the clamp point on, otherwise the rational in double, rounded once. |x| ≥ 0.0004 or NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float TanhInDouble(float x)
    {
        if (MathF.Abs(x) >= TanhClamp)
        {
            return MathF.CopySign(1f, x);
        }

        return (float)RationalInDouble(x);
    }

    /// <summary>Without FMA, element-wise as <see cref="TanhInDouble(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> TanhInDouble(Vector128<float> x)
    {
        Vector128<float> c = Vector128.ClampNative(x, Vector128.Create(-TanhClamp), Vector128.Create(TanhClamp)); // keeps x² finite
        (Vector128<double> lower, Vector128<double> upper) = Vector128.Widen(c);
        Vector128<float> r = Vector128.Narrow(RationalInDouble(lower), RationalInDouble(upper));
        Vector128<float> abs = Vector128.Abs(x);
        r = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(abs, Vector128.Create(TanhClamp)), Vector128.CopySign(Vector128<float>.One, x), r);
        return Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(abs, Vector128.Create(TanhIdentityBelow)), r, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double RationalInDouble(double x)
    {
        double x2 = x * x;
        double p = x2 * Alpha13 + Alpha11;
        p = x2 * p + Alpha9;
        p = x2 * p + Alpha7;
        p = x2 * p + Alpha5;
        p = x2 * p + Alpha3;
        p = x2 * p + Alpha1;
        p *= x;
        double q = x2 * Beta6 + Beta4;
        q = x2 * q + Beta2;
        q = x2 * q + Beta0;
        return p / q;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> RationalInDouble(Vector128<double> x)
    {
        Vector128<double> x2 = x * x;
        Vector128<double> p = x2 * Vector128.Create((double)Alpha13) + Vector128.Create((double)Alpha11);
        p = x2 * p + Vector128.Create((double)Alpha9);
        p = x2 * p + Vector128.Create((double)Alpha7);
        p = x2 * p + Vector128.Create((double)Alpha5);
        p = x2 * p + Vector128.Create((double)Alpha3);
        p = x2 * p + Vector128.Create((double)Alpha1);
        p *= x;
        Vector128<double> q = x2 * Vector128.Create((double)Beta6) + Vector128.Create((double)Beta4);
        q = x2 * q + Vector128.Create((double)Beta2);
        q = x2 * q + Vector128.Create((double)Beta0);
        return p / q;
    }
}
