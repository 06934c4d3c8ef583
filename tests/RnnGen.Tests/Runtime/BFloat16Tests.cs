using System;
using RnnGen.Internal;
using RnnGen.Kernels;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>
/// float ↔ bfloat16: round to nearest even (PyTorch's <c>.to(torch.bfloat16)</c>), NaN stays NaN, overflow to ±∞,
/// subnormals; the vectorized span overloads against the scalar ones (and an independent reference in double) on
/// every SIMD path CI runs; and the column-pair layout the generated kernels read.
/// </summary>
public class BFloat16Tests
{
    private static float F(uint bits) => BitConverter.UInt32BitsToSingle(bits);

    [Theory]
    [InlineData(0x3F80_0000u, 0x3F80)]   // 1
    [InlineData(0x3F80_7FFFu, 0x3F80)]   // just below the midpoint of 1 and 1 + 2⁻⁷: down
    [InlineData(0x3F80_8000u, 0x3F80)]   // exactly halfway, 0x3F80 is even: down
    [InlineData(0x3F80_8001u, 0x3F81)]   // just above halfway: up
    [InlineData(0x3F81_8000u, 0x3F82)]   // halfway, 0x3F81 is odd: up to the even 0x3F82
    [InlineData(0xBF81_8000u, 0xBF82)]   // the same, negative
    [InlineData(0x3FFF_8000u, 0x4000)]   // halfway and odd, carries into the exponent: 1.99… → 2
    [InlineData(0x0000_0000u, 0x0000)]   // +0
    [InlineData(0x8000_0000u, 0x8000)]   // −0 keeps its sign
    [InlineData(0x7F80_0000u, 0x7F80)]   // +∞
    [InlineData(0xFF80_0000u, 0xFF80)]   // −∞
    [InlineData(0x7F7F_7FFFu, 0x7F7F)]   // below half an ulp over the largest finite bfloat16: stays finite
    [InlineData(0x7F7F_8000u, 0x7F80)]   // halfway past the largest finite (odd): overflows to +∞, as PyTorch
    [InlineData(0x7F7F_FFFFu, 0x7F80)]   // float.MaxValue → +∞ (torch.tensor(3.4028e38).bfloat16() is inf)
    [InlineData(0xFF7F_FFFFu, 0xFF80)]   // float.MinValue → −∞
    [InlineData(0x0000_0001u, 0x0000)]   // the smallest subnormal rounds to 0
    [InlineData(0x0000_8000u, 0x0000)]   // subnormal tie, even: down to 0
    [InlineData(0x0001_8000u, 0x0002)]   // subnormal tie, odd: up
    [InlineData(0x0001_7FFFu, 0x0001)]   // subnormal below the tie
    [InlineData(0x007F_FFFFu, 0x0080)]   // the largest subnormal rounds up to the smallest normal
    [InlineData(0x8000_0001u, 0x8000)]   // tiny negative → −0
    public void FromSingle_rounds_to_nearest_even(uint floatBits, int expected)
    {
        Assert.Equal((ushort)expected, BFloat16.FromSingle(F(floatBits)));
        Assert.Equal(F((uint)expected << 16), BFloat16.Round(F(floatBits)));
        Assert.Equal((ushort)expected, Span(floatBits));
    }

    [Theory]
    [InlineData(0x7FC0_0000u)]   // the canonical quiet NaN
    [InlineData(0x7F80_0001u)]   // signalling NaN whose payload sits in the low bits: truncating would give +∞
    [InlineData(0xFF80_0001u)]   // the same, negative
    [InlineData(0x7FFF_FFFFu)]   // all-ones payload: rounding up would carry out of the exponent
    [InlineData(0xFFC0_1234u)]
    public void NaN_stays_NaN_with_its_sign(uint floatBits)
    {
        foreach (ushort b in new[] { BFloat16.FromSingle(F(floatBits)), Span(floatBits) })
        {
            Assert.True(float.IsNaN(BFloat16.ToSingle(b)), $"0x{floatBits:X8} → 0x{b:X4} is not NaN");
            Assert.Equal(floatBits >> 31, (uint)b >> 15);
            Assert.Equal(0x0040, b & 0x0040);   // quiet
        }

        Assert.True(float.IsNaN(BFloat16.Round(F(floatBits))));
    }

    [Fact]
    public void Every_bfloat16_widens_exactly_and_rounds_back_to_itself()
    {
        var all = new ushort[65536];
        for (int i = 0; i < all.Length; i++) all[i] = (ushort)i;
        var floats = new float[all.Length];
        BFloat16.ToSingle(all, floats);
        var back = new ushort[all.Length];
        BFloat16.FromSingle(floats, back);
        for (int i = 0; i < all.Length; i++)
        {
            Assert.Equal(BitConverter.UInt32BitsToSingle((uint)i << 16), floats[i]);
            Assert.Equal(floats[i], BFloat16.ToSingle((ushort)i));
            bool nan = (i & 0x7F80) == 0x7F80 && (i & 0x7F) != 0;
            if (nan) Assert.True(float.IsNaN(BFloat16.ToSingle(back[i])));
            else Assert.Equal((ushort)i, back[i]);
        }
    }

