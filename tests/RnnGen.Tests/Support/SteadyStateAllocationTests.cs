using System;
using Xunit;

namespace RnnGen.Tests;

/// <summary>The allocation meter forgives only one-off work: a pass that allocates every time is still reported.</summary>
public class SteadyStateAllocationTests
{
    private static object? s_sink;

    [Fact]
    public void A_pass_that_allocates_every_time_is_reported()
    {
        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 10; i++) s_sink = new float[16];
        });

        Assert.True(allocated >= 10 * 16 * sizeof(float), $"measured {allocated} bytes");
    }

    [Fact]
    public void A_pass_that_allocates_nothing_measures_zero()
    {
        float[] values = new float[64];
        Assert.Equal(0, SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < values.Length; i++) values[i] += i;
        }));
    }
}
