using RnnGen;

namespace SineWave;

// The whole model is one attribute each. The RnnGen generator turns them into 32-unit recurrent
// networks (Elman, LSTM, GRU) with a Linear head, MSE loss on every step, and truncated BPTT over
// windows of up to 32 steps. Open obj/<config>/net10.0/generated/ to read the emitted code.

/// <summary>Elman (SimpleRNN, tanh) forecaster.</summary>
[RnnModel(hidden: 32, input: 1, Output = 1, Window = 32)]
public partial class SineElman;

/// <summary>LSTM forecaster.</summary>
[RnnModel(hidden: 32, input: 1, Cell = RnnCell.Lstm, Output = 1, Window = 32)]
public partial class SineLstm;

/// <summary>GRU forecaster.</summary>
[RnnModel(hidden: 32, input: 1, Cell = RnnCell.Gru, Output = 1, Window = 32)]
public partial class SineGru;
