using System;

namespace RnnGen;

/// <summary>
/// Weight initializers with PyTorch/Keras semantics, driven by a deterministic <see cref="RnnRandom"/>.
/// Weights are row-major <c>[rows, cols]</c> like a PyTorch weight <c>[out_features, in_features]</c>.
/// </summary>
/// <remarks>These run once at construction and may allocate scratch memory.</remarks>
public static class RnnInit
{
    /// <summary>
    /// Glorot (Xavier) uniform: each weight drawn from U(−limit, limit) with
    /// <c>limit = √(6 / (fan_in + fan_out))</c>, <c>fan_in = cols</c>, <c>fan_out = rows</c>
    /// (Keras' <c>glorot_uniform</c>, PyTorch's <c>xavier_uniform_</c> with gain 1).
    /// </summary>
    /// <param name="weights">The <paramref name="rows"/>×<paramref name="cols"/> weights, row-major, overwritten.</param>
    /// <param name="rows">Rows (fan_out, &gt; 0).</param>
    /// <param name="cols">Columns (fan_in, &gt; 0).</param>
    /// <param name="rng">The generator; advanced by one <see cref="RnnRandom.NextDouble"/> per weight, in row-major order.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> or <paramref name="cols"/> ≤ 0.</exception>
    /// <exception cref="ArgumentException"><paramref name="weights"/> does not have <paramref name="rows"/>·<paramref name="cols"/> elements.</exception>
    public static void GlorotUniform(Span<float> weights, int rows, int cols, ref RnnRandom rng)
    {
        ValidateShape(weights, rows, cols);
        double limit = Math.Sqrt(6.0 / ((double)cols + rows));
        Fill(weights, -limit, limit, ref rng);
    }

    /// <summary>
    /// Orthogonal initialization like <c>torch.nn.init.orthogonal_</c>: a standard normal
    /// <paramref name="rows"/>×<paramref name="cols"/> matrix (transposed first when rows &lt; cols) is
    /// factored A = QR in double (modified Gram–Schmidt, applied twice), the columns of Q are
    /// sign-fixed so that diag(R) &gt; 0, Q is transposed back when it was transposed, and scaled by
    /// <paramref name="gain"/>. The result has orthonormal columns when rows ≥ cols
    /// (WᵀW = gain²·I) and orthonormal rows when rows &lt; cols (WWᵀ = gain²·I).
    /// </summary>
    /// <param name="weights">The <paramref name="rows"/>×<paramref name="cols"/> weights, row-major, overwritten.</param>
    /// <param name="rows">Rows (&gt; 0).</param>
    /// <param name="cols">Columns (&gt; 0).</param>
    /// <param name="rng">The generator; advanced by one <see cref="RnnRandom.NextGaussian"/> per weight, in row-major order.</param>
    /// <param name="gain">Scale applied to the orthogonal matrix. Default 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> or <paramref name="cols"/> ≤ 0, or <paramref name="gain"/> not finite.</exception>
    /// <exception cref="ArgumentException"><paramref name="weights"/> does not have <paramref name="rows"/>·<paramref name="cols"/> elements.</exception>
    public static void Orthogonal(Span<float> weights, int rows, int cols, ref RnnRandom rng, float gain = 1f)
    {
        ValidateShape(weights, rows, cols);
        if (!float.IsFinite(gain))
        {
            throw new ArgumentOutOfRangeException(nameof(gain), gain, "gain must be finite.");
        }

        // The tall m×n matrix to factor (m ≥ n), stored column-major: a[j*m + i] = A[i, j].
        bool transpose = rows < cols;
        int m = transpose ? cols : rows;
        int n = transpose ? rows : cols;
        double[] a = new double[m * n];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                double z = rng.NextGaussian(); // drawn row-major over [rows, cols], like normal_ on the weight
                if (transpose)
                {
                    a[r * m + c] = z;          // Aᵀ[c, r]: column r of the tall matrix
                }
                else
                {
                    a[c * m + r] = z;          // A[r, c]: column c
                }
            }
        }

        // Modified Gram–Schmidt, twice ("twice is enough"): column j becomes q_j, with
        // R[j, j] = ‖v‖ > 0 — the same Q as Householder QR followed by multiplying each column
        // by sign(diag(R)), which is what orthogonal_ does.
        for (int j = 0; j < n; j++)
        {
            Span<double> v = a.AsSpan(j * m, m);
            for (int pass = 0; pass < 2; pass++)
            {
                for (int k = 0; k < j; k++)
                {
                    ReadOnlySpan<double> q = a.AsSpan(k * m, m);
                    double dot = 0.0;
                    for (int i = 0; i < m; i++)
                    {
                        dot += q[i] * v[i];
                    }

                    for (int i = 0; i < m; i++)
                    {
                        v[i] -= dot * q[i];
                    }
                }
            }

            double norm = 0.0;
            for (int i = 0; i < m; i++)
            {
                norm += v[i] * v[i];
            }

            norm = Math.Sqrt(norm);
            // A zero column (probability 0) stays zero, as sign(0) = 0 zeroes it in PyTorch.
            double scale = norm > 0.0 ? 1.0 / norm : 0.0;
            for (int i = 0; i < m; i++)
            {
                v[i] *= scale;
            }
        }

        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                double q = transpose ? a[r * m + c] : a[c * m + r];
                weights[r * cols + c] = (float)(q * gain);
            }
        }
    }

    /// <summary>Fills <paramref name="weights"/> with values drawn uniformly from [<paramref name="low"/>, <paramref name="high"/>).</summary>
    /// <param name="weights">The values, overwritten.</param>
    /// <param name="low">Inclusive lower bound.</param>
    /// <param name="high">Exclusive upper bound (&gt; <paramref name="low"/>).</param>
    /// <param name="rng">The generator; advanced by one <see cref="RnnRandom.NextDouble"/> per value.</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not finite, or <paramref name="high"/> ≤ <paramref name="low"/>.</exception>
    public static void Uniform(Span<float> weights, float low, float high, ref RnnRandom rng)
    {
        if (!float.IsFinite(low))
        {
            throw new ArgumentOutOfRangeException(nameof(low), low, "low must be finite.");
        }

        if (!float.IsFinite(high) || !(high > low))
        {
            throw new ArgumentOutOfRangeException(nameof(high), high, $"high must be finite and greater than low ({low}).");
        }

        Fill(weights, low, high, ref rng);
    }

    /// <summary>w = low + (high − low)·u in double, rounded to float and kept below <paramref name="high"/>.</summary>
    private static void Fill(Span<float> weights, double low, double high, ref RnnRandom rng)
    {
        float highF = (float)high;
        float below = MathF.BitDecrement(highF);
        double width = high - low;
        for (int i = 0; i < weights.Length; i++)
        {
            float w = (float)(low + width * rng.NextDouble());
            weights[i] = w >= highF ? below : w;
        }
    }

    private static void ValidateShape(Span<float> weights, int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        long expected = (long)rows * cols;
        if (weights.Length != expected)
        {
            throw new ArgumentException(
                $"weights has {weights.Length} elements; a [{rows}, {cols}] matrix needs rows·cols = {expected}.", nameof(weights));
        }
    }
}
