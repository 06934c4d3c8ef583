using RnnGen;

// Models compiled by the normal `dotnet build` of this project: the generator runs inside the
// real build here (not only in a test driver), and every test below exercises its output.
namespace RnnGen.Tests.Models;

/// <summary>The reference size: hidden 64, input 10 (not a multiple of 8), one output.</summary>
[RnnModel(hidden: 64, input: 10, Output = 1)]
public partial class Elman64x10;

[RnnModel(hidden: 64, input: 10, Output = 1, LossOn = RnnLossOn.LastStep)]
public partial class Elman64x10Last;

[RnnModel(hidden: 5, input: 3, Output = 2)]
public partial class Elman5x3x2;

[RnnModel(hidden: 5, input: 3, Output = 2, LossOn = RnnLossOn.LastStep)]
public partial class Elman5x3x2Last;

[RnnModel(hidden: 1, input: 1, Output = 1)]
public partial class Elman1;

[RnnModel(hidden: 7, input: 4, Output = 3)]
public partial class Elman7;

[RnnModel(hidden: 8, input: 8, Output = 1)]
public partial class Elman8;

[RnnModel(hidden: 9, input: 2, Output = 1)]
public partial class Elman9;

[RnnModel(hidden: 33, input: 10, Output = 2, Activation = RnnActivation.Relu)]
public partial class Elman33Relu;

/// <summary>Two tiles of 64 rows (hidden padded to 128).</summary>
[RnnModel(hidden: 100, input: 37, Output = 3)]
public partial class Elman100;

/// <summary>Four tiles, column loops in chunks, two sub-blocks per tile on the Vector128 path.</summary>
[RnnModel(hidden: 256, input: 300, Output = 2, Window = 8)]
public partial class Elman256x300;

[RnnModel(hidden: 12, input: 5, Layers = 3, Output = 2)]
public partial class Elman3Layers;

/// <summary>No head: the outputs are the hidden state.</summary>
[RnnModel(hidden: 20, input: 6)]
public partial class ElmanNoHead;

[RnnModel(hidden: 16, input: 4, Layers = 2, Activation = RnnActivation.Relu, Output = 1, LossOn = RnnLossOn.LastStep)]
public partial class ElmanRelu2Last;

/// <summary>A model with its own constructor: the generator emits none and the user calls InitializeParameters.</summary>
[RnnModel(hidden: 8, input: 2, Output = 1, Window = 4)]
public partial class UserConstructed
{
    public UserConstructed(string name)
    {
        Name = name;
        InitializeParameters(seed: 7);
    }

    public string Name { get; }
}

public static partial class Outer
{
    /// <summary>A model nested in a partial class.</summary>
    [RnnModel(hidden: 4, input: 2, Output = 1)]
    public partial class Nested;
}

/// <summary>Training task: predict sin(t + 1) from sin(t).</summary>
[RnnModel(hidden: 16, input: 1, Output = 1, Window = 16)]
public partial class SineTask;

/// <summary>Sequence-to-one task: the mean of 8 inputs.</summary>
[RnnModel(hidden: 16, input: 1, Output = 1, Window = 8, LossOn = RnnLossOn.LastStep)]
public partial class MeanTask;
