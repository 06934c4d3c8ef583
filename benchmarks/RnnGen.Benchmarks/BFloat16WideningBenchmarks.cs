using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// What widening bfloat16 weights costs, apart from the activations: the gate sums of an LSTM step with input 10 and
/// <see cref="Hidden"/> units (tiles of 16 units × 4 gates, two partial sums per gate), written by hand at Vector512
/// the way the generated kernels walk them. <see cref="Float32"/> streams float32 columns; <see cref="ShiftAndMask"/>
/// streams the generated bfloat16 layout (a 32-bit word holds columns k and k + 1; <c>v &lt;&lt; 16</c> and
/// <c>v &amp; 0xFFFF0000</c> widen them); <see cref="UnpackWithZero"/> widens with <c>vpunpcklwd/vpunpckhwd</c> against a
/// zero vector instead (a layout whose words are permuted within 128-bit lanes; the arithmetic is the same);
/// <see cref="ShiftAndMaskOneTile"/> re-reads the first tile only, so its weights stay in L1 and only the arithmetic
/// is left. The ratios to <see cref="Float32"/> are the most a bfloat16 Step can gain on the machine of the run once
/// its epilogue is added. Needs AVX-512 (the setup throws otherwise).
/// </summary>
[MemoryDiagnoser]
public unsafe class BFloat16WideningBenchmarks
{
    private const int Input = 10;
    private const int TileRows = 16;
    private const int Gates = 4;

    private float* _float32;
    private uint* _pairs;
    private float* _x;
    private float* _sums;

    /// <summary>Hidden units (the tiles of 16).</summary>
    [Params(128, 256)]
    public int Hidden { get; set; }

    private int Tiles => Hidden / TileRows;

    private int Columns => Input + Hidden;

    private int Float32Tile => Gates * TileRows * (1 + Columns);   // the biases, then the columns

    private int PairTile => Gates * TileRows * (1 + Columns / 2);   // the biases, then the column pairs

    /// <summary>Random weights in both layouts, 64-byte aligned.</summary>
    [GlobalSetup]
    public void Setup()
    {
        if (!Vector512.IsHardwareAccelerated || !Avx512BW.IsSupported)
        {
            throw new NotSupportedException("BFloat16WideningBenchmarks needs AVX-512 (Vector512 and AVX-512BW).");
        }

        _float32 = (float*)NativeMemory.AlignedAlloc((nuint)(Tiles * Float32Tile * sizeof(float)), 64);
        _pairs = (uint*)NativeMemory.AlignedAlloc((nuint)(Tiles * PairTile * sizeof(uint)), 64);
        _x = (float*)NativeMemory.AlignedAlloc((nuint)(Columns * sizeof(float)), 64);
        _sums = (float*)NativeMemory.AlignedAlloc((nuint)(Tiles * Gates * TileRows * sizeof(float)), 64);
        var random = new Random(5);
        for (int i = 0; i < Tiles * Float32Tile; i++)
        {
            _float32[i] = (float)(random.NextDouble() - 0.5);
        }

        for (int i = 0; i < Tiles * PairTile; i++)
        {
            _pairs[i] = BitConverter.SingleToUInt32Bits(_float32[i]) & 0xFFFF0000u | (BitConverter.SingleToUInt32Bits(_float32[Tiles * Float32Tile - 1 - i]) >> 16);
        }

        for (int i = 0; i < Columns; i++)
        {
            _x[i] = (float)(random.NextDouble() - 0.5);
        }
    }

