using System;
using System.Text.Json;
using Xunit;

namespace RnnGen.Tests.Runtime;

public class GradientClippingTests
{
    [Theory]
    [InlineData("clips")]
    [InlineData("no_clip")]
    public void ClipByGlobalNorm_MatchesPyTorch(string name)
    {
        JsonElement c = OptimizerFixture.Instance.Clip[name];
        float maxNorm = (float)c.GetProperty("max_norm").GetDouble();
        float[] g = OptimizerFixture.Floats(c.GetProperty("gradients"));
        float[] expected = OptimizerFixture.Floats(c.GetProperty("clipped"));
        float expectedNorm = (float)c.GetProperty("total_norm").GetDouble();

        float norm = GradientClipping.ClipByGlobalNorm(g, maxNorm);

        Assert.True(OptimizerFixture.WorstScaledError(new[] { norm }, new[] { expectedNorm }) <= 1.0, $"norm {norm} vs torch {expectedNorm}");
        Assert.True(OptimizerFixture.WorstScaledError(g, expected) <= 1.0, "clipped gradients differ from torch");
        Assert.Equal(name == "clips", norm > maxNorm);
    }

    [Fact]
    public void ClipByGlobalNorm_WrongMaxNorm_FailsTheComparison()
    {
        JsonElement c = OptimizerFixture.Instance.Clip["clips"];
        float[] g = OptimizerFixture.Floats(c.GetProperty("gradients"));
        GradientClipping.ClipByGlobalNorm(g, (float)c.GetProperty("max_norm").GetDouble() * 1.001f);
        Assert.True(OptimizerFixture.WorstScaledError(g, OptimizerFixture.Floats(c.GetProperty("clipped"))) > 1.0);
    }

    [Fact]
    public void GlobalNorm_SimpleValues()
    {
        Assert.Equal(5f, GradientClipping.GlobalNorm(new[] { 3f, 4f }));
        Assert.Equal(0f, GradientClipping.GlobalNorm(ReadOnlySpan<float>.Empty));
        Assert.Equal(13f, GradientClipping.GlobalNorm(new[] { 0f, -5f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 12f }));
    }

    [Fact]
    public void GlobalNorm_EveryLength_MatchesDoubleReference()
    {
        for (int n = 0; n <= 100; n++)
        {
            var rng = new RnnRandom((ulong)n);
            float[] g = new float[n];
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                g[i] = (float)rng.NextGaussian();
                sum += (double)g[i] * g[i];
            }

            Assert.Equal((float)Math.Sqrt(sum), GradientClipping.GlobalNorm(g));
        }
    }

    [Fact]
    public void GlobalNorm_LongSpan_KeepsFullPrecision()
    {
        // 4M values of 0.1: a float accumulator drifts by ~1e-4 relative here.
        float[] g = new float[1 << 22];
        g.AsSpan().Fill(0.1f);
        double exact = Math.Sqrt(g.Length * (double)0.1f * 0.1f);
        float norm = GradientClipping.GlobalNorm(g);
        double ulp = MathF.BitIncrement((float)exact) - (float)exact;
        Assert.True(Math.Abs(norm - exact) <= 0.6 * ulp, $"norm {norm:R} vs {exact:R}");
    }

    [Fact]
    public void ClipByGlobalNorm_ScalesToMaxNormOnlyWhenAbove()
    {
        float[] g = { 3f, 4f };
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm(g, 1f));
        Assert.Equal(1f, GradientClipping.GlobalNorm(g), 1e-6f);
        Assert.Equal(0.6f, g[0], 1e-6f);

        float[] h = { 3f, 4f };
        float five = 5f;
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm(h, five)); // coef = 5/(5+1e-6) < 1: PyTorch still scales
        float coef = five / (five + 1e-6f);
        Assert.True(coef < 1f);
        Assert.Equal(3f * coef, h[0]);

        float[] k = { 3f, 4f };
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm(k, 6f));
        Assert.Equal(new[] { 3f, 4f }, k);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void ClipByGlobalNorm_NonFiniteGradients_ReturnsNormAndLeavesThemUnchanged(float bad)
    {
        float[] g = new float[40];
        for (int i = 0; i < g.Length; i++)
        {
            g[i] = i;
        }

        g[33] = bad;
        float[] before = (float[])g.Clone();
        float norm = GradientClipping.ClipByGlobalNorm(g, 1f);
        Assert.False(float.IsFinite(norm));
        Assert.Equal(float.IsNaN(bad), float.IsNaN(norm));
        Assert.Equal(before, g);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    public void ClipByGlobalNorm_NonPositiveMaxNorm_Throws(float maxNorm)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm(new[] { 1f }, maxNorm));
        Assert.Equal("maxNorm", e.ParamName);
    }

    [Fact]
    public void ClipByGlobalNorm_IsDeterministic()
    {
        var rng = new RnnRandom(9);
        float[] a = new float[1001];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (float)rng.NextGaussian() * 10f;
        }

        float[] b = (float[])a.Clone();
        Assert.Equal(GradientClipping.ClipByGlobalNorm(a, 2f), GradientClipping.ClipByGlobalNorm(b, 2f));
        Assert.Equal(a, b);
    }
}
