using RnnGen;

namespace RnnGen.Tests.Models;

[RnnModel(hidden: 6, input: 3, Cell = RnnCell.Lstm, Output = 4, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
public partial class LstmSoftmax;

[RnnModel(hidden: 6, input: 3, Cell = RnnCell.Gru, Output = 4, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy, LossOn = RnnLossOn.LastStep)]
public partial class GruSoftmaxLast;

[RnnModel(hidden: 7, input: 3, Output = 2, OutputActivation = RnnOutputActivation.Sigmoid, Loss = RnnLoss.BinaryCrossEntropy)]
public partial class ElmanSigmoidBce;

[RnnModel(hidden: 7, input: 3, Output = 2, OutputActivation = RnnOutputActivation.Sigmoid)]
public partial class ElmanSigmoidMse;

[RnnModel(hidden: 5, input: 3, Cell = RnnCell.Lstm, Output = 4, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
public partial class LstmCe_3_5_4;

[RnnModel(hidden: 5, input: 3, Cell = RnnCell.Gru, Output = 4, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy, LossOn = RnnLossOn.LastStep)]
public partial class GruCeLast_3_5_4;

[RnnModel(hidden: 5, input: 3, Output = 2, OutputActivation = RnnOutputActivation.Sigmoid, Loss = RnnLoss.BinaryCrossEntropy)]
public partial class ElmanBce_3_5_2;
