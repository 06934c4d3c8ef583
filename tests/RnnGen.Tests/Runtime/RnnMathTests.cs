using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>
/// RnnMath.Tanh/Sigmoid against double-precision references, for the scalar overload and every
/// vector width (called directly; a width that is not hardware accelerated runs its software
/// fallback, which must give the same results).
/// </summary>
public class RnnMathTests
{
    private const double TanhMaxError = 3e-7;
    private const double SigmoidMaxError = 2e-7;

    public static TheoryData<int> Widths => new() { 1, 4, 8, 16 };

    /// <summary>A dense sweep of [−20, 20] (step 1/4096, plus a finer one where saturation begins) and every power of two ±2^−149 … ±2^127.</summary>
    private static readonly float[] Sweep = BuildSweep();

    private static float[] BuildSweep()
    {
        var xs = new List<float>();
        for (int i = -20 * 4096; i <= 20 * 4096; i++)
        {
            xs.Add(i / 4096f);
        }

        for (float x = 7.8f; x < 8.2f; x = MathF.BitIncrement(x))
        {
            xs.Add(x);
            xs.Add(-x);
            x = MathF.BitIncrement(MathF.BitIncrement(MathF.BitIncrement(x))); // every fourth float
        }

        for (int e = -149; e <= 127; e++)
        {
            float p = MathF.ScaleB(1f, e);
            xs.Add(p);
            xs.Add(-p);
            xs.Add(MathF.BitIncrement(p));
            xs.Add(-MathF.BitDecrement(p));
        }

        return xs.ToArray();
    }

    private static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    /// <summary>Applies the overload of the given width (1 = scalar) element-wise; the tail is padded.</summary>
    private static float[] Apply(bool sigmoid, int width, float[] xs)
    {
        float[] ys = new float[xs.Length];
        Span<float> lanes = stackalloc float[16];
        for (int i = 0; i < xs.Length; i += width)
        {
            int count = Math.Min(width, xs.Length - i);
            lanes.Clear();
            xs.AsSpan(i, count).CopyTo(lanes);
            switch (width)
            {
                case 1:
                    lanes[0] = sigmoid ? RnnMath.Sigmoid(lanes[0]) : RnnMath.Tanh(lanes[0]);
                    break;
                case 4:
                    var v4 = Vector128.Create((ReadOnlySpan<float>)lanes);
                    (sigmoid ? RnnMath.Sigmoid(v4) : RnnMath.Tanh(v4)).CopyTo(lanes);
                    break;
                case 8:
                    var v8 = Vector256.Create((ReadOnlySpan<float>)lanes);
                    (sigmoid ? RnnMath.Sigmoid(v8) : RnnMath.Tanh(v8)).CopyTo(lanes);
                    break;
                case 16:
                    var v16 = Vector512.Create((ReadOnlySpan<float>)lanes);
                    (sigmoid ? RnnMath.Sigmoid(v16) : RnnMath.Tanh(v16)).CopyTo(lanes);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(width));
            }

            lanes[..count].CopyTo(ys.AsSpan(i, count));
        }

