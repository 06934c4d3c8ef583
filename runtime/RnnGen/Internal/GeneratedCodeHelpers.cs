using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnGen.Internal;

/// <summary>Helpers called by generated models. Not meant to be called by user code; the signatures may change between versions.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GeneratedCodeHelpers
{
    /// <summary>Allocates a pinned buffer holding <paramref name="length"/> floats from element <c>Offset</c> on, which starts on a 64-byte boundary.</summary>
    public static unsafe (float[] Array, int Offset) AllocateAligned(int length)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length));
        var array = GC.AllocateArray<float>(length + 16, pinned: true);
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        nuint misalignment = address & 63;
        int offset = misalignment == 0 ? 0 : (int)((64 - misalignment) / sizeof(float));
        return (array, offset);
    }

    /// <summary>Throws an <see cref="ArgumentException"/> for a span of the wrong length.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowLength(string paramName, int expected, int actual, string what) =>
        throw new ArgumentException($"{paramName} must hold {expected} floats ({what}) but has {actual}.", paramName);

    /// <summary>Throws an <see cref="ArgumentException"/> for a span of token ids of the wrong length.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowTokenCount(string paramName, int expected, int actual, string what) =>
        throw new ArgumentException($"{paramName} must hold {expected} token ids ({what}) but has {actual}.", paramName);

    /// <summary>Throws an <see cref="ArgumentException"/> for a sequence whose length is not a whole number of steps.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowNotWholeSteps(string paramName, int length, int stepSize, string what) =>
        throw new ArgumentException($"{paramName} has {length} floats, which is not a whole number of steps of {stepSize} ({what}); expected a multiple of {stepSize}.", paramName);

    /// <summary>Throws an <see cref="ArgumentException"/> for an empty sequence or one longer than the BPTT window.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowWindow(string paramName, int steps, int window) =>
        throw new ArgumentException(steps == 0
            ? $"{paramName} holds no step; a training window needs between 1 and {window} steps (Window = {window})."
            : $"{paramName} holds {steps} steps but the model's Window is {window}; split the sequence into windows of at most {window} steps, or raise Window in [RnnModel].", paramName);

    /// <summary>Throws an <see cref="ArgumentNullException"/>.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowNull(string paramName) => throw new ArgumentNullException(paramName);

    /// <summary>Throws an <see cref="ArgumentException"/> for an optimizer created for another model size.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowOptimizerSize(int expected, int actual) =>
        throw new ArgumentException($"The optimizer was created for {actual} parameters but this model has ParameterCount = {expected}; create it with the model's ParameterCount.", "optimizer");

    /// <summary>Returns true when every element is finite (no NaN, no infinity).</summary>
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        // x − x is 0 for finite x and NaN for NaN/±Inf, so one sum tells.
        float acc = 0f;
        int i = 0;
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            var v = System.Runtime.Intrinsics.Vector256<float>.Zero;
            ref float r = ref MemoryMarshal.GetReference(values);
            for (; i + 8 <= values.Length; i += 8)
            {
                var x = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref r, (nuint)i);
                v += x - x;
            }
            acc = System.Runtime.Intrinsics.Vector256.Sum(v);
        }
        for (; i < values.Length; i++) acc += values[i] - values[i];
        return acc == 0f;
    }

    /// <summary>Raises <see cref="RnnNonFiniteException"/> for a skipped step.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowNonFinite(float loss, float gradientNorm) =>
        throw new RnnNonFiniteException($"The training step was skipped because it was not finite (loss = {loss}, gradient norm = {gradientNorm}); the weights, optimizer and state are unchanged. Lower the learning rate, clip gradients harder or check the inputs for NaN/Inf.");

    /// <summary>Throws an <see cref="ArgumentException"/> for a wrong number of class ids.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowClassCount(string paramName, int expected, int actual, string what) =>
        throw new ArgumentException($"{paramName} must hold {expected} class ids ({what}) but has {actual}.", paramName);

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> for a class id outside [0, classes).</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowClassId(string paramName, int index, int value, int classes) =>
        throw new ArgumentOutOfRangeException(paramName, value, $"{paramName}[{index}] = {value} is not a class id; the model has OutputSize = {classes} classes, so ids must be in [0, {classes}).");

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> for a token id outside [0, vocabulary).</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowTokenId(string paramName, int index, int value, int vocabulary) =>
        throw new ArgumentOutOfRangeException(paramName, value, $"{paramName}[{index}] = {value} is not a token id; the model's Vocabulary is {vocabulary}, so ids must be in [0, {vocabulary}).");

    /// <summary><paramref name="destination"/>[i] += <paramref name="source"/>[i], in index order (deterministic).</summary>
    public static void AddInPlace(Span<float> destination, ReadOnlySpan<float> source)
    {
        if (source.Length != destination.Length) throw new ArgumentException("The spans must have the same length.", nameof(source));
        int i = 0;
        ref float d = ref MemoryMarshal.GetReference(destination);
        ref float s = ref MemoryMarshal.GetReference(source);
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
            for (; i + 8 <= destination.Length; i += 8)
                System.Runtime.Intrinsics.Vector256.StoreUnsafe(
                    System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref d, (nuint)i) + System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref s, (nuint)i), ref d, (nuint)i);
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
        if (System.Runtime.Intrinsics.X86.Avx.IsSupported)
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
        var r0 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref source);
        var r1 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref source, (nuint)sourceStride);
        var r2 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref source, (nuint)(2 * sourceStride));
        var r3 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref source, (nuint)(3 * sourceStride));
        var r4 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref source, (nuint)(4 * sourceStride));
        var r5 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref source, (nuint)(5 * sourceStride));
        var r6 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref source, (nuint)(6 * sourceStride));
        var r7 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref source, (nuint)(7 * sourceStride));
        var t0 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(r0, r1);
        var t1 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(r0, r1);
        var t2 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(r2, r3);
        var t3 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(r2, r3);
        var t4 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(r4, r5);
        var t5 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(r4, r5);
        var t6 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(r6, r7);
        var t7 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(r6, r7);
        var u0 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t0, t2, 0x44);
        var u1 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t0, t2, 0xEE);
        var u2 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t1, t3, 0x44);
        var u3 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t1, t3, 0xEE);
        var u4 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t4, t6, 0x44);
        var u5 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t4, t6, 0xEE);
        var u6 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t5, t7, 0x44);
        var u7 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t5, t7, 0xEE);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(System.Runtime.Intrinsics.X86.Avx.Permute2x128(u0, u4, 0x20), ref destination);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(System.Runtime.Intrinsics.X86.Avx.Permute2x128(u1, u5, 0x20), ref destination, (nuint)destinationStride);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(System.Runtime.Intrinsics.X86.Avx.Permute2x128(u2, u6, 0x20), ref destination, (nuint)(2 * destinationStride));
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(System.Runtime.Intrinsics.X86.Avx.Permute2x128(u3, u7, 0x20), ref destination, (nuint)(3 * destinationStride));
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(System.Runtime.Intrinsics.X86.Avx.Permute2x128(u0, u4, 0x31), ref destination, (nuint)(4 * destinationStride));
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(System.Runtime.Intrinsics.X86.Avx.Permute2x128(u1, u5, 0x31), ref destination, (nuint)(5 * destinationStride));
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(System.Runtime.Intrinsics.X86.Avx.Permute2x128(u2, u6, 0x31), ref destination, (nuint)(6 * destinationStride));
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(System.Runtime.Intrinsics.X86.Avx.Permute2x128(u3, u7, 0x31), ref destination, (nuint)(7 * destinationStride));
    }

    /// <summary><paramref name="values"/>[i] *= <paramref name="factor"/>.</summary>
    public static void ScaleInPlace(Span<float> values, float factor)
    {
        int i = 0;
        ref float d = ref MemoryMarshal.GetReference(values);
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            var f = System.Runtime.Intrinsics.Vector256.Create(factor);
            for (; i + 8 <= values.Length; i += 8)
                System.Runtime.Intrinsics.Vector256.StoreUnsafe(System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref d, (nuint)i) * f, ref d, (nuint)i);
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

/// <summary>Fills the dropout mask of tiled layer <paramref name="layer"/> at step <paramref name="step"/> (see <see cref="GeneratedCodeHelpers.MaskSource"/>).</summary>
internal delegate void DropoutMaskSource(Span<float> mask, int layer, int step);
