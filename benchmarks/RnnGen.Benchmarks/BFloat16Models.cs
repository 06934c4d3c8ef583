namespace RnnGen.Benchmarks;

/// <summary>Generated LSTM: hidden 256, input 10, one output (float32 weights, 1.1 MB: beyond L2).</summary>
[RnnModel(hidden: 256, input: 10, Cell = RnnCell.Lstm, Output = 1)]
public partial class LstmH256;

/// <summary>Generated GRU: hidden 256, input 10, one output (float32 weights, 0.8 MB).</summary>
[RnnModel(hidden: 256, input: 10, Cell = RnnCell.Gru, Output = 1)]
public partial class GruH256;

/// <summary>LstmH128 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 128, input: 10, Cell = RnnCell.Lstm, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class LstmH128BFloat16;

/// <summary>GruH128 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 128, input: 10, Cell = RnnCell.Gru, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class GruH128BFloat16;

/// <summary>LstmH256 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 256, input: 10, Cell = RnnCell.Lstm, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class LstmH256BFloat16;

/// <summary>GruH256 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 256, input: 10, Cell = RnnCell.Gru, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class GruH256BFloat16;
