using RnnGen;

namespace RnnGen.Tests.Models;

[RnnModel(hidden: 64, input: 10, Cell = RnnCell.Lstm, Output = 1)]
public partial class Lstm64x10;

[RnnModel(hidden: 64, input: 10, Cell = RnnCell.Gru, Output = 1)]
public partial class Gru64x10;

[RnnModel(hidden: 5, input: 3, Cell = RnnCell.Lstm, Output = 2)]
public partial class Lstm5x3x2;

[RnnModel(hidden: 5, input: 3, Cell = RnnCell.Lstm, Output = 2, LossOn = RnnLossOn.LastStep)]
public partial class Lstm5x3x2Last;

[RnnModel(hidden: 5, input: 3, Cell = RnnCell.Gru, Output = 2)]
public partial class Gru5x3x2;

[RnnModel(hidden: 5, input: 3, Cell = RnnCell.Gru, Output = 2, LossOn = RnnLossOn.LastStep)]
public partial class Gru5x3x2Last;

[RnnModel(hidden: 5, input: 3, Cell = RnnCell.Lstm, Layers = 2, Output = 2)]
public partial class Lstm2Layer5x3x2;

[RnnModel(hidden: 5, input: 3, Cell = RnnCell.Gru, Layers = 2, Output = 2)]
public partial class Gru2Layer5x3x2;

[RnnModel(hidden: 5, input: 3, Layers = 2, Activation = RnnActivation.Relu, Output = 2)]
public partial class ElmanRelu2Layer5x3x2;

/// <summary>Several tiles and sub-blocks: hidden 40 → 3 tiles of 16 units.</summary>
[RnnModel(hidden: 40, input: 7, Cell = RnnCell.Lstm, Output = 3, Layers = 2)]
public partial class Lstm40x7;

[RnnModel(hidden: 40, input: 7, Cell = RnnCell.Gru, Output = 3, Layers = 2)]
public partial class Gru40x7;

/// <summary>Chunked column loops (hidden 128 → 8 tiles).</summary>
[RnnModel(hidden: 128, input: 10, Cell = RnnCell.Lstm, Output = 1, Window = 8)]
public partial class Lstm128x10;

[RnnModel(hidden: 128, input: 10, Cell = RnnCell.Gru, Output = 1, Window = 8)]
public partial class Gru128x10;

/// <summary>No head: outputs are h.</summary>
[RnnModel(hidden: 9, input: 4, Cell = RnnCell.Lstm)]
public partial class LstmNoHead;

[RnnModel(hidden: 9, input: 4, Cell = RnnCell.Gru)]
public partial class GruNoHead;
