namespace RnnGen.Generator.Model;

/// <summary>One output head as declared: its width, output activation, loss, loss weight and the input features it adds (−1: none).</summary>
internal sealed record HeadSpec(int Outputs, OutputActivationKind Activation, LossKind Loss, float LossWeight, int AddInput);
