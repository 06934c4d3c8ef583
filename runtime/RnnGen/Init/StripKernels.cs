using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace RnnGen;

/// <summary>
/// The matrix products of <see cref="HaarOrthogonal"/>, on row-major blocks that are all
/// <see cref="Width"/> = 64 columns wide (a strip of the orthogonal matrix, a block of 64 Householder
/// vectors, a 64×64 triangular factor).
/// </summary>
/// <remarks>
/// Every output element is one chain of fused multiply-adds over the inner index in ascending order,
/// and the lanes of a vector are independent output elements. Tiling and vector width only change
/// which elements are computed together, never the operations an element sees, so the Vector512,
/// Vector256, Vector128 and scalar paths give bit-identical results (<see cref="MathF.FusedMultiplyAdd"/>
/// and <c>VectorN.FusedMultiplyAdd</c> both round once).
/// </remarks>
internal static class StripKernels
{
    /// <summary>Columns of every block (and the number of Householder vectors per block).</summary>
    public const int Width = 64;

    /// <summary>Rows of <c>v</c> and <c>p</c> that <see cref="AddTransposedProduct"/> walks before it moves to the next output rows: 2 × 16 KB, held in L1.</summary>
    private const int RowChunk = 64;

    private static bool Fma128 => Vector128.IsHardwareAccelerated && (Fma.IsSupported || AdvSimd.IsSupported);

    /// <summary>
    /// w[i, c] += Σ_r v[r, i]·p[r, c] for r &lt; <paramref name="rows"/>, i &lt; <paramref name="outputRows"/>
    /// (a multiple of 4), c &lt; 64: W += Vᵀ·P, summed over r in ascending order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddTransposedProduct(ReadOnlySpan<float> v, ReadOnlySpan<float> p, int rows, int outputRows, Span<float> w)
    {
        Debug.Assert(outputRows % 4 == 0 && outputRows <= Width);
        Debug.Assert(v.Length >= rows * Width && p.Length >= rows * Width && w.Length >= outputRows * Width);
        ref float v0 = ref MemoryMarshal.GetReference(v);
        ref float p0 = ref MemoryMarshal.GetReference(p);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        for (int r0 = 0; r0 < rows; r0 += RowChunk)
        {
            int r1 = Math.Min(rows, r0 + RowChunk);
            if (Vector512.IsHardwareAccelerated && Fma.IsSupported)
            {
                for (int i = 0; i < outputRows; i += 4)
                {
                    TransposedTile512(ref v0, ref p0, r0, r1, i, ref w0);
                }
            }
            else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
            {
                for (int i = 0; i < outputRows; i += 4)
                {
                    for (int c = 0; c < Width; c += 16)
                    {
                        TransposedTile256(ref v0, ref p0, r0, r1, i, c, ref w0);
                    }
                }
            }
            else if (Fma128)
            {
                for (int i = 0; i < outputRows; i += 4)
                {
                    for (int c = 0; c < Width; c += 8)
                    {
                        TransposedTile128(ref v0, ref p0, r0, r1, i, c, ref w0);
                    }
                }
            }
            else
            {
                for (int i = 0; i < outputRows; i++)
                {
                    for (int c = 0; c < Width; c++)
                    {
                        float acc = Unsafe.Add(ref w0, i * Width + c);
                        for (int r = r0; r < r1; r++)
                        {
                            acc = MathF.FusedMultiplyAdd(Unsafe.Add(ref v0, r * Width + i), Unsafe.Add(ref p0, r * Width + c), acc);
                        }

                        Unsafe.Add(ref w0, i * Width + c) = acc;
                    }
                }
            }
        }
    }

