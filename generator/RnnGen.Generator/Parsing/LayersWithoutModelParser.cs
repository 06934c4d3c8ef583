using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing;

/// <summary>
/// Finds the classes that have layer attributes but no [RnnModel] (RNNG031): without it the layers build nothing, and
/// nothing else would say so. The generator runs this once per layer attribute's metadata name and per declaration that
/// carries one; only the run that holds the class's first layer attribute reports, so a class gets one diagnostic.
/// </summary>
internal static class LayersWithoutModelParser
{
    public static LayersWithoutModel? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type) return null;

        // The attributes of every partial declaration: [RnnModel] on another part makes the class a model, whose parser
        // reads (and checks) the layers.
        var attributes = type.GetAttributes();
        if (attributes.Any(ModelSpecParser.IsRnnModel)) return null;

        var first = attributes.FirstOrDefault(static a => LayerListParser.LayerName(a) is not null);
        if (first?.ApplicationSyntaxReference is not { } reference) return null;
        if (!context.Attributes.Any(a => a.ApplicationSyntaxReference is { } r && r.SyntaxTree == reference.SyntaxTree && r.Span == reference.Span))
            return null;   // another run (another attribute name or another declaration) holds the first one and reports

        return new LayersWithoutModel(type.Name, reference.GetSyntax(cancellationToken).GetLocation());
    }
}
