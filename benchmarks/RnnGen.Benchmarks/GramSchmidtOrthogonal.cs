using System;

namespace RnnGen.Benchmarks;

/// <summary>
/// The orthogonal initializer RnnGen used before the blocked Householder one (runtime commit 439b58b,
/// <c>RnnInit.Orthogonal</c>), kept unchanged as the baseline of <see cref="OrthogonalInitBenchmarks"/>:
/// the Gaussian matrix (transposed when wide) is orthonormalized column by column in double with modified
/// Gram–Schmidt applied twice, scalar loops, about 4·m·n² multiply-adds.
/// </summary>
public static class GramSchmidtOrthogonal
{
    /// <summary>Writes the sign-fixed Q of the QR of a Gaussian <paramref name="rows"/>×<paramref name="cols"/> matrix, times <paramref name="gain"/>.</summary>
    public static void Fill(Span<float> weights, int rows, int cols, ref RnnRandom rng, float gain = 1f)
    {
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

        // Modified Gram–Schmidt, twice ("twice is enough"): column j becomes q_j, with R[j, j] = ‖v‖ > 0.
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
}