    /// <summary>
    /// p[r, c] += Σ_i a[r, i]·w[i, c] for r &lt; <paramref name="rows"/>, i &lt; <paramref name="inner"/>,
    /// c &lt; 64: P += A·W, summed over i in ascending order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddProduct(ReadOnlySpan<float> a, int rows, int inner, ReadOnlySpan<float> w, Span<float> p)
    {
        Debug.Assert(inner <= Width);
        Debug.Assert(a.Length >= rows * Width && p.Length >= rows * Width && w.Length >= inner * Width);
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float p0 = ref MemoryMarshal.GetReference(p);
        int r = 0;
        if (Vector512.IsHardwareAccelerated && Fma.IsSupported)
        {
            for (; r + 4 <= rows; r += 4)
            {
                ProductTile512(ref a0, r, inner, ref w0, ref p0);
            }

            for (; r < rows; r++)
            {
                ProductRow512(ref a0, r, inner, ref w0, ref p0);
            }
        }
        else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
        {
            for (; r + 4 <= rows; r += 4)
            {
                for (int c = 0; c < Width; c += 16)
                {
                    ProductTile256(ref a0, r, inner, ref w0, c, ref p0);
                }
            }
        }
        else if (Fma128)
        {
            for (; r + 4 <= rows; r += 4)
            {
                for (int c = 0; c < Width; c += 8)
                {
                    ProductTile128(ref a0, r, inner, ref w0, c, ref p0);
                }
            }
        }

        for (; r < rows; r++)
        {
            for (int c = 0; c < Width; c++)
            {
                float acc = Unsafe.Add(ref p0, r * Width + c);
                for (int i = 0; i < inner; i++)
                {
                    acc = MathF.FusedMultiplyAdd(Unsafe.Add(ref a0, r * Width + i), Unsafe.Add(ref w0, i * Width + c), acc);
                }

                Unsafe.Add(ref p0, r * Width + c) = acc;
            }
        }
    }

    /// <summary>
    /// The Gram matrix of a block of vectors in double: g[l, i] += Σ_r v[r, l]·v[r, i] for r &lt;
    /// <paramref name="rows"/> and l ≤ i &lt; <paramref name="count"/> (a multiple of 4), summed over r in
    /// ascending order with fused multiply-adds. Some entries below the diagonal are computed too; the caller
    /// reads only the upper triangle.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddGram(ReadOnlySpan<double> v, int rows, int count, Span<double> g)
    {
        Debug.Assert(count % 4 == 0 && count <= Width && v.Length >= rows * Width && g.Length >= Width * Width);
        ref double v0 = ref MemoryMarshal.GetReference(v);
        ref double g0 = ref MemoryMarshal.GetReference(g);
        int lanes = Vector<double>.Count;
        if (!Vector.IsHardwareAccelerated || Width % (2 * lanes) != 0)
        {
            for (int l = 0; l < count; l++)
            {
                for (int i = l; i < count; i++)
                {
                    double acc = Unsafe.Add(ref g0, l * Width + i);
                    for (int r = 0; r < rows; r++)
                    {
                        acc = Math.FusedMultiplyAdd(Unsafe.Add(ref v0, r * Width + l), Unsafe.Add(ref v0, r * Width + i), acc);
                    }

                    Unsafe.Add(ref g0, l * Width + i) = acc;
                }
            }

            return;
        }

        // Tiles of 4 rows of g × 2 vectors, over chunks of 32 rows of v (16 KB).
        int step = 2 * lanes;
        for (int r0 = 0; r0 < rows; r0 += 32)
        {
            int r1 = Math.Min(rows, r0 + 32);
            for (int l = 0; l < count; l += 4)
            {
                for (int i = l / step * step; i < count; i += step)
                {
                    ref double g00 = ref Unsafe.Add(ref g0, l * Width + i);
                    Vector<double> a00 = Vector.LoadUnsafe(ref g00), a01 = Vector.LoadUnsafe(ref g00, (nuint)lanes);
                    Vector<double> a10 = Vector.LoadUnsafe(ref g00, Width), a11 = Vector.LoadUnsafe(ref g00, (nuint)(Width + lanes));
                    Vector<double> a20 = Vector.LoadUnsafe(ref g00, 2 * Width), a21 = Vector.LoadUnsafe(ref g00, (nuint)(2 * Width + lanes));
                    Vector<double> a30 = Vector.LoadUnsafe(ref g00, 3 * Width), a31 = Vector.LoadUnsafe(ref g00, (nuint)(3 * Width + lanes));
                    for (int r = r0; r < r1; r++)
                    {
                        ref double vr = ref Unsafe.Add(ref v0, r * Width);
                        Vector<double> x0 = Vector.LoadUnsafe(ref vr, (nuint)i), x1 = Vector.LoadUnsafe(ref vr, (nuint)(i + lanes));
                        var s = new Vector<double>(Unsafe.Add(ref vr, l));
                        a00 = Vector.FusedMultiplyAdd(s, x0, a00); a01 = Vector.FusedMultiplyAdd(s, x1, a01);
                        s = new Vector<double>(Unsafe.Add(ref vr, l + 1));
                        a10 = Vector.FusedMultiplyAdd(s, x0, a10); a11 = Vector.FusedMultiplyAdd(s, x1, a11);
                        s = new Vector<double>(Unsafe.Add(ref vr, l + 2));
                        a20 = Vector.FusedMultiplyAdd(s, x0, a20); a21 = Vector.FusedMultiplyAdd(s, x1, a21);
                        s = new Vector<double>(Unsafe.Add(ref vr, l + 3));
                        a30 = Vector.FusedMultiplyAdd(s, x0, a30); a31 = Vector.FusedMultiplyAdd(s, x1, a31);
                    }

                    a00.StoreUnsafe(ref g00); a01.StoreUnsafe(ref g00, (nuint)lanes);
                    a10.StoreUnsafe(ref g00, Width); a11.StoreUnsafe(ref g00, (nuint)(Width + lanes));
                    a20.StoreUnsafe(ref g00, 2 * Width); a21.StoreUnsafe(ref g00, (nuint)(2 * Width + lanes));
                    a30.StoreUnsafe(ref g00, 3 * Width); a31.StoreUnsafe(ref g00, (nuint)(3 * Width + lanes));
                }
            }
        }
    }

