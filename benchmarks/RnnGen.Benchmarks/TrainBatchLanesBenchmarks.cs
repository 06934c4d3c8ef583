using System;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// A minibatch of 64 sequences × 32 steps (window 32, float targets at every step), per model: <c>TrainBatch</c> (8
/// chunks of 8 sequences on all cores; within a chunk the sequences step together as lanes, each step's products over
/// all of them) against the same gradient accumulated sequence by sequence on one core. FLOPs per call =
/// 64 × 32 × (2 × StepFlops + 2·G·H·H): the forward product, the window's weight gradients and the backward product
/// W_hhᵀ·δ (the bound of TrainStep without its optimizer term); the FMA share per core divides by the cores used.
/// Two more cases take the lanes' per-sequence extras: a character model (token ids through a 32-wide embedding into an
/// LSTM 128, softmax over 64 classes, a class id per step) and a GRU 128 with dropout before its head.
/// </summary>
[MemoryDiagnoser]
public class TrainBatchLanesBenchmarks
{
    private const int Sequences = 64, Steps = 32;

    private Action _oneByOne = null!;
    private Func<float> _trainBatch = null!;

    /// <summary>The model: cell and hidden size, input 10, one output.</summary>
    [Params("Lstm64", "Lstm128", "Lstm256", "Gru64", "Gru128", "Gru256", "Elman128", "CharLstm128", "DropoutGru128")]
    public string Model { get; set; } = "Lstm64";

    /// <summary>Builds the model, its optimizer (SGD with learning rate 0: the parameters stay put) and the batch.</summary>
    [GlobalSetup]
    public void Setup()
    {
        switch (Model)
        {
            case "Lstm64": Bind(new LstmH64(42), (m, x, y, o) => m.TrainBatch(x, y, Sequences, o)); break;
            case "Lstm128": Bind(new LstmH128(42), (m, x, y, o) => m.TrainBatch(x, y, Sequences, o)); break;
            case "Lstm256": Bind(new LstmH256(42), (m, x, y, o) => m.TrainBatch(x, y, Sequences, o)); break;
            case "Gru64": Bind(new GruH64(42), (m, x, y, o) => m.TrainBatch(x, y, Sequences, o)); break;
            case "Gru128": Bind(new GruH128(42), (m, x, y, o) => m.TrainBatch(x, y, Sequences, o)); break;
            case "Gru256": Bind(new GruH256(42), (m, x, y, o) => m.TrainBatch(x, y, Sequences, o)); break;
            case "Elman128": Bind(new ElmanH128(42), (m, x, y, o) => m.TrainBatch(x, y, Sequences, o)); break;
            case "CharLstm128": BindTokens(new CharLstm128(42)); break;
            case "DropoutGru128": Bind(new DropoutGru128(42), (m, x, y, o) => m.TrainBatch(x, y, Sequences, o)); break;
            default: throw new ArgumentOutOfRangeException(nameof(Model), Model, "no such case");
        }
    }

    private void Bind<T>(T model, Func<T, float[], float[], IOptimizer, float> trainBatch) where T : IRnnModel
    {
        var inputs = Models.RandomArray(Sequences * Steps * T.InputSize, seed: 2);
        var targets = Models.RandomArray(Sequences * Steps * T.OutputSize, seed: 3);
        var sgd = new Sgd(T.ParameterCount, 0f);
        _oneByOne = () =>
        {
            model.ZeroGradients();
            for (int q = 0; q < Sequences; q++)
            {
                model.ResetState();
                model.AccumulateGradients(inputs.AsSpan(q * Steps * T.InputSize, Steps * T.InputSize), targets.AsSpan(q * Steps * T.OutputSize, Steps * T.OutputSize));
            }
        };
        _trainBatch = () => trainBatch(model, inputs, targets, sgd);
    }

    private void BindTokens(CharLstm128 model)
    {
        var tokens = new int[Sequences * Steps];
        var classes = new int[Sequences * Steps];
        var rng = new Random(2);
        for (int i = 0; i < tokens.Length; i++) (tokens[i], classes[i]) = (rng.Next(CharLstm128.Vocabulary), rng.Next(CharLstm128.OutputSize));
        var sgd = new Sgd(CharLstm128.ParameterCount, 0f);
        _oneByOne = () =>
        {
            model.ZeroGradients();
            for (int q = 0; q < Sequences; q++)
            {
                model.ResetState();
                model.AccumulateGradients(tokens.AsSpan(q * Steps, Steps), classes.AsSpan(q * Steps, Steps));
            }
        };
        _trainBatch = () => model.TrainBatch(tokens, classes, Sequences, sgd);
    }

    /// <summary>One core: every sequence's BPTT in turn (AccumulateGradients), no optimizer step.</summary>
    [Benchmark(Baseline = true)]
    public void OneByOneOneCore() => _oneByOne();

    /// <summary>All cores: TrainBatch (its chunks as lanes), with its clipping and the optimizer step.</summary>
    [Benchmark]
    public float TrainBatch() => _trainBatch();
}

/// <summary>A character model: 64 token ids → 32-wide embedding → LSTM 128 → softmax over 64 classes, a class id per step.</summary>
[RnnModel(hidden: 128, input: 32, Cell = RnnCell.Lstm, Vocabulary = 64, Output = 64, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
public partial class CharLstm128;

/// <summary>GRU 128 with dropout (p = 0.2) before a one-output head, input 10.</summary>
[RnnModel(input: 10)]
[Gru(128)]
[Dropout(0.2f)]
[Head(1)]
public partial class DropoutGru128;
