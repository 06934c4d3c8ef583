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

/// <summary>bfloat16 weights in a list model.</summary>
[RnnModel(input: 6, WeightPrecision = RnnPrecision.BFloat16)]
[Dense(32, Activation = RnnActivation.Sigmoid)]
[Lstm(24)]
[Head(2)]
public partial class Bf16Stack;
