using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Diagnostics;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing;

/// <summary>
/// The layer attributes of a list model ([Dense], [Elman], [Lstm], [Gru], [Dropout], [Head]) in source order, checked and
/// turned into <see cref="LayerSpec"/>s and <see cref="HeadSpec"/>s. Part of the parser: it reads symbols and reports
/// diagnostics at the attribute that is wrong.
/// </summary>
internal static class LayerListParser
{
    public const int MaxLayers = 32;
    public const int MaxUnits = 4096;

    private static readonly string[] LayerAttributes = { "Dense", "Elman", "Lstm", "Gru", "Dropout", "Head" };

    /// <summary>The layer attributes' metadata names ("RnnGen.LstmAttribute"), for the generator's RNNG031 pipelines.</summary>
    public static readonly ImmutableArray<string> MetadataNames = LayerAttributes.Select(static n => "RnnGen." + n + "Attribute").ToImmutableArray();

    /// <summary>The short name of a layer attribute ("Lstm"), or null for any other attribute.</summary>
    public static string? LayerName(AttributeData attribute)
    {
        var c = attribute.AttributeClass;
        if (c is null || c.ContainingNamespace?.ToDisplayString() != "RnnGen" || !c.Name.EndsWith("Attribute", System.StringComparison.Ordinal)) return null;
        string name = c.Name.Substring(0, c.Name.Length - "Attribute".Length);
        return LayerAttributes.Contains(name) ? name : null;
    }

    /// <summary>The class's layer attributes in source order (those of the first declaration that has any, then the others').</summary>
    public static List<AttributeData> Find(INamedTypeSymbol type) =>
        type.GetAttributes().Where(static a => LayerName(a) is not null).ToList();

