using RnnGen.Tests.Models;
using RnnGen.Tests.Reference;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>LSTM and GRU (and stacks): forward parity with the float64 reference and finite-difference gradients, every parameter and the initial state (h and c).</summary>
public class GatedCellTests
{
    private const RnnCell L = RnnCell.Lstm, G = RnnCell.Gru;

    [Fact] public void LstmForward64() => ModelChecks.ForwardParity<Lstm64x10>(ModelConfig.Of<Lstm64x10>(L), 9, 41);
    [Fact] public void GruForward64() => ModelChecks.ForwardParity<Gru64x10>(ModelConfig.Of<Gru64x10>(G), 9, 42);
    [Fact] public void LstmForwardOdd() => ModelChecks.ForwardParity<Lstm5x3x2>(ModelConfig.Of<Lstm5x3x2>(L), 9, 43);
    [Fact] public void GruForwardOdd() => ModelChecks.ForwardParity<Gru5x3x2>(ModelConfig.Of<Gru5x3x2>(G), 9, 44);
    [Fact] public void LstmForwardStack40() => ModelChecks.ForwardParity<Lstm40x7>(ModelConfig.Of<Lstm40x7>(L), 9, 45);
    [Fact] public void GruForwardStack40() => ModelChecks.ForwardParity<Gru40x7>(ModelConfig.Of<Gru40x7>(G), 9, 46);
    [Fact] public void LstmForward128() => ModelChecks.ForwardParity<Lstm128x10>(ModelConfig.Of<Lstm128x10>(L), 6, 47);
    [Fact] public void GruForward128() => ModelChecks.ForwardParity<Gru128x10>(ModelConfig.Of<Gru128x10>(G), 6, 48);
    [Fact] public void LstmForwardNoHead() => ModelChecks.ForwardParity<LstmNoHead>(ModelConfig.Of<LstmNoHead>(L), 6, 49);
    [Fact] public void GruForwardNoHead() => ModelChecks.ForwardParity<GruNoHead>(ModelConfig.Of<GruNoHead>(G), 6, 50);

    [Fact] public void LstmGradients64() => ModelChecks.GradientCheck<Lstm64x10>(ModelConfig.Of<Lstm64x10>(L), 5, 51);
    [Fact] public void GruGradients64() => ModelChecks.GradientCheck<Gru64x10>(ModelConfig.Of<Gru64x10>(G), 5, 52);
    [Fact] public void LstmGradientsOdd() => ModelChecks.GradientCheck<Lstm5x3x2>(ModelConfig.Of<Lstm5x3x2>(L), 9, 53);
    [Fact] public void GruGradientsOdd() => ModelChecks.GradientCheck<Gru5x3x2>(ModelConfig.Of<Gru5x3x2>(G), 9, 54);
    [Fact] public void LstmGradientsLastStep() => ModelChecks.GradientCheck<Lstm5x3x2Last>(ModelConfig.Of<Lstm5x3x2Last>(L, lastStep: true), 9, 55);
    [Fact] public void GruGradientsLastStep() => ModelChecks.GradientCheck<Gru5x3x2Last>(ModelConfig.Of<Gru5x3x2Last>(G, lastStep: true), 9, 56);
    [Fact] public void LstmGradientsTwoLayers() => ModelChecks.GradientCheck<Lstm2Layer5x3x2>(ModelConfig.Of<Lstm2Layer5x3x2>(L), 8, 57);
    [Fact] public void GruGradientsTwoLayers() => ModelChecks.GradientCheck<Gru2Layer5x3x2>(ModelConfig.Of<Gru2Layer5x3x2>(G), 8, 58);
    [Fact] public void LstmGradientsStack40() => ModelChecks.GradientCheck<Lstm40x7>(ModelConfig.Of<Lstm40x7>(L), 5, 59, sample: 1500);
    [Fact] public void GruGradientsStack40() => ModelChecks.GradientCheck<Gru40x7>(ModelConfig.Of<Gru40x7>(G), 5, 60, sample: 1500);
    [Fact] public void LstmGradients128Sampled() => ModelChecks.GradientCheck<Lstm128x10>(ModelConfig.Of<Lstm128x10>(L), 4, 61, sample: 600);
    [Fact] public void GruGradients128Sampled() => ModelChecks.GradientCheck<Gru128x10>(ModelConfig.Of<Gru128x10>(G), 4, 62, sample: 600);
    [Fact] public void LstmGradientsNoHead() => ModelChecks.GradientCheck<LstmNoHead>(ModelConfig.Of<LstmNoHead>(L), 5, 63);
    [Fact] public void GruGradientsNoHead() => ModelChecks.GradientCheck<GruNoHead>(ModelConfig.Of<GruNoHead>(G), 5, 64);
}
