using System;
using RnnGen.Internal;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>
/// KernelHelpers.AllFinite (behind State.IsFinite): every length from 0 to 70 (every vector width's body and
/// tail), each non-finite value at every position, and the finite extremes that must not count.
/// </summary>
public class AllFiniteTests
{
    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void A_non_finite_value_anywhere_is_found(float bad)
    {
        for (int n = 1; n <= 70; n++)
        {
            var values = Extremes(n);
            Assert.True(KernelHelpers.AllFinite(values), $"length {n} is all finite");
            for (int at = 0; at < n; at++)
            {
                float saved = values[at];
                values[at] = bad;
                Assert.False(KernelHelpers.AllFinite(values), $"length {n}, {bad} at {at}");
                values[at] = saved;
            }
        }
    }

    [Fact]
    public void NaN_payloads_and_negative_NaN_are_found()
    {
        var values = new float[33];
        values[32] = BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001u));   // negative quiet NaN with a payload
        Assert.False(KernelHelpers.AllFinite(values));
        values[32] = BitConverter.Int32BitsToSingle(0x7F800001);                      // signaling NaN
        Assert.False(KernelHelpers.AllFinite(values));
    }

    [Fact]
    public void Empty_is_finite() => Assert.True(KernelHelpers.AllFinite(ReadOnlySpan<float>.Empty));

    /// <summary>Finite values whose bits come closest to a non-finite one: ±MaxValue, subnormals, −0.</summary>
    private static float[] Extremes(int n)
    {
        float[] pool = { float.MaxValue, -float.MaxValue, float.Epsilon, -0f, 1f, -3.5e-39f, 0f };
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = pool[i % pool.Length];
        return values;
    }
}