    /// <summary>Random bit patterns over every exponent (NaN, ∞ and subnormals included), lengths with vector tails.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(4099)]
    public void Span_overloads_agree_with_the_scalar_ones_and_a_double_reference(int length)
    {
        var rng = new Random(length);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            uint bits = (uint)rng.NextInt64(0, 1L << 32);
            // Many exact ties and near-ties: they are where rounding bugs live.
            if (i % 3 == 0) bits = (bits & 0xFFFF_0000u) | 0x8000u;
            if (i % 7 == 0) bits = (bits & 0xFFFF_0000u) | 0x7FFFu;
            values[i] = F(bits);
        }

        var halves = new ushort[length];
        BFloat16.FromSingle(values, halves);
        var rounded = new float[length];
        BFloat16.Round(values, rounded);
        var widened = new float[length];
        BFloat16.ToSingle(halves, widened);
        for (int i = 0; i < length; i++)
        {
            ushort scalar = BFloat16.FromSingle(values[i]);
            Assert.Equal(scalar, halves[i]);
            Assert.Equal(BitConverter.SingleToUInt32Bits(BFloat16.ToSingle(scalar)), BitConverter.SingleToUInt32Bits(rounded[i]));
            Assert.Equal(BitConverter.SingleToUInt32Bits(rounded[i]), BitConverter.SingleToUInt32Bits(widened[i]));
            if (float.IsNaN(values[i])) Assert.True(float.IsNaN(widened[i]));
            else Assert.Equal(Reference(values[i]), widened[i]);
        }

        // In place.
        var copy = (float[])values.Clone();
        BFloat16.Round(copy, copy);
        Assert.Equal(TestBits(rounded), TestBits(copy));
    }

    [Fact]
    public void Short_destinations_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => BFloat16.FromSingle(new float[3], new ushort[2]));
        Assert.Throws<ArgumentException>(() => BFloat16.ToSingle(new ushort[3], new float[2]));
        Assert.Throws<ArgumentException>(() => BFloat16.Round(new float[3], new float[2]));
    }

    /// <summary>Column pairs: word i of pair j = bf16(column 2j)[i] | bf16(column 2j + 1)[i] &lt;&lt; 16; an odd last column pairs with 0.</summary>
    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 8)]
    [InlineData(3, 5)]
    [InlineData(7, 64)]
    public void Column_pairs_hold_two_columns_per_word(int columns, int columnLength)
    {
        var values = Generated.TestData.Uniform(columns * 31 + columnLength, columns * columnLength, 3.0);
        int pairs = (columns + 1) / 2;
        var packed = new float[pairs * columnLength];
        KernelHelpers.PackBFloat16ColumnPairs(values, columnLength, packed);
        for (int j = 0; j < pairs; j++)
            for (int i = 0; i < columnLength; i++)
            {
                uint word = BitConverter.SingleToUInt32Bits(packed[j * columnLength + i]);
                float low = values[2 * j * columnLength + i];
                float high = 2 * j + 1 < columns ? values[(2 * j + 1) * columnLength + i] : 0f;
                Assert.Equal(BFloat16.Round(low), BitConverter.UInt32BitsToSingle(word << 16));
                Assert.Equal(BFloat16.Round(high), BitConverter.UInt32BitsToSingle(word & 0xFFFF_0000u));
            }

        Assert.Throws<ArgumentException>(() => KernelHelpers.PackBFloat16ColumnPairs(values, columnLength, new float[packed.Length + 1]));
    }

    private static ushort Span(uint floatBits)
    {
        // Long enough for the vector loop: the value sits in the middle of a vector.
        var source = new float[40];
        source[21] = F(floatBits);
        var destination = new ushort[40];
        BFloat16.FromSingle(source, destination);
        return destination[21];
    }

    private static uint[] TestBits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToUInt32Bits);

    /// <summary>
    /// Independent reference: of the two bfloat16 neighbours of x (truncation and the next one up in magnitude), the
    /// nearer in exact double arithmetic; on a tie the one with an even last bit. The neighbour past the largest
    /// finite value is 2¹²⁸ (IEEE's unbounded-exponent rounding), which then overflows to ∞.
    /// </summary>
    private static float Reference(float x)
    {
        if (float.IsInfinity(x)) return x;
        uint bits = BitConverter.SingleToUInt32Bits(x);
        uint truncated = bits & 0xFFFF_0000u;
        uint next = truncated + 0x0001_0000u;
        double lower = Math.Abs((double)F(truncated));
        double upper = (next & 0x7F80_0000u) == 0x7F80_0000u ? Math.Pow(2, 128) : Math.Abs((double)F(next));
        double ax = Math.Abs((double)x);
        double dl = ax - lower, du = upper - ax;
        bool up = du < dl || (du == dl && (truncated & 0x0001_0000u) != 0);
        return up ? F(next) : F(truncated);
    }
}