    // w[i..i+4, 0..64] += Σ_{r0 ≤ r < r1} v[r, i..i+4]ᵀ·p[r, 0..64]: 4 rows × 4 Vector512 accumulators.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposedTile512(ref float v, ref float p, int r0, int r1, int i, ref float w)
    {
        ref float w0 = ref Unsafe.Add(ref w, i * Width);
        ref float w1 = ref Unsafe.Add(ref w0, Width);
        ref float w2 = ref Unsafe.Add(ref w1, Width);
        ref float w3 = ref Unsafe.Add(ref w2, Width);
        Vector512<float> a00 = Vector512.LoadUnsafe(ref w0), a01 = Vector512.LoadUnsafe(ref w0, 16), a02 = Vector512.LoadUnsafe(ref w0, 32), a03 = Vector512.LoadUnsafe(ref w0, 48);
        Vector512<float> a10 = Vector512.LoadUnsafe(ref w1), a11 = Vector512.LoadUnsafe(ref w1, 16), a12 = Vector512.LoadUnsafe(ref w1, 32), a13 = Vector512.LoadUnsafe(ref w1, 48);
        Vector512<float> a20 = Vector512.LoadUnsafe(ref w2), a21 = Vector512.LoadUnsafe(ref w2, 16), a22 = Vector512.LoadUnsafe(ref w2, 32), a23 = Vector512.LoadUnsafe(ref w2, 48);
        Vector512<float> a30 = Vector512.LoadUnsafe(ref w3), a31 = Vector512.LoadUnsafe(ref w3, 16), a32 = Vector512.LoadUnsafe(ref w3, 32), a33 = Vector512.LoadUnsafe(ref w3, 48);
        for (int r = r0; r < r1; r++)
        {
            ref float pr = ref Unsafe.Add(ref p, r * Width);
            ref float vr = ref Unsafe.Add(ref v, r * Width + i);
            Vector512<float> p0 = Vector512.LoadUnsafe(ref pr), p1 = Vector512.LoadUnsafe(ref pr, 16), p2 = Vector512.LoadUnsafe(ref pr, 32), p3 = Vector512.LoadUnsafe(ref pr, 48);
            Vector512<float> s = Vector512.Create(vr);
            a00 = Vector512.FusedMultiplyAdd(s, p0, a00); a01 = Vector512.FusedMultiplyAdd(s, p1, a01); a02 = Vector512.FusedMultiplyAdd(s, p2, a02); a03 = Vector512.FusedMultiplyAdd(s, p3, a03);
            s = Vector512.Create(Unsafe.Add(ref vr, 1));
            a10 = Vector512.FusedMultiplyAdd(s, p0, a10); a11 = Vector512.FusedMultiplyAdd(s, p1, a11); a12 = Vector512.FusedMultiplyAdd(s, p2, a12); a13 = Vector512.FusedMultiplyAdd(s, p3, a13);
            s = Vector512.Create(Unsafe.Add(ref vr, 2));
            a20 = Vector512.FusedMultiplyAdd(s, p0, a20); a21 = Vector512.FusedMultiplyAdd(s, p1, a21); a22 = Vector512.FusedMultiplyAdd(s, p2, a22); a23 = Vector512.FusedMultiplyAdd(s, p3, a23);
            s = Vector512.Create(Unsafe.Add(ref vr, 3));
            a30 = Vector512.FusedMultiplyAdd(s, p0, a30); a31 = Vector512.FusedMultiplyAdd(s, p1, a31); a32 = Vector512.FusedMultiplyAdd(s, p2, a32); a33 = Vector512.FusedMultiplyAdd(s, p3, a33);
        }

        a00.StoreUnsafe(ref w0); a01.StoreUnsafe(ref w0, 16); a02.StoreUnsafe(ref w0, 32); a03.StoreUnsafe(ref w0, 48);
        a10.StoreUnsafe(ref w1); a11.StoreUnsafe(ref w1, 16); a12.StoreUnsafe(ref w1, 32); a13.StoreUnsafe(ref w1, 48);
        a20.StoreUnsafe(ref w2); a21.StoreUnsafe(ref w2, 16); a22.StoreUnsafe(ref w2, 32); a23.StoreUnsafe(ref w2, 48);
        a30.StoreUnsafe(ref w3); a31.StoreUnsafe(ref w3, 16); a32.StoreUnsafe(ref w3, 32); a33.StoreUnsafe(ref w3, 48);
    }

