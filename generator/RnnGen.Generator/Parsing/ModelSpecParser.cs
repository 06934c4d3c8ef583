using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Diagnostics;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing;

/// <summary>
/// Turns one [RnnModel] class into a <see cref="ModelSpec"/> plus diagnostics. The only place
/// where symbols and syntax are used; nothing Roslyn-owned leaves this class except the diagnostics.
/// </summary>
internal static class ModelSpecParser
{
    public const int MaxHidden = 4096;
    public const int MaxInput = 65536;
    public const int MaxOutput = 65536;
    public const int MaxWindow = 4096;
    public const int MaxLayers = 8;
    public const int MaxVocabulary = 1_000_000;

    /// <summary>Names of the members the emitter adds to the class; a user member with one of them is RNNG011.</summary>
    public static readonly ImmutableArray<string> GeneratedMemberNames = ImmutableArray.Create(
        "InputSize", "HiddenSize", "OutputSize", "Layers", "Window", "ParameterCount", "TrainableParameterCount",
        "StateSize", "ParameterLayout", "ParameterIndex", "Parameters", "Gradients", "State", "CurrentState",
        "Step", "ResetState", "Forward", "Evaluate", "ZeroGradients", "AccumulateGradients", "TrainStep",
        "InitializeParameters", "CopyParametersTo", "CopyParametersFrom", "CopyGradientsTo", "CopyStateTo", "CopyStateFrom", "SkippedSteps", "Save", "Load", "Vocabulary", "TrainBatch",
        "WeightPrecision", "RefreshInferenceWeights");

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = ImmutableArray.CreateBuilder<Diagnostic>();
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not ClassDeclarationSyntax classSyntax
            || classSyntax.Identifier.IsMissing)
            return new ParseResult(null, ImmutableArray<Diagnostic>.Empty);

        var attribute = context.Attributes.FirstOrDefault();
        // A half-typed attribute (missing arguments, unresolved constructor) is the compiler's to report.
        if (attribute is null || attribute.AttributeConstructor is null || attribute.ConstructorArguments.Length != 2
            || attribute.ConstructorArguments.Any(static a => a.Kind == TypedConstantKind.Error || a.Value is not int))
            return new ParseResult(null, ImmutableArray<Diagnostic>.Empty);

        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        var identifierLocation = classSyntax.Identifier.GetLocation();
        var attributeLocation = attributeSyntax?.GetLocation() ?? identifierLocation;

        // --- The class itself -------------------------------------------------------------
        if (context.SemanticModel.Compilation is CSharpCompilation cs && cs.LanguageVersion < LanguageVersion.CSharp12)
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LanguageVersionTooLow, attributeLocation,
                cs.LanguageVersion.ToDisplayString()));

        if (!classSyntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NotPartial, identifierLocation, type.Name));
        if (type.IsStatic)
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NotInstantiable, identifierLocation, type.Name, "static"));
        else if (type.IsAbstract)
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NotInstantiable, identifierLocation, type.Name, "abstract"));
        if (type.TypeParameters.Length > 0)
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.GenericModel,
                classSyntax.TypeParameterList?.GetLocation() ?? identifierLocation, type.Name));

        var containing = new List<ContainingTypeSpec>();
        for (var parent = classSyntax.Parent as TypeDeclarationSyntax; parent is not null; parent = parent.Parent as TypeDeclarationSyntax)
        {
            if (!parent.Modifiers.Any(SyntaxKind.PartialKeyword))
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.ContainingTypeNotPartial, identifierLocation,
                    type.Name, parent.Identifier.ValueText));
            // Identifier.Text keeps a verbatim '@' (class @event), so the emitted declaration compiles.
            containing.Insert(0, new ContainingTypeSpec(KeywordOf(parent), parent.Identifier.Text + (parent.TypeParameterList?.ToString() ?? "")));
        }

        foreach (var member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared || member is IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor })
                continue;
            if (GeneratedMemberNames.Contains(member.Name))
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.MemberConflict,
                    member.Locations.FirstOrDefault(l => l.IsInSource) ?? identifierLocation, type.Name, member.Name));
        }

        // Inherited members with a generated name would be hidden (CS0108): report them too.
        for (var baseType = type.BaseType; baseType is not null && baseType.SpecialType != SpecialType.System_Object; baseType = baseType.BaseType)
        {
            // A base that is itself a model gets the generated members from its own generated file, which this
            // compilation does not show yet.
            if (baseType.GetAttributes().Any(static a => a.AttributeClass?.ToDisplayString() == RnnModelGenerator.AttributeName))
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InheritedMemberConflict, identifierLocation,
                    type.Name, "InputSize", baseType.Name));
                break;
            }

            foreach (var member in baseType.GetMembers())
            {
                if (member.IsImplicitlyDeclared || member.DeclaredAccessibility == Accessibility.Private
                    || member is IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor })
                    continue;
                if (GeneratedMemberNames.Contains(member.Name))
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InheritedMemberConflict, identifierLocation,
                        type.Name, member.Name, baseType.Name));
            }
        }

        // A file-local class and the generated partial would be two different types.
        if (type.IsFileLocal)
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.FileLocalModel, identifierLocation, type.Name));

        bool hasUserConstructor = type.InstanceConstructors.Any(static c => !c.IsImplicitlyDeclared);

        // --- The attribute's values --------------------------------------------------------
        int hidden = (int)attribute.ConstructorArguments[0].Value!;
        int input = (int)attribute.ConstructorArguments[1].Value!;
        int output = 0, layers = 1, window = 32, vocabulary = 0;
        int cell = 0, activation = 0, outputActivation = 0, loss = 0, lossOn = 0, precision = 0;
        bool activationGiven = false;

        foreach (var named in attribute.NamedArguments)
        {
            if (named.Value.Kind == TypedConstantKind.Error || named.Value.Value is not int value)
                return new ParseResult(null, diagnostics.ToImmutable());
            switch (named.Key)
            {
                case "Output": output = value; break;
                case "Layers": layers = value; break;
                case "Window": window = value; break;
                case "Vocabulary": vocabulary = value; break;
                case "Cell": cell = value; break;
                case "Activation": activation = value; activationGiven = true; break;
                case "OutputActivation": outputActivation = value; break;
                case "Loss": loss = value; break;
                case "LossOn": lossOn = value; break;
                case "WeightPrecision": precision = value; break;
            }
        }

        Location Arg(string name, int position) => ArgumentLocation(attributeSyntax, name, position) ?? attributeLocation;

        CheckRange(diagnostics, DiagnosticDescriptors.HiddenOutOfRange, hidden, 1, MaxHidden, Arg("hidden", 0));
        CheckRange(diagnostics, DiagnosticDescriptors.InputOutOfRange, input, 1, MaxInput, Arg("input", 1));
        CheckRange(diagnostics, DiagnosticDescriptors.OutputOutOfRange, output, 0, MaxOutput, Arg("Output", -1));
        CheckRange(diagnostics, DiagnosticDescriptors.WindowOutOfRange, window, 1, MaxWindow, Arg("Window", -1));
        CheckRange(diagnostics, DiagnosticDescriptors.LayersOutOfRange, layers, 1, MaxLayers, Arg("Layers", -1));
        CheckRange(diagnostics, DiagnosticDescriptors.VocabularyOutOfRange, vocabulary, 0, MaxVocabulary, Arg("Vocabulary", -1));

        bool enumsValid =
            CheckEnum(diagnostics, "Cell", "RnnCell", cell, new[] { "Elman", "Lstm", "Gru" }, Arg("Cell", -1))
            & CheckEnum(diagnostics, "Activation", "RnnActivation", activation, new[] { "Tanh", "Relu" }, Arg("Activation", -1))
            & CheckEnum(diagnostics, "OutputActivation", "RnnOutputActivation", outputActivation, new[] { "Linear", "Softmax", "Sigmoid" }, Arg("OutputActivation", -1))
            & CheckEnum(diagnostics, "Loss", "RnnLoss", loss, new[] { "Mse", "CrossEntropy", "BinaryCrossEntropy" }, Arg("Loss", -1))
            & CheckEnum(diagnostics, "LossOn", "RnnLossOn", lossOn, new[] { "EveryStep", "LastStep" }, Arg("LossOn", -1))
            & CheckEnum(diagnostics, "WeightPrecision", "RnnPrecision", precision, new[] { "Float32", "BFloat16" }, Arg("WeightPrecision", -1));

        if (enumsValid)
        {
            var cellKind = (CellKind)cell;
            var head = (OutputActivationKind)outputActivation;
            var lossKind = (LossKind)loss;

            if (activationGiven && cellKind != CellKind.Elman)
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.ActivationNeedsElman, Arg("Activation", -1),
                    "RnnActivation." + (ActivationKind)activation));

            // Combinations that make no sense, with the fix.
            if (output == 0 && head != OutputActivationKind.Linear)
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.HeadLossMismatch, Arg("OutputActivation", -1),
                    $"OutputActivation = RnnOutputActivation.{head} needs a head", "set Output to the number of outputs (e.g. Output = 1)"));
            else if (lossKind == LossKind.CrossEntropy && head != OutputActivationKind.Softmax)
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.HeadLossMismatch, Arg("Loss", -1),
                    "Loss = RnnLoss.CrossEntropy needs a softmax head", "set Output = <classes> and OutputActivation = RnnOutputActivation.Softmax"));
            else if (lossKind == LossKind.BinaryCrossEntropy && head != OutputActivationKind.Sigmoid)
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.HeadLossMismatch, Arg("Loss", -1),
                    "Loss = RnnLoss.BinaryCrossEntropy needs a sigmoid head", "set Output > 0 and OutputActivation = RnnOutputActivation.Sigmoid"));
            else if (head == OutputActivationKind.Softmax && lossKind != LossKind.CrossEntropy)
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.HeadLossMismatch, Arg("OutputActivation", -1),
                    $"OutputActivation = RnnOutputActivation.Softmax is trained with cross-entropy, not RnnLoss.{lossKind}", "set Loss = RnnLoss.CrossEntropy"));
            else
            {
                // Valid in principle, but not built yet: say so instead of emitting something half-made.
            }
        }

        // Each size is in range, but together they may not fit one buffer of 2^31 − 1 floats (parameters,
        // gradients and the BPTT caches of a whole window).
        if (!diagnostics.Any(static d => d.Severity == DiagnosticSeverity.Error))
        {
            // The planner's own layout, in 64-bit arithmetic: exactly the buffer the model would allocate.
            var sized = new ModelSpec("", "", EquatableArray<ContainingTypeSpec>.Empty, false, hidden, input, output, layers, window, vocabulary,
                (CellKind)cell, (ActivationKind)activation, (OutputActivationKind)outputActivation, (LossKind)loss, (LossOnKind)lossOn, (PrecisionKind)precision);
            long floats = Planning.ModelPlanner.BufferFloats(sized);
            if (floats > int.MaxValue)
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NotYetSupported, attributeLocation,
                    $"A model of this size ({floats.ToString("N0", CultureInfo.InvariantCulture)} floats of parameters, gradients and training caches)",
                    $"one model's buffer holds at most {int.MaxValue.ToString("N0", CultureInfo.InvariantCulture)} floats; lower hidden, Layers, Window or Vocabulary"));
        }

        var diags = diagnostics.ToImmutable();
        if (diags.Any(static d => d.Severity == DiagnosticSeverity.Error))
            return new ParseResult(null, diags);

        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n
            ? n.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "")
            : "";

        var spec = new ModelSpec(ns, classSyntax.Identifier.Text,
            new EquatableArray<ContainingTypeSpec>(containing.ToImmutableArray()),
            hasUserConstructor, hidden, input, output, layers, window, vocabulary,
            (CellKind)cell, (ActivationKind)activation, (OutputActivationKind)outputActivation,
            (LossKind)loss, (LossOnKind)lossOn, (PrecisionKind)precision);
        return new ParseResult(spec, diags);
    }

    private static void CheckRange(ImmutableArray<Diagnostic>.Builder diagnostics, DiagnosticDescriptor descriptor,
        int value, int min, int max, Location location)
    {
        if (value < min || value > max)
            diagnostics.Add(Diagnostic.Create(descriptor, location,
                value.ToString(CultureInfo.InvariantCulture), max.ToString(CultureInfo.InvariantCulture)));
    }

    private static bool CheckEnum(ImmutableArray<Diagnostic>.Builder diagnostics, string property, string enumName,
        int value, string[] names, Location location)
    {
        if (value >= 0 && value < names.Length) return true;
        diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.UndefinedEnumValue, location, property,
            value.ToString(CultureInfo.InvariantCulture), enumName,
            string.Join(", ", names.Select(n => enumName + "." + n))));
        return false;
    }

    /// <summary>The syntax of one attribute argument: by name (named property or <c>name:</c>), else by position.</summary>
    private static Location? ArgumentLocation(AttributeSyntax? attribute, string name, int position)
    {
        var args = attribute?.ArgumentList?.Arguments;
        if (args is null) return null;
        foreach (var arg in args.Value)
        {
            if (arg.NameEquals?.Name.Identifier.ValueText == name || arg.NameColon?.Name.Identifier.ValueText == name)
                return arg.GetLocation();
        }

        if (position >= 0)
        {
            int index = 0;
            foreach (var arg in args.Value)
            {
                if (arg.NameEquals is not null) break;
                if (arg.NameColon is null && index == position) return arg.GetLocation();
                index++;
            }
        }

        return null;
    }

    private static string KeywordOf(TypeDeclarationSyntax type) => type switch
    {
        RecordDeclarationSyntax r when r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
        RecordDeclarationSyntax => "record",
        StructDeclarationSyntax => "struct",
        InterfaceDeclarationSyntax => "interface",
        _ => "class",
    };
}
