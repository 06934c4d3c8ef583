using System;
using System.Collections.Generic;

namespace RnnGen.Benchmarks;

// The benchmark matrix: every cell × hidden 16, 32, 64, 128, 256, input 10, one output (Linear head), batch 1.
// Each size is its own generated class, named {Cell}H{Hidden}. A new model joins the matrix with one declaration
// here and one line in Models.Create; a new precision (e.g. bfloat16 weights) with a declaration per size and a
// switch arm in Models.Create (see docs/benchmarks.md, "Adding benchmarks").

/// <summary>Generated Elman model: hidden 16, input 10, one output.</summary>
[RnnModel(hidden: 16, input: 10, Output = 1)]
public partial class ElmanH16;

/// <summary>Generated Elman model: hidden 32, input 10, one output.</summary>
[RnnModel(hidden: 32, input: 10, Output = 1)]
public partial class ElmanH32;

/// <summary>Generated Elman model: hidden 64, input 10, one output.</summary>
[RnnModel(hidden: 64, input: 10, Output = 1)]
public partial class ElmanH64;

/// <summary>Generated Elman model: hidden 128, input 10, one output.</summary>
[RnnModel(hidden: 128, input: 10, Output = 1)]
public partial class ElmanH128;

/// <summary>Generated Elman model: hidden 256, input 10, one output.</summary>
[RnnModel(hidden: 256, input: 10, Output = 1)]
public partial class ElmanH256;

/// <summary>Generated LSTM: hidden 16, input 10, one output.</summary>
[RnnModel(hidden: 16, input: 10, Cell = RnnCell.Lstm, Output = 1)]
public partial class LstmH16;

/// <summary>Generated LSTM: hidden 32, input 10, one output.</summary>
[RnnModel(hidden: 32, input: 10, Cell = RnnCell.Lstm, Output = 1)]
public partial class LstmH32;

/// <summary>Generated LSTM: hidden 64, input 10, one output.</summary>
[RnnModel(hidden: 64, input: 10, Cell = RnnCell.Lstm, Output = 1)]
public partial class LstmH64;

/// <summary>Generated LSTM: hidden 128, input 10, one output.</summary>
[RnnModel(hidden: 128, input: 10, Cell = RnnCell.Lstm, Output = 1)]
public partial class LstmH128;

/// <summary>Generated LSTM: hidden 256, input 10, one output.</summary>
[RnnModel(hidden: 256, input: 10, Cell = RnnCell.Lstm, Output = 1)]
public partial class LstmH256;

/// <summary>Generated GRU: hidden 16, input 10, one output.</summary>
[RnnModel(hidden: 16, input: 10, Cell = RnnCell.Gru, Output = 1)]
public partial class GruH16;

/// <summary>Generated GRU: hidden 32, input 10, one output.</summary>
[RnnModel(hidden: 32, input: 10, Cell = RnnCell.Gru, Output = 1)]
public partial class GruH32;

/// <summary>Generated GRU: hidden 64, input 10, one output.</summary>
[RnnModel(hidden: 64, input: 10, Cell = RnnCell.Gru, Output = 1)]
public partial class GruH64;

/// <summary>Generated GRU: hidden 128, input 10, one output.</summary>
[RnnModel(hidden: 128, input: 10, Cell = RnnCell.Gru, Output = 1)]
public partial class GruH128;

/// <summary>Generated GRU: hidden 256, input 10, one output.</summary>
[RnnModel(hidden: 256, input: 10, Cell = RnnCell.Gru, Output = 1)]
public partial class GruH256;

/// <summary>The sizes every benchmark uses, the generated model that has them, and what one step of it costs at least.</summary>
public static class Models
{
    /// <summary>Input features per step in every benchmark.</summary>
    public const int Input = 10;

    /// <summary>Outputs per step in every benchmark.</summary>
    public const int Output = 1;

    /// <summary>Steps of one Forward, AccumulateGradients or TrainStep window.</summary>
    public const int Window = 32;

    /// <summary>Adam's learning rate in every training benchmark (and in benchmarks/peers/pytorch_train.py).</summary>
    public const float LearningRate = 1e-4f;

    /// <summary>Gradient clipping (global L2 norm) of every training benchmark: TrainOptions' default.</summary>
    public const float MaxGradientNorm = 5f;

    /// <summary>The hidden sizes of the matrix.</summary>
    public static IReadOnlyList<int> Hiddens { get; } = [16, 32, 64, 128, 256];

    /// <summary>The cells of the matrix.</summary>
    public static IReadOnlyList<RnnCell> Cells { get; } = [RnnCell.Elman, RnnCell.Lstm, RnnCell.Gru];