    // w[i..i+4, c..c+16] += Σ_r v[r, i..i+4]ᵀ·p[r, c..c+16]: 4 rows × 2 Vector256 accumulators.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposedTile256(ref float v, ref float p, int r0, int r1, int i, int c, ref float w)
    {
        ref float w0 = ref Unsafe.Add(ref w, i * Width + c);
        ref float w1 = ref Unsafe.Add(ref w0, Width);
        ref float w2 = ref Unsafe.Add(ref w1, Width);
        ref float w3 = ref Unsafe.Add(ref w2, Width);
        Vector256<float> a00 = Vector256.LoadUnsafe(ref w0), a01 = Vector256.LoadUnsafe(ref w0, 8);
        Vector256<float> a10 = Vector256.LoadUnsafe(ref w1), a11 = Vector256.LoadUnsafe(ref w1, 8);
        Vector256<float> a20 = Vector256.LoadUnsafe(ref w2), a21 = Vector256.LoadUnsafe(ref w2, 8);
        Vector256<float> a30 = Vector256.LoadUnsafe(ref w3), a31 = Vector256.LoadUnsafe(ref w3, 8);
        for (int r = r0; r < r1; r++)
        {
            ref float pr = ref Unsafe.Add(ref p, r * Width + c);
            ref float vr = ref Unsafe.Add(ref v, r * Width + i);
            Vector256<float> p0 = Vector256.LoadUnsafe(ref pr), p1 = Vector256.LoadUnsafe(ref pr, 8);
            Vector256<float> s = Vector256.Create(vr);
            a00 = Vector256.FusedMultiplyAdd(s, p0, a00); a01 = Vector256.FusedMultiplyAdd(s, p1, a01);
            s = Vector256.Create(Unsafe.Add(ref vr, 1));
            a10 = Vector256.FusedMultiplyAdd(s, p0, a10); a11 = Vector256.FusedMultiplyAdd(s, p1, a11);
            s = Vector256.Create(Unsafe.Add(ref vr, 2));
            a20 = Vector256.FusedMultiplyAdd(s, p0, a20); a21 = Vector256.FusedMultiplyAdd(s, p1, a21);
            s = Vector256.Create(Unsafe.Add(ref vr, 3));
            a30 = Vector256.FusedMultiplyAdd(s, p0, a30); a31 = Vector256.FusedMultiplyAdd(s, p1, a31);
        }

        a00.StoreUnsafe(ref w0); a01.StoreUnsafe(ref w0, 8);
        a10.StoreUnsafe(ref w1); a11.StoreUnsafe(ref w1, 8);
        a20.StoreUnsafe(ref w2); a21.StoreUnsafe(ref w2, 8);
        a30.StoreUnsafe(ref w3); a31.StoreUnsafe(ref w3, 8);
    }

