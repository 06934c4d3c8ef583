using RnnGen;

// One model per PyTorch fixture in tests/fixtures/layers/ (its declaration string, verbatim): the numeric tests load the
// fixture into the model of the same name. Each declaration is the fixture's "declaration" field.
namespace RnnGen.Tests.Models.LayerFixtures;

/// <summary>Fixture dense5_gru7_head3_last_h0: Dense(5, relu) -> Gru(7) -> Head(3), LossOn = LastStep.</summary>
[RnnModel(input: 4, LossOn = RnnLossOn.LastStep)]
[Dense(5, Activation = RnnActivation.Relu)]
[Gru(7)]
[Head(3)]
public partial class DenseGruLast;

/// <summary>Fixture dense_identity: Dense(13) (Identity, the default) -> Head(3).</summary>
[RnnModel(input: 5)]
[Dense(13)]
[Head(3)]
public partial class DenseIdentity;

/// <summary>Fixture dense_relu: Dense(13, relu) -> Head(3).</summary>
[RnnModel(input: 5)]
[Dense(13, Activation = RnnActivation.Relu)]
[Head(3)]
public partial class DenseRelu;

/// <summary>Fixture dense_sigmoid: Dense(13, sigmoid) -> Head(3).</summary>
[RnnModel(input: 5)]
[Dense(13, Activation = RnnActivation.Sigmoid)]
[Head(3)]
public partial class DenseSigmoid;

/// <summary>Fixture dense_swish: Dense(13, swish = x*sigmoid(x)) -> Head(3).</summary>
[RnnModel(input: 5)]
[Dense(13, Activation = RnnActivation.Swish)]
[Head(3)]
public partial class DenseSwish;

/// <summary>Fixture dense_tanh: Dense(13, tanh) -> Head(3).</summary>
[RnnModel(input: 5)]
[Dense(13, Activation = RnnActivation.Tanh)]
[Head(3)]
public partial class DenseTanh;

/// <summary>Fixture dropout_dense8_lstm6_eval_h0: The dropout_dense8_lstm6 model in inference mode (Step/Forward/Evaluate): dropout is the identity; outputs, final state and loss, no gradients.</summary>
[RnnModel(input: 5)]
[Dense(8, Activation = RnnActivation.Relu)]
[Dropout(0.25f)]
[Lstm(6)]
[Dropout(0.5f)]
[Head(3)]
public partial class DropoutDenseLstm;

/// <summary>Fixture dropout_gru7_elman5_masked_last_h0: Gru(7) -> Dropout(0.1) -> Elman(5, relu) -> Dropout(0.2) -> Head(2, AddInput = 2), LossOn = LastStep, training with the given masks.</summary>
[RnnModel(input: 4, LossOn = RnnLossOn.LastStep)]
[Gru(7)]
[Dropout(0.1f)]
[Elman(5, Activation = RnnActivation.Relu)]
[Dropout(0.2f)]
[Head(2, AddInput = 2)]
public partial class DropoutGruElman;

/// <summary>Fixture elman_learned: Elman(6, LearnedInitialState) -> Head(2).</summary>
[RnnModel(input: 3)]
[Elman(6, LearnedInitialState = true)]
[Head(2)]
public partial class ElmanLearned;

/// <summary>Fixture elman_relu_h0: Elman(11, relu) -> Head(3), non-zero initial state.</summary>
[RnnModel(input: 4)]
[Elman(11, Activation = RnnActivation.Relu)]
[Head(3)]
public partial class ElmanRelu;

/// <summary>Fixture elman_tanh_h0: Elman(11, tanh) -> Head(3), non-zero initial state.</summary>
[RnnModel(input: 4)]
[Elman(11)]
[Head(3)]
public partial class ElmanTanh;

