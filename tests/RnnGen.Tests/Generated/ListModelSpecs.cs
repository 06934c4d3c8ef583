using RnnGen.Tests.Reference;
using static RnnGen.Tests.Reference.ListLayer;

namespace RnnGen.Tests.Generated;

/// <summary>The declarations of tests/RnnGen.Tests/Models/ListModels.cs, written out for <see cref="ListReference"/>.</summary>
internal static class ListSpecs
{
    public static readonly ListSpec HallwayPolicy = new(30, [Dense(128, "swish"), Dense(128, "swish"), Lstm(64)],
        [new(4, "softmax", "ce"), new(1, Weight: 0.5f)]);

    public static readonly ListSpec NamLstm = new(1, [Lstm(18, learned: true), Lstm(18, learned: true), Lstm(18, learned: true)], [new(1)]);

    public static readonly ListSpec Proteus = new(2, [Lstm(40)], [new(1, AddInput: 0)]);

    public static readonly ListSpec MixedStack = new(4, [Gru(16), Lstm(8), Dense(3, "tanh"), Dense(2)], []);

    public static readonly ListSpec DropoutStack = new(3, [Dense(10, "relu"), Dropout(0.25f), Gru(7, learned: true), Dropout(0.1f)],
        [new(2, "sigmoid", "bce"), new(3, Weight: 2f)]);

    public static readonly ListSpec DropoutStackWithoutDropout = new(3, [Dense(10, "relu"), Gru(7, learned: true)],
        [new(2, "sigmoid", "bce"), new(3, Weight: 2f)]);

    public static readonly ListSpec TokenStack = new(4, [Dense(6, "tanh"), Elman(5, "relu")], [new(11, "softmax", "ce")], Vocabulary: 11);

    public static readonly ListSpec Bf16Stack = new(6, [Dense(32, "sigmoid"), Lstm(24)], [new(2)]);

    public static readonly ListSpec DenseActivations = new(3,
        [Dense(5), Dense(6, "tanh"), Dense(5, "sigmoid"), Dense(4, "swish"), Elman(5), Dense(4, "relu")], [new(2)]);

    public static readonly ListSpec GruElmanHeads = new(5, [Dense(6, "swish"), Gru(5, learned: true), Elman(4, learned: true), Dense(6, "relu")],
        [new(3, "sigmoid", "bce", 0.7f), new(2, Weight: 1.5f, AddInput: 1), new(2, "sigmoid", "mse", 0.3f, 3)]);

    public static readonly ListSpec LearnedLstmLast = new(2, [Lstm(5, learned: true), Lstm(3, learned: true), Dense(4, "tanh")],
        [new(3, "softmax", "ce"), new(1, Weight: 0.25f)], LastStep: true);

    public static readonly ListSpec MiniPolicy = new(6, [Dense(16, "swish"), Dense(16, "swish"), Lstm(12)],
        [new(4, "softmax", "ce"), new(1, Weight: 0.5f)]);
}
