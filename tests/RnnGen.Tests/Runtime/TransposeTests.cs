using System;
using RnnGen.Internal;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>The transpose behind the backward pass's W_hhᵀ / W_ihᵀ copies: 8×8 AVX blocks plus scalar edges.</summary>
public class TransposeTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(8, 8)]
    [InlineData(7, 9)]
    [InlineData(16, 64)]
    [InlineData(100, 48)]
    [InlineData(13, 21)]
    [InlineData(256, 64)]
    public void Every_element_lands_in_its_transposed_place_and_nothing_else_is_touched(int rows, int columns)
    {
        int sourceStride = columns + 3, destinationStride = rows + 5;
        var random = new Random(rows * 1000 + columns);
        var source = new float[rows * sourceStride];
        for (int i = 0; i < source.Length; i++) source[i] = (float)random.NextDouble() - 0.5f;
        var destination = new float[columns * destinationStride];
        Array.Fill(destination, float.NaN);

        KernelHelpers.Transpose(ref source[0], sourceStride, rows, columns, ref destination[0], destinationStride);

        for (int c = 0; c < columns; c++)
            for (int r = 0; r < destinationStride; r++)
            {
                float actual = destination[c * destinationStride + r];
                if (r < rows) Assert.Equal(source[r * sourceStride + c], actual);
                else Assert.True(float.IsNaN(actual), $"padding at [{c}, {r}] was written");
            }
    }
}
