using RnnGen;

namespace AmpModel;

// Every network in this sample is an attribute list; the RnnGen generator turns each into a fixed-size,
// allocation-free class (Step, Forward, TrainStep, Save/Load, State). Open obj/<config>/net10.0/generated/ to
// read the emitted code.

/// <summary>
/// The amp model, shaped like GuitarML's Proteus: every sample the network reads [dry sample, gain knob], an LSTM
/// of 20 units carries what it needs of the past, and the head outputs Linear(h) + dry sample. <c>AddInput = 0</c> is
/// that skip connection: the network only has to learn the difference between the amp and a straight wire.
/// Window = 1024: truncated BPTT runs over windows of up to 1024 samples (21 ms at 48 kHz).
/// </summary>
[RnnModel(input: 2, Window = 1024)]
[Lstm(20)]
[Head(1, AddInput = 0)]
public partial class AmpNet;

// Neural Amp Modeler's LSTM architecture as list models, for `--nam`: one declaration per shape, since a generated
// model's sizes are compile-time constants. These fit tests/fixtures/nam/ (NamImport.Read(path).Declaration(name)
// prints the declaration for any other file). No skip here: NAM's head is Linear(h) alone.

/// <summary>NAM LSTM, 1 layer × 3 units (NeuralAmpModelerCore's example_models/lstm.nam).</summary>
[RnnModel(input: 1)]
[Lstm(3, LearnedInitialState = true)]
[Head(1)]
public partial class NamLstm1x3;

/// <summary>NAM LSTM, 2 layers × 8 units (tests/fixtures/nam/lstm_2x8.nam).</summary>
[RnnModel(input: 1)]
[Lstm(8, LearnedInitialState = true)]
[Lstm(8, LearnedInitialState = true)]
[Head(1)]
public partial class NamLstm2x8;

/// <summary>NAM LSTM, 3 layers × 5 units (tests/fixtures/nam/lstm_3x5.nam).</summary>
[RnnModel(input: 1)]
[Lstm(5, LearnedInitialState = true)]
[Lstm(5, LearnedInitialState = true)]
[Lstm(5, LearnedInitialState = true)]
[Head(1)]
public partial class NamLstm3x5;
