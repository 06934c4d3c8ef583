using Microsoft.CodeAnalysis;

namespace RnnGen.Generator.Model;

/// <summary>
/// A class with layer attributes ([Lstm], [Head], …) but no [RnnModel] (RNNG031): its name, and the location of its first
/// layer attribute, where the diagnostic points. Compares by value (a source location by its tree and span), so an edit
/// elsewhere leaves it cached.
/// </summary>
internal sealed record LayersWithoutModel(string ClassName, Location Location);
