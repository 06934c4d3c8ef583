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
/// Turns one [RnnModel] class into a <see cref="ModelSpec"/> plus diagnostics (for an invalid model whose class can hold
/// it, a <see cref="ModelShellSpec"/> instead of the spec). The only place where symbols and syntax are used; nothing
/// Roslyn-owned leaves this class except the diagnostics.
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
        "InitializeParameters", "CreateUninitialized", "CopyParametersTo", "CopyParametersFrom", "CopyGradientsTo", "CopyStateTo", "CopyStateFrom", "SkippedSteps", "Save", "Load", "Vocabulary", "TrainBatch",
        "WeightPrecision", "RefreshInferenceWeights", "StreamsBFloat16");

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = ImmutableArray.CreateBuilder<Diagnostic>();
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax classSyntax
            || classSyntax.Identifier.IsMissing)
            return new ParseResult(null, ImmutableArray<Diagnostic>.Empty);

        // --- One class, one model ------------------------------------------------------------
        // This declaration's attributes are context.Attributes; the class's are on every partial declaration. The model is
        // built from the first of them, by the declaration that holds it; every other one is reported where it is, once.
        var first = type.GetAttributes().FirstOrDefault(IsRnnModel);
        var duplicates = ImmutableArray.CreateBuilder<Diagnostic>();
        foreach (var other in context.Attributes)
        {
            if (SameApplication(other, first)) continue;
            var otherLocation = other.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? classSyntax.Identifier.GetLocation();
            var firstSyntax = first?.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
            duplicates.Add(Diagnostic.Create(DiagnosticDescriptors.DuplicateAttribute, otherLocation,
                firstSyntax is null ? null : new[] { firstSyntax.GetLocation() }, type.Name, Describe(firstSyntax)));
        }

        var attribute = context.Attributes.FirstOrDefault(a => SameApplication(a, first));
        // A half-typed attribute (missing arguments, unresolved constructor) is the compiler's to report.
        if (attribute is null || attribute.AttributeConstructor is null || attribute.ConstructorArguments.Length is not (1 or 2)
            || attribute.ConstructorArguments.Any(static a => a.Kind == TypedConstantKind.Error || a.Value is not int))
            return new ParseResult(null, duplicates.ToImmutable());

        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        var identifierLocation = classSyntax.Identifier.GetLocation();
        var attributeLocation = attributeSyntax?.GetLocation() ?? identifierLocation;

        // --- The class itself -------------------------------------------------------------
        // shellFits turns false on an error that a shell would repeat or add to (a partial class whose other half is not
        // partial, a member the shell would declare again, ...): then the class gets nothing.
        bool shellFits = true;
        var languageVersion = context.SemanticModel.Compilation is CSharpCompilation cs ? cs.LanguageVersion : LanguageVersion.Latest;
        if (languageVersion < LanguageVersion.CSharp12)
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LanguageVersionTooLow, attributeLocation,
                languageVersion.ToDisplayString()));

        string keyword = KeywordOf(classSyntax);
        if (keyword != "class")
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NotAClass, identifierLocation, type.Name, keyword,
                keyword == "record"
                    ? "a record's 'with' copies would share its one mutable weight buffer, and its equality would compare that buffer's reference"
                    : "every copy of a struct would share its one mutable weight buffer, and a default struct would have none"));

        if (!classSyntax.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NotPartial, identifierLocation, type.Name));
            shellFits = false;
        }

        if (type.IsStatic)
        {
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NotInstantiable, identifierLocation, type.Name, "static"));
            shellFits = false;
        }
        else if (type.IsAbstract)
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NotInstantiable, identifierLocation, type.Name, "abstract"));

        if (type.TypeParameters.Length > 0)
        {
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.GenericModel,
                classSyntax.TypeParameterList?.GetLocation() ?? identifierLocation, type.Name));
            shellFits = false;
        }

        // A member cannot have the name of its class (CS0542 in the generated file): Step, State, Window, ...
        if (GeneratedMemberNames.Contains(type.Name))
        {
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.ClassNamedLikeMember, identifierLocation, type.Name));
            shellFits = false;
        }

        // Every other constructor of a class with a primary constructor must call it (CS8862), and the generated
        // constructors cannot know its arguments.
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax { ParameterList: { } parameters })
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.PrimaryConstructor, parameters.GetLocation(), type.Name));
                break;
            }
        }

        var containing = new List<ContainingTypeSpec>();
        for (var parent = classSyntax.Parent as TypeDeclarationSyntax; parent is not null; parent = parent.Parent as TypeDeclarationSyntax)
        {
            if (!parent.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.ContainingTypeNotPartial, identifierLocation,
                    type.Name, parent.Identifier.ValueText));
                shellFits = false;
            }

            // Identifier.Text keeps a verbatim '@' (class @event), so the emitted declaration compiles.
            containing.Insert(0, new ContainingTypeSpec(KeywordOf(parent), parent.Identifier.Text + (parent.TypeParameterList?.ToString() ?? "")));
        }

        foreach (var member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared || member is IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor })
                continue;
            if (GeneratedMemberNames.Contains(member.Name))
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.MemberConflict,
                    member.Locations.FirstOrDefault(l => l.IsInSource) ?? identifierLocation, type.Name, member.Name));
                shellFits = false;
            }
        }

        // Inherited members with a generated name would be hidden (CS0108): report them too.
        for (var baseType = type.BaseType; baseType is not null && baseType.SpecialType != SpecialType.System_Object; baseType = baseType.BaseType)
        {
            // A base that is itself a model gets the generated members from its own generated file, which this
            // compilation does not show yet.
            if (baseType.GetAttributes().Any(IsRnnModel))
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InheritedMemberConflict, identifierLocation,
                    type.Name, "InputSize", baseType.Name));
                shellFits = false;
                break;
            }

            foreach (var member in baseType.GetMembers())
            {
                if (member.IsImplicitlyDeclared || member.DeclaredAccessibility == Accessibility.Private
                    || member is IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor })
                    continue;
                if (GeneratedMemberNames.Contains(member.Name))
                {
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InheritedMemberConflict, identifierLocation,
                        type.Name, member.Name, baseType.Name));
                    shellFits = false;
                }
            }
        }

        // A file-local class and the generated partial would be two different types.
        if (type.IsFileLocal)
        {
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.FileLocalModel, identifierLocation, type.Name));
            shellFits = false;
        }

        bool hasUserConstructor = type.InstanceConstructors.Any(static c => !c.IsImplicitlyDeclared);

        // --- The attribute's values --------------------------------------------------------
        // [RnnModel(input: n)] starts a layer list; [RnnModel(hidden, input)] is the one-attribute form.
        bool isList = attribute.ConstructorArguments.Length == 1;
        int hidden = isList ? 0 : (int)attribute.ConstructorArguments[0].Value!;
        int input = (int)attribute.ConstructorArguments[isList ? 0 : 1].Value!;
        int output = 0, layers = 1, window = 32, vocabulary = 0;
        int cell = 0, activation = 0, outputActivation = 0, loss = 0, lossOn = 0, precision = 0;
        bool activationGiven = false, forceBFloat16Kernels = false;
        var shorthandOnly = new List<string>();

        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == "ForceBFloat16Kernels")
            {
                if (named.Value.Kind == TypedConstantKind.Error || named.Value.Value is not bool force)
                    return new ParseResult(null, Join(duplicates, diagnostics));
                forceBFloat16Kernels = force;
                continue;
            }

            if (named.Value.Kind == TypedConstantKind.Error || named.Value.Value is not int value)
                return new ParseResult(null, Join(duplicates, diagnostics));
            if (named.Key is "Output" or "Layers" or "Cell" or "Activation" or "OutputActivation" or "Loss") shorthandOnly.Add(named.Key);
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

        if (!isList) CheckRange(diagnostics, DiagnosticDescriptors.HiddenOutOfRange, hidden, 1, MaxHidden, Arg("hidden", 0));
        CheckRange(diagnostics, DiagnosticDescriptors.InputOutOfRange, input, 1, MaxInput, Arg("input", isList ? 0 : 1));
        CheckRange(diagnostics, DiagnosticDescriptors.OutputOutOfRange, output, 0, MaxOutput, Arg("Output", -1));
        CheckRange(diagnostics, DiagnosticDescriptors.WindowOutOfRange, window, 1, MaxWindow, Arg("Window", -1));
        CheckRange(diagnostics, DiagnosticDescriptors.LayersOutOfRange, layers, 1, MaxLayers, Arg("Layers", -1));
        CheckRange(diagnostics, DiagnosticDescriptors.VocabularyOutOfRange, vocabulary, 0, MaxVocabulary, Arg("Vocabulary", -1));

        bool enumsValid =
            CheckEnum(diagnostics, "Cell", "RnnCell", cell, new[] { "Elman", "Lstm", "Gru" }, Arg("Cell", -1))
            & CheckEnum(diagnostics, "Activation", "RnnActivation", activation, new[] { "Tanh", "Relu", "Identity", "Sigmoid", "Swish" }, Arg("Activation", -1))
            & CheckEnum(diagnostics, "OutputActivation", "RnnOutputActivation", outputActivation, new[] { "Linear", "Softmax", "Sigmoid" }, Arg("OutputActivation", -1))
            & CheckEnum(diagnostics, "Loss", "RnnLoss", loss, new[] { "Mse", "CrossEntropy", "BinaryCrossEntropy" }, Arg("Loss", -1))
            & CheckEnum(diagnostics, "LossOn", "RnnLossOn", lossOn, new[] { "EveryStep", "LastStep" }, Arg("LossOn", -1))
            & CheckEnum(diagnostics, "WeightPrecision", "RnnPrecision", precision, new[] { "Float32", "BFloat16" }, Arg("WeightPrecision", -1));

        EquatableArray<LayerSpec> layerList = default;
        EquatableArray<HeadSpec> headList = default;
        var layerAttributes = LayerListParser.Find(type);
        if (isList)
        {
            // A half-typed layer attribute ([Lstm()], [Dense(size)] with 'size' undefined) is the compiler's to report, as a
            // half-typed [RnnModel] is: the list has a hole, so "declares no layer" or "[Dropout] comes before any layer"
            // would be wrong, and a model built without the layer would be another model.
            if (layerAttributes.Any(static a => a.ConstructorArguments.Length != 1 || a.ConstructorArguments[0].Kind == TypedConstantKind.Error))
                return new ParseResult(null, Join(duplicates, diagnostics));

            foreach (var property in shorthandOnly)
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.ShorthandPropertyInList, Arg(property, -1), property, property switch
                {
                    "Cell" or "Layers" => "declare each recurrent layer as an attribute ([Lstm(64)], [Gru(32)], [Elman(16)])",
                    "Activation" => "give each layer its own Activation ([Dense(64, Activation = RnnActivation.Relu)], [Elman(16, Activation = …)])",
                    _ => "declare the heads as [Head(n, OutputActivation = …, Loss = …)] after the layers",
                }));
            (layerList, headList) = LayerListParser.Parse(type, layerAttributes, input, vocabulary, diagnostics, attributeLocation,
                attributeSyntax?.Parent?.Parent, cancellationToken);
        }
        else if (layerAttributes.Count > 0)
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayersBesideShorthand,
                layerAttributes[0].ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? attributeLocation, type.Name));

        if (enumsValid && !isList)
        {
            var cellKind = (CellKind)cell;
            var head = (OutputActivationKind)outputActivation;
            var lossKind = (LossKind)loss;

            if (activation > (int)ActivationKind.Relu)
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayerSettingNotAllowed, Arg("Activation", -1),
                    $"Activation = RnnActivation.{(ActivationKind)activation}", "the one-attribute form",
                    "its cell is PyTorch's nn.RNN, whose nonlinearity is Tanh or Relu (declare a list with a [Dense] layer for the others)"));
            else if (activationGiven && cellKind != CellKind.Elman)
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.ActivationNeedsElman, Arg("Activation", -1),
                    "RnnActivation." + (ActivationKind)activation));

            CheckHeadLoss(diagnostics, head, lossKind, output > 0, Arg("Loss", -1), Arg("OutputActivation", -1));
        }

        // Each size is in range, but together they may not fit one buffer (parameters, gradients and the BPTT caches of
        // a whole window): at most ModelPlanner.MaxBufferFloats, a float array's largest length less the alignment slack.
        if (!diagnostics.Any(static d => d.Severity == DiagnosticSeverity.Error))
        {
            // The planner's own layout, in 64-bit arithmetic: exactly the buffer the model would allocate.
            var sized = new ModelSpec("", "", EquatableArray<ContainingTypeSpec>.Empty, false, hidden, input, output, layers, window, vocabulary,
                (CellKind)cell, (ActivationKind)activation, (OutputActivationKind)outputActivation, (LossKind)loss, (LossOnKind)lossOn, (PrecisionKind)precision,
                "", isList, layerList, headList, forceBFloat16Kernels);
            long floats = Planning.ModelPlanner.BufferFloats(sized);
            if (floats > Planning.ModelPlanner.MaxBufferFloats)
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NotYetSupported, attributeLocation,
                    $"A model of this size ({floats.ToString("N0", CultureInfo.InvariantCulture)} floats of parameters, gradients and training caches)",
                    $"one model's buffer holds at most {Planning.ModelPlanner.MaxBufferFloats.ToString("N0", CultureInfo.InvariantCulture)} floats; " +
                    (isList ? "use fewer or narrower layers, or lower Window or Vocabulary" : "lower hidden, Layers, Window or Vocabulary")));
            else if (Planning.ModelPlanner.RunsFloat32KernelsOnRoundedWeights(sized))
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.BFloat16RunsFloat32Kernels, attributeLocation, type.Name,
                    (Planning.ModelPlanner.InferenceWeightBytes(sized) / 1024.0).ToString("0.#", CultureInfo.InvariantCulture)));
        }

        // The duplicates are this declaration's only errors when it holds the first attribute too: they do not stop the model.
        var all = Join(duplicates, diagnostics);
        var errors = diagnostics.Where(static d => d.Severity == DiagnosticSeverity.Error).Select(static d => d.Id).Distinct().ToList();
        if (errors.Count > 0 && !shellFits)
            return new ParseResult(null, all);

        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n
            ? n.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "")
            : "";
        var containingTypes = new EquatableArray<ContainingTypeSpec>(containing.ToImmutableArray());
        string hintSuffix = HintSuffix(type, context.SemanticModel.Compilation);
        if (errors.Count > 0)
        {
            // The shell's surface: what parses, clamped into range where a size is required, the default where it is optional.
            int shellHidden = Clamp(hidden, 1, MaxHidden), shellInput = Clamp(input, 1, MaxInput);
            int shellOutput = InRange(output, 0, MaxOutput) ? output : 0;
            int shellLayers = InRange(layers, 1, MaxLayers) ? layers : 1;
            int shellWindow = InRange(window, 1, MaxWindow) ? window : 32;
            int shellVocabulary = InRange(vocabulary, 0, MaxVocabulary) ? vocabulary : 0;
            var shellCell = InRange(cell, 0, 2) ? (CellKind)cell : CellKind.Elman;
            var shell = new ModelShellSpec(ns, classSyntax.Identifier.Text, keyword, containingTypes, hintSuffix,
                string.Join(", ", errors), hasUserConstructor,
                ImplementsInterface: languageVersion >= LanguageVersion.CSharp11,
                NullableAnnotations: languageVersion >= LanguageVersion.CSharp8,
                shellInput, shellHidden, shellOutput > 0 ? shellOutput : shellHidden, shellLayers, shellWindow, shellVocabulary,
                TrainableCount(shellHidden, shellInput, shellOutput, shellLayers, shellVocabulary, shellCell),
                shellLayers * shellHidden * (shellCell == CellKind.Lstm ? 2 : 1),
                shellCell,
                InRange(activation, 0, 1) ? (ActivationKind)activation : ActivationKind.Tanh,
                InRange(precision, 0, 1) ? (PrecisionKind)precision : PrecisionKind.Float32,
                ClassTargets: loss == (int)LossKind.CrossEntropy,
                HasDropout: isList && layerList.Any(static l => l.Kind == LayerKind.Dropout));
            return new ParseResult(null, all, shell);
        }

        var spec = new ModelSpec(ns, classSyntax.Identifier.Text, containingTypes,
            hasUserConstructor, hidden, input, output, layers, window, vocabulary,
            (CellKind)cell, (ActivationKind)activation, (OutputActivationKind)outputActivation,
            (LossKind)loss, (LossOnKind)lossOn, (PrecisionKind)precision, hintSuffix, isList, layerList, headList, forceBFloat16Kernels);
        return new ParseResult(spec, all);
    }

    /// <summary>
    /// The combinations of a head's activation and loss that make no sense, with the fix: for the one-attribute form's
    /// head, or (<paramref name="listHead"/>) for one [Head] of a list, which has no Output to set.
    /// </summary>
    internal static void CheckHeadLoss(ImmutableArray<Diagnostic>.Builder diagnostics, OutputActivationKind head, LossKind lossKind, bool hasHead,
        Location lossLocation, Location activationLocation, bool listHead = false)
    {
        if (!hasHead && head != OutputActivationKind.Linear)
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.HeadLossMismatch, activationLocation,
                $"OutputActivation = RnnOutputActivation.{head} needs a head", "set Output to the number of outputs (e.g. Output = 1)"));
        else if (lossKind == LossKind.CrossEntropy && head != OutputActivationKind.Softmax)
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.HeadLossMismatch, lossLocation,
                "Loss = RnnLoss.CrossEntropy needs a softmax head", listHead
                    ? "set OutputActivation = RnnOutputActivation.Softmax on this [Head], whose outputs are then the classes"
                    : "set Output = <classes> and OutputActivation = RnnOutputActivation.Softmax"));
        else if (lossKind == LossKind.BinaryCrossEntropy && head != OutputActivationKind.Sigmoid)
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.HeadLossMismatch, lossLocation,
                "Loss = RnnLoss.BinaryCrossEntropy needs a sigmoid head", listHead
                    ? "set OutputActivation = RnnOutputActivation.Sigmoid on this [Head]"
                    : "set Output > 0 and OutputActivation = RnnOutputActivation.Sigmoid"));
        else if (head == OutputActivationKind.Softmax && lossKind != LossKind.CrossEntropy)
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.HeadLossMismatch, activationLocation,
                $"OutputActivation = RnnOutputActivation.Softmax is trained with cross-entropy, not RnnLoss.{lossKind}", "set Loss = RnnLoss.CrossEntropy"));
    }

    /// <summary>
    /// Both lists as one array; an empty one is <see cref="ImmutableArray{T}.Empty"/> (the builder's), since the pipeline
    /// compares ImmutableArrays by reference and a fresh empty array each run would make every result look modified.
    /// </summary>
    private static ImmutableArray<Diagnostic> Join(ImmutableArray<Diagnostic>.Builder first, ImmutableArray<Diagnostic>.Builder second)
    {
        var all = ImmutableArray.CreateBuilder<Diagnostic>(first.Count + second.Count);
        all.AddRange(first);
        all.AddRange(second);
        return all.ToImmutable();
    }

    internal static bool IsRnnModel(AttributeData attribute) =>
        attribute.AttributeClass?.ToDisplayString() == RnnModelGenerator.AttributeName;

    /// <summary>The same attribute application (the AttributeData of one symbol may be fetched more than once).</summary>
    private static bool SameApplication(AttributeData attribute, AttributeData? other) =>
        other is not null && (ReferenceEquals(attribute, other)
            || attribute.ApplicationSyntaxReference is { } a && other.ApplicationSyntaxReference is { } b
               && a.SyntaxTree == b.SyntaxTree && a.Span == b.Span);

    /// <summary>"[RnnModel(8, 2)] in File.cs, line 3": the first [RnnModel] of the class, for the duplicate's message.</summary>
    private static string Describe(SyntaxNode? firstAttribute)
    {
        if (firstAttribute is null) return "on another declaration";
        var span = firstAttribute.GetLocation().GetLineSpan();
        string file = span.Path.Length == 0 ? "" : " in " + System.IO.Path.GetFileName(span.Path) + ",";
        string text = string.Join(" ", firstAttribute.ToString().Split(new[] { ' ', '\t', '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries));
        return "[" + text + "]" + file + " line " + (span.StartLinePosition.Line + 1).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// "" unless another [RnnModel] type of this compilation has the same hint key when case is ignored (Model and model;
    /// or a namespace A.B and a class B in namespace A, each holding a model M, which the compiler rejects with CS0101):
    /// Roslyn compares hint names ignoring case, and a second AddSource with the same name throws. Then each of them
    /// gets <see cref="HintNames.Disambiguator"/> of its exact metadata name (nested types joined with '+').
    /// </summary>
    private static string HintSuffix(INamedTypeSymbol type, Compilation compilation)
    {
        var path = new List<ISymbol>();
        for (ISymbol? s = type; s is not null && s is not INamespaceSymbol { IsGlobalNamespace: true }; s = s.ContainingSymbol)
            path.Insert(0, s);

        IEnumerable<INamespaceOrTypeSymbol> level = new INamespaceOrTypeSymbol[] { compilation.Assembly.GlobalNamespace };
        var exact = new System.Text.StringBuilder();
        foreach (var part in path)
        {
            string name = KeyPart(part);
            if (exact.Length > 0) exact.Append(part.ContainingSymbol is INamedTypeSymbol ? '+' : '.');
            exact.Append(name);
            level = level.SelectMany(static c => c is INamespaceSymbol ns ? ns.GetMembers() : ((INamedTypeSymbol)c).GetTypeMembers().CastArray<INamespaceOrTypeSymbol>())
                .Where(m => string.Equals(KeyPart(m), name, StringComparison.OrdinalIgnoreCase))
                .ToList();
        }

        bool twin = level.Any(m => m is INamedTypeSymbol other && !SymbolEqualityComparer.Default.Equals(other, type)
                                   && other.GetAttributes().Any(IsRnnModel));
        return twin ? HintNames.Disambiguator(exact.ToString()) : "";

        static string KeyPart(ISymbol symbol) =>
            symbol is INamedTypeSymbol { Arity: > 0 } generic ? symbol.Name + "`" + generic.Arity.ToString(CultureInfo.InvariantCulture) : symbol.Name;
    }

    private static bool InRange(int value, int min, int max) => value >= min && value <= max;

    private static int Clamp(int value, int min, int max) => value < min ? min : value > max ? max : value;

    /// <summary>The trainable values as PyTorch counts them (the shell's TrainableParameterCount), capped at int.MaxValue.</summary>
    private static int TrainableCount(int hidden, int input, int output, int layers, int vocabulary, CellKind cell)
    {
        long gates = cell switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };
        long count = (long)vocabulary * input + (output > 0 ? (long)output * (hidden + 1) : 0);
        for (int l = 0; l < layers; l++)
            count += gates * hidden * ((l == 0 ? input : hidden) + hidden + 2L);
        return (int)Math.Min(count, int.MaxValue);
    }

    private static void CheckRange(ImmutableArray<Diagnostic>.Builder diagnostics, DiagnosticDescriptor descriptor,
        int value, int min, int max, Location location)
    {
        if (value < min || value > max)
            diagnostics.Add(Diagnostic.Create(descriptor, location,
                value.ToString(CultureInfo.InvariantCulture), max.ToString(CultureInfo.InvariantCulture)));
    }

    internal static bool CheckEnum(ImmutableArray<Diagnostic>.Builder diagnostics, string property, string enumName,
        int value, string[] names, Location location)
    {
        if (value >= 0 && value < names.Length) return true;
        diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.UndefinedEnumValue, location, property,
            value.ToString(CultureInfo.InvariantCulture), enumName,
            string.Join(", ", names.Select(n => enumName + "." + n))));
        return false;
    }

    /// <summary>The syntax of one attribute argument: by name (named property or <c>name:</c>), else by position.</summary>
    internal static Location? ArgumentLocation(AttributeSyntax? attribute, string name, int position)
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
