using RnnGen.Tests.Models;
using RnnGen.Tests.Reference;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>Generated Forward (and the state it leaves) against the scalar float64 reference, many sizes.</summary>
public class ForwardParityTests
{
    [Fact] public void Hidden1() => ModelChecks.ForwardParity<Elman1>(ModelConfig.Of<Elman1>(), 9, 1);
    [Fact] public void Hidden5() => ModelChecks.ForwardParity<Elman5x3x2>(ModelConfig.Of<Elman5x3x2>(), 9, 2);
    [Fact] public void Hidden7() => ModelChecks.ForwardParity<Elman7>(ModelConfig.Of<Elman7>(), 9, 3);
    [Fact] public void Hidden8() => ModelChecks.ForwardParity<Elman8>(ModelConfig.Of<Elman8>(), 9, 4);
    [Fact] public void Hidden9() => ModelChecks.ForwardParity<Elman9>(ModelConfig.Of<Elman9>(), 9, 5);
    [Fact] public void Hidden33Relu() => ModelChecks.ForwardParity<Elman33Relu>(ModelConfig.Of<Elman33Relu>(relu: true), 9, 6);
    [Fact] public void Hidden64Input10() => ModelChecks.ForwardParity<Elman64x10>(ModelConfig.Of<Elman64x10>(), 12, 7);
    [Fact] public void Hidden100TwoTiles() => ModelChecks.ForwardParity<Elman100>(ModelConfig.Of<Elman100>(), 7, 8);
    [Fact] public void Hidden256Input300() => ModelChecks.ForwardParity<Elman256x300>(ModelConfig.Of<Elman256x300>(), 5, 9);
    [Fact] public void ThreeLayers() => ModelChecks.ForwardParity<Elman3Layers>(ModelConfig.Of<Elman3Layers>(), 8, 10);
    [Fact] public void NoHead() => ModelChecks.ForwardParity<ElmanNoHead>(ModelConfig.Of<ElmanNoHead>(), 8, 11);
    [Fact] public void TwoLayersRelu() => ModelChecks.ForwardParity<ElmanRelu2Last>(ModelConfig.Of<ElmanRelu2Last>(relu: true), 8, 12);
    [Fact] public void NestedModel() => ModelChecks.ForwardParity<Outer.Nested>(ModelConfig.Of<Outer.Nested>(), 8, 13);
}