    // w[i..i+4, c..c+8] += Σ_r v[r, i..i+4]ᵀ·p[r, c..c+8]: 4 rows × 2 Vector128 accumulators.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposedTile128(ref float v, ref float p, int r0, int r1, int i, int c, ref float w)
    {
        ref float w0 = ref Unsafe.Add(ref w, i * Width + c);
        ref float w1 = ref Unsafe.Add(ref w0, Width);
        ref float w2 = ref Unsafe.Add(ref w1, Width);
        ref float w3 = ref Unsafe.Add(ref w2, Width);
        Vector128<float> a00 = Vector128.LoadUnsafe(ref w0), a01 = Vector128.LoadUnsafe(ref w0, 4);
        Vector128<float> a10 = Vector128.LoadUnsafe(ref w1), a11 = Vector128.LoadUnsafe(ref w1, 4);
        Vector128<float> a20 = Vector128.LoadUnsafe(ref w2), a21 = Vector128.LoadUnsafe(ref w2, 4);
        Vector128<float> a30 = Vector128.LoadUnsafe(ref w3), a31 = Vector128.LoadUnsafe(ref w3, 4);
        for (int r = r0; r < r1; r++)
        {
            ref float pr = ref Unsafe.Add(ref p, r * Width + c);
            ref float vr = ref Unsafe.Add(ref v, r * Width + i);
            Vector128<float> p0 = Vector128.LoadUnsafe(ref pr), p1 = Vector128.LoadUnsafe(ref pr, 4);
            Vector128<float> s = Vector128.Create(vr);
            a00 = Vector128.FusedMultiplyAdd(s, p0, a00); a01 = Vector128.FusedMultiplyAdd(s, p1, a01);
            s = Vector128.Create(Unsafe.Add(ref vr, 1));
            a10 = Vector128.FusedMultiplyAdd(s, p0, a10); a11 = Vector128.FusedMultiplyAdd(s, p1, a11);
            s = Vector128.Create(Unsafe.Add(ref vr, 2));
            a20 = Vector128.FusedMultiplyAdd(s, p0, a20); a21 = Vector128.FusedMultiplyAdd(s, p1, a21);
            s = Vector128.Create(Unsafe.Add(ref vr, 3));
            a30 = Vector128.FusedMultiplyAdd(s, p0, a30); a31 = Vector128.FusedMultiplyAdd(s, p1, a31);
        }

        a00.StoreUnsafe(ref w0); a01.StoreUnsafe(ref w0, 4);
        a10.StoreUnsafe(ref w1); a11.StoreUnsafe(ref w1, 4);
        a20.StoreUnsafe(ref w2); a21.StoreUnsafe(ref w2, 4);
        a30.StoreUnsafe(ref w3); a31.StoreUnsafe(ref w3, 4);
    }

