using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace RnnGen.Benchmarks;

/// <summary>
/// The benchmark matrix for one cell (a derived class per cell: <see cref="ElmanMatrix"/>, <see cref="LstmMatrix"/>,
/// <see cref="GruMatrix"/>) × hidden 16..256, input 10, one output, batch 1. Per size, in one process:
/// the generated model's <c>Step</c>, <c>Forward</c> over 32 steps, <c>AccumulateGradients</c> over 32 steps and
/// <c>TrainStep</c> over 32 steps with Adam; the runtime-sized TensorPrimitives baseline's Step and training window
/// (the Ratio baselines of their categories); and <see cref="ReadWeights"/>, the streaming bound at exactly this
/// model's weight size. With <see cref="FmaPeakBenchmarks"/> (same run) the report derives each step's efficiency.
/// </summary>
/// <remarks>
/// Calls go through <see cref="IRnnModel"/> (one interface dispatch, ~1 ns, the same in every row). The setup loads the
/// baseline with the generated model's weights (<c>CopyParametersTo</c>) and throws unless both compute the same
/// outputs; <c>--verify</c> also checks one training step (loss, clipped gradients, updated weights).
/// To add a benchmark to every cell and size (e.g. Step over many agents), add a [Benchmark] method here with its own
/// [BenchmarkCategory] and state created in <see cref="Setup"/>; to add a model variant (e.g. bfloat16 weights), derive
/// a class, override <see cref="Cell"/>, <see cref="CreateModel"/> and <see cref="WeightBytes"/>.
/// </remarks>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public abstract class MatrixBenchmarks : IModelWork
{
    /// <summary>Category of one step: <see cref="Step"/>, baseline <see cref="RuntimeSizedStep"/>.</summary>
    public const string StepCategory = "Step";

    /// <summary>Category of <see cref="Forward32"/>.</summary>
    public const string ForwardCategory = "Forward32";

    /// <summary>Category of <see cref="Accumulate32"/>.</summary>
    public const string AccumulateCategory = "Accumulate32";

    /// <summary>Category of one training window: <see cref="TrainStep32"/>, baseline <see cref="RuntimeSizedTrain32"/>.</summary>
    public const string TrainCategory = "Train32";

    /// <summary>Category of <see cref="StepAgents1000"/>.</summary>
    public const string AgentsCategory = "Agents1000";

    /// <summary>Category of <see cref="ReadWeights"/>.</summary>
    public const string BoundCategory = "Bound";

    /// <summary>Category of the sweeps TrainStep's bound needs besides <see cref="ReadWeights"/>: <see cref="ReadBackwardWeights"/>, <see cref="OptimizerPass"/>.</summary>
    public const string TrainBoundCategory = "TrainBound";

    /// <summary>Category of the pieces of TrainStep after the BPTT: <see cref="ClipGradients"/>, <see cref="AdamStep"/>.</summary>
    public const string TrainPartsCategory = "TrainParts";

    private IRnnModel _model = null!;
    private IRuntimeSizedRnn _baseline = null!;
    private Adam _adam = null!;
    private IAgentStepper? _agents;
    private WeightSweep _sweep = null!;
    private WeightSweep _backwardSweep = null!;
    private OptimizerSweep _optimizerSweep = null!;
    private float[] _x = [];
    private readonly float[] _y = new float[Models.Output];
    private float[] _inputs = [];
    private float[] _targets = [];
    private readonly float[] _outputs = new float[Models.Window * Models.Output];

    /// <summary>Hidden units.</summary>
    [Params(16, 32, 64, 128, 256)]
    public int Hidden { get; set; }

    /// <summary>The cell of this class's models.</summary>
    public abstract RnnCell Cell { get; }

    /// <summary>Sizes, FLOPs and weight bytes of the model benchmarked at <see cref="Hidden"/>.</summary>
    public virtual ModelFacts Facts => Models.Facts(Cell, Hidden);

    /// <summary>Bytes a step of this model reads (the size <see cref="ReadWeights"/> sweeps).</summary>
    public virtual long WeightBytes => Facts.WeightBytes;

    /// <summary>Creates the model, the baseline holding its weights, the optimizer, the data and the weight sweep; checks the baseline.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _model = CreateModel(seed: 42);
        _baseline = Models.RuntimeSizedOf(_model, Cell, Hidden);
        _adam = new Adam(_model.Parameters.Length, Models.LearningRate);
        _sweep = new WeightSweep(WeightBytes);
        _backwardSweep = new WeightSweep(Facts.BackwardBytes);
        _optimizerSweep = new OptimizerSweep(_model.Parameters.Length);
        _x = Models.RandomArray(Models.Input, seed: 1);
        _inputs = Models.RandomArray(Models.Window * Models.Input, seed: 2);
        _targets = Models.RandomArray(Models.Window * Models.Output, seed: 3);
        Verification.CheckSteps(_model, _baseline, _inputs, $"{Cell} {Hidden}");
        _agents = HasAgents ? Agents.Of(_model) : null;
        _model.ZeroGradients();
        _model.AccumulateGradients(_inputs, _targets);
        _model.ResetState();
        _baseline.ResetState();
    }

    /// <summary>One step of the runtime-sized baseline.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(StepCategory)]
    public void RuntimeSizedStep() => _baseline.Step(_x, _y);

    /// <summary>One step of the generated model.</summary>
    [Benchmark]
    [BenchmarkCategory(StepCategory)]
    public void Step() => _model.Step(_x, _y);

    /// <summary>32 steps of the generated model in one call, from the zero state.</summary>
    [Benchmark]
    [BenchmarkCategory(ForwardCategory)]
    public void Forward32()
    {
        _model.ResetState();
        _model.Forward(_inputs, _outputs);
    }

    /// <summary>BPTT over 32 steps from the zero state (forward, MSE, backward), adding into the gradients.</summary>
    [Benchmark]
    [BenchmarkCategory(AccumulateCategory)]
    public float Accumulate32()
    {
        _model.ResetState();
        return _model.AccumulateGradients(_inputs, _targets);
    }

    /// <summary>One training window of the runtime-sized baseline: forward, MSE, BPTT, clipping, Adam.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(TrainCategory)]
    public float RuntimeSizedTrain32() => _baseline.TrainWindow(_inputs, _targets);

    /// <summary>One TrainStep of the generated model over 32 steps: zero gradients, BPTT, clipping to 5, Adam.</summary>
    [Benchmark]
    [BenchmarkCategory(TrainCategory)]
    public float TrainStep32() => _model.TrainStep(_inputs, _targets, _adam);

    /// <summary>One many-agent Step of <see cref="Agents.Count"/> agents (float32 models; the report divides by the agent count).</summary>
    [Benchmark]
    [BenchmarkCategory(AgentsCategory)]
    public void StepAgents1000() => _agents!.Step();

    /// <summary>The streaming bound: one read of a buffer of exactly <see cref="WeightBytes"/> bytes.</summary>
    [Benchmark]
    [BenchmarkCategory(BoundCategory)]
    public float ReadWeights() => _sweep.Read();

    /// <summary>The backward streaming bound: one read of a buffer of <see cref="ModelFacts.BackwardBytes"/> (W_hhᵀ, what a backward step reads).</summary>
    [Benchmark]
    [BenchmarkCategory(TrainBoundCategory)]
    public float ReadBackwardWeights() => _backwardSweep.Read();

    /// <summary>The optimizer's streaming bound: one pass reading parameters, gradients and two moments and writing three of them (<see cref="ModelFacts.OptimizerBytes"/>).</summary>
    [Benchmark]
    [BenchmarkCategory(TrainBoundCategory)]
    public float OptimizerPass() => _optimizerSweep.Pass();

    /// <summary>
    /// TrainStep's clipping alone over the gradients of one window (accumulated in <see cref="Setup"/>): their global norm,
    /// and their scaling to norm 5 if above (the first call only; after it the norm is 5, so the time is the norm's pass).
    /// </summary>
    [Benchmark]
    [BenchmarkCategory(TrainPartsCategory)]
    public float ClipGradients() => GradientClipping.ClipByGlobalNorm(_model.Gradients, 5f);

    /// <summary>TrainStep's optimizer step alone: Adam over the parameters with the gradients of one window.</summary>
    [Benchmark]
    [BenchmarkCategory(TrainPartsCategory)]
    public void AdamStep() => _adam.Step(_model.Parameters, _model.Gradients);

    /// <summary>Whether <see cref="StepAgents1000"/> applies (every model here has a many-agent step; a variant without one overrides this).</summary>
    protected virtual bool HasAgents => true;

    /// <summary>Creates the benchmarked model (the generated <see cref="Cell"/> model of <see cref="Hidden"/> units).</summary>
    protected virtual IRnnModel CreateModel(int seed) => Models.Create(Cell, Hidden, seed);
}
