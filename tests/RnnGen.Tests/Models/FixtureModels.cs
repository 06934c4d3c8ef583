using RnnGen;

// One generated model per PyTorch fixture in tests/fixtures/rnn/ (same sizes, cell, layers, loss).
namespace RnnGen.Tests.Models.Fixtures;

[RnnModel(hidden: 64, input: 10, Output = 1)] public partial class Elman_10_64_1;
[RnnModel(hidden: 5, input: 3, Output = 2)] public partial class Elman_3_5_2;
[RnnModel(hidden: 5, input: 3, Output = 2, Layers = 2, Activation = RnnActivation.Relu)] public partial class ElmanRelu2Layer_3_5_2;
[RnnModel(hidden: 64, input: 10, Output = 1, Cell = RnnCell.Lstm)] public partial class Lstm_10_64_1;
[RnnModel(hidden: 5, input: 3, Output = 2, Cell = RnnCell.Lstm)] public partial class Lstm_3_5_2;
[RnnModel(hidden: 5, input: 3, Output = 2, Cell = RnnCell.Lstm, LossOn = RnnLossOn.LastStep)] public partial class LstmLast_3_5_2;
[RnnModel(hidden: 5, input: 3, Output = 2, Cell = RnnCell.Lstm, Layers = 2)] public partial class Lstm2Layer_3_5_2;
[RnnModel(hidden: 64, input: 10, Output = 1, Cell = RnnCell.Gru)] public partial class Gru_10_64_1;
[RnnModel(hidden: 5, input: 3, Output = 2, Cell = RnnCell.Gru)] public partial class Gru_3_5_2;
[RnnModel(hidden: 5, input: 3, Output = 2, Cell = RnnCell.Gru, Layers = 2)] public partial class Gru2Layer_3_5_2;
