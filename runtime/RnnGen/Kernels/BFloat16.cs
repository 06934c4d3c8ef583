using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>
/// Conversions between <see cref="float"/> and bfloat16, the upper 16 bits of a float32 (sign, the same 8
/// exponent bits, 7 of the 23 mantissa bits). Models declared with
/// <see cref="RnnPrecision.BFloat16"/> use these to round their recurrent weights into the 16-bit copy their
/// inference kernels read.
/// </summary>
/// <remarks>
/// <para>
/// Rounding is to nearest, ties to even, on the bits — the rule of PyTorch's <c>tensor.to(torch.bfloat16)</c>
/// (c10's <c>round_to_nearest_even</c>): a float above the largest finite bfloat16 (3.3895e38) by half an ulp or
/// more becomes ±∞, subnormals round like any other value (possibly up to the smallest normal), ±0 and ±∞ are
/// kept. NaN stays NaN: its sign and top payload bits are kept and the quiet bit is set, so truncating a
/// signalling NaN can never turn it into ∞ (PyTorch writes the canonical 0x7FC0 instead; both are NaN).
/// </para>
/// <para>
/// Widening is exact: a bfloat16 <c>b</c> is the float whose bits are <c>b &lt;&lt; 16</c>. The span overloads
/// are vectorized (Vector256 or Vector128 where accelerated) and give the same bits as the scalar ones.
/// </para>
/// </remarks>
public static class BFloat16
{
    private const uint AbsMask = 0x7FFF_FFFFu;
    private const uint InfinityBits = 0x7F80_0000u;
    private const uint QuietBit = 0x0040_0000u;
    private const uint HighHalf = 0xFFFF_0000u;

    /// <summary>Rounds <paramref name="value"/> to the nearest bfloat16 (ties to even) and returns its 16 bits.</summary>
    /// <param name="value">Any float, including NaN and ±∞.</param>
    /// <returns>The bfloat16 bit pattern.</returns>
    public static ushort FromSingle(float value) => (ushort)(RoundBits(BitConverter.SingleToUInt32Bits(value)) >> 16);

    /// <summary>The float whose value is the bfloat16 <paramref name="bits"/> (exact).</summary>
    /// <param name="bits">A bfloat16 bit pattern.</param>
    /// <returns>The same value as a float.</returns>
    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary><paramref name="value"/> rounded to the nearest bfloat16 and widened back: <c>ToSingle(FromSingle(value))</c>.</summary>
    /// <param name="value">Any float.</param>
    /// <returns>The nearest float that a bfloat16 can hold (ties to even); NaN for NaN.</returns>
    public static float Round(float value) => BitConverter.UInt32BitsToSingle(RoundBits(BitConverter.SingleToUInt32Bits(value)) & HighHalf);