    // p[r..r+4, 0..64] += Σ_{i < inner} a[r..r+4, i]·w[i, 0..64]: 4 rows × 4 Vector512 accumulators.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ProductTile512(ref float a, int r, int inner, ref float w, ref float p)
    {
        ref float p0 = ref Unsafe.Add(ref p, r * Width);
        ref float p1 = ref Unsafe.Add(ref p0, Width);
        ref float p2 = ref Unsafe.Add(ref p1, Width);
        ref float p3 = ref Unsafe.Add(ref p2, Width);
        Vector512<float> c00 = Vector512.LoadUnsafe(ref p0), c01 = Vector512.LoadUnsafe(ref p0, 16), c02 = Vector512.LoadUnsafe(ref p0, 32), c03 = Vector512.LoadUnsafe(ref p0, 48);
        Vector512<float> c10 = Vector512.LoadUnsafe(ref p1), c11 = Vector512.LoadUnsafe(ref p1, 16), c12 = Vector512.LoadUnsafe(ref p1, 32), c13 = Vector512.LoadUnsafe(ref p1, 48);
        Vector512<float> c20 = Vector512.LoadUnsafe(ref p2), c21 = Vector512.LoadUnsafe(ref p2, 16), c22 = Vector512.LoadUnsafe(ref p2, 32), c23 = Vector512.LoadUnsafe(ref p2, 48);
        Vector512<float> c30 = Vector512.LoadUnsafe(ref p3), c31 = Vector512.LoadUnsafe(ref p3, 16), c32 = Vector512.LoadUnsafe(ref p3, 32), c33 = Vector512.LoadUnsafe(ref p3, 48);
        ref float ar = ref Unsafe.Add(ref a, r * Width);
        for (int i = 0; i < inner; i++)
        {
            ref float wi = ref Unsafe.Add(ref w, i * Width);
            Vector512<float> w0 = Vector512.LoadUnsafe(ref wi), w1 = Vector512.LoadUnsafe(ref wi, 16), w2 = Vector512.LoadUnsafe(ref wi, 32), w3 = Vector512.LoadUnsafe(ref wi, 48);
            Vector512<float> s = Vector512.Create(Unsafe.Add(ref ar, i));
            c00 = Vector512.FusedMultiplyAdd(s, w0, c00); c01 = Vector512.FusedMultiplyAdd(s, w1, c01); c02 = Vector512.FusedMultiplyAdd(s, w2, c02); c03 = Vector512.FusedMultiplyAdd(s, w3, c03);
            s = Vector512.Create(Unsafe.Add(ref ar, Width + i));
            c10 = Vector512.FusedMultiplyAdd(s, w0, c10); c11 = Vector512.FusedMultiplyAdd(s, w1, c11); c12 = Vector512.FusedMultiplyAdd(s, w2, c12); c13 = Vector512.FusedMultiplyAdd(s, w3, c13);
            s = Vector512.Create(Unsafe.Add(ref ar, 2 * Width + i));
            c20 = Vector512.FusedMultiplyAdd(s, w0, c20); c21 = Vector512.FusedMultiplyAdd(s, w1, c21); c22 = Vector512.FusedMultiplyAdd(s, w2, c22); c23 = Vector512.FusedMultiplyAdd(s, w3, c23);
            s = Vector512.Create(Unsafe.Add(ref ar, 3 * Width + i));
            c30 = Vector512.FusedMultiplyAdd(s, w0, c30); c31 = Vector512.FusedMultiplyAdd(s, w1, c31); c32 = Vector512.FusedMultiplyAdd(s, w2, c32); c33 = Vector512.FusedMultiplyAdd(s, w3, c33);
        }

        c00.StoreUnsafe(ref p0); c01.StoreUnsafe(ref p0, 16); c02.StoreUnsafe(ref p0, 32); c03.StoreUnsafe(ref p0, 48);
        c10.StoreUnsafe(ref p1); c11.StoreUnsafe(ref p1, 16); c12.StoreUnsafe(ref p1, 32); c13.StoreUnsafe(ref p1, 48);
        c20.StoreUnsafe(ref p2); c21.StoreUnsafe(ref p2, 16); c22.StoreUnsafe(ref p2, 32); c23.StoreUnsafe(ref p2, 48);
        c30.StoreUnsafe(ref p3); c31.StoreUnsafe(ref p3, 16); c32.StoreUnsafe(ref p3, 32); c33.StoreUnsafe(ref p3, 48);
    }

