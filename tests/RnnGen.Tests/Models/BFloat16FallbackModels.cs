using RnnGen;

// The fallback twins: the same models without ForceBFloat16Kernels. Their weights fit the float32 kernels' 64 KiB, so
// their inference copy holds the bfloat16-rounded weights as floats and the float32 kernels (single step and agents) run
// on it; the results must be the 16-bit kernels' bit for bit.
namespace RnnGen.Tests.Models.Bf16.Fallback;

/// <summary>Gru_10_64_1 running the float32 kernels over its rounded weights.</summary>
[RnnModel(hidden: 64, input: 10, Output = 1, Cell = RnnCell.Gru, WeightPrecision = RnnPrecision.BFloat16)] public partial class Gru_10_64_1;

/// <summary>Elman_10_64_1 running the float32 kernels over its rounded weights.</summary>
[RnnModel(hidden: 64, input: 10, Output = 1, WeightPrecision = RnnPrecision.BFloat16)] public partial class Elman_10_64_1;

/// <summary>Lstm2Layer_3_5_2 running the float32 kernels over its rounded weights.</summary>
[RnnModel(hidden: 5, input: 3, Output = 2, Cell = RnnCell.Lstm, Layers = 2, WeightPrecision = RnnPrecision.BFloat16)] public partial class Lstm2Layer_3_5_2;

/// <summary>Gru2Layer_3_5_2 running the float32 kernels over its rounded weights.</summary>
[RnnModel(hidden: 5, input: 3, Output = 2, Cell = RnnCell.Gru, Layers = 2, WeightPrecision = RnnPrecision.BFloat16)] public partial class Gru2Layer_3_5_2;

/// <summary>ElmanRelu2Layer_3_5_2 running the float32 kernels over its rounded weights.</summary>
[RnnModel(hidden: 5, input: 3, Output = 2, Layers = 2, Activation = RnnActivation.Relu, WeightPrecision = RnnPrecision.BFloat16)] public partial class ElmanRelu2Layer_3_5_2;

// Lstm40x7 (two layers) takes 95 KiB as float32 and streams 16 bits anyway; its one-layer form (35 KiB, three tiles,
// odd input) runs the float32 kernels, with a forced twin and a float32 twin of its own.

/// <summary>LSTM 40 (three tiles), input 7, one layer, running the float32 kernels over its rounded weights.</summary>
[RnnModel(hidden: 40, input: 7, Cell = RnnCell.Lstm, Output = 3, WeightPrecision = RnnPrecision.BFloat16)] public partial class Lstm40x7x1;

/// <summary>Lstm40x7x1 on the 16-bit kernels.</summary>
[RnnModel(hidden: 40, input: 7, Cell = RnnCell.Lstm, Output = 3, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)] public partial class Lstm40x7x1Forced;

/// <summary>Lstm40x7x1's float32 twin.</summary>
[RnnModel(hidden: 40, input: 7, Cell = RnnCell.Lstm, Output = 3)] public partial class Lstm40x7x1Float32;

/// <summary>Elman33Relu running the float32 kernels over its rounded weights.</summary>
[RnnModel(hidden: 33, input: 10, Output = 2, Activation = RnnActivation.Relu, WeightPrecision = RnnPrecision.BFloat16)] public partial class Elman33Relu;

/// <summary>GruNoHead running the float32 kernels over its rounded weights.</summary>
[RnnModel(hidden: 9, input: 4, Cell = RnnCell.Gru, WeightPrecision = RnnPrecision.BFloat16)] public partial class GruNoHead;

/// <summary>LstmEmbed_7_4_6_7 running the float32 kernels over its rounded weights.</summary>
[RnnModel(hidden: 6, input: 4, Cell = RnnCell.Lstm, Vocabulary = 7, Output = 7, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy, WeightPrecision = RnnPrecision.BFloat16)] public partial class LstmEmbed_7_4_6_7;
