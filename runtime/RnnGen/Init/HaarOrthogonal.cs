using System;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace RnnGen;

/// <summary>
/// The algorithm behind <see cref="RnnInit.Orthogonal"/>: a Haar-distributed matrix with orthonormal columns,
/// built as a product of random Householder reflections (G. W. Stewart, "The efficient generation of random
/// orthogonal matrices with an application to condition estimators", SIAM J. Numer. Anal. 17(3), 1980) and applied
/// in blocks of 64 in compact WY form (Schreiber &amp; Van Loan, 1989), as LAPACK's <c>sorgqr</c> forms Q.
/// </summary>
/// <remarks>
/// <para>
/// Why this has the distribution of <c>torch.nn.init.orthogonal_</c>: orthogonal_ factors a Gaussian m×n matrix
/// A = QR and returns Q·sign(diag R). Householder QR computes that Q as H₀H₁⋯Hₙ₋₁ (first n columns), where Hₖ is
/// built from column k of the partly reduced matrix, rows k…m−1, and R's diagonal entry is βₖ = −sign(αₖ)·‖xₖ‖
/// (αₖ its first entry). Because the Gaussian distribution is invariant under orthogonal maps, that column is
/// again a standard Gaussian vector of length m−k, independent of everything before it; so drawing xₖ directly
/// gives the same joint distribution of reflectors and signs without computing R. The QR with positive diagonal
/// is unique, so every QR algorithm's Q·sign(diag R) is this matrix, which is Haar-distributed (Mezzadri,
/// "How to generate random matrices from the classical compact groups", Notices AMS 54(5), 2007).
/// </para>
/// <para>
/// Cost: forming Q from its reflectors takes 2mn² − ⅔n³ floating-point operations ((4/3)·n³ when square: half
/// of factoring a Gaussian matrix and then forming its Q), and all but O(n²·64) of them run in the 64-wide products
/// of <see cref="StripKernels"/>.
/// Arithmetic is float32, as PyTorch's QR of a float32 weight is; the reflectors, their Gram matrices and the
/// triangular factors are computed in double.
/// </para>
/// <para>
/// Determinism: the Gaussians come from <see cref="RnnRandom.NextGaussians"/> (bit-identical to
/// <see cref="RnnRandom.NextGaussian"/>), every sum has a fixed order and every product is a fused
/// multiply-add, so the bits do not depend on the SIMD width or on hardware acceleration.
/// </para>
/// </remarks>
internal static class HaarOrthogonal
{
    private const int B = StripKernels.Width;

    /// <summary>
    /// Writes gain·Q (rows ≥ cols) or gain·Qᵀ (rows &lt; cols) into <paramref name="weights"/>, row-major, where Q is
    /// max(rows, cols)×min(rows, cols) with Haar-distributed orthonormal columns. Shapes are validated by the caller.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Fill(Span<float> weights, int rows, int cols, ref RnnRandom rng, float gain)
    {
        bool wide = rows < cols;
        int m = wide ? cols : rows; // Q is m×n, m ≥ n
        int n = wide ? rows : cols;
        int blocks = (n + B - 1) / B;
        long stripLength = (long)m * B;
        if (stripLength * blocks > Array.MaxLength)
        {
            throw new ArgumentException(
                $"A [{rows}, {cols}] orthogonal matrix needs {stripLength * blocks} floats of scratch (max(rows, cols) × min(rows, cols) rounded up to 64), more than one array holds.",
                nameof(weights));
        }

        // Q in column strips of 64: strip s holds columns 64s…64s+63 of every row, row r at offset 64r.
        // It starts as [D; 0], D = diag(sign βₖ), and the blocks are applied to it from the last to the first:
        // Q = (H₀⋯H₆₃)(H₆₄⋯H₁₂₇)⋯[D; 0].
        float[] q = new float[stripLength * blocks];
        var v = new float[blocks][];     // block j: its Householder vectors as columns, rows 64j…m−1, row-major
        var negT = new float[blocks][];  // block j: −T (64×64) with H₆₄ⱼ⋯H₆₄ⱼ₊₆₃ = I − V·T·Vᵀ
        double[] x = new double[stripLength];  // the block's Gaussian draws
        double[] vd = new double[stripLength]; // the block's V in double
        for (int j = 0; j < blocks; j++)
        {
            int count = Math.Min(B, n - j * B);
            v[j] = new float[(long)(m - j * B) * B];
            negT[j] = new float[B * B];
            DrawBlock(ref rng, m, j, count, v[j], negT[j], q.AsSpan((int)(j * stripLength), (int)stripLength), x, vd);
        }

        for (int j = blocks - 1; j >= 0; j--)
        {
            ApplyBlock(q, stripLength, blocks, m, n, j, v[j], negT[j]);
        }

        CopyOut(q, stripLength, m, n, wide, gain, weights, cols);
    }

