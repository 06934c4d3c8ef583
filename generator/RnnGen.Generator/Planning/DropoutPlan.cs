using RnnGen.Generator.Model;

namespace RnnGen.Generator.Planning;

/// <summary>Dropout with probability <see cref="P"/> on the output of tiled layer <see cref="After"/> (its sections are on that layer's plan).</summary>
internal sealed record DropoutPlan(int Index, float P, int After) : LayerPlan(Index, LayerKind.Dropout);
