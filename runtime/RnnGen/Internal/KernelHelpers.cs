using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Internal;

/// <summary>
/// The numeric kernels generated models call that do not depend on the model's sizes: the finiteness check, sums and
/// scaling of gradient buffers, the weight transposes and bfloat16 packing, and the head's softmax and sigmoid.
/// Called by generated code in user assemblies; not meant for user code, and the signatures may change between
/// versions.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelHelpers
{
    /// <summary>
    /// Returns true when every element is finite (no NaN, no infinity): a float is NaN or ±∞ exactly when its exponent bits
    /// are all ones. One pass at the widest accelerated vector width; the per-vector dependency is a 1-cycle OR, so the
    /// scan runs at the loads' speed. The state checks of generated models call it.
    /// </summary>
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        const uint Exponent = 0x7F800000u;
        ref uint r = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(values));
        int n = values.Length, i = 0;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var exponent = Vector512.Create(Exponent);
            var any = Vector512<uint>.Zero;
            for (; i + 16 <= n; i += 16)
                any |= Vector512.Equals(Vector512.LoadUnsafe(ref r, (nuint)i) & exponent, exponent);
            if (any != Vector512<uint>.Zero) return false;
        }

        if (Vector256.IsHardwareAccelerated && n - i >= 8)
        {
            var exponent = Vector256.Create(Exponent);
            var any = Vector256<uint>.Zero;
            for (; i + 8 <= n; i += 8)
                any |= Vector256.Equals(Vector256.LoadUnsafe(ref r, (nuint)i) & exponent, exponent);
            if (any != Vector256<uint>.Zero) return false;
        }

        if (Vector128.IsHardwareAccelerated && n - i >= 4)
        {
            var exponent = Vector128.Create(Exponent);
            var any = Vector128<uint>.Zero;
            for (; i + 4 <= n; i += 4)
                any |= Vector128.Equals(Vector128.LoadUnsafe(ref r, (nuint)i) & exponent, exponent);
            if (any != Vector128<uint>.Zero) return false;
        }

        uint tail = 0;
        for (; i < n; i++) tail |= (Unsafe.Add(ref r, i) & Exponent) == Exponent ? 1u : 0u;
        return tail == 0;
    }

    /// <summary><paramref name="destination"/>[i] += <paramref name="source"/>[i], in index order (deterministic).</summary>
    public static void AddInPlace(Span<float> destination, ReadOnlySpan<float> source)
    {
        if (source.Length != destination.Length) throw new ArgumentException("The spans must have the same length.", nameof(source));
        int i = 0;
        ref float d = ref MemoryMarshal.GetReference(destination);
        ref float s = ref MemoryMarshal.GetReference(source);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= destination.Length; i += 8)
                Vector256.StoreUnsafe(
                    Vector256.LoadUnsafe(ref d, (nuint)i) + Vector256.LoadUnsafe(ref s, (nuint)i), ref d, (nuint)i);
        for (; i < destination.Length; i++) Unsafe.Add(ref d, i) += Unsafe.Add(ref s, i);
    }

    /// <summary>
    /// destination[c · <paramref name="destinationStride"/> + r] = source[r · <paramref name="sourceStride"/> + c] for r &lt;
    /// <paramref name="rows"/>, c &lt; <paramref name="columns"/>: 8×8 blocks with AVX shuffles where available, the edges one by one.
    /// The backward pass uses it to build its transposed weight copies.
    /// </summary>
    public static void Transpose(ref float source, int sourceStride, int rows, int columns, ref float destination, int destinationStride)
    {
        int blockRows = 0, blockColumns = 0;
        if (Avx.IsSupported)
        {
            blockRows = rows & ~7;
            blockColumns = columns & ~7;
            for (int r = 0; r < blockRows; r += 8)
                for (int c = 0; c < blockColumns; c += 8)
                    Transpose8x8(ref Unsafe.Add(ref source, r * sourceStride + c), sourceStride, ref Unsafe.Add(ref destination, c * destinationStride + r), destinationStride);
        }

        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref source, r * sourceStride);
            for (int c = r < blockRows ? blockColumns : 0; c < columns; c++)
                Unsafe.Add(ref destination, c * destinationStride + r) = Unsafe.Add(ref row, c);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref float source, int sourceStride, ref float destination, int destinationStride)
    {
        // 8 rows → interleave pairs → pick 64-bit halves → swap 128-bit lanes: the classic AVX 8×8 transpose.
        var r0 = Vector256.LoadUnsafe(ref source);
        var r1 = Vector256.LoadUnsafe(ref source, (nuint)sourceStride);
        var r2 = Vector256.LoadUnsafe(ref source, (nuint)(2 * sourceStride));
        var r3 = Vector256.LoadUnsafe(ref source, (nuint)(3 * sourceStride));
        var r4 = Vector256.LoadUnsafe(ref source, (nuint)(4 * sourceStride));
        var r5 = Vector256.LoadUnsafe(ref source, (nuint)(5 * sourceStride));
        var r6 = Vector256.LoadUnsafe(ref source, (nuint)(6 * sourceStride));
        var r7 = Vector256.LoadUnsafe(ref source, (nuint)(7 * sourceStride));
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Vector256.StoreUnsafe(Avx.Permute2x128(u0, u4, 0x20), ref destination);
        Vector256.StoreUnsafe(Avx.Permute2x128(u1, u5, 0x20), ref destination, (nuint)destinationStride);
        Vector256.StoreUnsafe(Avx.Permute2x128(u2, u6, 0x20), ref destination, (nuint)(2 * destinationStride));
        Vector256.StoreUnsafe(Avx.Permute2x128(u3, u7, 0x20), ref destination, (nuint)(3 * destinationStride));
        Vector256.StoreUnsafe(Avx.Permute2x128(u0, u4, 0x31), ref destination, (nuint)(4 * destinationStride));
        Vector256.StoreUnsafe(Avx.Permute2x128(u1, u5, 0x31), ref destination, (nuint)(5 * destinationStride));
        Vector256.StoreUnsafe(Avx.Permute2x128(u2, u6, 0x31), ref destination, (nuint)(6 * destinationStride));
        Vector256.StoreUnsafe(Avx.Permute2x128(u3, u7, 0x31), ref destination, (nuint)(7 * destinationStride));
    }

    /// <summary><paramref name="values"/>[i] *= <paramref name="factor"/>.</summary>
    public static void ScaleInPlace(Span<float> values, float factor)
    {
        int i = 0;
        ref float d = ref MemoryMarshal.GetReference(values);
        if (Vector256.IsHardwareAccelerated)
        {
            var f = Vector256.Create(factor);
            for (; i + 8 <= values.Length; i += 8)
                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref d, (nuint)i) * f, ref d, (nuint)i);
        }

        for (; i < values.Length; i++) Unsafe.Add(ref d, i) *= factor;
    }

    /// <summary>
    /// Rounds consecutive weight columns of <paramref name="columnLength"/> floats to bfloat16 and packs column pairs
    /// (2j, 2j + 1) into the 32-bit words of <paramref name="destination"/>: low half column 2j, high half column 2j + 1
    /// (a last odd column pairs with zeros). The layout the generated <see cref="RnnPrecision.BFloat16"/> kernels read.
    /// </summary>
    public static void PackBFloat16ColumnPairs(ReadOnlySpan<float> columns, int columnLength, Span<float> destination) =>
        RnnGen.Kernels.BFloat16.PackColumnPairs(columns, columnLength, destination);

    /// <summary>Replaces logits with softmax probabilities (max subtracted first, so large logits cannot overflow).</summary>
    public static void SoftmaxInPlace(Span<float> values)
    {
        if (values.IsEmpty) return;
        float max = values[0];
        for (int i = 1; i < values.Length; i++) max = MathF.Max(max, values[i]);
        float sum = 0f;
        for (int i = 0; i < values.Length; i++)
        {
            float e = MathF.Exp(values[i] - max);
            values[i] = e;
            sum += e;
        }

        float inverse = 1f / sum;
        for (int i = 0; i < values.Length; i++) values[i] *= inverse;
    }

    /// <summary>Replaces logits with logistic-sigmoid probabilities.</summary>
    public static void SigmoidInPlace(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = RnnMath.Sigmoid(values[i]);
    }

    /// <summary><paramref name="destination"/>[i] = <paramref name="a"/>[i] · <paramref name="b"/>[i] (a dropout applied with its mask).</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> destination)
    {
        if (a.Length != destination.Length || b.Length != destination.Length) throw new ArgumentException("The spans must have the same length.", nameof(destination));
        for (int i = 0; i < destination.Length; i++) destination[i] = a[i] * b[i];
    }

    /// <summary><paramref name="destination"/>[i] += <paramref name="a"/>[i] · <paramref name="b"/>[i] (the gradient through a dropout: the product first, then the sum).</summary>
    public static void MultiplyAdd(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> destination)
    {
        if (a.Length != destination.Length || b.Length != destination.Length) throw new ArgumentException("The spans must have the same length.", nameof(destination));
        for (int i = 0; i < destination.Length; i++) destination[i] += a[i] * b[i];
    }

    /// <summary>
    /// Where the tests take dropout masks from instead of the generator (PyTorch's masks of a fixture, to compare gradients);
    /// null in normal use. Per thread: a test sets it around its own calls only.
    /// </summary>
    [ThreadStatic]
    internal static DropoutMaskSource? MaskSource;

    /// <summary>The stream of dropout masks of one training call and sequence: a SplitMix64 mix of the three.</summary>
    public static ulong DropoutStream(ulong seed, ulong call, ulong sequence) =>
        Mix(Mix(Mix(seed) ^ call) ^ (sequence * 0x9E3779B97F4A7C15UL));

    /// <summary>
    /// The dropout mask of one step of one layer: mask[u] = 0 with probability <paramref name="p"/>, else 1/(1 − p) (PyTorch's
    /// inverted dropout). Each value is a pure function of (stream, layer, step, unit), so masks do not depend on the order
    /// or the thread that draws them.
    /// </summary>
    public static void DropoutMask(Span<float> mask, float p, ulong stream, int layer, int step)
    {
        if (MaskSource is { } source)
        {
            source(mask, layer, step);
            return;
        }

        float keep = 1f / (1f - p);
        ulong key = Mix(stream ^ ((ulong)(uint)layer << 32 | (uint)step));
        for (int u = 0; u < mask.Length; u++)
        {
            ulong bits = Mix(key + (ulong)u * 0x9E3779B97F4A7C15UL);
            float uniform = (bits >> 40) * (1f / (1 << 24));   // 24 random bits: [0, 1)
            mask[u] = uniform < p ? 0f : keep;
        }
    }

    /// <summary>SplitMix64's finalizer: a bijective mix of 64 bits.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>Fills the dropout mask of tiled layer <paramref name="layer"/> at step <paramref name="step"/> (see <see cref="KernelHelpers.MaskSource"/>).</summary>
internal delegate void DropoutMaskSource(Span<float> mask, int layer, int step);
