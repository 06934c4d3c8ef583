using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Xunit;

namespace RnnGen.Tests.Runtime;

public class RnnInitTests
{
    [Theory]
    [InlineData(64, 64)]
    [InlineData(96, 32)]    // tall: orthonormal columns
    [InlineData(256, 64)]   // LSTM W_hh [4H, H]
    [InlineData(32, 96)]    // wide: orthonormal rows
    [InlineData(1, 5)]
    [InlineData(5, 1)]
    [InlineData(1, 1)]
    [InlineData(65, 65)]    // one reflector past the first block of 64
    [InlineData(130, 70)]   // tall, two blocks
    [InlineData(70, 130)]   // wide, two blocks
    [InlineData(400, 400)]  // seven blocks; big enough to spread the strips over threads
    public void Orthogonal_IsOrthonormal(int rows, int cols)
    {
        var rng = new RnnRandom(11);
        float[] w = new float[rows * cols];
        RnnInit.Orthogonal(w, rows, cols, ref rng);
        double worst = WorstDeviationFromScaledIdentity(w, rows, cols, 1.0);
        Assert.True(worst <= 1e-5, $"|WᵀW − I| (or WWᵀ for wide) reaches {worst:E2}");
    }

    [Fact]
    public void Orthogonal_AppliesGain()
    {
        var rng = new RnnRandom(12);
        float[] w = new float[48 * 48];
        RnnInit.Orthogonal(w, 48, 48, ref rng, gain: 2f);
        Assert.True(WorstDeviationFromScaledIdentity(w, 48, 48, 4.0) <= 4e-5);
        Assert.True(WorstDeviationFromScaledIdentity(w, 48, 48, 1.0) > 1.0);
    }

    [Theory]
    [InlineData(20, 8)]
    [InlineData(8, 20)]
    [InlineData(16, 16)]
    [InlineData(150, 70)]   // the blocked product across two blocks of 64 reflectors
    [InlineData(70, 150)]
    [InlineData(130, 130)]
    public void Orthogonal_IsTheProductOfTheReflectorsOfTheDraws(int rows, int cols)
    {
        // What the XML doc promises, rebuilt naively in double: for k = 0…n−1, x_k = m − k Gaussian draws,
        // H_k = I − τ·v·vᵀ with v = (1, x_k[1…]/(α − β)), β = −sign(α)·‖x_k‖ (LAPACK's Householder vector),
        // and Q = H_0·H_1⋯H_{n−1}·[D; 0] with D = diag(sign β_k): the Q·sign(diag R) of Householder QR.
        var rng = new RnnRandom(99);
        RnnRandom replay = rng;
        float[] w = new float[rows * cols];
        RnnInit.Orthogonal(w, rows, cols, ref rng);

        bool wide = rows < cols;
        int m = wide ? cols : rows, n = wide ? rows : cols;
        var vectors = new double[n][];
        var taus = new double[n];
        var q = new double[m, n];
        for (int k = 0; k < n; k++)
        {
            double[] x = new double[m - k];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = replay.NextGaussian();
            }

            double tail = 0;
            for (int i = 1; i < x.Length; i++)
            {
                tail += x[i] * x[i];
            }

            if (tail == 0)
            {
                q[k, k] = x[0] >= 0 ? 1 : -1; // H_k = I (the 1×1 last reflector of a square matrix)
                continue;
            }

            double beta = -Math.Sign(x[0]) * Math.Sqrt(x[0] * x[0] + tail);
            q[k, k] = Math.Sign(beta);
            double[] v = x.Select(value => value / (x[0] - beta)).ToArray();
            v[0] = 1;
            vectors[k] = v;
            taus[k] = 2 / v.Sum(value => value * value);
        }

        Assert.Equal(replay.NextUInt64(), rng.NextUInt64()); // consumed exactly Σ_k (m − k) Gaussians, in this order

