using RnnGen;

namespace Consumer;

/// <summary>A GRU: 3 features per step → 16 hidden units → 2 outputs, trained on windows of up to 8 steps.</summary>
[RnnModel(hidden: 16, input: 3, Cell = RnnCell.Gru, Output = 2, Window = 8)]
public partial class Tracker;

/// <summary>All defaults: an Elman (tanh) cell with a 1-output head, MSE, Window 32.</summary>
[RnnModel(hidden: 8, input: 1, Output = 1)]
public partial class Echo;
