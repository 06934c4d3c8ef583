using RnnGen;

// WeightPrecision = BFloat16 twins of float32 models declared elsewhere in this project (same sizes, cell, head):
// the twin with its W_ih and W_hh rounded to bfloat16 must compute exactly what the bfloat16 model computes.
// The small ones (at most 64 KiB of float32 W_ih + W_hh) set ForceBFloat16Kernels so that they keep testing the 16-bit
// kernels on their shapes; their twins in Bf16.Fallback run the float32 kernels over the rounded weights instead.
namespace RnnGen.Tests.Models.Bf16;

/// <summary>Twin of Fixtures.Lstm_10_64_1 (PyTorch fixtures lstm_10_64_1_*).</summary>
[RnnModel(hidden: 64, input: 10, Output = 1, Cell = RnnCell.Lstm, WeightPrecision = RnnPrecision.BFloat16)] public partial class Lstm_10_64_1;

/// <summary>Twin of Fixtures.Gru_10_64_1.</summary>
[RnnModel(hidden: 64, input: 10, Output = 1, Cell = RnnCell.Gru, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)] public partial class Gru_10_64_1;

/// <summary>Twin of Fixtures.Elman_10_64_1.</summary>
[RnnModel(hidden: 64, input: 10, Output = 1, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)] public partial class Elman_10_64_1;

/// <summary>Twin of Fixtures.Lstm2Layer_3_5_2: two layers, odd input and hidden (a last column without a partner).</summary>
[RnnModel(hidden: 5, input: 3, Output = 2, Cell = RnnCell.Lstm, Layers = 2, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)] public partial class Lstm2Layer_3_5_2;

/// <summary>Twin of Fixtures.Gru2Layer_3_5_2.</summary>
[RnnModel(hidden: 5, input: 3, Output = 2, Cell = RnnCell.Gru, Layers = 2, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)] public partial class Gru2Layer_3_5_2;

/// <summary>Twin of Fixtures.ElmanRelu2Layer_3_5_2.</summary>
[RnnModel(hidden: 5, input: 3, Output = 2, Layers = 2, Activation = RnnActivation.Relu, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)] public partial class ElmanRelu2Layer_3_5_2;

/// <summary>Twin of Models.Lstm128x10: 8 tiles, column loops in chunks.</summary>
[RnnModel(hidden: 128, input: 10, Cell = RnnCell.Lstm, Output = 1, Window = 8, WeightPrecision = RnnPrecision.BFloat16)] public partial class Lstm128x10;

/// <summary>Twin of Models.Gru128x10.</summary>
[RnnModel(hidden: 128, input: 10, Cell = RnnCell.Gru, Output = 1, Window = 8, WeightPrecision = RnnPrecision.BFloat16)] public partial class Gru128x10;

/// <summary>Twin of Models.Lstm40x7: 3 tiles, two layers, odd input (95 KiB of float32 W_ih + W_hh: streams 16 bits).</summary>
[RnnModel(hidden: 40, input: 7, Cell = RnnCell.Lstm, Output = 3, Layers = 2, WeightPrecision = RnnPrecision.BFloat16)] public partial class Lstm40x7;

/// <summary>Twin of Models.Elman33Relu: one tile of 48 rows, three partial sums on the Vector512 path.</summary>
[RnnModel(hidden: 33, input: 10, Output = 2, Activation = RnnActivation.Relu, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)] public partial class Elman33Relu;

/// <summary>Twin of Models.Elman100: two tiles of 64 rows, odd input (37).</summary>
[RnnModel(hidden: 100, input: 37, Output = 3, WeightPrecision = RnnPrecision.BFloat16)] public partial class Elman100;

/// <summary>Twin of Models.Elman256x300: four tiles, chunked column loops with remainder loops.</summary>
[RnnModel(hidden: 256, input: 300, Output = 2, Window = 8, WeightPrecision = RnnPrecision.BFloat16)] public partial class Elman256x300;

/// <summary>Twin of Models.GruNoHead: the outputs are h.</summary>
[RnnModel(hidden: 9, input: 4, Cell = RnnCell.Gru, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)] public partial class GruNoHead;

/// <summary>Twin of Models.LstmEmbed_7_4_6_7: token steps through an embedding (float32) into bfloat16 recurrent weights, softmax head.</summary>
[RnnModel(hidden: 6, input: 4, Cell = RnnCell.Lstm, Vocabulary = 7, Output = 7, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]
public partial class LstmEmbed_7_4_6_7;

/// <summary>A model with its own constructor: InitializeParameters (called by the user) fills the bfloat16 copy too.</summary>
[RnnModel(hidden: 8, input: 2, Output = 1, Window = 4, WeightPrecision = RnnPrecision.BFloat16)]
public partial class UserConstructed
{
    public UserConstructed(int seed) => InitializeParameters(seed);
}
