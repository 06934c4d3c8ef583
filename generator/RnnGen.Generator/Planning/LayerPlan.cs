using RnnGen.Generator.Model;

namespace RnnGen.Generator.Planning;

/// <summary>One entry of a model's ordered layer list: its position in the list and its kind.</summary>
internal abstract record LayerPlan(int Index, LayerKind Kind);
