using RnnGen;

// Extra models for the serialization tests (tests/RnnGen.Tests/Serialization/): the same tensor shapes as a
// fixture model but another activation or size, so that only the metadata tells them apart, and a deeper stack.
namespace RnnGen.Tests.Models.Serialization;

/// <summary>Same shapes as <c>Elman_3_5_2</c> (tanh): only the metadata's activation differs.</summary>
[RnnModel(hidden: 5, input: 3, Output = 2, Activation = RnnActivation.Relu)]
public partial class ElmanRelu_3_5_2;

/// <summary>One more input than <c>Lstm_3_5_2</c>.</summary>
[RnnModel(hidden: 5, input: 4, Output = 2, Cell = RnnCell.Lstm)]
public partial class Lstm_4_5_2;

/// <summary>Three stacked GRU layers with input ≠ hidden ≠ output, for the Keras layer order.</summary>
[RnnModel(hidden: 6, input: 4, Output = 3, Cell = RnnCell.Gru, Layers = 3)]
public partial class Gru3Layer_4_6_3;

/// <summary>Three stacked LSTM layers, hidden over one tile (16), for the Keras layer order.</summary>
[RnnModel(hidden: 17, input: 2, Output = 1, Cell = RnnCell.Lstm, Layers = 3)]
public partial class Lstm3Layer_2_17_1;
