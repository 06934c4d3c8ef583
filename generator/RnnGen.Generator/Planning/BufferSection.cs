namespace RnnGen.Generator.Planning;

/// <summary>One section of a model's aligned buffer: its name (emitted as <c>__{Name}Offset</c>), where it starts and how many floats it holds.</summary>
internal sealed record BufferSection(string Name, int Offset, int Length, string Description);
