using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen;

/// <summary>
/// Global-norm gradient clipping, as <c>torch.nn.utils.clip_grad_norm_</c> with the default L2 norm.
/// </summary>
/// <remarks>
/// The sum of squares is accumulated in <see cref="double"/> (each float square is exact in
/// double), in a fixed order for a given vector width, so the norm is deterministic and accurate
/// for any length. Because the square is exact, a fused multiply-add gives the same sum as a
/// multiplication followed by an addition; where FMA is available the loop uses it, and converts
/// each half of a float vector straight from memory, which halves the instructions of a pass that
/// is otherwise bound by them, with bit-identical results. Nothing here allocates.
/// </remarks>
public static class GradientClipping
{
    /// <summary>The L2 norm ‖g‖₂ of <paramref name="gradients"/> viewed as one vector.</summary>
    /// <param name="gradients">The gradients.</param>
    /// <returns>The norm, rounded to <see cref="float"/>; NaN if any element is NaN, +∞ if any is infinite (or the norm exceeds <see cref="float.MaxValue"/>); 0 for an empty span.</returns>
    public static float GlobalNorm(ReadOnlySpan<float> gradients) => (float)Math.Sqrt(SumOfSquares(gradients));

    /// <summary>
    /// Scales <paramref name="gradients"/> in place so that their global L2 norm is at most
    /// <paramref name="maxNorm"/>: multiplies by <c>clipCoef = maxNorm / (norm + 1e-6)</c> when
    /// <c>clipCoef &lt; 1</c> (PyTorch's rule), otherwise leaves them unchanged.
    /// </summary>
    /// <param name="gradients">The gradients, scaled in place.</param>
    /// <param name="maxNorm">The largest allowed norm (&gt; 0; +∞ never clips).</param>
    /// <returns>
    /// The total norm before clipping. If it is NaN or infinite, <paramref name="gradients"/> are left
    /// unchanged and the caller decides what to do (e.g. skip the step).
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not &gt; 0 (or is NaN).</exception>
    public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
    {
        if (!(maxNorm > 0f))
        {
            ThrowMaxNormOutOfRange(maxNorm);
        }

        float norm = GlobalNorm(gradients);
        if (!float.IsFinite(norm))
        {
            return norm;
        }

        float clipCoef = maxNorm / (norm + 1e-6f);
        if (clipCoef < 1f)
        {
            UpdateLoop.Run(new ScaleStep(clipCoef), gradients, default);
        }

        return norm;
    }

