namespace RnnGen.Benchmarks;

// The bfloat16 twins of the matrix models (WeightPrecision = RnnPrecision.BFloat16): Step streams a 16-bit copy of
// W_ih/W_hh and widens it in registers. Benchmarked by the {Cell}Bf16Matrix classes (Step and the bound only).

/// <summary>ElmanH16 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 16, input: 10, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class ElmanH16BFloat16;

/// <summary>ElmanH32 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 32, input: 10, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class ElmanH32BFloat16;

/// <summary>ElmanH64 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 64, input: 10, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class ElmanH64BFloat16;

/// <summary>ElmanH128 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 128, input: 10, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class ElmanH128BFloat16;

/// <summary>ElmanH256 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 256, input: 10, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class ElmanH256BFloat16;

/// <summary>LstmH16 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 16, input: 10, Cell = RnnCell.Lstm, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class LstmH16BFloat16;

/// <summary>LstmH32 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 32, input: 10, Cell = RnnCell.Lstm, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class LstmH32BFloat16;

/// <summary>LstmH64 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 64, input: 10, Cell = RnnCell.Lstm, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class LstmH64BFloat16;

/// <summary>LstmH128 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 128, input: 10, Cell = RnnCell.Lstm, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class LstmH128BFloat16;

/// <summary>LstmH256 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 256, input: 10, Cell = RnnCell.Lstm, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class LstmH256BFloat16;

/// <summary>GruH16 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 16, input: 10, Cell = RnnCell.Gru, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class GruH16BFloat16;

/// <summary>GruH32 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 32, input: 10, Cell = RnnCell.Gru, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class GruH32BFloat16;

/// <summary>GruH64 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 64, input: 10, Cell = RnnCell.Gru, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class GruH64BFloat16;

/// <summary>GruH128 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 128, input: 10, Cell = RnnCell.Gru, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class GruH128BFloat16;

/// <summary>GruH256 whose Step streams a bfloat16 copy of its recurrent weights.</summary>
[RnnModel(hidden: 256, input: 10, Cell = RnnCell.Gru, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]
public partial class GruH256BFloat16;