    /// <param name="modelDeclaration">The declaration that holds [RnnModel]: where RNNG030 asks the layers to be.</param>
    public static (EquatableArray<LayerSpec> Layers, EquatableArray<HeadSpec> Heads) Parse(INamedTypeSymbol type, List<AttributeData> attributes,
        int input, int vocabulary, ImmutableArray<Diagnostic>.Builder diagnostics, Location fallback, SyntaxNode? modelDeclaration,
        CancellationToken cancellationToken)
    {
        var layers = ImmutableArray.CreateBuilder<LayerSpec>();
        var heads = ImmutableArray.CreateBuilder<HeadSpec>();
        var declarations = attributes.Select(a => DeclarationOf(a, cancellationToken)).ToList();
        if (declarations.Where(static n => n is not null).Distinct().Count() > 1)
        {
            // Point at the first layer attribute that is not where the layers belong: on the [RnnModel] declaration when it
            // has any, else on the declaration of the first one. The attributes already there are not the mistake.
            var home = declarations.Contains(modelDeclaration) ? modelDeclaration : declarations[0];
            int stray = declarations.FindIndex(d => d is not null && d != home);
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayersOnSeveralDeclarations, Locate(attributes[stray], fallback, cancellationToken), type.Name));
        }

        bool afterHead = false, afterLayer = false, lastWasDropout = false;
        int tiled = 0;
        foreach (var attribute in attributes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            var location = syntax?.GetLocation() ?? fallback;
            Location Arg(string name, int position) => ModelSpecParser.ArgumentLocation(syntax, name, position) ?? location;
            if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Kind == TypedConstantKind.Error) continue;   // the caller returns before (the compiler reports it)
            string name = LayerName(attribute)!;
            var named = new Dictionary<string, TypedConstant>();
            foreach (var n in attribute.NamedArguments) named[n.Key] = n.Value;
            int Int(string key, int value) => named.TryGetValue(key, out var c) && c.Value is int i ? i : value;
            bool Bool(string key) => named.TryGetValue(key, out var c) && c.Value is true;

            if (name == "Head")
            {
                afterHead = true;
                lastWasDropout = false;   // a [Dropout] after this head is reported as after a head, not as following the one above it
                if (!afterLayer)
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayerOrder, location,
                        "[Head] comes before any layer", "a head reads the output of the last layer: declare the layers ([Dense], [Lstm], …) before the heads"));
                int outputs = (int)attribute.ConstructorArguments[0].Value!;
                Range("[Head] outputs", outputs, 1, ModelSpecParser.MaxOutput, Arg("outputs", 0));
                int activation = Int("OutputActivation", 0), loss = Int("Loss", 0), addInput = Int("AddInput", -1);
                float weight = named.TryGetValue("LossWeight", out var w) && w.Value is float f ? f : 1f;
                bool enums = ModelSpecParser.CheckEnum(diagnostics, "OutputActivation", "RnnOutputActivation", activation, new[] { "Linear", "Softmax", "Sigmoid" }, Arg("OutputActivation", -1))
                             & ModelSpecParser.CheckEnum(diagnostics, "Loss", "RnnLoss", loss, new[] { "Mse", "CrossEntropy", "BinaryCrossEntropy" }, Arg("Loss", -1));
                if (enums) ModelSpecParser.CheckHeadLoss(diagnostics, (OutputActivationKind)activation, (LossKind)loss, true, Arg("Loss", -1), Arg("OutputActivation", -1), listHead: true);
                if (!(weight > 0f) || float.IsInfinity(weight))
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayerValueOutOfRange, Arg("LossWeight", -1),
                        "LossWeight", weight.ToString("R", CultureInfo.InvariantCulture), "just above 0", "3.4E+38"));
                if (addInput >= 0 && vocabulary > 0)
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayerSettingNotAllowed, Arg("AddInput", -1),
                        "AddInput", "a model with Vocabulary (token inputs)", "its inputs are token ids, not features a head can add"));
                else if (addInput < -1)
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayerValueOutOfRange, Arg("AddInput", -1),
                        "AddInput", addInput.ToString(CultureInfo.InvariantCulture), "-1 (none)",
                        System.Math.Max(-1, input - outputs).ToString(CultureInfo.InvariantCulture)));
                else if (addInput >= 0 && (long)addInput + outputs > input)   // long: AddInput = int.MaxValue must not wrap around
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.AddInputOutOfRange, Arg("AddInput", -1),
                        addInput.ToString(CultureInfo.InvariantCulture), ((long)addInput + outputs - 1).ToString(CultureInfo.InvariantCulture),
                        outputs.ToString(CultureInfo.InvariantCulture), input.ToString(CultureInfo.InvariantCulture),
                        outputs <= input
                            ? $"use a value from 0 to {(input - outputs).ToString(CultureInfo.InvariantCulture)}"
                            : "the head is wider than the input, so no slice of the input fits it: remove AddInput"));
                heads.Add(new HeadSpec(outputs, (OutputActivationKind)activation, (LossKind)loss, weight, addInput));
                continue;
            }

            if (afterHead)
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayerOrder, location,
                    $"[{name}] comes after a [Head]", "heads read the last layer, so every layer comes before them: move it above the heads"));

            if (name == "Dropout")
            {
                float p = attribute.ConstructorArguments[0].Value is float pf ? pf : 0f;
                if (lastWasDropout)
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayerOrder, location, "[Dropout] follows another [Dropout]",
                        "two dropouts in a row act as one with p = 1 - (1 - p1)(1 - p2): keep one [Dropout] with that p, or put a layer between them"));
                else if (!afterLayer)
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayerOrder, location, "[Dropout] comes before any layer",
                        "a dropout drops the outputs of the layer just before it: put it after a [Dense], [Lstm], [Gru] or [Elman]"));
                if (!(p >= 0f && p < 1f))
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayerValueOutOfRange, Arg("p", 0),
                        "[Dropout] p", p.ToString("R", CultureInfo.InvariantCulture), "0", "just below 1 (1 would drop everything)"));
                layers.Add(new LayerSpec(LayerKind.Dropout, 0, ActivationKind.Identity, false, p));
                lastWasDropout = true;
                continue;
            }

            afterLayer = true;
            lastWasDropout = false;
            tiled++;
            int units = (int)attribute.ConstructorArguments[0].Value!;
            Range($"[{name}] units", units, 1, MaxUnits, Arg("units", 0));
            bool learned = Bool("LearnedInitialState");
            var kind = name switch { "Dense" => LayerKind.Dense, "Elman" => LayerKind.Elman, "Lstm" => LayerKind.Lstm, _ => LayerKind.Gru };
            var act = kind == LayerKind.Dense ? ActivationKind.Identity : ActivationKind.Tanh;
            if (named.ContainsKey("Activation"))
            {
                int a = Int("Activation", 0);
                if (ModelSpecParser.CheckEnum(diagnostics, "Activation", "RnnActivation", a, new[] { "Tanh", "Relu", "Identity", "Sigmoid", "Swish" }, Arg("Activation", -1)))
                {
                    act = (ActivationKind)a;
                    if (kind == LayerKind.Elman && act is not (ActivationKind.Tanh or ActivationKind.Relu))
                        diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayerSettingNotAllowed, Arg("Activation", -1),
                            $"Activation = RnnActivation.{act}", "[Elman]", "an Elman layer is PyTorch's nn.RNN, whose nonlinearity is Tanh or Relu (use a [Dense] layer for the others)"));
                }
            }

            if (learned && kind == LayerKind.Dense)
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayerSettingNotAllowed, Arg("LearnedInitialState", -1),
                    "LearnedInitialState", "[Dense]", "a Dense layer has no state to start from"));
            layers.Add(new LayerSpec(kind, units, act, learned && kind != LayerKind.Dense, 0f));
        }

        if (tiled + heads.Count > MaxLayers)
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayerValueOutOfRange, fallback,
                "The number of layers and heads", (tiled + heads.Count).ToString(CultureInfo.InvariantCulture), "1", MaxLayers.ToString(CultureInfo.InvariantCulture)));
        if (tiled == 0)
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.ListWithoutLayers, fallback, type.Name));

        return (new EquatableArray<LayerSpec>(layers.ToImmutable()), new EquatableArray<HeadSpec>(heads.ToImmutable()));

        void Range(string what, int value, int min, int max, Location location)
        {
            if (value < min || value > max)
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayerValueOutOfRange, location, what,
                    value.ToString(CultureInfo.InvariantCulture), min.ToString(CultureInfo.InvariantCulture), max.ToString(CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>The type declaration an attribute is written on (attribute → attribute list → declaration).</summary>
    private static SyntaxNode? DeclarationOf(AttributeData attribute, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).Parent?.Parent;

    private static Location Locate(AttributeData attribute, Location fallback, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? fallback;
}
