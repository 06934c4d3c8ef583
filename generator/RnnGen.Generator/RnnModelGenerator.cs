using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Emitting;
using RnnGen.Generator.Parsing;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator;

/// <summary>
/// The pipeline only: find classes with [RnnModel], parse them into equatable specs, and emit one
/// file per valid spec (and a shell per invalid one whose class can hold it). Diagnostics travel on a
/// separate output with their real locations.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class RnnModelGenerator : IIncrementalGenerator
{
    internal const string AttributeName = "RnnGen.RnnModelAttribute";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.SyntaxProvider.ForAttributeWithMetadataName(AttributeName,
                // Records and structs too, to say that a model must be a class (RNNG021) instead of ignoring them.
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax or StructDeclarationSyntax,
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

        // An invalid model whose class can hold it gets a shell: the public surface with throwing bodies, so the RNNG
        // error is the only error (no CS1739 'seed', CS0117 'HiddenSize' in the code that uses the model).
        var shells = parsed.Select(static (r, _) => r.Shell!)
            .Where(static s => s is not null)
            .WithTrackingName(TrackingNames.Shell);
        context.RegisterSourceOutput(shells, static (spc, shell) => spc.AddSource(shell.HintName, ModelShellEmitter.Emit(shell)));

        var diagnostics = parsed.Select(static (r, _) => r.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (spc, ds) =>
        {
            foreach (var d in ds) spc.ReportDiagnostic(d);
        });
    }
}
