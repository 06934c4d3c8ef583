using RnnGen.Tests.Models;
using RnnGen.Tests.Reference;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// BPTT gradients of every parameter and of the initial state against central finite differences
/// of the float64 reference (ε = 1e-6 in double), for EveryStep and LastStep losses.
/// </summary>
public class GradientCheckTests
{
    [Fact] public void Hidden64Input10EveryStep() => ModelChecks.GradientCheck<Elman64x10>(ModelConfig.Of<Elman64x10>(), 6, 21);
    [Fact] public void Hidden64Input10LastStep() => ModelChecks.GradientCheck<Elman64x10Last>(ModelConfig.Of<Elman64x10Last>(lastStep: true), 6, 22);
    [Fact] public void OddSizesEveryStep() => ModelChecks.GradientCheck<Elman5x3x2>(ModelConfig.Of<Elman5x3x2>(), 9, 23);
    [Fact] public void OddSizesLastStep() => ModelChecks.GradientCheck<Elman5x3x2Last>(ModelConfig.Of<Elman5x3x2Last>(lastStep: true), 9, 24);
    [Fact] public void Hidden1() => ModelChecks.GradientCheck<Elman1>(ModelConfig.Of<Elman1>(), 7, 25);
    [Fact] public void Hidden9() => ModelChecks.GradientCheck<Elman9>(ModelConfig.Of<Elman9>(), 7, 26);
    [Fact] public void Relu33() => ModelChecks.GradientCheck<Elman33Relu>(ModelConfig.Of<Elman33Relu>(relu: true), 5, 27);
    [Fact] public void ThreeLayers() => ModelChecks.GradientCheck<Elman3Layers>(ModelConfig.Of<Elman3Layers>(), 6, 28);
    [Fact] public void TwoLayersReluLastStep() => ModelChecks.GradientCheck<ElmanRelu2Last>(ModelConfig.Of<ElmanRelu2Last>(relu: true, lastStep: true), 6, 29);
    [Fact] public void NoHead() => ModelChecks.GradientCheck<ElmanNoHead>(ModelConfig.Of<ElmanNoHead>(), 5, 30);
    [Fact] public void Hidden100TwoTilesSampled() => ModelChecks.GradientCheck<Elman100>(ModelConfig.Of<Elman100>(), 4, 31, sample: 1500);
    [Fact] public void Hidden256Input300Sampled() => ModelChecks.GradientCheck<Elman256x300>(ModelConfig.Of<Elman256x300>(), 3, 32, sample: 400);
}
