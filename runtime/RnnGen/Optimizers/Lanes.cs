using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace RnnGen;

/// <summary>
/// The four widths <see cref="UpdateLoop"/> runs an update at, as <see cref="ILanes{TSelf}"/>: each member is the
/// <see cref="Vector512"/>, <see cref="Vector256"/> or <see cref="Vector128"/> operation, or the scalar one, that
/// the optimizers used when each width had its own copy of the loop, so every result keeps its bits;
/// <see cref="ILanes{TSelf}.DivideByInvariant"/> is a few operations that give the bits of a division.
/// </summary>
internal static class Lanes
{
    /// <summary>16 floats; runs only where <see cref="Vector512.IsHardwareAccelerated"/>, so with FMA.</summary>
    public readonly struct V512 : ILanes<V512>
    {
        private readonly Vector512<float> _v;

        private V512(Vector512<float> v) => _v = v;

        public static int Count => Vector512<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V512 Create(float value) => new(Vector512.Create(value));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V512 Load(ref float source, nuint index) => new(Vector512.LoadUnsafe(ref source, index));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(ref float destination, nuint index) => _v.StoreUnsafe(ref destination, index);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V512 MulAdd(V512 a, V512 b, V512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V512 Sqrt(V512 x) => new(Vector512.Sqrt(x._v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V512 Max(V512 a, V512 b) => new(Vector512.Max(a._v, b._v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V512 operator +(V512 a, V512 b) => new(a._v + b._v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V512 operator *(V512 a, V512 b) => new(a._v * b._v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V512 operator /(V512 a, V512 b) => new(a._v / b._v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V512 DivideByInvariant(V512 a, V512 negDivisor, V512 reciprocal)
        {
            Vector512<float> q = a._v * reciprocal._v;
            Vector512<float> residual = Vector512.FusedMultiplyAdd(q, negDivisor._v, a._v);   // a − q·d
            Vector512<float> refined = Vector512.FusedMultiplyAdd(residual, reciprocal._v, q);
            refined = Vector512.ConditionalSelect(Vector512.Equals(refined, refined), refined, q); // a = ±∞ or NaN: q
            return new(Vector512.ConditionalSelect(Vector512.Create(-0f), q, refined));           // a = −0: q's sign
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V512 operator -(V512 a) => new(-a._v);
    }

    /// <summary>8 floats; runs only where <see cref="Vector256.IsHardwareAccelerated"/> (AVX2, which comes with FMA).</summary>
    public readonly struct V256 : ILanes<V256>
    {
        private readonly Vector256<float> _v;

        private V256(Vector256<float> v) => _v = v;

        public static int Count => Vector256<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V256 Create(float value) => new(Vector256.Create(value));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V256 Load(ref float source, nuint index) => new(Vector256.LoadUnsafe(ref source, index));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(ref float destination, nuint index) => _v.StoreUnsafe(ref destination, index);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V256 MulAdd(V256 a, V256 b, V256 c) => new(Vector256.FusedMultiplyAdd(a._v, b._v, c._v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V256 Sqrt(V256 x) => new(Vector256.Sqrt(x._v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V256 Max(V256 a, V256 b) => new(Vector256.Max(a._v, b._v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V256 operator +(V256 a, V256 b) => new(a._v + b._v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V256 operator *(V256 a, V256 b) => new(a._v * b._v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V256 operator /(V256 a, V256 b) => new(a._v / b._v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V256 DivideByInvariant(V256 a, V256 negDivisor, V256 reciprocal)
        {
            Vector256<float> q = a._v * reciprocal._v;
            Vector256<float> residual = Vector256.FusedMultiplyAdd(q, negDivisor._v, a._v);   // a − q·d
            Vector256<float> refined = Vector256.FusedMultiplyAdd(residual, reciprocal._v, q);
            refined = Vector256.ConditionalSelect(Vector256.Equals(refined, refined), refined, q); // a = ±∞ or NaN: q
            return new(Vector256.ConditionalSelect(Vector256.Create(-0f), q, refined));           // a = −0: q's sign
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V256 operator -(V256 a) => new(-a._v);
    }

    /// <summary>4 floats (SSE or AdvSimd, with or without FMA): multiply-adds as <see cref="OptimizerMath.MulAdd(Vector128{float}, Vector128{float}, Vector128{float})"/>.</summary>
    public readonly struct V128 : ILanes<V128>
    {
        private readonly Vector128<float> _v;

        private V128(Vector128<float> v) => _v = v;

        public static int Count => Vector128<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V128 Create(float value) => new(Vector128.Create(value));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V128 Load(ref float source, nuint index) => new(Vector128.LoadUnsafe(ref source, index));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(ref float destination, nuint index) => _v.StoreUnsafe(ref destination, index);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V128 MulAdd(V128 a, V128 b, V128 c) => new(OptimizerMath.MulAdd(a._v, b._v, c._v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V128 Sqrt(V128 x) => new(Vector128.Sqrt(x._v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V128 Max(V128 a, V128 b) => new(Vector128.Max(a._v, b._v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V128 operator +(V128 a, V128 b) => new(a._v + b._v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V128 operator *(V128 a, V128 b) => new(a._v * b._v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V128 operator /(V128 a, V128 b) => new(a._v / b._v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V128 DivideByInvariant(V128 a, V128 negDivisor, V128 reciprocal)
        {
            if (!(Fma.IsSupported || AdvSimd.IsSupported))
            {
                return new(a._v / -negDivisor._v);                               // no fused multiply-add: the divider
            }

            Vector128<float> q = a._v * reciprocal._v;
            Vector128<float> residual = Vector128.FusedMultiplyAdd(q, negDivisor._v, a._v);   // a − q·d
            Vector128<float> refined = Vector128.FusedMultiplyAdd(residual, reciprocal._v, q);
            refined = Vector128.ConditionalSelect(Vector128.Equals(refined, refined), refined, q); // a = ±∞ or NaN: q
            return new(Vector128.ConditionalSelect(Vector128.Create(-0f), q, refined));           // a = −0: q's sign
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V128 operator -(V128 a) => new(-a._v);
    }

    /// <summary>One float: the tail after the vectors, and everything where no vector width is accelerated.</summary>
    public readonly struct Scalar : ILanes<Scalar>
    {
        private readonly float _v;

        private Scalar(float v) => _v = v;

        public static int Count => 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Scalar Create(float value) => new(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Scalar Load(ref float source, nuint index) => new(Unsafe.Add(ref source, index));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(ref float destination, nuint index) => Unsafe.Add(ref destination, index) = _v;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Scalar MulAdd(Scalar a, Scalar b, Scalar c) => new(OptimizerMath.MulAdd(a._v, b._v, c._v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Scalar Sqrt(Scalar x) => new(MathF.Sqrt(x._v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Scalar Max(Scalar a, Scalar b) => new(MathF.Max(a._v, b._v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Scalar operator +(Scalar a, Scalar b) => new(a._v + b._v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Scalar operator *(Scalar a, Scalar b) => new(a._v * b._v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Scalar operator /(Scalar a, Scalar b) => new(a._v / b._v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Scalar DivideByInvariant(Scalar a, Scalar negDivisor, Scalar reciprocal) => new(a._v / -negDivisor._v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Scalar operator -(Scalar a) => new(-a._v);
    }
}
