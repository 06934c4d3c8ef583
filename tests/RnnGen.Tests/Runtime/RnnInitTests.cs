using System;
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
    public void Orthogonal_IsTheSignFixedQOfTheGaussianMatrix(int rows, int cols)
    {
        // orthogonal_: A (rows×cols, row-major normal draws; transposed when wide) = QR with diag(R) > 0.
        // So R = QᵀA is upper triangular with a positive diagonal.
        var rng = new RnnRandom(99);
        RnnRandom replay = rng;
        float[] w = new float[rows * cols];
        RnnInit.Orthogonal(w, rows, cols, ref rng);

        double[,] a = new double[rows, cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                a[r, c] = replay.NextGaussian();
            }
        }

        Assert.Equal(rng.NextUInt64(), replay.NextUInt64()); // consumed exactly rows·cols Gaussians

        bool wide = rows < cols;
        int m = wide ? cols : rows, n = wide ? rows : cols;
        double Q(int i, int j) => wide ? w[j * cols + i] : w[i * cols + j];       // m×n, orthonormal columns
        double T(int i, int j) => wide ? a[j, i] : a[i, j];                        // the tall matrix
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double rij = 0;
                for (int k = 0; k < m; k++)
                {
                    rij += Q(k, i) * T(k, j);
                }

                if (i > j)
                {
                    Assert.True(Math.Abs(rij) < 1e-5, $"R[{i},{j}] = {rij:E2} below the diagonal");
                }
                else if (i == j)
                {
                    Assert.True(rij > 0.05, $"R[{i},{i}] = {rij} is not positive");
                }
            }
        }
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
