using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Benchmarks;

/// <summary>
/// The streaming limit of a batch-1 step: a read-only sweep over a pinned, 64-byte-aligned buffer of exactly a
/// model's weight bytes. Repeated, the buffer stays in the cache level that holds a step's weights, so the time of
/// one <see cref="Read"/> is the time a step needs at least to stream its weights from there.
/// </summary>
public sealed class WeightSweep
{
    private readonly float[] _buffer;
    private readonly int _offset;
    private readonly int _length;

    /// <summary>Allocates the buffer: <paramref name="bytes"/> rounded up to whole floats, filled with values in [−1, 1).</summary>
    public WeightSweep(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        _length = checked((int)((bytes + sizeof(float) - 1) / sizeof(float)));
        _buffer = GC.AllocateArray<float>(_length + 16, pinned: true);
        unsafe
        {
            nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffer));
            _offset = (int)((64 - (address & 63)) & 63) / sizeof(float);
        }

        Models.RandomArray(_length, seed: 5).CopyTo(_buffer, _offset);
    }

    /// <summary>Floats read by one <see cref="Read"/>.</summary>
    public int Length => _length;

    /// <summary>Reads every float once (Vector512 loads into 8 accumulators, Vector256 where 512 bits are not accelerated) and returns their sum.</summary>
    public float Read() => Vector512.IsHardwareAccelerated ? Read512() : Read256();

    private float Read512()
    {
        ref float b = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buffer), _offset);
        int n = _length, i = 0;
        var a0 = Vector512<float>.Zero;
        Vector512<float> a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (; i <= n - 128; i += 128)
        {
            a0 += Vector512.LoadUnsafe(ref b, (nuint)i);
            a1 += Vector512.LoadUnsafe(ref b, (nuint)(i + 16));
            a2 += Vector512.LoadUnsafe(ref b, (nuint)(i + 32));
            a3 += Vector512.LoadUnsafe(ref b, (nuint)(i + 48));
            a4 += Vector512.LoadUnsafe(ref b, (nuint)(i + 64));
            a5 += Vector512.LoadUnsafe(ref b, (nuint)(i + 80));
            a6 += Vector512.LoadUnsafe(ref b, (nuint)(i + 96));
            a7 += Vector512.LoadUnsafe(ref b, (nuint)(i + 112));
        }

        for (; i <= n - 16; i += 16)
        {
            a0 += Vector512.LoadUnsafe(ref b, (nuint)i);
        }

        float sum = Vector512.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)));
        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref b, i);
        }

        return sum;
    }

    private float Read256()
    {
        ref float b = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buffer), _offset);
        int n = _length, i = 0;
        var a0 = Vector256<float>.Zero;
        Vector256<float> a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (; i <= n - 64; i += 64)
        {
            a0 += Vector256.LoadUnsafe(ref b, (nuint)i);
            a1 += Vector256.LoadUnsafe(ref b, (nuint)(i + 8));
            a2 += Vector256.LoadUnsafe(ref b, (nuint)(i + 16));
            a3 += Vector256.LoadUnsafe(ref b, (nuint)(i + 24));
            a4 += Vector256.LoadUnsafe(ref b, (nuint)(i + 32));
            a5 += Vector256.LoadUnsafe(ref b, (nuint)(i + 40));
            a6 += Vector256.LoadUnsafe(ref b, (nuint)(i + 48));
            a7 += Vector256.LoadUnsafe(ref b, (nuint)(i + 56));
        }

        for (; i <= n - 8; i += 8)
        {
            a0 += Vector256.LoadUnsafe(ref b, (nuint)i);
        }

        float sum = Vector256.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)));
        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref b, i);
        }

        return sum;
    }
}
