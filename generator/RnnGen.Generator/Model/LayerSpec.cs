namespace RnnGen.Generator.Model;

/// <summary>
/// One layer of a list model as declared: a Dense, Elman, Lstm or Gru layer of <see cref="Units"/> (with its activation and
/// whether its initial state is learned), or a Dropout with probability <see cref="DropoutP"/>.
/// </summary>
internal sealed record LayerSpec(LayerKind Kind, int Units, ActivationKind Activation, bool LearnedInitialState, float DropoutP);
