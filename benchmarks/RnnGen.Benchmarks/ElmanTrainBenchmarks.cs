using System;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// Training at batch 1, input 10, one output: one <c>TrainStep</c> over a window of 32 steps (forward, MSE on
/// every step, BPTT, global-norm clipping to 5, Adam), the generated model against the runtime-sized baseline.
/// </summary>
[MemoryDiagnoser]
public class ElmanTrainBenchmarks
{
    private const float LearningRate = 1e-3f;

    private ElmanH32? _m32;
    private ElmanH64? _m64;
    private ElmanH128? _m128;
    private Adam? _adam;
    private RuntimeSizedElman? _baseline;
    private float[] _inputs = [];
    private float[] _targets = [];

    /// <summary>Hidden units.</summary>
    [Params(32, 64, 128)]
    public int Hidden { get; set; }

    /// <summary>Builds both models with the same weights and checks that one training step does the same thing in both.</summary>
    [GlobalSetup]
    public void Setup()
    {
        IRnnModel model = Models.Create(Hidden, seed: 7);
        _m32 = model as ElmanH32;
        _m64 = model as ElmanH64;
        _m128 = model as ElmanH128;
        _baseline = Models.BaselineOf(model, Hidden, LearningRate);
        _adam = new Adam(model.Parameters.Length, LearningRate);
        _inputs = Models.RandomArray(Models.Window * Models.Input, seed: 3);
        _targets = Models.RandomArray(Models.Window * Models.Output, seed: 4);
        ElmanStepBenchmarks.Check(model, _baseline, _inputs);

        // One training step in both: same loss, same clipped gradient, same updated parameters.
        float lossModel = model.TrainStep(_inputs, _targets, _adam);
        float lossBaseline = _baseline.TrainWindow(_inputs, _targets);
        if (!(Math.Abs(lossModel - lossBaseline) <= 1e-4f * Math.Max(1f, Math.Abs(lossModel))))
        {
            throw new InvalidOperationException($"Hidden {Hidden}: TrainStep loss {lossModel:R} ≠ baseline {lossBaseline:R}.");
        }

        var canonical = new float[_baseline.ParameterCount];
        model.CopyGradientsTo(canonical);
        Compare("gradient", canonical, _baseline.Gradients);
        model.CopyParametersTo(canonical);
        Compare("updated parameter", canonical, _baseline.Parameters);
        ElmanStepBenchmarks.Check(model, _baseline, _inputs);
    }

    /// <summary>One training window of the baseline.</summary>
    [Benchmark(Baseline = true, Description = "RuntimeSized")]
    public float RuntimeSizedTrain() => _baseline!.TrainWindow(_inputs, _targets);

    /// <summary>One TrainStep of the generated model with Adam.</summary>
    [Benchmark(Description = "Generated")]
    public float GeneratedTrain() => Hidden switch
    {
        32 => _m32!.TrainStep(_inputs, _targets, _adam!),
        64 => _m64!.TrainStep(_inputs, _targets, _adam!),
        _ => _m128!.TrainStep(_inputs, _targets, _adam!),
    };

    private void Compare(string what, ReadOnlySpan<float> generated, ReadOnlySpan<float> baseline)
    {
        for (int i = 0; i < generated.Length; i++)
        {
            if (!(Math.Abs(generated[i] - baseline[i]) <= 1e-4f))
            {
                throw new InvalidOperationException(
                    $"Hidden {Hidden}: {what} {i} (PyTorch order) differs after one TrainStep: generated {generated[i]:R}, baseline {baseline[i]:R}.");
            }
        }
    }
}
