using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace RnnGen.Generator.Model;

/// <summary>
/// What parsing one attributed declaration yields: a spec when the model is valid; otherwise, when the class can hold one,
/// a shell (the model's public surface with throwing bodies, so the RNNG errors are the only errors); and the diagnostics
/// with their real locations.
/// </summary>
internal sealed record ParseResult(ModelSpec? Spec, ImmutableArray<Diagnostic> Diagnostics, ModelShellSpec? Shell = null);
