using System;
using RnnGen.Internal;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>The one buffer a generated model allocates: aligned, and refused with a reason when it cannot exist.</summary>
public class ModelMemoryTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    public void The_buffer_starts_on_a_64_byte_boundary_and_holds_the_length(int length)
    {
        var (array, offset) = ModelMemory.AllocateAligned(length);
        Assert.InRange(offset, 0, ModelMemory.AlignmentSlack - 1);
        Assert.True(array.Length - offset >= length);
        unsafe
        {
            fixed (float* p = array) Assert.Equal(0, (long)(p + offset) % 64);
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MaxValue - 16)]   // would overflow, or exceed Array.MaxLength, once the slack is added
    public void A_length_no_array_can_hold_is_refused_before_allocating(int length)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ModelMemory.AllocateAligned(length));
        Assert.Contains($"0 to {ModelMemory.MaxLength:N0} floats", e.Message);
    }

    [Fact]
    public void The_largest_length_is_the_largest_float_array_less_the_slack() =>
        Assert.Equal(Array.MaxLength - ModelMemory.AlignmentSlack, ModelMemory.MaxLength);
}