/// <summary>Fixture embed_v11_dense6_gru5_ce_h0: Vocabulary 11 -> embedding width 4 -> Dense(6, tanh) -> Gru(5) -> Head(11, softmax, CE).</summary>
[RnnModel(input: 4, Vocabulary = 11)]
[Dense(6, Activation = RnnActivation.Tanh)]
[Gru(5)]
[Head(11, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
public partial class EmbedDenseGru;

/// <summary>Fixture gru16_lstm8_dense3_dense2_h0: Gru(16) -> Lstm(8) -> Dense(3, tanh) -> Dense(2), no head: outputs = the last Dense, MSE on them.</summary>
[RnnModel(input: 4)]
[Gru(16)]
[Lstm(8)]
[Dense(3, Activation = RnnActivation.Tanh)]
[Dense(2)]
public partial class MixedNoHead;

/// <summary>Fixture gru16_lstm8_dense3_head2_h0: Gru(16) -> Lstm(8) -> Dense(3, tanh) -> Head(2), non-zero initial states.</summary>
[RnnModel(input: 5)]
[Gru(16)]
[Lstm(8)]
[Dense(3, Activation = RnnActivation.Tanh)]
[Head(2)]
public partial class MixedHead;

/// <summary>Fixture gru_h0: Gru(11) -> Head(3), non-zero initial state.</summary>
[RnnModel(input: 4)]
[Gru(11)]
[Head(3)]
public partial class GruOnly;

/// <summary>Fixture gru_learned: Gru(6, LearnedInitialState) -> Head(2).</summary>
[RnnModel(input: 3)]
[Gru(6, LearnedInitialState = true)]
[Head(2)]
public partial class GruLearned;

/// <summary>Fixture gru_learned_elman_zero: Gru(5, LearnedInitialState) -> Elman(4) from a zero state -> Head(2): one learned and one plain initial state.</summary>
[RnnModel(input: 3)]
[Gru(5, LearnedInitialState = true)]
[Elman(4)]
[Head(2)]
public partial class LearnedThenZero;

/// <summary>Fixture hallway_policy_h0: Unity ML-Agents Hallway: Dense(128, swish) x2 -> Lstm(64) -> policy Head(4, softmax, CE) + value Head(1, MSE, weight 0.5); targets: one-hot class then value per step.</summary>
[RnnModel(input: 30)]
[Dense(128, Activation = RnnActivation.Swish)]
[Dense(128, Activation = RnnActivation.Swish)]
[Lstm(64)]
[Head(4, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
[Head(1, LossWeight = 0.5f)]
public partial class HallwayPolicy;

/// <summary>Fixture heads_bce_mse_h0: Lstm(10) -> Head(3, sigmoid, BCE) + Head(2, MSE, weight 0.5, AddInput = 4) + Head(1, sigmoid, BCE, weight 2).</summary>
[RnnModel(input: 6)]
[Lstm(10)]
[Head(3, OutputActivation = RnnOutputActivation.Sigmoid, Loss = RnnLoss.BinaryCrossEntropy)]
[Head(2, LossWeight = 0.5f, AddInput = 4)]
[Head(1, OutputActivation = RnnOutputActivation.Sigmoid, Loss = RnnLoss.BinaryCrossEntropy, LossWeight = 2.0f)]
public partial class HeadsBceMse;

/// <summary>Fixture heads_soft_ce_sigmoid_mse_last_h0: Gru(6) -> Head(4, softmax, CE, weight 1.5, AddInput = 1) with probability targets + Head(2, sigmoid, MSE, AddInput = 3), LossOn = LastStep.</summary>
[RnnModel(input: 5, LossOn = RnnLossOn.LastStep)]
[Gru(6)]
[Head(4, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy, LossWeight = 1.5f, AddInput = 1)]
[Head(2, OutputActivation = RnnOutputActivation.Sigmoid, Loss = RnnLoss.Mse, AddInput = 3)]
public partial class HeadsSoftCe;

/// <summary>Fixture heads_two_ce_h0: Elman(8) -> Head(3, softmax, CE) + Head(5, softmax, CE, weight 0.5): every head is CE, so the class-id overloads apply (2 ids per step).</summary>
[RnnModel(input: 3)]
[Elman(8)]
[Head(3, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
[Head(5, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy, LossWeight = 0.5f)]
public partial class HeadsTwoCe;

/// <summary>Fixture lstm_h0: Lstm(11) -> Head(3), non-zero initial state.</summary>
[RnnModel(input: 4)]
[Lstm(11)]
[Head(3)]
public partial class LstmOnly;

/// <summary>Fixture lstm_learned: Lstm(6, LearnedInitialState) -> Head(2).</summary>
[RnnModel(input: 3)]
[Lstm(6, LearnedInitialState = true)]
[Head(2)]
public partial class LstmLearned;

/// <summary>Fixture nam_lstm: Neural Amp Modeler LSTM: 3 x Lstm(18, LearnedInitialState) -> Head(1).</summary>
[RnnModel(input: 1)]
[Lstm(18, LearnedInitialState = true)]
[Lstm(18, LearnedInitialState = true)]
[Lstm(18, LearnedInitialState = true)]
[Head(1)]
public partial class NamLstm;

/// <summary>Fixture proteus_h0: GuitarML Proteus: [audio, knob] -> Lstm(40) -> Head(1, AddInput = 0): y = W h + b + x[0].</summary>
[RnnModel(input: 2)]
[Lstm(40)]
[Head(1, AddInput = 0)]
public partial class Proteus;
