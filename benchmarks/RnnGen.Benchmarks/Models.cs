using System;

namespace RnnGen.Benchmarks;

/// <summary>Generated Elman model: hidden 32, input 10, one output.</summary>
[RnnModel(hidden: 32, input: 10, Output = 1)]
public partial class ElmanH32;

/// <summary>Generated Elman model: hidden 64, input 10, one output (the reference size).</summary>
[RnnModel(hidden: 64, input: 10, Output = 1)]
public partial class ElmanH64;

/// <summary>Generated Elman model: hidden 128, input 10, one output.</summary>
[RnnModel(hidden: 128, input: 10, Output = 1)]
public partial class ElmanH128;

/// <summary>The sizes every benchmark uses and the generated model that has them.</summary>
internal static class Models
{
    /// <summary>Input features per step in every benchmark.</summary>
    public const int Input = 10;

    /// <summary>Outputs per step in every benchmark.</summary>
    public const int Output = 1;

    /// <summary>Steps of one Forward or TrainStep window.</summary>
    public const int Window = 32;

    /// <summary>A generated model of <paramref name="hidden"/> units (32, 64 or 128), initialized from <paramref name="seed"/>.</summary>
    public static IRnnModel Create(int hidden, int seed) => hidden switch
    {
        32 => new ElmanH32(seed),
        64 => new ElmanH64(seed),
        128 => new ElmanH128(seed),
        _ => throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "No generated model of this size; declare one in Models.cs."),
    };

    /// <summary>A runtime-sized baseline holding exactly the parameters of <paramref name="model"/>.</summary>
    public static RuntimeSizedElman BaselineOf(IRnnModel model, int hidden, float learningRate)
    {
        var baseline = new RuntimeSizedElman(Input, hidden, Output, Window, learningRate);
        model.CopyParametersTo(baseline.Parameters);
        baseline.ParametersChanged();
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
}

/// <summary>Generated LSTM: hidden 64, input 10, one output.</summary>
[RnnModel(hidden: 64, input: 10, Cell = RnnCell.Lstm, Output = 1)]
public partial class LstmH64;

/// <summary>Generated LSTM: hidden 128, input 10, one output.</summary>
[RnnModel(hidden: 128, input: 10, Cell = RnnCell.Lstm, Output = 1)]
public partial class LstmH128;

/// <summary>Generated GRU: hidden 64, input 10, one output.</summary>
[RnnModel(hidden: 64, input: 10, Cell = RnnCell.Gru, Output = 1)]
public partial class GruH64;

/// <summary>Generated GRU: hidden 128, input 10, one output.</summary>
[RnnModel(hidden: 128, input: 10, Cell = RnnCell.Gru, Output = 1)]
public partial class GruH128;

/// <summary>Generated LSTM: hidden 256, input 10, one output (many-agent benchmarks).</summary>
[RnnModel(hidden: 256, input: 10, Cell = RnnCell.Lstm, Output = 1)]
public partial class LstmH256;

/// <summary>Generated GRU: hidden 256, input 10, one output (many-agent benchmarks).</summary>
[RnnModel(hidden: 256, input: 10, Cell = RnnCell.Gru, Output = 1)]
public partial class GruH256;
