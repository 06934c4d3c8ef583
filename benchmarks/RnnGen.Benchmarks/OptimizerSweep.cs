using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Benchmarks;

/// <summary>
/// The streaming limit of an optimizer step: one pass over four pinned, 64-byte-aligned arrays of a model's parameter
/// count (parameters, gradients and two moments) that reads all four and writes three, exactly the memory traffic of
/// Adam's update (<see cref="ModelFacts.OptimizerBytes"/>), with a multiply-add per array in place of Adam's arithmetic.
/// Repeated, the arrays stay in the cache level that holds them, as the optimizer's do between training windows.
/// </summary>
public sealed class OptimizerSweep
{
    private readonly float[] _buffer;
    private readonly int _offset;
    private readonly int _length;
    private readonly int _stride;

    /// <summary>Allocates the four arrays of <paramref name="count"/> floats each; the gradients hold values in [−1, 1), the rest zeros.</summary>
    public OptimizerSweep(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        _length = count;
        _stride = (count + 15) & ~15;   // every array starts on a 64-byte boundary
        _buffer = GC.AllocateArray<float>((4 * _stride) + 16, pinned: true);
        unsafe
        {
            nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffer));
            _offset = (int)((64 - (address & 63)) & 63) / sizeof(float);
        }

        Models.RandomArray(count, seed: 6).CopyTo(_buffer, _offset + _stride);
    }

    /// <summary>Bytes one <see cref="Pass"/> moves: 4 arrays read and 3 written, 4 bytes per element.</summary>
    public long Bytes => 28L * _length;

    /// <summary>
    /// One pass: m ← 0.9·m + 0.1·g, v ← 0.999·v + 0.001·g², p ← p − 1e-6·m (Vector512 where accelerated, else
    /// Vector256, the remainder one element at a time); returns the last parameter so the work is observable.
    /// </summary>
    public float Pass() => Vector512.IsHardwareAccelerated ? Pass512() : Pass256();

    private float Pass512()
    {
        ref float p = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buffer), _offset);
        ref float g = ref Unsafe.Add(ref p, _stride);
        ref float m = ref Unsafe.Add(ref g, _stride);
        ref float v = ref Unsafe.Add(ref m, _stride);
        Vector512<float> b1 = Vector512.Create(0.9f), c1 = Vector512.Create(0.1f), b2 = Vector512.Create(0.999f), c2 = Vector512.Create(0.001f), lr = Vector512.Create(-1e-6f);
        int n = _length, i = 0;
        for (; i <= n - 16; i += 16)
        {
            var gi = Vector512.LoadUnsafe(ref g, (nuint)i);
            var mi = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref m, (nuint)i), b1, gi * c1);
            var vi = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref v, (nuint)i), b2, gi * gi * c2);
            mi.StoreUnsafe(ref m, (nuint)i);
            vi.StoreUnsafe(ref v, (nuint)i);
            Vector512.FusedMultiplyAdd(mi, lr, Vector512.LoadUnsafe(ref p, (nuint)i)).StoreUnsafe(ref p, (nuint)i);
        }

        Tail(ref p, ref g, ref m, ref v, i, n);
        return Unsafe.Add(ref p, n - 1);
    }

    private float Pass256()
    {
        ref float p = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buffer), _offset);
        ref float g = ref Unsafe.Add(ref p, _stride);
        ref float m = ref Unsafe.Add(ref g, _stride);
        ref float v = ref Unsafe.Add(ref m, _stride);
        Vector256<float> b1 = Vector256.Create(0.9f), c1 = Vector256.Create(0.1f), b2 = Vector256.Create(0.999f), c2 = Vector256.Create(0.001f), lr = Vector256.Create(-1e-6f);
        int n = _length, i = 0;
        for (; i <= n - 8; i += 8)
        {
            var gi = Vector256.LoadUnsafe(ref g, (nuint)i);
            var mi = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref m, (nuint)i), b1, gi * c1);
            var vi = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref v, (nuint)i), b2, gi * gi * c2);
            mi.StoreUnsafe(ref m, (nuint)i);
            vi.StoreUnsafe(ref v, (nuint)i);
            Vector256.FusedMultiplyAdd(mi, lr, Vector256.LoadUnsafe(ref p, (nuint)i)).StoreUnsafe(ref p, (nuint)i);
        }

        Tail(ref p, ref g, ref m, ref v, i, n);
        return Unsafe.Add(ref p, n - 1);
    }

    private static void Tail(ref float p, ref float g, ref float m, ref float v, int i, int n)
    {
        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref g, i);
            float mi = (0.9f * Unsafe.Add(ref m, i)) + (0.1f * gi);
            Unsafe.Add(ref m, i) = mi;
            Unsafe.Add(ref v, i) = (0.999f * Unsafe.Add(ref v, i)) + (0.001f * gi * gi);
            Unsafe.Add(ref p, i) -= 1e-6f * mi;
        }
    }
}
