using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace RnnGen.Benchmarks;

/// <summary>
/// Inference at batch 1, input 10, one output: one <c>Step</c>, and one <c>Forward</c> over a window of 32 steps,
/// the generated model against the runtime-sized TensorPrimitives baseline holding the same weights.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class ElmanStepBenchmarks
{
    private const int Steps = Models.Window;

    private ElmanH32? _m32;
    private ElmanH64? _m64;
    private ElmanH128? _m128;
    private RuntimeSizedElman? _baseline;
    private float[] _x = [];
    private float[] _y = new float[Models.Output];
    private float[] _inputs = [];
    private float[] _outputs = new float[Steps * Models.Output];

    /// <summary>Hidden units.</summary>
    [Params(32, 64, 128)]
    public int Hidden { get; set; }

    /// <summary>Builds both models with the same weights and checks that they compute the same function.</summary>
    [GlobalSetup]
    public void Setup()
    {
        IRnnModel model = Models.Create(Hidden, seed: 42);
        _m32 = model as ElmanH32;
        _m64 = model as ElmanH64;
        _m128 = model as ElmanH128;
        _baseline = Models.BaselineOf(model, Hidden, learningRate: 1e-3f);
        _x = Models.RandomArray(Models.Input, seed: 1);
        _inputs = Models.RandomArray(Steps * Models.Input, seed: 2);
        Check(model, _baseline, _inputs);
        model.ResetState();
        _baseline.ResetState();
    }

    /// <summary>One step of the baseline.</summary>
    [Benchmark(Baseline = true, Description = "RuntimeSized")]
    [BenchmarkCategory("Step")]
    public void RuntimeSizedStep() => _baseline!.Step(_x, _y);

    /// <summary>One step of the generated model.</summary>
    [Benchmark(Description = "Generated")]
    [BenchmarkCategory("Step")]
    public void GeneratedStep()
    {
        switch (Hidden)
        {
            case 32: _m32!.Step(_x, _y); break;
            case 64: _m64!.Step(_x, _y); break;
            default: _m128!.Step(_x, _y); break;
        }
    }

    /// <summary>32 steps of the baseline in one call.</summary>
    [Benchmark(Baseline = true, Description = "RuntimeSized")]
    [BenchmarkCategory("Forward32")]
    public void RuntimeSizedForward() => _baseline!.Forward(_inputs, _outputs);

    /// <summary>32 steps of the generated model in one call.</summary>
    [Benchmark(Description = "Generated")]
    [BenchmarkCategory("Forward32")]
    public void GeneratedForward()
    {
        switch (Hidden)
        {
            case 32: _m32!.Forward(_inputs, _outputs); break;
            case 64: _m64!.Forward(_inputs, _outputs); break;
            default: _m128!.Forward(_inputs, _outputs); break;
        }
    }

    /// <summary>Throws unless the baseline's outputs match the generated model's to 1e-4 over a run of steps.</summary>
    internal static void Check(IRnnModel model, RuntimeSizedElman baseline, float[] inputs)
    {
        model.ResetState();
        baseline.ResetState();
        Span<float> yModel = stackalloc float[Models.Output], yBaseline = stackalloc float[Models.Output];
        int steps = inputs.Length / Models.Input;
        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<float> x = inputs.AsSpan(t * Models.Input, Models.Input);
            model.Step(x, yModel);
            baseline.Step(x, yBaseline);
            for (int k = 0; k < Models.Output; k++)
            {
                if (!(Math.Abs(yModel[k] - yBaseline[k]) <= 1e-4f))
                {
                    throw new InvalidOperationException(
                        $"Hidden {baseline.State.Length}: step {t} output {k} differs: generated {yModel[k]:R}, baseline {yBaseline[k]:R}.");
                }
            }
        }
    }
}