    /// <summary>Frees the buffers.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_float32);
        NativeMemory.AlignedFree(_pairs);
        NativeMemory.AlignedFree(_x);
        NativeMemory.AlignedFree(_sums);
    }

    /// <summary>The float32 walk: per column, one broadcast and four weight vectors.</summary>
    [Benchmark(Baseline = true)]
    public void Float32()
    {
        for (int t = 0; t < Tiles; t++)
        {
            float* w = _float32 + t * Float32Tile;
            var i0 = Vector512.Load(w);
            var f0 = Vector512.Load(w + 16);
            var g0 = Vector512.Load(w + 32);
            var o0 = Vector512.Load(w + 48);
            Vector512<float> i1 = default, f1 = default, g1 = default, o1 = default;
            w += 64;
            for (int k = 0; k < Columns; k += 2, w += 128)
            {
                var xk = Vector512.Create(_x[k]);
                var xk1 = Vector512.Create(_x[k + 1]);
                i0 = Vector512.FusedMultiplyAdd(Vector512.Load(w), xk, i0);
                f0 = Vector512.FusedMultiplyAdd(Vector512.Load(w + 16), xk, f0);
                g0 = Vector512.FusedMultiplyAdd(Vector512.Load(w + 32), xk, g0);
                o0 = Vector512.FusedMultiplyAdd(Vector512.Load(w + 48), xk, o0);
                i1 = Vector512.FusedMultiplyAdd(Vector512.Load(w + 64), xk1, i1);
                f1 = Vector512.FusedMultiplyAdd(Vector512.Load(w + 80), xk1, f1);
                g1 = Vector512.FusedMultiplyAdd(Vector512.Load(w + 96), xk1, g1);
                o1 = Vector512.FusedMultiplyAdd(Vector512.Load(w + 112), xk1, o1);
            }

            Store(t, i0 + i1, f0 + f1, g0 + g1, o0 + o1);
        }
    }

    /// <summary>The generated bfloat16 walk: per column pair, two broadcasts, four word vectors, a shift and a mask each.</summary>
    [Benchmark]
    public void ShiftAndMask() => Pairs(oneTile: false);

    /// <summary><see cref="ShiftAndMask"/> on the first tile every time: L1-resident weights, the arithmetic alone.</summary>
    [Benchmark]
    public void ShiftAndMaskOneTile() => Pairs(oneTile: true);

    /// <summary>As <see cref="ShiftAndMask"/>, widening by interleaving each word vector's 16-bit halves with zeros.</summary>
    [Benchmark]
    public void UnpackWithZero()
    {
        var zero = Vector512<ushort>.Zero;
        for (int t = 0; t < Tiles; t++)
        {
            uint* w = _pairs + t * PairTile;
            var i0 = Vector512.Load((float*)w);
            var f0 = Vector512.Load((float*)w + 16);
            var g0 = Vector512.Load((float*)w + 32);
            var o0 = Vector512.Load((float*)w + 48);
            Vector512<float> i1 = default, f1 = default, g1 = default, o1 = default;
            w += 64;
            for (int k = 0; k < Columns; k += 2, w += 64)
            {
                var xk = Vector512.Create(_x[k]);
                var xk1 = Vector512.Create(_x[k + 1]);
                var v = Vector512.Load((ushort*)w);
                i0 = Vector512.FusedMultiplyAdd(Avx512BW.UnpackLow(zero, v).AsSingle(), xk, i0);
                i1 = Vector512.FusedMultiplyAdd(Avx512BW.UnpackHigh(zero, v).AsSingle(), xk1, i1);
                v = Vector512.Load((ushort*)(w + 16));
                f0 = Vector512.FusedMultiplyAdd(Avx512BW.UnpackLow(zero, v).AsSingle(), xk, f0);
                f1 = Vector512.FusedMultiplyAdd(Avx512BW.UnpackHigh(zero, v).AsSingle(), xk1, f1);
                v = Vector512.Load((ushort*)(w + 32));
                g0 = Vector512.FusedMultiplyAdd(Avx512BW.UnpackLow(zero, v).AsSingle(), xk, g0);
                g1 = Vector512.FusedMultiplyAdd(Avx512BW.UnpackHigh(zero, v).AsSingle(), xk1, g1);
                v = Vector512.Load((ushort*)(w + 48));
                o0 = Vector512.FusedMultiplyAdd(Avx512BW.UnpackLow(zero, v).AsSingle(), xk, o0);
                o1 = Vector512.FusedMultiplyAdd(Avx512BW.UnpackHigh(zero, v).AsSingle(), xk1, o1);
            }

            Store(t, i0 + i1, f0 + f1, g0 + g1, o0 + o1);
        }
    }

    private void Pairs(bool oneTile)
    {
        var high = Vector512.Create(0xFFFF0000u);
        for (int t = 0; t < Tiles; t++)
        {
            uint* w = _pairs + (oneTile ? 0 : t * PairTile);
            var i0 = Vector512.Load((float*)w);
            var f0 = Vector512.Load((float*)w + 16);
            var g0 = Vector512.Load((float*)w + 32);
            var o0 = Vector512.Load((float*)w + 48);
            Vector512<float> i1 = default, f1 = default, g1 = default, o1 = default;
            w += 64;
            for (int k = 0; k < Columns; k += 2, w += 64)
            {
                var xk = Vector512.Create(_x[k]);
                var xk1 = Vector512.Create(_x[k + 1]);
                var v = Vector512.Load(w);
                i0 = Vector512.FusedMultiplyAdd((v << 16).AsSingle(), xk, i0);
                i1 = Vector512.FusedMultiplyAdd((v & high).AsSingle(), xk1, i1);
                v = Vector512.Load(w + 16);
                f0 = Vector512.FusedMultiplyAdd((v << 16).AsSingle(), xk, f0);
                f1 = Vector512.FusedMultiplyAdd((v & high).AsSingle(), xk1, f1);
                v = Vector512.Load(w + 32);
                g0 = Vector512.FusedMultiplyAdd((v << 16).AsSingle(), xk, g0);
                g1 = Vector512.FusedMultiplyAdd((v & high).AsSingle(), xk1, g1);
                v = Vector512.Load(w + 48);
                o0 = Vector512.FusedMultiplyAdd((v << 16).AsSingle(), xk, o0);
                o1 = Vector512.FusedMultiplyAdd((v & high).AsSingle(), xk1, o1);
            }

            Store(t, i0 + i1, f0 + f1, g0 + g1, o0 + o1);
        }
    }

    private void Store(int tile, Vector512<float> i, Vector512<float> f, Vector512<float> g, Vector512<float> o)
    {
        float* sums = _sums + tile * Gates * TileRows;
        i.Store(sums);
        f.Store(sums + 16);
        g.Store(sums + 32);
        o.Store(sums + 48);
    }
}
