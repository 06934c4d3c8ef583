using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Emitting;
using RnnGen.Generator.Parsing;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator;

/// <summary>
/// The pipeline only: find classes with [RnnModel], parse them into equatable specs, and emit the
/// files of every valid spec. Diagnostics travel on a separate output with their real locations.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class RnnModelGenerator : IIncrementalGenerator
{
    internal const string AttributeName = "RnnGen.RnnModelAttribute";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.SyntaxProvider.ForAttributeWithMetadataName(AttributeName,
                static (node, _) => node is ClassDeclarationSyntax,
                ModelSpecParser.Parse)
            .WithTrackingName(TrackingNames.Parse);

        var specs = parsed.Select(static (r, _) => r.Spec!)
            .Where(static s => s is not null)
            .WithTrackingName(TrackingNames.Spec);

        context.RegisterSourceOutput(specs, static (spc, spec) =>
        {
            foreach (var file in ModelEmitter.Emit(ModelPlanner.Create(spec)))
                spc.AddSource(file.HintName, file.Text);
        });

        var diagnostics = parsed.Select(static (r, _) => r.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (spc, ds) =>
        {
            foreach (var d in ds) spc.ReportDiagnostic(d);
        });
    }
}