    /// <summary>A generated model of <paramref name="cell"/> and <paramref name="hidden"/> units, initialized from <paramref name="seed"/>.</summary>
    public static IRnnModel Create(RnnCell cell, int hidden, int seed) => (cell, hidden) switch
    {
        (RnnCell.Elman, 16) => new ElmanH16(seed),
        (RnnCell.Elman, 32) => new ElmanH32(seed),
        (RnnCell.Elman, 64) => new ElmanH64(seed),
        (RnnCell.Elman, 128) => new ElmanH128(seed),
        (RnnCell.Elman, 256) => new ElmanH256(seed),
        (RnnCell.Lstm, 16) => new LstmH16(seed),
        (RnnCell.Lstm, 32) => new LstmH32(seed),
        (RnnCell.Lstm, 64) => new LstmH64(seed),
        (RnnCell.Lstm, 128) => new LstmH128(seed),
        (RnnCell.Lstm, 256) => new LstmH256(seed),
        (RnnCell.Gru, 16) => new GruH16(seed),
        (RnnCell.Gru, 32) => new GruH32(seed),
        (RnnCell.Gru, 64) => new GruH64(seed),
        (RnnCell.Gru, 128) => new GruH128(seed),
        (RnnCell.Gru, 256) => new GruH256(seed),
        _ => throw new ArgumentOutOfRangeException(nameof(hidden), hidden, $"No generated {cell} model of this size; declare one in Models.cs."),
    };

    /// <summary>The sizes and the minimum work of one batch-1 step of the generated model of <paramref name="cell"/> and <paramref name="hidden"/> units.</summary>
    public static ModelFacts Facts(RnnCell cell, int hidden) => (cell, hidden) switch
    {
        (RnnCell.Elman, 16) => ModelFacts.Of<ElmanH16>(),
        (RnnCell.Elman, 32) => ModelFacts.Of<ElmanH32>(),
        (RnnCell.Elman, 64) => ModelFacts.Of<ElmanH64>(),
        (RnnCell.Elman, 128) => ModelFacts.Of<ElmanH128>(),
        (RnnCell.Elman, 256) => ModelFacts.Of<ElmanH256>(),
        (RnnCell.Lstm, 16) => ModelFacts.Of<LstmH16>(),
        (RnnCell.Lstm, 32) => ModelFacts.Of<LstmH32>(),
        (RnnCell.Lstm, 64) => ModelFacts.Of<LstmH64>(),
        (RnnCell.Lstm, 128) => ModelFacts.Of<LstmH128>(),
        (RnnCell.Lstm, 256) => ModelFacts.Of<LstmH256>(),
        (RnnCell.Gru, 16) => ModelFacts.Of<GruH16>(),
        (RnnCell.Gru, 32) => ModelFacts.Of<GruH32>(),
        (RnnCell.Gru, 64) => ModelFacts.Of<GruH64>(),
        (RnnCell.Gru, 128) => ModelFacts.Of<GruH128>(),
        (RnnCell.Gru, 256) => ModelFacts.Of<GruH256>(),
        _ => throw new ArgumentOutOfRangeException(nameof(hidden), hidden, $"No generated {cell} model of this size; declare one in Models.cs."),
    };

    /// <summary>A runtime-sized baseline of the same cell and sizes holding exactly the parameters of <paramref name="model"/>.</summary>
    public static IRuntimeSizedRnn RuntimeSizedOf(IRnnModel model, RnnCell cell, int hidden)
    {
        IRuntimeSizedRnn baseline = cell switch
        {
            RnnCell.Elman => new RuntimeSizedElman(Input, hidden, Output, Window, LearningRate),
            RnnCell.Lstm => new RuntimeSizedLstm(Input, hidden, Output, Window, LearningRate),
            RnnCell.Gru => new RuntimeSizedGru(Input, hidden, Output, Window, LearningRate),
            _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "No runtime-sized baseline for this cell."),
        };
        var canonical = new float[baseline.ParameterCount];
        model.CopyParametersTo(canonical);
        baseline.CopyParametersFrom(canonical);
        return baseline;
    }

    /// <summary>Deterministic values uniform in [−1, 1).</summary>
    public static float[] RandomArray(int length, int seed)
    {
        var rng = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(2 * rng.NextDouble() - 1);
        }

        return values;
    }

    /// <summary>The gate count of a cell: the weight rows per hidden unit.</summary>
    public static int Gates(RnnCell cell) => cell switch
    {
        RnnCell.Lstm => 4,
        RnnCell.Gru => 3,
        _ => 1,
    };
}