    /// <summary>
    /// Draws reflectors 64j…64j+count−1 in order (LAPACK's slarfg on xₖ ~ N(0, I), length m − k, so that
    /// Hₖxₖ = βₖe₁), stores their vectors in <paramref name="v"/>, sign(βₖ) on the diagonal of
    /// <paramref name="strip"/> (strip j of Q) and −T in <paramref name="negT"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DrawBlock(ref RnnRandom rng, int m, int j, int count, float[] v, float[] negT, Span<float> strip, double[] x, double[] vd)
    {
        int k0 = j * B;
        int height = m - k0; // x: reflector c's draws at c·height, length height − c
        double[] scale = new double[count];             // vₖ = (1, xₖ[1…]·scale); 0 when Hₖ = I
        for (int c = 0; c < count; c++)
        {
            Span<double> xk = x.AsSpan(c * height, height - c);
            rng.NextGaussians(xk);
            double alpha = xk[0];
            double tail = SumOfSquares(xk[1..]);
            double sign;
            if (tail == 0.0)
            {
                sign = alpha >= 0.0 ? 1.0 : -1.0; // βₖ = αₖ, Hₖ = I (the 1×1 last reflector of a square Q)
            }
            else
            {
                double norm = Math.Sqrt(alpha * alpha + tail);
                double beta = alpha >= 0.0 ? -norm : norm;
                sign = beta > 0.0 ? 1.0 : -1.0;
                scale[c] = 1.0 / (alpha - beta);
            }

            strip[(k0 + c) * B + c] = (float)sign;
        }

        // V row by row (column c is zero above row c and 1 on it), and its float values again in double for the Gram.
        Array.Clear(vd, 0, height * B);
        for (int r = 0; r < height; r++)
        {
            int last = Math.Min(count - 1, r);
            for (int c = 0; c <= last; c++)
            {
                float value = r == c ? 1f : scale[c] == 0.0 ? 0f : (float)(x[c * height + (r - c)] * scale[c]);
                v[r * B + c] = value;
                vd[r * B + c] = value;
            }
        }

        // τ = 2/‖v‖² of the float vector actually used, so each Hₖ is orthogonal to double precision; then T
        // column by column (LAPACK's slarft, forward, columnwise): T[l, c] = Σ_{l≤p<c} T[l, p]·(−τ_c·vₚᵀv_c).
        double[] gram = new double[B * B];
        StripKernels.AddGram(vd, height, (count + 3) & ~3, gram);
        double[] t = new double[B * B];
        for (int c = 0; c < count; c++)
        {
            double tc = scale[c] == 0.0 ? 0.0 : 2.0 / gram[c * B + c];
            t[c * B + c] = tc;
            for (int l = 0; l < c; l++)
            {
                double sum = 0.0;
                for (int p = l; p < c; p++)
                {
                    sum += t[l * B + p] * (-tc * gram[p * B + c]);
                }

                t[l * B + c] = sum;
            }
        }

        for (int i = 0; i < B * B; i++)
        {
            negT[i] = (float)-t[i];
        }
    }

