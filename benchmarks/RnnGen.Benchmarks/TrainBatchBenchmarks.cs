using System;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// A minibatch of 16 sequences × 32 steps on an LSTM 64: the same gradient computed on one core
/// (AccumulateGradients per sequence, then Adam) against <c>TrainBatch</c> on all cores.
/// </summary>
[MemoryDiagnoser]
public class TrainBatchBenchmarks
{
    private const int Sequences = 16, Steps = 32;
    private LstmH64 _model = null!;
    private Adam _adam = null!;
    private float[] _inputs = [];
    private float[] _targets = [];

    /// <summary>Builds the model and the batch.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _model = new LstmH64(42);
        _adam = new Adam(LstmH64.ParameterCount, learningRate: 1e-4f);
        _inputs = Models.RandomArray(Sequences * Steps * Models.Input, seed: 2);
        _targets = Models.RandomArray(Sequences * Steps * Models.Output, seed: 3);
    }

    /// <summary>One core: every sequence's BPTT in turn, then one Adam step.</summary>
    [Benchmark(Baseline = true)]
    public void OneCore()
    {
        _model.ZeroGradients();
        for (int q = 0; q < Sequences; q++)
        {
            _model.ResetState();
            _model.AccumulateGradients(_inputs.AsSpan(q * Steps * Models.Input, Steps * Models.Input), _targets.AsSpan(q * Steps, Steps));
        }

        _adam.Step(_model.Parameters, _model.Gradients);
    }

    /// <summary>All cores: TrainBatch (same per-sequence work, chunked over the cores, plus clipping).</summary>
    [Benchmark]
    public float AllCores() => _model.TrainBatch(_inputs, _targets, Sequences, _adam);
}
