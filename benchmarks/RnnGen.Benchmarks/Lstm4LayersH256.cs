namespace RnnGen.Benchmarks;

/// <summary>A large state for <see cref="StateCheckBenchmarks"/>: 4 LSTM layers of 256 units (h and c: 2048 floats). Not in the matrix.</summary>
[RnnModel(hidden: 256, input: 10, Cell = RnnCell.Lstm, Layers = 4, Output = 1, Window = 4)]
public partial class Lstm4LayersH256;