        for (int k = n - 1; k >= 0; k--)
        {
            double[]? v = vectors[k];
            if (v is null)
            {
                continue;
            }

            for (int c = 0; c < n; c++)
            {
                double dot = 0;
                for (int i = 0; i < v.Length; i++)
                {
                    dot += v[i] * q[k + i, c];
                }

                for (int i = 0; i < v.Length; i++)
                {
                    q[k + i, c] -= taus[k] * dot * v[i];
                }
            }
        }

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float actual = wide ? w[j * cols + i] : w[i * cols + j];
                Assert.True(Math.Abs(actual - q[i, j]) < 2e-6, $"Q[{i},{j}] = {actual}, the reflectors give {q[i, j]}");
            }
        }
    }

    [Theory]
    [InlineData(16, 16, "49C9CC01FCCDF075", 0xC1F8C3F086E389D3UL)]
    [InlineData(130, 70, "04E9C58A06BC3B58", 0x331BB96DC401124BUL)]
    [InlineData(70, 130, "8E786C20C0C5BA01", 0x331BB96DC401124BUL)]
    [InlineData(400, 400, "C535D7E9EC9482AD", 0x81AACC73172DD0C5UL)]
    public void Orthogonal_GivesThePinnedBitsOnEverySimdPath(int rows, int cols, string sha256Prefix, ulong nextDraw)
    {
        // .ci/run reruns the tests with DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0 and DOTNET_EnableHWIntrinsic=0;
        // the same pinned hash on each run proves the bits do not depend on the vector width (nor, at 400×400,
        // on how many threads shared the strips). Changing the algorithm changes these on purpose.
        var rng = new RnnRandom(2024);
        float[] w = new float[rows * cols];
        RnnInit.Orthogonal(w, rows, cols, ref rng);
        string hash = Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(w.AsSpan())));
        Assert.Equal(sha256Prefix, hash[..16]);
        Assert.Equal(nextDraw, rng.NextUInt64());
    }

    [Fact]
    public void Orthogonal_ColumnsAndRowsAreUniformOnTheSphere()
    {
        // Haar measure makes every column (and row) of a square Q uniform on the unit sphere; in R³ each coordinate
        // of a uniform point is uniform on [−1, 1] (Archimedes). Without the sign fix Q[0,0] = −|α|/‖x‖ ≤ 0 always.
        const int samples = 3000;
        var first = new double[samples];
        var inner = new double[samples];
        var lastRow = new double[samples];
        float[] w = new float[9];
        for (int s = 0; s < samples; s++)
        {
            var rng = new RnnRandom((ulong)s);
            RnnInit.Orthogonal(w, 3, 3, ref rng);
            first[s] = w[0];          // Q[0, 0]
            inner[s] = w[2 * 3 + 1];  // Q[2, 1]
            lastRow[s] = w[2 * 3 + 2]; // Q[2, 2]
        }

        static double Uniform(double t) => (t + 1) / 2;
        AssertKolmogorovSmirnov(first, Uniform, "Q[0,0] of 3×3");
        AssertKolmogorovSmirnov(inner, Uniform, "Q[2,1] of 3×3");
        AssertKolmogorovSmirnov(lastRow, Uniform, "Q[2,2] of 3×3");
    }

    [Theory]
    [InlineData(5, 3)]
    [InlineData(3, 5)]
    public void Orthogonal_NonSquareVectorsAreUniformOnTheSphere(int rows, int cols)
    {
        // The orthonormal vectors of a 5×3 (columns) or 3×5 (rows) matrix are uniform on S⁴: a coordinate t has
        // density ∝ (1 − t²), so P(T ≤ t) = (2 + 3t − t³)/4.
        const int samples = 3000;
        var a = new double[samples];
        var b = new double[samples];
        float[] w = new float[rows * cols];
        for (int s = 0; s < samples; s++)
        {
            var rng = new RnnRandom(10_000 + (ulong)s);
            RnnInit.Orthogonal(w, rows, cols, ref rng);
            a[s] = w[0];                       // first coordinate of the first vector
            b[s] = w[rows * cols - 1];         // last coordinate of the last vector
        }

        static double Cdf(double t) => (2 + 3 * t - t * t * t) / 4;
        AssertKolmogorovSmirnov(a, Cdf, $"W[0,0] of {rows}×{cols}");
        AssertKolmogorovSmirnov(b, Cdf, $"W[{rows - 1},{cols - 1}] of {rows}×{cols}");
    }

    [Fact]
    public void Orthogonal_TraceHasTheHaarMoments()
    {
        // For Haar-distributed Q in O(n), n ≥ 2: E[tr Q] = 0 and E[(tr Q)²] = 1 (Diaconis & Shahshahani). A biased
        // sign rule or a non-uniform first reflector moves both.
        const int samples = 4000, n = 6;
        float[] w = new float[n * n];
        double sum = 0, sum2 = 0;
        for (int s = 0; s < samples; s++)
        {
            var rng = new RnnRandom(50_000 + (ulong)s);
            RnnInit.Orthogonal(w, n, n, ref rng);
            double trace = 0;
            for (int i = 0; i < n; i++)
            {
                trace += w[i * n + i];
            }

            sum += trace;
            sum2 += trace * trace;
        }

        Assert.InRange(sum / samples, -0.07, 0.07);      // ±4.4σ, σ = 1/√4000
        Assert.InRange(sum2 / samples, 0.88, 1.12);      // ±5σ, Var (tr Q)² ≤ 2 (E (tr Q)⁴ = 3 for n ≥ 4)
    }

    [Fact]
    public void Orthogonal_IsDeterministicPerSeed()
    {
        float[] a = new float[30 * 20], b = new float[30 * 20], c = new float[30 * 20];
        var r1 = new RnnRandom(5);
        var r2 = new RnnRandom(5);
        var r3 = new RnnRandom(6);
        RnnInit.Orthogonal(a, 30, 20, ref r1);
        RnnInit.Orthogonal(b, 30, 20, ref r2);
        RnnInit.Orthogonal(c, 30, 20, ref r3);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void GlorotUniform_StaysWithinLimitAndHasUniformVariance()
    {
        const int rows = 256, cols = 128;
        var rng = new RnnRandom(3);
        float[] w = new float[rows * cols];
        RnnInit.GlorotUniform(w, rows, cols, ref rng);
        double limit = Math.Sqrt(6.0 / (rows + cols));
        double sum = 0, sum2 = 0, max = 0;
        foreach (float x in w)
        {
            Assert.True(Math.Abs(x) <= (float)limit, $"{x} outside ±{limit}");
            sum += x;
            sum2 += (double)x * x;
            max = Math.Max(max, Math.Abs(x));
        }

        double n = w.Length, variance = sum2 / n;
        Assert.InRange(sum / n, -0.01 * limit, 0.01 * limit);
        Assert.InRange(variance, limit * limit / 3 * 0.98, limit * limit / 3 * 1.02); // Var U(−a, a) = a²/3 = 2/(fan_in+fan_out)
        Assert.True(max > 0.999 * limit, "the draws should reach the limit");
    }

    [Fact]
    public void GlorotUniform_IsDeterministicAndConsumesOneDrawPerWeight()
    {
        var r1 = new RnnRandom(8);
        var r2 = new RnnRandom(8);
        float[] a = new float[12 * 7], b = new float[12 * 7];
        RnnInit.GlorotUniform(a, 12, 7, ref r1);
        RnnInit.GlorotUniform(b, 12, 7, ref r2);
        Assert.Equal(a, b);

        var replay = new RnnRandom(8);
        double limit = Math.Sqrt(6.0 / 19.0);
        Assert.Equal((float)(-limit + 2 * limit * replay.NextDouble()), a[0]); // first weight from the first draw
        for (int i = 1; i < a.Length; i++)
        {
            replay.NextDouble();
        }

        Assert.Equal(r1.NextUInt64(), replay.NextUInt64());
    }

    [Fact]
    public void Uniform_StaysInHalfOpenRange()
    {
        var rng = new RnnRandom(4);
        float[] w = new float[10_000];
        RnnInit.Uniform(w, -0.25f, 0.75f, ref rng);
        foreach (float x in w)
        {
            Assert.InRange(x, -0.25f, MathF.BitDecrement(0.75f));
        }

        double mean = 0;
        foreach (float x in w)
        {
            mean += x / (double)w.Length;
        }

        Assert.InRange(mean, 0.24, 0.26);
    }

    [Fact]
    public void InvalidShapesAndBounds_Throw()
    {
        var rng = new RnnRandom(1);
        float[] w = new float[12];
        var e = Assert.Throws<ArgumentException>(() => RnnInit.GlorotUniform(w, 3, 5, ref rng));
        Assert.Equal("weights", e.ParamName);
        Assert.Contains("12", e.Message);
        Assert.Contains("15", e.Message);
        e = Assert.Throws<ArgumentException>(() => RnnInit.Orthogonal(w, 5, 3, ref rng));
        Assert.Contains("12", e.Message);
        Assert.Contains("15", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => RnnInit.GlorotUniform(w, 0, 12, ref rng));
        Assert.Throws<ArgumentOutOfRangeException>(() => RnnInit.Orthogonal(w, 12, -1, ref rng));
        Assert.Throws<ArgumentOutOfRangeException>(() => RnnInit.Orthogonal(w, 3, 4, ref rng, gain: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => RnnInit.Uniform(w, 1f, 1f, ref rng));
        Assert.Throws<ArgumentOutOfRangeException>(() => RnnInit.Uniform(w, float.NegativeInfinity, 1f, ref rng));
    }

    /// <summary>Fails unless the one-sample Kolmogorov–Smirnov statistic is below its 0.1 % critical value.</summary>
    private static void AssertKolmogorovSmirnov(double[] samples, Func<double, double> cdf, string what)
    {
        double[] sorted = (double[])samples.Clone();
        Array.Sort(sorted);
        double d = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            double f = cdf(sorted[i]);
            d = Math.Max(d, Math.Max(f - (double)i / sorted.Length, (i + 1.0) / sorted.Length - f));
        }

        double critical = 1.95 / Math.Sqrt(sorted.Length); // p = 0.001
        Assert.True(d < critical, $"{what}: Kolmogorov–Smirnov D = {d:F4}, above the 0.1 % critical value {critical:F4}");
    }

    /// <summary>max |G − s·I| where G = WᵀW (rows ≥ cols) or WWᵀ (rows &lt; cols), in double.</summary>
    private static double WorstDeviationFromScaledIdentity(float[] w, int rows, int cols, double scale)
    {
        bool wide = rows < cols;
        int n = wide ? rows : cols, len = wide ? cols : rows;
        double worst = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double dot = 0;
                for (int k = 0; k < len; k++)
                {
                    dot += wide ? (double)w[i * cols + k] * w[j * cols + k] : (double)w[k * cols + i] * w[k * cols + j];
                }

                worst = Math.Max(worst, Math.Abs(dot - (i == j ? scale : 0.0)));
            }
        }

        return worst;
    }
}