    // p[r, 0..64] += Σ_{i < inner} a[r, i]·w[i, 0..64]: the rows left over by ProductTile512.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ProductRow512(ref float a, int r, int inner, ref float w, ref float p)
    {
        ref float pr = ref Unsafe.Add(ref p, r * Width);
        Vector512<float> c0 = Vector512.LoadUnsafe(ref pr), c1 = Vector512.LoadUnsafe(ref pr, 16), c2 = Vector512.LoadUnsafe(ref pr, 32), c3 = Vector512.LoadUnsafe(ref pr, 48);
        ref float ar = ref Unsafe.Add(ref a, r * Width);
        for (int i = 0; i < inner; i++)
        {
            ref float wi = ref Unsafe.Add(ref w, i * Width);
            Vector512<float> s = Vector512.Create(Unsafe.Add(ref ar, i));
            c0 = Vector512.FusedMultiplyAdd(s, Vector512.LoadUnsafe(ref wi), c0);
            c1 = Vector512.FusedMultiplyAdd(s, Vector512.LoadUnsafe(ref wi, 16), c1);
            c2 = Vector512.FusedMultiplyAdd(s, Vector512.LoadUnsafe(ref wi, 32), c2);
            c3 = Vector512.FusedMultiplyAdd(s, Vector512.LoadUnsafe(ref wi, 48), c3);
        }

        c0.StoreUnsafe(ref pr); c1.StoreUnsafe(ref pr, 16); c2.StoreUnsafe(ref pr, 32); c3.StoreUnsafe(ref pr, 48);
    }

    // p[r..r+4, c..c+16] += Σ_i a[r..r+4, i]·w[i, c..c+16]: 4 rows × 2 Vector256 accumulators.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ProductTile256(ref float a, int r, int inner, ref float w, int c, ref float p)
    {
        ref float p0 = ref Unsafe.Add(ref p, r * Width + c);
        ref float p1 = ref Unsafe.Add(ref p0, Width);
        ref float p2 = ref Unsafe.Add(ref p1, Width);
        ref float p3 = ref Unsafe.Add(ref p2, Width);
        Vector256<float> c00 = Vector256.LoadUnsafe(ref p0), c01 = Vector256.LoadUnsafe(ref p0, 8);
        Vector256<float> c10 = Vector256.LoadUnsafe(ref p1), c11 = Vector256.LoadUnsafe(ref p1, 8);
        Vector256<float> c20 = Vector256.LoadUnsafe(ref p2), c21 = Vector256.LoadUnsafe(ref p2, 8);
        Vector256<float> c30 = Vector256.LoadUnsafe(ref p3), c31 = Vector256.LoadUnsafe(ref p3, 8);
        ref float ar = ref Unsafe.Add(ref a, r * Width);
        for (int i = 0; i < inner; i++)
        {
            ref float wi = ref Unsafe.Add(ref w, i * Width + c);
            Vector256<float> w0 = Vector256.LoadUnsafe(ref wi), w1 = Vector256.LoadUnsafe(ref wi, 8);
            Vector256<float> s = Vector256.Create(Unsafe.Add(ref ar, i));
            c00 = Vector256.FusedMultiplyAdd(s, w0, c00); c01 = Vector256.FusedMultiplyAdd(s, w1, c01);
            s = Vector256.Create(Unsafe.Add(ref ar, Width + i));
            c10 = Vector256.FusedMultiplyAdd(s, w0, c10); c11 = Vector256.FusedMultiplyAdd(s, w1, c11);
            s = Vector256.Create(Unsafe.Add(ref ar, 2 * Width + i));
            c20 = Vector256.FusedMultiplyAdd(s, w0, c20); c21 = Vector256.FusedMultiplyAdd(s, w1, c21);
            s = Vector256.Create(Unsafe.Add(ref ar, 3 * Width + i));
            c30 = Vector256.FusedMultiplyAdd(s, w0, c30); c31 = Vector256.FusedMultiplyAdd(s, w1, c31);
        }

        c00.StoreUnsafe(ref p0); c01.StoreUnsafe(ref p0, 8);
        c10.StoreUnsafe(ref p1); c11.StoreUnsafe(ref p1, 8);
        c20.StoreUnsafe(ref p2); c21.StoreUnsafe(ref p2, 8);
        c30.StoreUnsafe(ref p3); c31.StoreUnsafe(ref p3, 8);
    }

