using RnnGen;

// List models (layers declared one by one), compiled by the normal build: the four architectures of issue 16
// and small mixed stacks for the numeric tests.
namespace RnnGen.Tests.Models.Lists;

/// <summary>Unity ML-Agents' recurrent policy (the Hallway example): encoder → LSTM → policy and value heads.</summary>
[RnnModel(input: 30, Window = 64)]
[Dense(128, Activation = RnnActivation.Swish)]
[Dense(128, Activation = RnnActivation.Swish)]
[Lstm(64)]
[Head(4, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
[Head(1, Loss = RnnLoss.Mse, LossWeight = 0.5f)]
public partial class HallwayPolicy;

/// <summary>Neural Amp Modeler's LSTM: three layers of 18 with learned initial states, a Linear head.</summary>
[RnnModel(input: 1)]
[Lstm(18, LearnedInitialState = true)]
[Lstm(18, LearnedInitialState = true)]
[Lstm(18, LearnedInitialState = true)]
[Head(1)]
public partial class NamLstm;

/// <summary>GuitarML Proteus: [audio, knob] → LSTM(40) → Linear, plus the audio input (a skip connection).</summary>
[RnnModel(input: 2)]
[Lstm(40)]
[Head(1, AddInput = 0)]
public partial class Proteus;

/// <summary>A mixed stack with no head: the outputs are the last Dense layer's.</summary>
[RnnModel(input: 4)]
[Gru(16)]
[Lstm(8)]
[Dense(3, Activation = RnnActivation.Tanh)]
[Dense(2)]
public partial class MixedStack;

/// <summary>Dropout between layers, a learned GRU state, two heads.</summary>
[RnnModel(input: 3, Window = 12)]
[Dense(10, Activation = RnnActivation.Relu)]
[Dropout(0.25f)]
[Gru(7, LearnedInitialState = true)]
[Dropout(0.1f)]
[Head(2, OutputActivation = RnnOutputActivation.Sigmoid, Loss = RnnLoss.BinaryCrossEntropy)]
[Head(3, LossWeight = 2f)]
public partial class DropoutStack;

/// <summary>Token inputs through an embedding, a Dense layer, then an Elman layer.</summary>
[RnnModel(input: 4, Vocabulary = 11)]
[Dense(6, Activation = RnnActivation.Tanh)]
[Elman(5, Activation = RnnActivation.Relu)]
[Head(11, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
public partial class TokenStack;

/// <summary>bfloat16 weights in a list model, streamed by the 16-bit kernels (its weights, under 64 KiB, would otherwise run the float32 ones).</summary>
[RnnModel(input: 6, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]
[Dense(32, Activation = RnnActivation.Sigmoid)]
[Lstm(24)]
[Head(2)]
public partial class Bf16Stack;

/// <summary>Bf16Stack without ForceBFloat16Kernels: the float32 kernels over its bfloat16-rounded weights.</summary>
[RnnModel(input: 6, WeightPrecision = RnnPrecision.BFloat16)]
[Dense(32, Activation = RnnActivation.Sigmoid)]
[Lstm(24)]
[Head(2)]
public partial class Bf16StackFallback;

// ── small list models for the behaviour tests (tests/RnnGen.Tests/Generated/ListModel*Tests.cs)

/// <summary>Every Dense activation: Identity, Tanh, Sigmoid and Swish before an Elman layer, Relu after it.</summary>
[RnnModel(input: 3, Window = 8)]
[Dense(5)]
[Dense(6, Activation = RnnActivation.Tanh)]
[Dense(5, Activation = RnnActivation.Sigmoid)]
[Dense(4, Activation = RnnActivation.Swish)]
[Elman(5)]
[Dense(4, Activation = RnnActivation.Relu)]
[Head(2)]
public partial class DenseActivations;

/// <summary>
/// Dense → GRU → Elman → Dense(Relu) → three heads with different loss weights: sigmoid + BCE, linear MSE with an input
/// skip, sigmoid + MSE with another skip; both recurrent layers learn their initial state.
/// </summary>
[RnnModel(input: 5, Window = 10)]
[Dense(6, Activation = RnnActivation.Swish)]
[Gru(5, LearnedInitialState = true)]
[Elman(4, LearnedInitialState = true)]
[Dense(6, Activation = RnnActivation.Relu)]
[Head(3, OutputActivation = RnnOutputActivation.Sigmoid, Loss = RnnLoss.BinaryCrossEntropy, LossWeight = 0.7f)]
[Head(2, LossWeight = 1.5f, AddInput = 1)]
[Head(2, OutputActivation = RnnOutputActivation.Sigmoid, LossWeight = 0.3f, AddInput = 3)]
public partial class GruElmanHeads;

/// <summary>Two LSTM layers with learned h₀ and c₀, the loss on the last step, a cross-entropy head beside a weighted MSE head.</summary>
[RnnModel(input: 2, Window = 8, LossOn = RnnLossOn.LastStep)]
[Lstm(5, LearnedInitialState = true)]
[Lstm(3, LearnedInitialState = true)]
[Dense(4, Activation = RnnActivation.Tanh)]
[Head(3, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
[Head(1, LossWeight = 0.25f)]
public partial class LearnedLstmLast;

/// <summary>HallwayPolicy in small: a Swish encoder, an LSTM, a policy (softmax, cross-entropy) and a value (MSE × 0.5) head.</summary>
[RnnModel(input: 6, Window = 16)]
[Dense(16, Activation = RnnActivation.Swish)]
[Dense(16, Activation = RnnActivation.Swish)]
[Lstm(12)]
[Head(4, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
[Head(1, Loss = RnnLoss.Mse, LossWeight = 0.5f)]
public partial class MiniPolicy;

/// <summary>DropoutStack without its Dropout layers: the same tensors in the same order, so inference must agree bit for bit.</summary>
[RnnModel(input: 3, Window = 12)]
[Dense(10, Activation = RnnActivation.Relu)]
[Gru(7, LearnedInitialState = true)]
[Head(2, OutputActivation = RnnOutputActivation.Sigmoid, Loss = RnnLoss.BinaryCrossEntropy)]
[Head(3, LossWeight = 2f)]
public partial class DropoutStackWithoutDropout;

/// <summary>Bf16Stack's float32 twin.</summary>
[RnnModel(input: 6)]
[Dense(32, Activation = RnnActivation.Sigmoid)]
[Lstm(24)]
[Head(2)]
public partial class Bf16StackFloat32;

/// <summary>A Dense(Tanh) encoder and a GRU: the twin of <see cref="ReluEncoderGru"/> with the same tensors and another function.</summary>
[RnnModel(input: 3)]
[Dense(5, Activation = RnnActivation.Tanh)]
[Gru(4)]
[Head(2)]
public partial class TanhEncoderGru;

/// <summary><see cref="TanhEncoderGru"/> with a Relu encoder and a skip on its head: same tensor names and shapes.</summary>
[RnnModel(input: 3)]
[Dense(5, Activation = RnnActivation.Relu)]
[Gru(4)]
[Head(2, AddInput = 1)]
public partial class ReluEncoderGru;

/// <summary><see cref="TanhEncoderGru"/> with another loss weight on its head: a training setting, the same function for inference.</summary>
[RnnModel(input: 3)]
[Dense(5, Activation = RnnActivation.Tanh)]
[Gru(4)]
[Head(2, LossWeight = 3f)]
public partial class TanhEncoderGruWeighted;
