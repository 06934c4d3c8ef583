using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// Whether where a <c>State</c> lies in memory changes a tiny model's step: the state is placed at <see cref="Offset"/>
/// bytes past a 64-byte boundary of a pinned buffer (0 = cache-line aligned; a state field in a class or an element of a
/// <c>State[]</c> lies wherever the runtime put it). A step stores the new hidden state with whole-vector stores and the
/// next step reads it back as single floats; a store that straddles two cache lines can keep those loads from being
/// forwarded from the store buffer.
/// </summary>
[MemoryDiagnoser]
public unsafe class StateAlignmentBenchmarks
{
    private readonly ElmanH16 _elman = new(42);
    private readonly LstmH16 _lstm = new(42);
    private readonly float[] _x = Models.RandomArray(Models.Input, seed: 1);
    private readonly float[] _y = new float[Models.Output];
    private byte[] _buffer = [];
    private byte* _aligned;

    /// <summary>Bytes past a 64-byte boundary where the states start.</summary>
    [Params(0, 4, 16, 32, 48)]
    public int Offset { get; set; }

    /// <summary>A pinned buffer with room for both states at <see cref="Offset"/> past a 64-byte boundary.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _buffer = GC.AllocateArray<byte>(4096, pinned: true);
        byte* start = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffer));
        _aligned = (byte*)(((nint)start + 63) & ~(nint)63);
    }

    /// <summary>One Elman 16 step of a state at <see cref="Offset"/>.</summary>
    [Benchmark]
    public void Elman16() => _elman.Step(ref Unsafe.AsRef<ElmanH16.State>(_aligned + Offset), _x, _y);

    /// <summary>One LSTM 16 step of a state at 1,024 + <see cref="Offset"/>.</summary>
    [Benchmark]
    public void Lstm16() => _lstm.Step(ref Unsafe.AsRef<LstmH16.State>(_aligned + 1024 + Offset), _x, _y);
}
