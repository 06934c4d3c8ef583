namespace RnnGen.Generator.Model;

/// <summary>Mirror of <c>RnnGen.RnnCell</c> (the generator never references the runtime).</summary>
internal enum CellKind
{
    Elman = 0,
    Lstm = 1,
    Gru = 2,
}