        return ys;
    }

    private static (double Error, float At) WorstError(float[] xs, float[] ys, Func<double, double> reference)
    {
        double worst = 0;
        float at = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            double err = Math.Abs(ys[i] - reference(xs[i]));
            if (!(err <= worst))
            {
                worst = err;
                at = xs[i];
            }
        }

        return (worst, at);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Tanh_ErrorWithinBound(int width)
    {
        var (error, at) = WorstError(Sweep, Apply(false, width, Sweep), Math.Tanh);
        Assert.True(error <= TanhMaxError, $"width {width}: max |tanh error| {error:E3} at x = {at:R}");
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Sigmoid_ErrorWithinBound(int width)
    {
        var (error, at) = WorstError(Sweep, Apply(true, width, Sweep), Sigmoid);
        Assert.True(error <= SigmoidMaxError, $"width {width}: max |sigmoid error| {error:E3} at x = {at:R}");
    }

    [Fact]
    public void ErrorMeasurement_DetectsAWrongApproximation()
    {
        // The bound is tight enough to reject tanh computed in half the precision or with one coefficient off by 1e-6.
        float[] xs = Sweep;
        float[] ys = Apply(false, 1, xs);
        for (int i = 0; i < ys.Length; i++)
        {
            ys[i] = ys[i] * (1f + 1e-6f);
        }

        Assert.True(WorstError(xs, ys, Math.Tanh).Error > TanhMaxError);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    public void VectorWidths_AreBitIdenticalToScalar(int width)
    {
        float[] scalarTanh = Apply(false, 1, Sweep), vectorTanh = Apply(false, width, Sweep);
        float[] scalarSigmoid = Apply(true, 1, Sweep), vectorSigmoid = Apply(true, width, Sweep);
        for (int i = 0; i < Sweep.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(scalarTanh[i]) != BitConverter.SingleToInt32Bits(vectorTanh[i])
                || BitConverter.SingleToInt32Bits(scalarSigmoid[i]) != BitConverter.SingleToInt32Bits(vectorSigmoid[i]))
            {
                Assert.Fail($"width {width} differs from scalar at x = {Sweep[i]:R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Saturation_IsExact(int width)
    {
        float[] xs = { 8f, 9f, 10f, 16f, 20f, 88.7f, 1e10f, float.MaxValue, float.PositiveInfinity };
        float[] neg = Array.ConvertAll(xs, x => -x);
        foreach (float y in Apply(false, width, xs))
        {
            Assert.Equal(1f, y);
        }

        foreach (float y in Apply(false, width, neg))
        {
            Assert.Equal(-1f, y);
        }

        float[] big = { 16f, 17f, 20f, 100f, 1e30f, float.MaxValue, float.PositiveInfinity };
        foreach (float y in Apply(true, width, big))
        {
            Assert.Equal(1f, y);
        }

        foreach (float y in Apply(true, width, Array.ConvertAll(big, x => -x)))
        {
            Assert.Equal(0f, y);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void OutputRange_IsBoundedAndTanhIsOdd(int width)
    {
        float[] t = Apply(false, width, Sweep), s = Apply(true, width, Sweep);
        float[] tNeg = Apply(false, width, Array.ConvertAll(Sweep, x => -x));
        for (int i = 0; i < Sweep.Length; i++)
        {
            if (!(t[i] >= -1f && t[i] <= 1f && s[i] >= 0f && s[i] <= 1f && tNeg[i] == -t[i]))
            {
                Assert.Fail($"x = {Sweep[i]:R}: tanh {t[i]:R}, tanh(−x) {tNeg[i]:R}, sigmoid {s[i]:R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void TinyInputs_ReturnTheInput(int width)
    {
        var xs = new List<float> { 0f, -0f, 1e-45f, -1e-45f, 1e-38f, 3e-4f, -3.99e-4f };
        for (int e = -149; e <= -12; e++)
        {
            xs.Add(MathF.ScaleB(1f, e));
            xs.Add(-MathF.ScaleB(1.5f, e));
        }

        float[] input = xs.ToArray();
        float[] ys = Apply(false, width, input);
        for (int i = 0; i < input.Length; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(input[i]), BitConverter.SingleToInt32Bits(ys[i]));
            // tanh(x) = x(1 − x²/3 + …): returning x is off by less than 6e-8 relative (≤ 1 ulp).
            Assert.True(Math.Abs(ys[i] - Math.Tanh(input[i])) <= 6e-8 * Math.Abs(input[i]), $"x = {input[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void NaN_PropagatesWithoutDisturbingOtherLanes(int width)
    {
        float[] xs = { float.NaN, 0.5f, -float.NaN, -3f, 100f, float.NaN, -0.0001f, 2f, float.NaN, 1f, 9f, -9f, float.NaN, 0.25f, -0.25f, 7f };
        float[] t = Apply(false, width, xs), s = Apply(true, width, xs);
        for (int i = 0; i < xs.Length; i++)
        {
            if (float.IsNaN(xs[i]))
            {
                Assert.True(float.IsNaN(t[i]), $"tanh(NaN) = {t[i]} at lane {i}");
                Assert.True(float.IsNaN(s[i]), $"sigmoid(NaN) = {s[i]} at lane {i}");
            }
            else
            {
                Assert.Equal(RnnMath.Tanh(xs[i]), t[i]);
                Assert.Equal(RnnMath.Sigmoid(xs[i]), s[i]);
                Assert.True(Math.Abs(t[i] - Math.Tanh(xs[i])) <= TanhMaxError);
            }
        }
    }

    [Fact]
    public void Sigmoid_KnownValues()
    {
        Assert.Equal(0.5f, RnnMath.Sigmoid(0f));
        Assert.Equal(0.7310585786f, RnnMath.Sigmoid(1f), 2e-7f);
        Assert.Equal(0.2689414214f, RnnMath.Sigmoid(-1f), 2e-7f);
        Assert.Equal(0.7615941559f, RnnMath.Tanh(1f), 3e-7f);
    }
}