    /// <summary>
    /// Applies block j to rows 64j…m−1 of every strip s ≥ j (the columns left of 64j are still zero in those rows):
    /// P ← (I − V·T·Vᵀ)·P as W = Vᵀ·P, W' = −T·W, P += V·W'. The strips are independent, so big blocks spread them
    /// over the cores; each strip's arithmetic is the same whichever thread runs it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyBlock(float[] q, long stripLength, int blocks, int m, int n, int j, float[] v, float[] negT)
    {
        int k0 = j * B;
        int count = Math.Min(B, n - k0);
        int height = m - k0;
        long work = 4L * B * B * height * (blocks - j);
        if (work < ParallelWork || Environment.ProcessorCount == 1)
        {
            float[] scratch = new float[2 * B * B];
            for (int s = j; s < blocks; s++)
            {
                ApplyToStrip(q, stripLength, k0, count, height, s == j, v, negT, s, scratch);
            }

            return;
        }

        Parallel.For(j, blocks, () => new float[2 * B * B], (s, _, scratch) =>
        {
            ApplyToStrip(q, stripLength, k0, count, height, s == j, v, negT, s, scratch);
            return scratch;
        }, static _ => { });
    }

    /// <summary>Floating-point operations above which <see cref="ApplyBlock"/> uses several threads (about 0.3 ms of work).</summary>
    private const long ParallelWork = 1L << 25;

    private static void ApplyToStrip(float[] q, long stripLength, int k0, int count, int height, bool first, float[] v, float[] negT, int s, float[] scratch)
    {
        Span<float> p = q.AsSpan((int)(s * stripLength + (long)k0 * B), height * B);
        Span<float> w = scratch.AsSpan(0, B * B);
        Span<float> w2 = scratch.AsSpan(B * B, B * B);
        w.Clear();
        w2.Clear();

        // Before this block, strip j holds only D in its first 64 rows, and every later strip is zero there:
        // W = Vᵀ·P needs rows 0…63 of the first and rows 64… of the others.
        int skip = first ? 0 : Math.Min(B, height);
        int rows = first ? Math.Min(B, height) : height - skip;
        StripKernels.AddTransposedProduct(v.AsSpan(skip * B), p[(skip * B)..], rows, (count + 3) & ~3, w);
        StripKernels.AddProduct(negT, count, count, w, w2);
        StripKernels.AddProduct(v, height, count, w2, p);
    }

    /// <summary>weights = gain·Q (row-major, rows = m) or gain·Qᵀ (rows = n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyOut(float[] q, long stripLength, int m, int n, bool wide, float gain, Span<float> weights, int cols)
    {
        for (int s = 0, c0 = 0; c0 < n; s++, c0 += B)
        {
            int width = Math.Min(B, n - c0);
            ReadOnlySpan<float> strip = q.AsSpan((int)(s * stripLength), (int)stripLength);
            if (!wide)
            {
                for (int r = 0; r < m; r++)
                {
                    ReadOnlySpan<float> from = strip.Slice(r * B, width);
                    Span<float> to = weights.Slice(r * cols + c0, width);
                    for (int c = 0; c < width; c++)
                    {
                        to[c] = from[c] * gain;
                    }
                }

                continue;
            }

            for (int r0 = 0; r0 < m; r0 += B) // a 64×64 tile at a time: the strip's rows become the weights' columns
            {
                int r1 = Math.Min(m, r0 + B);
                for (int c = 0; c < width; c++)
                {
                    Span<float> to = weights.Slice((c0 + c) * cols, cols);
                    for (int r = r0; r < r1; r++)
                    {
                        to[r] = strip[r * B + c] * gain;
                    }
                }
            }
        }
    }

    /// <summary>Σ xᵢ² with four running sums (i mod 4) added as (s₀ + s₁) + (s₂ + s₃): a fixed order on every machine.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SumOfSquares(ReadOnlySpan<double> x)
    {
        double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
        int i = 0;
        for (; i + 4 <= x.Length; i += 4)
        {
            s0 += x[i] * x[i];
            s1 += x[i + 1] * x[i + 1];
            s2 += x[i + 2] * x[i + 2];
            s3 += x[i + 3] * x[i + 3];
        }

        for (; i < x.Length; i++)
        {
            s0 += x[i] * x[i];
        }

        return (s0 + s1) + (s2 + s3);
    }
}
