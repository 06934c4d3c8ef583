using System;

namespace RnnGen.Benchmarks;

// The bfloat16 twins of the matrix models (WeightPrecision = RnnPrecision.BFloat16): Step streams a 16-bit copy of
// W_ih/W_hh and widens it in registers, except where the weights take at most 64 KiB as float32 (Elman 16–64, LSTM
// 16–32, GRU 16–64): there the generator runs the float32 kernels over the rounded weights (StreamsBFloat16 = false), so
// those matrix rows show a bfloat16 model at float32 speed. Benchmarked by the {Cell}Bf16Matrix classes (Step, 1,000
// agents and the bound). The *Forced twins (ForceBFloat16Kernels = true) keep the 16-bit kernels at 16–64 units, for
// BFloat16KernelChoiceBenchmarks.

/// <summary>ElmanH16 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 16, input: 10, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class ElmanH16BFloat16;

/// <summary>ElmanH32 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 32, input: 10, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class ElmanH32BFloat16;

/// <summary>ElmanH64 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 64, input: 10, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class ElmanH64BFloat16;

/// <summary>ElmanH128 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 128, input: 10, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class ElmanH128BFloat16;

/// <summary>ElmanH256 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 256, input: 10, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class ElmanH256BFloat16;

/// <summary>LstmH16 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 16, input: 10, Cell = RnnCell.Lstm, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class LstmH16BFloat16;

/// <summary>LstmH32 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 32, input: 10, Cell = RnnCell.Lstm, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class LstmH32BFloat16;

/// <summary>LstmH64 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 64, input: 10, Cell = RnnCell.Lstm, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class LstmH64BFloat16;

/// <summary>LstmH128 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 128, input: 10, Cell = RnnCell.Lstm, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class LstmH128BFloat16;

/// <summary>LstmH256 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 256, input: 10, Cell = RnnCell.Lstm, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class LstmH256BFloat16;

/// <summary>GruH16 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 16, input: 10, Cell = RnnCell.Gru, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class GruH16BFloat16;

/// <summary>GruH32 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 32, input: 10, Cell = RnnCell.Gru, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class GruH32BFloat16;

/// <summary>GruH64 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 64, input: 10, Cell = RnnCell.Gru, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class GruH64BFloat16;

/// <summary>GruH128 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 128, input: 10, Cell = RnnCell.Gru, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class GruH128BFloat16;

/// <summary>GruH256 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 256, input: 10, Cell = RnnCell.Gru, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class GruH256BFloat16;