    /// <summary>Rounds every element of <paramref name="source"/> to bfloat16 bits in <paramref name="destination"/>.</summary>
    /// <param name="source">The floats.</param>
    /// <param name="destination">At least as long as <paramref name="source"/>; the first <c>source.Length</c> elements are written.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static void FromSingle(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (destination.Length < source.Length) ThrowTooShort(nameof(destination));
        ref uint s = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(source));
        ref ushort d = ref MemoryMarshal.GetReference(destination);
        int i = 0, n = source.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16)
            {
                var lo = RoundBits(Vector256.LoadUnsafe(ref s, (nuint)i)) >> 16;
                var hi = RoundBits(Vector256.LoadUnsafe(ref s, (nuint)(i + 8))) >> 16;
                Vector256.Narrow(lo, hi).StoreUnsafe(ref d, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8)
            {
                var lo = RoundBits(Vector128.LoadUnsafe(ref s, (nuint)i)) >> 16;
                var hi = RoundBits(Vector128.LoadUnsafe(ref s, (nuint)(i + 4))) >> 16;
                Vector128.Narrow(lo, hi).StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i < n; i++) Unsafe.Add(ref d, i) = (ushort)(RoundBits(Unsafe.Add(ref s, i)) >> 16);
    }

    /// <summary>Widens every bfloat16 of <paramref name="source"/> to a float in <paramref name="destination"/> (exact).</summary>
    /// <param name="source">bfloat16 bit patterns.</param>
    /// <param name="destination">At least as long as <paramref name="source"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length) ThrowTooShort(nameof(destination));
        ref ushort s = ref MemoryMarshal.GetReference(source);
        ref uint d = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        int i = 0, n = source.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref s, (nuint)i));
                (lo << 16).StoreUnsafe(ref d, (nuint)i);
                (hi << 16).StoreUnsafe(ref d, (nuint)(i + 8));
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8)
            {
                var (lo, hi) = Vector128.Widen(Vector128.LoadUnsafe(ref s, (nuint)i));
                (lo << 16).StoreUnsafe(ref d, (nuint)i);
                (hi << 16).StoreUnsafe(ref d, (nuint)(i + 4));
            }
        }

        for (; i < n; i++) Unsafe.Add(ref d, i) = (uint)Unsafe.Add(ref s, i) << 16;
    }

    /// <summary>Rounds every element of <paramref name="source"/> to the nearest bfloat16 value, as floats (<paramref name="destination"/> may be <paramref name="source"/>).</summary>
    /// <param name="source">The floats.</param>
    /// <param name="destination">At least as long as <paramref name="source"/>; may overlap it exactly (in place).</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static void Round(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (destination.Length < source.Length) ThrowTooShort(nameof(destination));
        ref uint s = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(source));
        ref uint d = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        int i = 0, n = source.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8)
                (RoundBits(Vector256.LoadUnsafe(ref s, (nuint)i)) & Vector256.Create(HighHalf)).StoreUnsafe(ref d, (nuint)i);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 4 <= n; i += 4)
                (RoundBits(Vector128.LoadUnsafe(ref s, (nuint)i)) & Vector128.Create(HighHalf)).StoreUnsafe(ref d, (nuint)i);
        }

        for (; i < n; i++) Unsafe.Add(ref d, i) = RoundBits(Unsafe.Add(ref s, i)) & HighHalf;
    }

    /// <summary>
    /// The pair layout the generated bfloat16 kernels read. <paramref name="columns"/> holds consecutive columns of
    /// <paramref name="columnLength"/> floats; column pair (2j, 2j + 1) becomes <paramref name="columnLength"/> 32-bit
    /// words at <c>j·columnLength</c> of <paramref name="destination"/>, each word = bf16(column 2j)[i] in its low half
    /// and bf16(column 2j + 1)[i] in its high half (a last odd column pairs with zeros). The words are stored as
    /// floats' bits: one vector load then yields both columns' weights as floats with <c>(v &lt;&lt; 16)</c> and
    /// <c>(v &amp; 0xFFFF0000)</c>.
    /// </summary>
    internal static void PackColumnPairs(ReadOnlySpan<float> columns, int columnLength, Span<float> destination)
    {
        if (columnLength <= 0) throw new ArgumentOutOfRangeException(nameof(columnLength), columnLength, "A column holds at least one float.");
        int count = columns.Length / columnLength;
        if (count * columnLength != columns.Length)
            throw new ArgumentException($"{columns.Length} floats are not whole columns of {columnLength}.", nameof(columns));
        int pairs = (count + 1) / 2;
        if (destination.Length != pairs * columnLength)
            throw new ArgumentException($"{pairs} column pairs of {columnLength} need {pairs * columnLength} floats, not {destination.Length}.", nameof(destination));
        ref uint s = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(columns));
        ref uint d = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        for (int j = 0; j < pairs; j++)
        {
            ref uint low = ref Unsafe.Add(ref s, 2 * j * columnLength);
            ref uint pair = ref Unsafe.Add(ref d, j * columnLength);
            if (2 * j + 1 < count) PackPair(ref low, ref Unsafe.Add(ref low, columnLength), ref pair, columnLength);
            else PackLow(ref low, ref pair, columnLength);
        }
    }

    /// <summary>d[i] = bf16(lo[i]) | bf16(hi[i]) &lt;&lt; 16.</summary>
    private static void PackPair(ref uint lo, ref uint hi, ref uint d, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8)
                ((RoundBits(Vector256.LoadUnsafe(ref lo, (nuint)i)) >> 16) | (RoundBits(Vector256.LoadUnsafe(ref hi, (nuint)i)) & Vector256.Create(HighHalf)))
                    .StoreUnsafe(ref d, (nuint)i);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 4 <= n; i += 4)
                ((RoundBits(Vector128.LoadUnsafe(ref lo, (nuint)i)) >> 16) | (RoundBits(Vector128.LoadUnsafe(ref hi, (nuint)i)) & Vector128.Create(HighHalf)))
                    .StoreUnsafe(ref d, (nuint)i);
        }

        for (; i < n; i++)
            Unsafe.Add(ref d, i) = (RoundBits(Unsafe.Add(ref lo, i)) >> 16) | (RoundBits(Unsafe.Add(ref hi, i)) & HighHalf);
    }

    /// <summary>d[i] = bf16(lo[i]) (high half zero).</summary>
    private static void PackLow(ref uint lo, ref uint d, int n)
    {
        for (int i = 0; i < n; i++) Unsafe.Add(ref d, i) = RoundBits(Unsafe.Add(ref lo, i)) >> 16;
    }

    /// <summary>The float bits with the bfloat16 result in the upper 16 bits (the lower 16 are not meaningful).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint RoundBits(uint bits) =>
        (bits & AbsMask) > InfinityBits
            ? bits | QuietBit                               // NaN: keep sign and payload, make it quiet
            : bits + 0x7FFFu + ((bits >> 16) & 1u);         // round to nearest, ties to even; overflow carries into ∞

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RoundBits(Vector256<uint> bits)
    {
        var rounded = bits + Vector256.Create(0x7FFFu) + ((bits >> 16) & Vector256<uint>.One);
        var nan = Vector256.GreaterThan(bits & Vector256.Create(AbsMask), Vector256.Create(InfinityBits));
        return Vector256.ConditionalSelect(nan, bits | Vector256.Create(QuietBit), rounded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> RoundBits(Vector128<uint> bits)
    {
        var rounded = bits + Vector128.Create(0x7FFFu) + ((bits >> 16) & Vector128<uint>.One);
        var nan = Vector128.GreaterThan(bits & Vector128.Create(AbsMask), Vector128.Create(InfinityBits));
        return Vector128.ConditionalSelect(nan, bits | Vector128.Create(QuietBit), rounded);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooShort(string paramName) =>
        throw new ArgumentException("The destination is shorter than the source.", paramName);
}
