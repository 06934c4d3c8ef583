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
    /// Orthogonal initialization with the distribution of <c>torch.nn.init.orthogonal_</c>: the result is
    /// <paramref name="gain"/>·Q with Q Haar-distributed (uniform over matrices with orthonormal columns when
    /// rows ≥ cols, WᵀW = gain²·I; orthonormal rows when rows &lt; cols, WWᵀ = gain²·I), which is what
    /// orthogonal_'s Q·sign(diag R) of the QR of a Gaussian matrix is.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Method: random Householder reflections (Stewart, 1980) instead of factoring a Gaussian matrix. With
    /// m = max(rows, cols) and n = min(rows, cols), for k = 0…n−1 a vector xₖ of m − k standard normal draws gives
    /// LAPACK's reflector Hₖ = I − τ·v·vᵀ, v = (1, xₖ[1…]/(α − β)), β = −sign(α)·‖xₖ‖, α = xₖ[0], and
    /// Q = H₀H₁⋯Hₙ₋₁·[D; 0] with D = diag(sign βₖ). This is exactly how Householder QR builds the sign-fixed Q of
    /// a Gaussian matrix: each column it reduces is, by the rotation invariance of the Gaussian, a fresh standard
    /// normal vector, so drawing the vectors directly gives the same distribution and skips computing R. The
    /// reflectors are applied in blocks of 64 (compact WY form, as LAPACK's <c>sorgqr</c>) with vectorized
    /// float32 products: about (4/3)·n³ floating-point operations for a square matrix, spread over the cores
    /// for big matrices. Orthonormality holds to about 1e-6 (float32, like orthogonal_ on a float32 tensor).
    /// </para>
    /// <para>
    /// Determinism: the same seed gives bit-identical weights on every run, machine, SIMD width (Vector512,
    /// Vector256, Vector128, scalar) and thread count — every sum has a fixed order and every multiply-add is
    /// fused — but different bits than orthogonal_, whose random stream is PyTorch's.
    /// </para>
    /// <para>
    /// Scratch memory: 4·m·n' bytes for Q and at most as much again for the reflectors, n' = n rounded up to a
    /// multiple of 64 (about 100 MB for 4096×4096).
    /// </para>
    /// </remarks>
    /// <param name="weights">The <paramref name="rows"/>×<paramref name="cols"/> weights, row-major, overwritten.</param>
    /// <param name="rows">Rows (&gt; 0).</param>
    /// <param name="cols">Columns (&gt; 0).</param>
    /// <param name="rng">
    /// The generator; advanced by Σₖ (m − k) = m·n − n(n−1)/2 <see cref="RnnRandom.NextGaussian"/> draws, reflector by
    /// reflector (the vector of reflector 0 first).
    /// </param>
    /// <param name="gain">Scale applied to the orthogonal matrix. Default 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> or <paramref name="cols"/> ≤ 0, or <paramref name="gain"/> not finite.</exception>
    /// <exception cref="ArgumentException"><paramref name="weights"/> does not have <paramref name="rows"/>·<paramref name="cols"/> elements, or the scratch would not fit in one array.</exception>
    public static void Orthogonal(Span<float> weights, int rows, int cols, ref RnnRandom rng, float gain = 1f)
    {
        ValidateShape(weights, rows, cols);
        if (!float.IsFinite(gain))
        {
            throw new ArgumentOutOfRangeException(nameof(gain), gain, "gain must be finite.");
        }

        HaarOrthogonal.Fill(weights, rows, cols, ref rng, gain);
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
