using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace RnnGen.Generator.Model;

/// <summary>What parsing one attributed class yields: a spec when the model is valid, and diagnostics with their real locations.</summary>
internal sealed record ParseResult(ModelSpec? Spec, ImmutableArray<Diagnostic> Diagnostics);