    private static double SumOfSquares(ReadOnlySpan<float> values)
    {
        ref float x = ref MemoryMarshal.GetReference(values);
        int n = values.Length;
        int i = 0;
        double sum = 0.0;

        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            // Four double accumulators of 8 lanes: each 16 floats widen to two of them (the lower 8 to a0/a2, the upper 8 to a1/a3).
            Vector512<double> a0 = Vector512<double>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (; i <= n - 2 * Vector512<float>.Count; i += 2 * Vector512<float>.Count)
            {
                Vector512<double> l0 = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref x, (nuint)i));
                Vector512<double> h0 = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref x, (nuint)(i + 8)));
                Vector512<double> l1 = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref x, (nuint)(i + 16)));
                Vector512<double> h1 = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref x, (nuint)(i + 24)));
                a0 = Avx512F.FusedMultiplyAdd(l0, l0, a0);   // = a0 + l0·l0: the square is exact
                a1 = Avx512F.FusedMultiplyAdd(h0, h0, a1);
                a2 = Avx512F.FusedMultiplyAdd(l1, l1, a2);
                a3 = Avx512F.FusedMultiplyAdd(h1, h1, a3);
            }

            if (i <= n - Vector512<float>.Count)
            {
                Vector512<double> l0 = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref x, (nuint)i));
                Vector512<double> h0 = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref x, (nuint)(i + 8)));
                a0 = Avx512F.FusedMultiplyAdd(l0, l0, a0);
                a1 = Avx512F.FusedMultiplyAdd(h0, h0, a1);
                i += Vector512<float>.Count;
            }

            sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        }
        else if (Vector256.IsHardwareAccelerated && Fma.IsSupported && n >= Vector256<float>.Count)
        {
            // The same order as the loop below, with the conversions from memory and fused multiply-adds.
            Vector256<double> a0 = Vector256<double>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (; i <= n - 2 * Vector256<float>.Count; i += 2 * Vector256<float>.Count)
            {
                Vector256<double> l0 = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref x, (nuint)i));
                Vector256<double> h0 = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref x, (nuint)(i + 4)));
                Vector256<double> l1 = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref x, (nuint)(i + 8)));
                Vector256<double> h1 = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref x, (nuint)(i + 12)));
                a0 = Fma.MultiplyAdd(l0, l0, a0);
                a1 = Fma.MultiplyAdd(h0, h0, a1);
                a2 = Fma.MultiplyAdd(l1, l1, a2);
                a3 = Fma.MultiplyAdd(h1, h1, a3);
            }

            if (i <= n - Vector256<float>.Count)
            {
                Vector256<double> l0 = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref x, (nuint)i));
                Vector256<double> h0 = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref x, (nuint)(i + 4)));
                a0 = Fma.MultiplyAdd(l0, l0, a0);
                a1 = Fma.MultiplyAdd(h0, h0, a1);
                i += Vector256<float>.Count;
            }

            sum = Vector256.Sum((a0 + a1) + (a2 + a3));
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Vector256<double> a0 = Vector256<double>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (; i <= n - 2 * Vector256<float>.Count; i += 2 * Vector256<float>.Count)
            {
                (Vector256<double> l0, Vector256<double> h0) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)i));
                (Vector256<double> l1, Vector256<double> h1) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)(i + Vector256<float>.Count)));
                a0 += l0 * l0;
                a1 += h0 * h0;
                a2 += l1 * l1;
                a3 += h1 * h1;
            }

            if (i <= n - Vector256<float>.Count)
            {
                (Vector256<double> l0, Vector256<double> h0) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)i));
                a0 += l0 * l0;
                a1 += h0 * h0;
                i += Vector256<float>.Count;
            }

            sum = Vector256.Sum((a0 + a1) + (a2 + a3));
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            Vector128<double> a0 = Vector128<double>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (; i <= n - 2 * Vector128<float>.Count; i += 2 * Vector128<float>.Count)
            {
                (Vector128<double> l0, Vector128<double> h0) = Vector128.Widen(Vector128.LoadUnsafe(ref x, (nuint)i));
                (Vector128<double> l1, Vector128<double> h1) = Vector128.Widen(Vector128.LoadUnsafe(ref x, (nuint)(i + Vector128<float>.Count)));
                a0 += l0 * l0;
                a1 += h0 * h0;
                a2 += l1 * l1;
                a3 += h1 * h1;
            }

            if (i <= n - Vector128<float>.Count)
            {
                (Vector128<double> l0, Vector128<double> h0) = Vector128.Widen(Vector128.LoadUnsafe(ref x, (nuint)i));
                a0 += l0 * l0;
                a1 += h0 * h0;
                i += Vector128<float>.Count;
            }

            sum = Vector128.Sum((a0 + a1) + (a2 + a3));
        }

        for (; i < n; i++)
        {
            double xi = Unsafe.Add(ref x, i);
            sum += xi * xi;
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowMaxNormOutOfRange(float maxNorm) =>
        throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be > 0.");

    /// <summary>What scaling needs besides the span: the factor.</summary>
    private readonly struct ScaleStep(float factor) : IUpdateStep
    {
        public int Chunks<V>(Span<float> values, ReadOnlySpan<float> none, int start)
            where V : struct, ILanes<V> =>
            UpdateLoop.Chunks<ScaleUpdate<V>, V>(new ScaleUpdate<V>(values, factor), start, values.Length);
    }

    /// <summary>x ← x·factor at width <typeparamref name="V"/>.</summary>
    private readonly ref struct ScaleUpdate<V> : IUpdateOperator
        where V : struct, ILanes<V>
    {
        private readonly ref float _x;
        private readonly V _factor;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ScaleUpdate(Span<float> values, float factor)
        {
            _x = ref MemoryMarshal.GetReference(values);
            _factor = V.Create(factor);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke(nuint i) => (V.Load(ref _x, i) * _factor).Store(ref _x, i);
    }
}
