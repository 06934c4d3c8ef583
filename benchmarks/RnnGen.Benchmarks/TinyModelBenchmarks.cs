using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace RnnGen.Benchmarks;

/// <summary>
/// Where the time of a tiny model's step goes (weights in L1: Elman, LSTM and GRU of 16 units, LSTM 32). Per model, in
/// one process: <c>Step</c> through <see cref="IRnnModel"/> as the matrix calls it (the baseline), the same step called
/// on the concrete class with an explicit state (no interface dispatch), and <c>Forward</c> over 32 steps per step (one
/// call, one pair of span checks and one dispatch for 32 steps). Their differences are the fixed cost of a call:
/// dispatch, span checks and the call itself. The state ping-pong and the head are inside every step, in all three.
/// </summary>
/// <remarks>
/// The <see cref="LatencyCategory"/> rows time what bounds a step from below when its work is too small to fill the
/// FMA units: one dependent fused multiply-add and one dependent <see cref="RnnMath.Tanh(Vector512{float})"/> (the
/// widest accelerated width, as the generated kernels use). A tiny step is a chain: the gate sums (their multiply-adds
/// run at the FMA peak), then the gate activations, then for LSTM the cell update and tanh(c), then the head's dot
/// product, each waiting for the one before; docs/benchmarks.md derives a tiny step's floor from these rows.
/// </remarks>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class TinyModelBenchmarks
{
    /// <summary>Steps of one Forward call.</summary>
    public const int Steps = 32;

    /// <summary>
    /// Dependent operations of one latency chain: long enough that the out-of-order core cannot overlap one call's chain
    /// with the next call's (independent) chain, which would halve a short chain's apparent latency.
    /// </summary>
    public const int Chain = 1024;

    /// <summary>Category of the latency probes.</summary>
    public const string LatencyCategory = "Latency";

    private readonly IRnnModel _elman16 = new ElmanH16(42);
    private readonly IRnnModel _lstm16 = new LstmH16(42);
    private readonly IRnnModel _gru16 = new GruH16(42);
    private readonly IRnnModel _lstm32 = new LstmH32(42);
    private readonly ElmanH16 _elman16Direct = new(42);
    private readonly LstmH16 _lstm16Direct = new(42);
    private readonly GruH16 _gru16Direct = new(42);
    private readonly LstmH32 _lstm32Direct = new(42);
    private ElmanH16.State _elman16State;
    private LstmH16.State _lstm16State;
    private GruH16.State _gru16State;
    private LstmH32.State _lstm32State;
    private readonly float[] _x = Models.RandomArray(Models.Input, seed: 1);
    private readonly float[] _y = new float[Models.Output];
    private readonly float[] _inputs = Models.RandomArray(Steps * Models.Input, seed: 2);
    private readonly float[] _outputs = new float[Steps * Models.Output];

    /// <summary>Elman 16: Step through <see cref="IRnnModel"/>.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Elman 16")]
    public void ElmanStep() => _elman16.Step(_x, _y);

    /// <summary>Elman 16: Step on the class with an explicit state.</summary>
    [Benchmark, BenchmarkCategory("Elman 16")]
    public void ElmanStepDirect() => _elman16Direct.Step(ref _elman16State, _x, _y);

    /// <summary>Elman 16: Forward over 32 steps, per step.</summary>
    [Benchmark(OperationsPerInvoke = Steps), BenchmarkCategory("Elman 16")]
    public void ElmanForwardPerStep() => _elman16.Forward(_inputs, _outputs);

    /// <summary>LSTM 16: Step through <see cref="IRnnModel"/>.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("LSTM 16")]
    public void LstmStep() => _lstm16.Step(_x, _y);

    /// <summary>LSTM 16: Step on the class with an explicit state.</summary>
    [Benchmark, BenchmarkCategory("LSTM 16")]
    public void LstmStepDirect() => _lstm16Direct.Step(ref _lstm16State, _x, _y);

    /// <summary>LSTM 16: Forward over 32 steps, per step.</summary>
    [Benchmark(OperationsPerInvoke = Steps), BenchmarkCategory("LSTM 16")]
    public void LstmForwardPerStep() => _lstm16.Forward(_inputs, _outputs);

    /// <summary>GRU 16: Step through <see cref="IRnnModel"/>.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("GRU 16")]
    public void GruStep() => _gru16.Step(_x, _y);

    /// <summary>GRU 16: Step on the class with an explicit state.</summary>
    [Benchmark, BenchmarkCategory("GRU 16")]
    public void GruStepDirect() => _gru16Direct.Step(ref _gru16State, _x, _y);

    /// <summary>GRU 16: Forward over 32 steps, per step.</summary>
    [Benchmark(OperationsPerInvoke = Steps), BenchmarkCategory("GRU 16")]
    public void GruForwardPerStep() => _gru16.Forward(_inputs, _outputs);

    /// <summary>LSTM 32: Step through <see cref="IRnnModel"/>.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("LSTM 32")]
    public void Lstm32Step() => _lstm32.Step(_x, _y);

    /// <summary>LSTM 32: Step on the class with an explicit state.</summary>
    [Benchmark, BenchmarkCategory("LSTM 32")]
    public void Lstm32StepDirect() => _lstm32Direct.Step(ref _lstm32State, _x, _y);

    /// <summary>LSTM 32: Forward over 32 steps, per step.</summary>
    [Benchmark(OperationsPerInvoke = Steps), BenchmarkCategory("LSTM 32")]
    public void Lstm32ForwardPerStep() => _lstm32.Forward(_inputs, _outputs);

    /// <summary>Latency of one fused multiply-add at the widest accelerated width: a chain of <see cref="Chain"/>, each waiting for the last.</summary>
    [Benchmark(OperationsPerInvoke = Chain), BenchmarkCategory(LatencyCategory)]
    public float FmaLatency() =>
        Vector512.IsHardwareAccelerated ? FmaChain512() : Vector256.IsHardwareAccelerated ? FmaChain256() : FmaChain128();

    /// <summary>Latency of one <see cref="RnnMath.Tanh(Vector512{float})"/> at the widest accelerated width: a chain of <see cref="Chain"/>.</summary>
    [Benchmark(OperationsPerInvoke = Chain), BenchmarkCategory(LatencyCategory)]
    public float TanhLatency() =>
        Vector512.IsHardwareAccelerated ? TanhChain512() : Vector256.IsHardwareAccelerated ? TanhChain256() : TanhChain128();

    /// <summary>
    /// Throughput of <see cref="RnnMath.Tanh(Vector512{float})"/>: <see cref="Chain"/> of them in 8 independent chains, as
    /// an LSTM's four gate activations (and a GRU's three) can run side by side.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Chain), BenchmarkCategory(LatencyCategory)]
    public float TanhThroughput() =>
        Vector512.IsHardwareAccelerated ? TanhLanes512() : Vector256.IsHardwareAccelerated ? TanhLanes256() : TanhLanes128();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private float FmaChain512()
    {
        Vector512<float> v = Vector512.Create(_x[0]), m = Vector512.Create(0.999f), c = Vector512.Create(1e-3f);
        for (int i = 0; i < Chain; i++)
        {
            v = Vector512.FusedMultiplyAdd(v, m, c);
        }

        return v.ToScalar();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private float FmaChain256()
    {
        Vector256<float> v = Vector256.Create(_x[0]), m = Vector256.Create(0.999f), c = Vector256.Create(1e-3f);
        for (int i = 0; i < Chain; i++)
        {
            v = Vector256.FusedMultiplyAdd(v, m, c);
        }

        return v.ToScalar();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private float FmaChain128()
    {
        Vector128<float> v = Vector128.Create(_x[0]), m = Vector128.Create(0.999f), c = Vector128.Create(1e-3f);
        for (int i = 0; i < Chain; i++)
        {
            v = Vector128.FusedMultiplyAdd(v, m, c);
        }

        return v.ToScalar();
    }

    // tanh(tanh(…)) shrinks towards 0 and falls below the 0.0004 identity cut-off within the chain; the kernel has no
    // data-dependent branch (the cut-off is a select), so the time does not depend on the values.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private float TanhChain512()
    {
        Vector512<float> v = Vector512.Create(0.9f + _x[0] * 0.01f);
        for (int i = 0; i < Chain; i++)
        {
            v = RnnMath.Tanh(v);
        }

        return v.ToScalar();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private float TanhChain256()
    {
        Vector256<float> v = Vector256.Create(0.9f + _x[0] * 0.01f);
        for (int i = 0; i < Chain; i++)
        {
            v = RnnMath.Tanh(v);
        }

        return v.ToScalar();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private float TanhChain128()
    {
        Vector128<float> v = Vector128.Create(0.9f + _x[0] * 0.01f);
        for (int i = 0; i < Chain; i++)
        {
            v = RnnMath.Tanh(v);
        }

        return v.ToScalar();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private float TanhLanes512()
    {
        Vector512<float> a0 = Vector512.Create(0.9f + _x[0] * 0.01f), a1 = a0 * 0.9f, a2 = a1 * 0.9f, a3 = a2 * 0.9f;
        Vector512<float> a4 = a3 * 0.9f, a5 = a4 * 0.9f, a6 = a5 * 0.9f, a7 = a6 * 0.9f;
        for (int i = 0; i < Chain / 8; i++)
        {
            a0 = RnnMath.Tanh(a0);
            a1 = RnnMath.Tanh(a1);
            a2 = RnnMath.Tanh(a2);
            a3 = RnnMath.Tanh(a3);
            a4 = RnnMath.Tanh(a4);
            a5 = RnnMath.Tanh(a5);
            a6 = RnnMath.Tanh(a6);
            a7 = RnnMath.Tanh(a7);
        }

        return (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))).ToScalar();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private float TanhLanes256()
    {
        Vector256<float> a0 = Vector256.Create(0.9f + _x[0] * 0.01f), a1 = a0 * 0.9f, a2 = a1 * 0.9f, a3 = a2 * 0.9f;
        Vector256<float> a4 = a3 * 0.9f, a5 = a4 * 0.9f, a6 = a5 * 0.9f, a7 = a6 * 0.9f;
        for (int i = 0; i < Chain / 8; i++)
        {
            a0 = RnnMath.Tanh(a0);
            a1 = RnnMath.Tanh(a1);
            a2 = RnnMath.Tanh(a2);
            a3 = RnnMath.Tanh(a3);
            a4 = RnnMath.Tanh(a4);
            a5 = RnnMath.Tanh(a5);
            a6 = RnnMath.Tanh(a6);
            a7 = RnnMath.Tanh(a7);
        }

        return (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))).ToScalar();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private float TanhLanes128()
    {
        Vector128<float> a0 = Vector128.Create(0.9f + _x[0] * 0.01f), a1 = a0 * 0.9f, a2 = a1 * 0.9f, a3 = a2 * 0.9f;
        Vector128<float> a4 = a3 * 0.9f, a5 = a4 * 0.9f, a6 = a5 * 0.9f, a7 = a6 * 0.9f;
        for (int i = 0; i < Chain / 8; i++)
        {
            a0 = RnnMath.Tanh(a0);
            a1 = RnnMath.Tanh(a1);
            a2 = RnnMath.Tanh(a2);
            a3 = RnnMath.Tanh(a3);
            a4 = RnnMath.Tanh(a4);
            a5 = RnnMath.Tanh(a5);
            a6 = RnnMath.Tanh(a6);
            a7 = RnnMath.Tanh(a7);
        }

        return (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))).ToScalar();
    }
}