/// <summary>ElmanH16 streaming the 16-bit copy whatever its size (ForceBFloat16Kernels).</summary>
[RnnModel(hidden: 16, input: 10, Output = 1, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]
public partial class ElmanH16BFloat16Forced;

/// <summary>ElmanH32 streaming the 16-bit copy whatever its size (ForceBFloat16Kernels).</summary>
[RnnModel(hidden: 32, input: 10, Output = 1, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]
public partial class ElmanH32BFloat16Forced;

/// <summary>ElmanH64 streaming the 16-bit copy whatever its size (ForceBFloat16Kernels).</summary>
[RnnModel(hidden: 64, input: 10, Output = 1, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]
public partial class ElmanH64BFloat16Forced;

/// <summary>LstmH16 streaming the 16-bit copy whatever its size (ForceBFloat16Kernels).</summary>
[RnnModel(hidden: 16, input: 10, Cell = RnnCell.Lstm, Output = 1, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]
public partial class LstmH16BFloat16Forced;

/// <summary>LstmH32 streaming the 16-bit copy whatever its size (ForceBFloat16Kernels).</summary>
[RnnModel(hidden: 32, input: 10, Cell = RnnCell.Lstm, Output = 1, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]
public partial class LstmH32BFloat16Forced;

/// <summary>LstmH64 streaming the 16-bit copy whatever its size (ForceBFloat16Kernels).</summary>
[RnnModel(hidden: 64, input: 10, Cell = RnnCell.Lstm, Output = 1, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]
public partial class LstmH64BFloat16Forced;

/// <summary>GruH16 streaming the 16-bit copy whatever its size (ForceBFloat16Kernels).</summary>
[RnnModel(hidden: 16, input: 10, Cell = RnnCell.Gru, Output = 1, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]
public partial class GruH16BFloat16Forced;

/// <summary>GruH32 streaming the 16-bit copy whatever its size (ForceBFloat16Kernels).</summary>
[RnnModel(hidden: 32, input: 10, Cell = RnnCell.Gru, Output = 1, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]
public partial class GruH32BFloat16Forced;

/// <summary>GruH64 streaming the 16-bit copy whatever its size (ForceBFloat16Kernels).</summary>
[RnnModel(hidden: 64, input: 10, Cell = RnnCell.Gru, Output = 1, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]
public partial class GruH64BFloat16Forced;

/// <summary>The bfloat16 twins of the matrix models (<see cref="ElmanBf16Matrix"/>, <see cref="LstmBf16Matrix"/>, <see cref="GruBf16Matrix"/>).</summary>
public static class BFloat16Models
{
    /// <summary>
    /// The bfloat16 twin of <see cref="Create"/>, its float32 master weights rounded to bfloat16 first so that the float32
    /// TensorPrimitives baseline computes the same function (the bf16 kernel then matches it to float rounding).
    /// </summary>
    public static IRnnModel CreateBFloat16(RnnCell cell, int hidden, int seed)
    {
        IRnnModel model = (cell, hidden) switch
        {
            (RnnCell.Elman, 16) => Rounded(new ElmanH16BFloat16(seed)),
            (RnnCell.Elman, 32) => Rounded(new ElmanH32BFloat16(seed)),
            (RnnCell.Elman, 64) => Rounded(new ElmanH64BFloat16(seed)),
            (RnnCell.Elman, 128) => Rounded(new ElmanH128BFloat16(seed)),
            (RnnCell.Elman, 256) => Rounded(new ElmanH256BFloat16(seed)),
            (RnnCell.Lstm, 16) => Rounded(new LstmH16BFloat16(seed)),
            (RnnCell.Lstm, 32) => Rounded(new LstmH32BFloat16(seed)),
            (RnnCell.Lstm, 64) => Rounded(new LstmH64BFloat16(seed)),
            (RnnCell.Lstm, 128) => Rounded(new LstmH128BFloat16(seed)),
            (RnnCell.Lstm, 256) => Rounded(new LstmH256BFloat16(seed)),
            (RnnCell.Gru, 16) => Rounded(new GruH16BFloat16(seed)),
            (RnnCell.Gru, 32) => Rounded(new GruH32BFloat16(seed)),
            (RnnCell.Gru, 64) => Rounded(new GruH64BFloat16(seed)),
            (RnnCell.Gru, 128) => Rounded(new GruH128BFloat16(seed)),
            (RnnCell.Gru, 256) => Rounded(new GruH256BFloat16(seed)),
            _ => throw new ArgumentOutOfRangeException(nameof(hidden), hidden, $"No bfloat16 {cell} model of this size; declare one in BFloat16Models.cs."),
        };
        return model;
    }

    private static IRnnModel Rounded<TModel>(TModel model)
        where TModel : IRnnModel
    {
        var canonical = new float[TModel.TrainableParameterCount];
        model.CopyParametersTo(canonical);
        RnnGen.Kernels.BFloat16.Round(canonical, canonical);
        model.CopyParametersFrom(canonical);
        return model;
    }

    /// <summary>The twin of <see cref="CreateBFloat16"/> with ForceBFloat16Kernels (16–64 units), its weights rounded likewise.</summary>
    public static IRnnModel CreateForced(RnnCell cell, int hidden, int seed) => (cell, hidden) switch
    {
        (RnnCell.Elman, 16) => Rounded(new ElmanH16BFloat16Forced(seed)),
        (RnnCell.Elman, 32) => Rounded(new ElmanH32BFloat16Forced(seed)),
        (RnnCell.Elman, 64) => Rounded(new ElmanH64BFloat16Forced(seed)),
        (RnnCell.Lstm, 16) => Rounded(new LstmH16BFloat16Forced(seed)),
        (RnnCell.Lstm, 32) => Rounded(new LstmH32BFloat16Forced(seed)),
        (RnnCell.Lstm, 64) => Rounded(new LstmH64BFloat16Forced(seed)),
        (RnnCell.Gru, 16) => Rounded(new GruH16BFloat16Forced(seed)),
        (RnnCell.Gru, 32) => Rounded(new GruH32BFloat16Forced(seed)),
        (RnnCell.Gru, 64) => Rounded(new GruH64BFloat16Forced(seed)),
        _ => throw new ArgumentOutOfRangeException(nameof(hidden), hidden, $"No forced bfloat16 {cell} model of this size; declare one in BFloat16Models.cs."),
    };

    /// <summary>Whether the bfloat16 twin of this cell and size streams its 16-bit copy (false: float32 kernels over the rounded weights).</summary>
    public static bool StreamsBFloat16(RnnCell cell, int hidden) => (cell, hidden) switch
    {
        (RnnCell.Elman, 16) => ElmanH16BFloat16.StreamsBFloat16,
        (RnnCell.Elman, 32) => ElmanH32BFloat16.StreamsBFloat16,
        (RnnCell.Elman, 64) => ElmanH64BFloat16.StreamsBFloat16,
        (RnnCell.Elman, 128) => ElmanH128BFloat16.StreamsBFloat16,
        (RnnCell.Elman, 256) => ElmanH256BFloat16.StreamsBFloat16,
        (RnnCell.Lstm, 16) => LstmH16BFloat16.StreamsBFloat16,
        (RnnCell.Lstm, 32) => LstmH32BFloat16.StreamsBFloat16,
        (RnnCell.Lstm, 64) => LstmH64BFloat16.StreamsBFloat16,
        (RnnCell.Lstm, 128) => LstmH128BFloat16.StreamsBFloat16,
        (RnnCell.Lstm, 256) => LstmH256BFloat16.StreamsBFloat16,
        (RnnCell.Gru, 16) => GruH16BFloat16.StreamsBFloat16,
        (RnnCell.Gru, 32) => GruH32BFloat16.StreamsBFloat16,
        (RnnCell.Gru, 64) => GruH64BFloat16.StreamsBFloat16,
        (RnnCell.Gru, 128) => GruH128BFloat16.StreamsBFloat16,
        (RnnCell.Gru, 256) => GruH256BFloat16.StreamsBFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(hidden), hidden, $"No bfloat16 {cell} model of this size."),
    };

    /// <summary>
    /// Bytes one step of the bfloat16 twin reads: <see cref="BFloat16WeightBytes"/> when it streams the 16-bit copy, the
    /// float32 model's bytes when it runs the float32 kernels over the rounded weights.
    /// </summary>
    public static long StepBytes(ModelFacts facts) =>
        StreamsBFloat16(facts.Cell, facts.Hidden) ? BFloat16WeightBytes(facts) : facts.WeightBytes;

    /// <summary>
    /// Bytes one bfloat16 step reads: W_ih and W_hh at 2 bytes (tiles padded like the float32 buffer), the summed biases
    /// (one float vector per accumulator group) and the float32 head.
    /// </summary>
    public static long BFloat16WeightBytes(ModelFacts facts)
    {
        int padded = (facts.Hidden + 15) / 16 * 16;
        int groups = facts.Cell == RnnCell.Gru ? 4 : facts.Gates;
        long weights = 2L * facts.Gates * padded * (facts.Input + facts.Hidden + (facts.Input + facts.Hidden) % 2);
        return weights + 4L * groups * padded + 4L * (facts.Output * padded + facts.Output);
    }

}
