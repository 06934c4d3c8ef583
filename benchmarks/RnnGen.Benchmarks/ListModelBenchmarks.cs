using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace RnnGen.Benchmarks;

// The list models of the deployments the layer list was built for, and a pair that compares a Dense layer with a
// recurrent layer streaming the same weight bytes (256 × 128 floats each: LSTM(64) over 64 inputs has W_ih [256×64]
// and W_hh [256×64]; Dense(256) over 128 inputs has W [256×128]).

/// <summary>Unity ML-Agents' Hallway policy: two Swish Dense layers, an LSTM, a softmax policy head and a value head.</summary>
[RnnModel(input: 30, Window = 32)]
[Dense(128, Activation = RnnActivation.Swish)]
[Dense(128, Activation = RnnActivation.Swish)]
[Lstm(64)]
[Head(4, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
[Head(1, Loss = RnnLoss.Mse, LossWeight = 0.5f)]
public partial class BenchHallway;

/// <summary>Neural Amp Modeler's LSTM: three layers of 18 with learned initial states, a linear head.</summary>
[RnnModel(input: 1, Window = 32)]
[Lstm(18, LearnedInitialState = true)]
[Lstm(18, LearnedInitialState = true)]
[Lstm(18, LearnedInitialState = true)]
[Head(1)]
public partial class BenchNam;

/// <summary>GuitarML Proteus: [audio, knob] → LSTM(40) → Linear, plus the audio input (the skip).</summary>
[RnnModel(input: 2, Window = 32)]
[Lstm(40)]
[Head(1, AddInput = 0)]
public partial class BenchProteus;

/// <summary>LSTM(64) over 64 inputs, no head: W_ih and W_hh together are 256 × 128 floats.</summary>
[RnnModel(input: 64, Window = 32)]
[Lstm(64)]
public partial class BenchLstm64In64;

/// <summary>Dense(256, Tanh) over 128 inputs, no head: W is 256 × 128 floats, the LSTM's weight bytes.</summary>
[RnnModel(input: 128, Window = 32)]
[Dense(256, Activation = RnnActivation.Tanh)]
public partial class BenchDense256In128;

/// <summary>
/// List models (<c>[RnnModel(input: n)]</c> then layer attributes): <c>Step</c>, the many-agent <c>Step</c> over
/// <see cref="Agents.Count"/> agents, <c>TrainStep</c> over 32 steps with Adam, and <see cref="ReadWeights"/>, the
/// streaming bound at exactly the model's parameter bytes. Per model, <see cref="Flops"/> counts the multiply-adds of a
/// step (2 per weight), so with <see cref="FmaPeakBenchmarks"/> in the same run the report derives the FMA share of the
/// many-agent step. The pair <c>Lstm64In64</c>/<c>Dense256In128</c> streams the same weight bytes: a Dense step should
/// cost what a recurrent step of those bytes costs.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class ListModelBenchmarks
{
    private IRnnModel _model = null!;
    private IAgentStepper _agents = null!;
    private Adam _adam = null!;
    private WeightSweep _sweep = null!;
    private float[] _x = [], _y = [], _inputs = [], _targets = [];

    /// <summary>The model of the case.</summary>
    [Params("Hallway", "Nam3x18", "Proteus40", "Lstm64In64", "Dense256In128")]
    public string Model { get; set; } = "Hallway";

    /// <summary>Multiply-add FLOPs of one step of <see cref="Model"/>: 2 per weight of every layer and head.</summary>
    public long Flops => Model switch
    {
        "Hallway" => 2L * (128 * 30 + 128 * 128 + 256 * (128 + 64) + 5 * 64),
        "Nam3x18" => 2L * (72 * (1 + 18) + 2 * 72 * (18 + 18) + 18),
        "Proteus40" => 2L * (160 * (2 + 40) + 40),
        "Lstm64In64" => 2L * 256 * (64 + 64),
        "Dense256In128" => 2L * 256 * 128,
        _ => throw new ArgumentException($"unknown model {Model}"),
    };

    /// <summary>Creates the model, its agents, data, the optimizer and the weight sweep.</summary>
    [GlobalSetup]
    public void Setup()
    {
        switch (Model)
        {
            case "Hallway": Use<BenchHallway, BenchHallway.State>(new BenchHallway(seed: 42), static (m, s, x, y) => m.Step(s, x, y)); break;
            case "Nam3x18": Use<BenchNam, BenchNam.State>(new BenchNam(seed: 42), static (m, s, x, y) => m.Step(s, x, y)); break;
            case "Proteus40": Use<BenchProteus, BenchProteus.State>(new BenchProteus(seed: 42), static (m, s, x, y) => m.Step(s, x, y)); break;
            case "Lstm64In64": Use<BenchLstm64In64, BenchLstm64In64.State>(new BenchLstm64In64(seed: 42), static (m, s, x, y) => m.Step(s, x, y)); break;
            case "Dense256In128": Use<BenchDense256In128, BenchDense256In128.State>(new BenchDense256In128(seed: 42), static (m, s, x, y) => m.Step(s, x, y)); break;
            default: throw new ArgumentException($"unknown model {Model}");
        }

        int input = _x.Length, output = _y.Length;
        _inputs = Models.RandomArray(32 * input, seed: 2);
        _targets = Models.RandomArray(32 * output, seed: 3);
        if (Model == "Hallway")
        {
            // The policy head's targets are one-hot actions; the value head's stay random.
            for (int t = 0; t < 32; t++)
                for (int k = 0; k < 4; k++)
                    _targets[t * output + k] = k == t % 4 ? 1f : 0f;
        }

        _adam = new Adam(_model.Parameters.Length, Models.LearningRate);
        _sweep = new WeightSweep(4L * _model.Parameters.Length);
        _model.ResetState();
    }

    private void Use<TModel, TState>(TModel model, ListAgents<TModel, TState>.StepMany step)
        where TModel : IRnnModel
        where TState : struct
    {
        _model = model;
        _agents = new ListAgents<TModel, TState>(model, step, TModel.InputSize, TModel.OutputSize);
        _x = Models.RandomArray(TModel.InputSize, seed: 1);
        _y = new float[TModel.OutputSize];
    }

    /// <summary>One step of the model.</summary>
    [Benchmark]
    [BenchmarkCategory(MatrixBenchmarks.StepCategory)]
    public void Step() => _model.Step(_x, _y);

    /// <summary>One many-agent step of <see cref="Agents.Count"/> agents (the report divides by the agent count).</summary>
    [Benchmark]
    [BenchmarkCategory(MatrixBenchmarks.AgentsCategory)]
    public void StepAgents1000() => _agents.Step();

    /// <summary>One TrainStep over 32 steps: zero gradients, BPTT, clipping, Adam.</summary>
    [Benchmark]
    [BenchmarkCategory(MatrixBenchmarks.TrainCategory)]
    public float TrainStep32() => _model.TrainStep(_inputs, _targets, _adam);

    /// <summary>The streaming bound: one read of exactly the model's parameter bytes.</summary>
    [Benchmark]
    [BenchmarkCategory(MatrixBenchmarks.BoundCategory)]
    public float ReadWeights() => _sweep.Read();
}

/// <summary><see cref="Agents.Count"/> zero-state agents of a list model, with random inputs of the model's width.</summary>
public sealed class ListAgents<TModel, TState> : IAgentStepper
    where TState : struct
{
    /// <summary>The model's many-agent Step.</summary>
    public delegate void StepMany(TModel model, Span<TState> states, ReadOnlySpan<float> inputs, Span<float> outputs);

    private readonly TModel _model;
    private readonly StepMany _step;
    private readonly TState[] _states = new TState[Agents.Count];
    private readonly float[] _inputs;
    private readonly float[] _outputs;

    /// <summary>Creates the agents' states, inputs and outputs.</summary>
    public ListAgents(TModel model, StepMany step, int input, int output)
    {
        _model = model;
        _step = step;
        _inputs = Models.RandomArray(Agents.Count * input, seed: 7);
        _outputs = new float[Agents.Count * output];
    }

    /// <inheritdoc/>
    public void Step() => _step(_model, _states, _inputs, _outputs);
}