    // p[r..r+4, c..c+8] += Σ_i a[r..r+4, i]·w[i, c..c+8]: 4 rows × 2 Vector128 accumulators.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ProductTile128(ref float a, int r, int inner, ref float w, int c, ref float p)
    {
        ref float p0 = ref Unsafe.Add(ref p, r * Width + c);
        ref float p1 = ref Unsafe.Add(ref p0, Width);
        ref float p2 = ref Unsafe.Add(ref p1, Width);
        ref float p3 = ref Unsafe.Add(ref p2, Width);
        Vector128<float> c00 = Vector128.LoadUnsafe(ref p0), c01 = Vector128.LoadUnsafe(ref p0, 4);
        Vector128<float> c10 = Vector128.LoadUnsafe(ref p1), c11 = Vector128.LoadUnsafe(ref p1, 4);
        Vector128<float> c20 = Vector128.LoadUnsafe(ref p2), c21 = Vector128.LoadUnsafe(ref p2, 4);
        Vector128<float> c30 = Vector128.LoadUnsafe(ref p3), c31 = Vector128.LoadUnsafe(ref p3, 4);
        ref float ar = ref Unsafe.Add(ref a, r * Width);
        for (int i = 0; i < inner; i++)
        {
            ref float wi = ref Unsafe.Add(ref w, i * Width + c);
            Vector128<float> w0 = Vector128.LoadUnsafe(ref wi), w1 = Vector128.LoadUnsafe(ref wi, 4);
            Vector128<float> s = Vector128.Create(Unsafe.Add(ref ar, i));
            c00 = Vector128.FusedMultiplyAdd(s, w0, c00); c01 = Vector128.FusedMultiplyAdd(s, w1, c01);
            s = Vector128.Create(Unsafe.Add(ref ar, Width + i));
            c10 = Vector128.FusedMultiplyAdd(s, w0, c10); c11 = Vector128.FusedMultiplyAdd(s, w1, c11);
            s = Vector128.Create(Unsafe.Add(ref ar, 2 * Width + i));
            c20 = Vector128.FusedMultiplyAdd(s, w0, c20); c21 = Vector128.FusedMultiplyAdd(s, w1, c21);
            s = Vector128.Create(Unsafe.Add(ref ar, 3 * Width + i));
            c30 = Vector128.FusedMultiplyAdd(s, w0, c30); c31 = Vector128.FusedMultiplyAdd(s, w1, c31);
        }

        c00.StoreUnsafe(ref p0); c01.StoreUnsafe(ref p0, 4);
        c10.StoreUnsafe(ref p1); c11.StoreUnsafe(ref p1, 4);
        c20.StoreUnsafe(ref p2); c21.StoreUnsafe(ref p2, 4);
        c30.StoreUnsafe(ref p3); c31.StoreUnsafe(ref p3, 4);
    }
}
