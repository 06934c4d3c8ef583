using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// One <see cref="IOptimizer.Step"/> of each optimizer (PyTorch's defaults, learning rate 1e-3 for all) on 100,000
/// parameters (400 KB an array: SGD's two fit a 1 MB L2, the three or four arrays of the others do not) and on
/// 1,000,000 (4 MB an array: L3). The baseline is the least an optimizer can do: p ← p − lr·g as one
/// TensorPrimitives.MultiplyAdd pass, which is what <see cref="RnnGen.Sgd"/> without momentum computes. Every Step
/// allocates nothing.
/// </summary>
[MemoryDiagnoser]
public class OptimizerBenchmarks
{
    private const float LearningRate = 1e-3f;
    private float[] _parameters = [];
    private float[] _gradients = [];
    private Sgd _sgd = null!;
    private Sgd _sgdMomentum = null!;
    private Adam _adam = null!;
    private AdamW _adamW = null!;
    private RmsProp _rmsProp = null!;
    private Adagrad _adagrad = null!;

    /// <summary>Number of parameters.</summary>
    [Params(100_000, 1_000_000)]
    public int Count { get; set; }

    /// <summary>Random parameters and gradients in [−1, 1] and one optimizer of each kind.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _parameters = Models.RandomArray(Count, seed: 1);
        _gradients = Models.RandomArray(Count, seed: 2);
        _sgd = new Sgd(Count, LearningRate);
        _sgdMomentum = new Sgd(Count, LearningRate, momentum: 0.9f);
        _adam = new Adam(Count, LearningRate);
        _adamW = new AdamW(Count, LearningRate);
        _rmsProp = new RmsProp(Count, LearningRate);
        _adagrad = new Adagrad(Count, LearningRate);
    }

    /// <summary>p ← p − lr·g with TensorPrimitives: one streaming pass over two arrays.</summary>
    [Benchmark(Baseline = true)]
    public void TensorPrimitivesSgd() => TensorPrimitives.MultiplyAdd(_gradients, -LearningRate, _parameters, _parameters);

    /// <summary>SGD without momentum: the baseline's arithmetic.</summary>
    [Benchmark]
    public void Sgd() => _sgd.Step(_parameters, _gradients);

    /// <summary>SGD with momentum 0.9: a third array.</summary>
    [Benchmark]
    public void SgdMomentum() => _sgdMomentum.Step(_parameters, _gradients);

    /// <summary>Adam (β 0.9, 0.999): two moments, a square root and two divisions per element.</summary>
    [Benchmark]
    public void Adam() => _adam.Step(_parameters, _gradients);

    /// <summary>AdamW (weight decay 1e-2): Adam plus the decoupled decay.</summary>
    [Benchmark]
    public void AdamW() => _adamW.Step(_parameters, _gradients);

    /// <summary>RMSprop (α 0.99): one moment, a square root and a division.</summary>
    [Benchmark]
    public void RmsProp() => _rmsProp.Step(_parameters, _gradients);

    /// <summary>Adagrad: one sum, a square root and a division.</summary>
    [Benchmark]
    public void Adagrad() => _adagrad.Step(_parameters, _gradients);
}
