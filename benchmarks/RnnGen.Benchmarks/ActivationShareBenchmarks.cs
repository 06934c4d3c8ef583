using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// The share of an LSTM 64 step spent in its activations (the performance issue's target: at most 15 %): exactly the
/// epilogue's activations — σ(i), σ(f), tanh(g), σ(o) and tanh(c'), 64 floats each — with the runtime's vectorized
/// <see cref="RnnMath"/> at Vector512 (Vector256 where 512 bits are not accelerated), next to one generated LSTM 64
/// <c>Step</c>. Ratio (Activations / Step) is the share. The GRU 64 and Elman 64 activations (σ(r), σ(z), tanh(n);
/// tanh(a)) are timed the same way: with the FMA peak they give the ceiling of the many-agent step at 64 units, whose
/// activations run on the same vector units as its multiply-adds and cannot hide under them.
/// </summary>
/// <remarks>
/// The activations read 5 × 64 pre-activations from L1 and store 5 × 64 results, all independent (as the tiles of the
/// fused epilogue are), so this is their throughput cost; in the step they may partly hide under the weight stream,
/// which makes the share an upper bound.
/// </remarks>
[MemoryDiagnoser]
public class ActivationShareBenchmarks
{
    private const int Hidden = 64;
    private const int Groups = 5;   // i, f, g, o pre-activations and c'

    private readonly LstmH64 _model = new(42);
    private readonly float[] _x = Models.RandomArray(Models.Input, seed: 1);
    private readonly float[] _y = new float[Models.Output];
    private readonly float[] _pre = GC.AllocateArray<float>(Groups * Hidden + 16, pinned: true);
    private readonly float[] _post = GC.AllocateArray<float>(Groups * Hidden + 16, pinned: true);
    private int _preOffset;
    private int _postOffset;

    /// <summary>Fills the pre-activations with values in [−4, 4), 64-byte aligned like the generated buffers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _preOffset = AlignedOffset(_pre);
        _postOffset = AlignedOffset(_post);
        float[] values = Models.RandomArray(Groups * Hidden, seed: 9);
        for (int i = 0; i < values.Length; i++)
        {
            _pre[_preOffset + i] = 4f * values[i];
        }
    }

    /// <summary>One generated LSTM 64 step (direct call).</summary>
    [Benchmark(Baseline = true)]
    public void LstmH64Step() => _model.Step(_x, _y);

    /// <summary>3 sigmoids and 2 tanh over 64 floats each: the activations of one LSTM 64 step.</summary>
    [Benchmark]
    public void Activations()
    {
        ref float a = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_pre), _preOffset);
        ref float r = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_post), _postOffset);
        if (Vector512.IsHardwareAccelerated)
        {
            for (nuint j = 0; j < Hidden; j += 16)
            {
                RnnMath.Sigmoid(Vector512.LoadUnsafe(ref a, j)).StoreUnsafe(ref r, j);                             // i = σ(a_i)
                RnnMath.Sigmoid(Vector512.LoadUnsafe(ref a, Hidden + j)).StoreUnsafe(ref r, Hidden + j);           // f = σ(a_f)
                RnnMath.Tanh(Vector512.LoadUnsafe(ref a, 2 * Hidden + j)).StoreUnsafe(ref r, 2 * Hidden + j);      // g = tanh(a_g)
                RnnMath.Sigmoid(Vector512.LoadUnsafe(ref a, 3 * Hidden + j)).StoreUnsafe(ref r, 3 * Hidden + j);   // o = σ(a_o)
                RnnMath.Tanh(Vector512.LoadUnsafe(ref a, 4 * Hidden + j)).StoreUnsafe(ref r, 4 * Hidden + j);      // tanh(c')
            }
        }
        else
        {
            for (nuint j = 0; j < Hidden; j += 8)
            {
                RnnMath.Sigmoid(Vector256.LoadUnsafe(ref a, j)).StoreUnsafe(ref r, j);
                RnnMath.Sigmoid(Vector256.LoadUnsafe(ref a, Hidden + j)).StoreUnsafe(ref r, Hidden + j);
                RnnMath.Tanh(Vector256.LoadUnsafe(ref a, 2 * Hidden + j)).StoreUnsafe(ref r, 2 * Hidden + j);
                RnnMath.Sigmoid(Vector256.LoadUnsafe(ref a, 3 * Hidden + j)).StoreUnsafe(ref r, 3 * Hidden + j);
                RnnMath.Tanh(Vector256.LoadUnsafe(ref a, 4 * Hidden + j)).StoreUnsafe(ref r, 4 * Hidden + j);
            }
        }
    }

    /// <summary>σ(r), σ(z) and tanh(n) over 64 floats each: the activations of one GRU 64 step.</summary>
    [Benchmark]
    public void GruActivations()
    {
        ref float a = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_pre), _preOffset);
        ref float r = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_post), _postOffset);
        if (Vector512.IsHardwareAccelerated)
        {
            for (nuint j = 0; j < Hidden; j += 16)
            {
                RnnMath.Sigmoid(Vector512.LoadUnsafe(ref a, j)).StoreUnsafe(ref r, j);                             // r = σ(a_r)
                RnnMath.Sigmoid(Vector512.LoadUnsafe(ref a, Hidden + j)).StoreUnsafe(ref r, Hidden + j);           // z = σ(a_z)
                RnnMath.Tanh(Vector512.LoadUnsafe(ref a, 2 * Hidden + j)).StoreUnsafe(ref r, 2 * Hidden + j);      // n = tanh(a_n)
            }
        }
        else
        {
            for (nuint j = 0; j < Hidden; j += 8)
            {
                RnnMath.Sigmoid(Vector256.LoadUnsafe(ref a, j)).StoreUnsafe(ref r, j);
                RnnMath.Sigmoid(Vector256.LoadUnsafe(ref a, Hidden + j)).StoreUnsafe(ref r, Hidden + j);
                RnnMath.Tanh(Vector256.LoadUnsafe(ref a, 2 * Hidden + j)).StoreUnsafe(ref r, 2 * Hidden + j);
            }
        }
    }

    /// <summary>tanh over 64 floats: the activation of one Elman 64 step.</summary>
    [Benchmark]
    public void ElmanActivations()
    {
        ref float a = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_pre), _preOffset);
        ref float r = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_post), _postOffset);
        if (Vector512.IsHardwareAccelerated)
        {
            for (nuint j = 0; j < Hidden; j += 16)
                RnnMath.Tanh(Vector512.LoadUnsafe(ref a, j)).StoreUnsafe(ref r, j);
        }
        else
        {
            for (nuint j = 0; j < Hidden; j += 8)
                RnnMath.Tanh(Vector256.LoadUnsafe(ref a, j)).StoreUnsafe(ref r, j);
        }
    }

    private static unsafe int AlignedOffset(float[] array)
    {
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        return (int)((64 - (address & 63)) & 63) / sizeof(float);
    }
}
