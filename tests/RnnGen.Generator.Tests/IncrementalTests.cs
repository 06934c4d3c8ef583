using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// The pipeline caches: an edit that does not change a model leaves its <c>Spec</c> step Cached/Unchanged and its
/// source output Cached; a size change is Modified. The cached model holds no Roslyn objects and no raw arrays.
/// </summary>
public sealed class IncrementalTests
{
    private const string SourceOutput = "SourceOutput";   // WellKnownGeneratorOutputs.SourceOutput

    private const string ModelFile = """
        using RnnGen;
        namespace Incremental;

        [RnnModel(hidden: 16, input: 4, Output = 2)]
        public partial class Model;

        public class Helper
        {
            public int Value => 1;
        }
        """;

    private const string OtherFile = """
        namespace Incremental;

        public static class Other
        {
            public static int Answer() => 42;
        }
        """;

    private static readonly CSharpParseOptions Options = GeneratorHarness.ParseOptions();

    [Fact]
    public void Adding_an_unrelated_file_leaves_the_spec_and_the_output_cached()
    {
        var (driver, compilation, firstText) = FirstRun();
        var next = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Incremental; public class Added { }", Options, path: "/src/Added.cs"));
        var result = Rerun(ref driver, next);

        AssertAllReasons(result, TrackingNames.Spec, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertOutputsCached(result);
        Assert.Equal(firstText, GeneratorHarness.AllText(result.GeneratedSources));
    }

    /// <summary>A small bfloat16 model (float32 kernels, RNNG032): cached like any model, its informational message reported again.</summary>
    [Fact]
    public void A_small_bfloat16_model_stays_cached_and_keeps_its_RNNG032()
    {
        string modelFile = ModelFile.Replace("Output = 2)]", "Output = 2, WeightPrecision = RnnPrecision.BFloat16)]", StringComparison.Ordinal);
        var (driver, compilation, firstText) = FirstRun(modelFile, "RNNG032");
        var result = Rerun(ref driver, Replace(compilation, 1, OtherFile.Replace("Answer() => 42;", "Answer() => 43;", StringComparison.Ordinal)));

        AssertAllReasons(result, TrackingNames.Spec, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        // The model's source output is cached; the diagnostics are reported again (they carry their real locations).
        var modelOutputs = result.TrackedOutputSteps[SourceOutput]
            .Where(static s => s.Inputs.Any(static i => i.Source.Name == TrackingNames.Spec))
            .SelectMany(static s => s.Outputs).ToList();
        Assert.NotEmpty(modelOutputs);
        Assert.All(modelOutputs, static o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Equal(firstText, GeneratorHarness.AllText(result.GeneratedSources));
        Assert.Equal("RNNG032", Assert.Single(result.Diagnostics).Id);
        Assert.Contains("public const bool StreamsBFloat16 = false;", firstText, StringComparison.Ordinal);
    }

    [Fact]
    public void Editing_another_file_leaves_the_spec_and_the_output_cached()
    {
        var (driver, compilation, firstText) = FirstRun();
        var result = Rerun(ref driver, Replace(compilation, 1, OtherFile.Replace("Answer() => 42;", "Answer() => 43;\n    public static int More() => 1;", StringComparison.Ordinal)));

        AssertAllReasons(result, TrackingNames.Spec, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertOutputsCached(result);
        Assert.Equal(firstText, GeneratorHarness.AllText(result.GeneratedSources));
    }

    [Theory]
    [InlineData("a method in another class", "public int Value => 1;", "public int Value => 1;\n    public int Twice() => 2 * Value;")]
    [InlineData("a comment above the model", "[RnnModel(", "// forecasts the next value\n[RnnModel(")]
    [InlineData("blank lines and trivia inside the attribute", "[RnnModel(hidden: 16, input: 4, Output = 2)]", "\n\n[RnnModel( hidden : 16 ,  input: 4,\n    Output = 2 )]")]
    public void Unrelated_edit_in_the_same_file_leaves_the_spec_unchanged(string what, string find, string replace)
    {
        var (driver, compilation, firstText) = FirstRun();
        Assert.Contains(find, ModelFile, StringComparison.Ordinal);
        var result = Rerun(ref driver, Replace(compilation, 0, ModelFile.Replace(find, replace, StringComparison.Ordinal)));

        // The file changed, so the attribute is parsed again; the result must compare equal.
        Assert.NotEmpty(result.TrackedSteps[TrackingNames.Parse]);
        AssertAllReasons(result, TrackingNames.Parse, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertAllReasons(result, TrackingNames.Spec, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertOutputsCached(result);
        Assert.True(firstText == GeneratorHarness.AllText(result.GeneratedSources), what);
    }

    [Fact]
    public void Changing_the_hidden_size_modifies_the_spec_and_the_text()
    {
        var (driver, compilation, firstText) = FirstRun();
        var result = Rerun(ref driver, Replace(compilation, 0, ModelFile.Replace("hidden: 16", "hidden: 32", StringComparison.Ordinal)));

        var step = Assert.Single(result.TrackedSteps[TrackingNames.Spec]);
        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(step.Outputs).Reason);
        Assert.Equal(32, Assert.IsType<ModelSpec>(step.Outputs[0].Value).Hidden);
        Assert.Contains(result.TrackedOutputSteps[SourceOutput].SelectMany(static s => s.Outputs), static o => o.Reason == IncrementalStepRunReason.Modified);

        string text = GeneratorHarness.AllText(result.GeneratedSources);
        Assert.NotEqual(firstText, text);
        Assert.Contains("public const int HiddenSize = 32;", text, StringComparison.Ordinal);
        Assert.Contains("public const int HiddenSize = 16;", firstText, StringComparison.Ordinal);
    }

    [Fact]
    public void Fixing_an_invalid_model_replaces_the_error_with_the_source()
    {
        var broken = ModelFile.Replace("hidden: 16", "hidden: 0", StringComparison.Ordinal);
        var compilation = GeneratorHarness.CreateCompilation(new[] { broken, OtherFile }, Options);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(Options, trackSteps: true).RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.Equal("RNNG004", Assert.Single(first.Diagnostics).Id);
        Assert.Equal("Incremental.Model.RnnModel.Shell.g.cs", Assert.Single(first.GeneratedSources).HintName);
        Assert.Equal(0, first.TrackedSteps.TryGetValue(TrackingNames.Spec, out var specSteps) ? specSteps.Sum(static s => s.Outputs.Length) : 0);

        var fixedResult = Rerun(ref driver, Replace(compilation, 0, ModelFile));
        Assert.Empty(fixedResult.Diagnostics);
        Assert.Equal("Incremental.Model.RnnModel.g.cs", fixedResult.GeneratedSources[0].HintName);
        Assert.Equal(0, fixedResult.TrackedSteps.TryGetValue(TrackingNames.Shell, out var shellSteps)
            ? shellSteps.SelectMany(static s => s.Outputs).Count(static o => o.Reason != IncrementalStepRunReason.Removed) : 0);
    }

    /// <summary>An invalid model's shell caches like a model: an unrelated edit leaves it Cached/Unchanged, an attribute edit modifies it.</summary>
    [Fact]
    public void The_shell_of_an_invalid_model_is_cached_like_a_model()
    {
        var broken = ModelFile.Replace("hidden: 16", "hidden: 0", StringComparison.Ordinal);
        var compilation = GeneratorHarness.CreateCompilation(new[] { broken, OtherFile }, Options);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(Options, trackSteps: true).RunGenerators(compilation);
        string shellText = Assert.Single(driver.GetRunResult().Results.Single().GeneratedSources).SourceText.ToString();

        driver = driver.RunGenerators(Replace(compilation, 1, OtherFile.Replace("42", "43", StringComparison.Ordinal)));
        var result = driver.GetRunResult().Results.Single();
        AssertAllReasons(result, TrackingNames.Shell, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        // The shell's source output is cached; the diagnostics are reported again (they carry their real locations).
        var shellOutputs = result.TrackedOutputSteps[SourceOutput]
            .Where(static s => s.Inputs.Any(static i => i.Source.Name == TrackingNames.Shell))
            .SelectMany(static s => s.Outputs).ToList();
        Assert.NotEmpty(shellOutputs);
        Assert.All(shellOutputs, static o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Equal(shellText, Assert.Single(result.GeneratedSources).SourceText.ToString());

        driver = driver.RunGenerators(Replace(compilation, 0, broken.Replace("input: 4", "input: 5", StringComparison.Ordinal)));
        result = driver.GetRunResult().Results.Single();
        var step = Assert.Single(result.TrackedSteps[TrackingNames.Shell]);
        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(step.Outputs).Reason);
        Assert.Contains("public const int InputSize = 5;", Assert.Single(result.GeneratedSources).SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Equal_declarations_in_separate_compilations_give_equal_specs_and_plans()
    {
        var a = ParsedSpec(ModelFile);
        var b = ParsedSpec("// another file, same model\n" + ModelFile.Replace("public int Value => 1;", "public int Value => 2;", StringComparison.Ordinal));
        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(ModelPlanner.Create(a), ModelPlanner.Create(b));
        Assert.Equal(ModelPlanner.Create(a).GetHashCode(), ModelPlanner.Create(b).GetHashCode());
        Assert.NotEqual(a, ParsedSpec(ModelFile.Replace("input: 4", "input: 5", StringComparison.Ordinal)));
        var bf16 = ParsedSpec(ModelFile.Replace("Output = 2", "Output = 2, WeightPrecision = RnnPrecision.BFloat16", StringComparison.Ordinal));
        Assert.NotEqual(a, bf16);
        var forced = ParsedSpec(ModelFile.Replace("Output = 2", "Output = 2, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true", StringComparison.Ordinal));
        Assert.NotEqual(bf16, forced);
        Assert.Equal(forced, ParsedSpec(ModelFile.Replace("Output = 2", "ForceBFloat16Kernels = true, Output = 2, WeightPrecision = RnnPrecision.BFloat16", StringComparison.Ordinal)));
        Assert.NotEqual(ModelPlanner.Create(bf16), ModelPlanner.Create(forced));
    }

    /// <summary>
    /// RNNG031's pipelines cache as the model's do: an edit in another file leaves their value Cached/Unchanged and the
    /// diagnostic is still reported; adding [RnnModel] turns the class into a model and the diagnostic goes.
    /// </summary>
    [Fact]
    public void Layers_without_a_model_stay_cached_and_reported_after_an_unrelated_edit()
    {
        const string orphan = "using RnnGen;\nnamespace Incremental;\n\n[Lstm(8)]\n[Head(1)]\npublic partial class Orphan;\n";
        var compilation = GeneratorHarness.CreateCompilation(new[] { orphan, OtherFile }, Options);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(Options, trackSteps: true).RunGenerators(compilation);
        Assert.Equal("RNNG031", Assert.Single(driver.GetRunResult().Results.Single().Diagnostics).Id);

        driver = driver.RunGenerators(Replace(compilation, 1, OtherFile.Replace("42", "43", StringComparison.Ordinal)));
        var result = driver.GetRunResult().Results.Single();
        AssertAllReasons(result, TrackingNames.LayersWithoutModel, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        Assert.Equal("RNNG031", Assert.Single(result.Diagnostics).Id);

        driver = driver.RunGenerators(Replace(compilation, 0, orphan.Replace("[Lstm(8)]", "[RnnModel(input: 4)]\n[Lstm(8)]", StringComparison.Ordinal)));
        result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Contains(result.GeneratedSources, static s => s.HintName == "Incremental.Orphan.RnnModel.g.cs");
    }

    /// <summary>As System.Text.Json's incremental tests: walk the cached values and find no Roslyn object and no array.</summary>
    [Fact]
    public void Cached_spec_holds_no_Roslyn_objects_and_no_arrays()
    {
        var nested = """
            using RnnGen;
            namespace Walk.Deep;

            public partial class Outer<T>
            {
                public partial struct Inner
                {
                    [RnnModel(hidden: 24, input: 3, Output = 2, Layers = 2, Activation = RnnActivation.Relu, LossOn = RnnLossOn.LastStep)]
                    public partial class Model;
                }
            }
            """;
        var spec = ParsedSpec(nested);
        Assert.Equal(2, spec.ContainingTypes.Count);   // the walk reaches the nested specs

        WalkValues(spec);
        WalkValues(ModelPlanner.Create(spec));
        CheckDeclaredTypes(typeof(ModelSpec));
        CheckDeclaredTypes(typeof(ModelPlan));
    }

    [Fact]
    public void Cached_shell_holds_no_Roslyn_objects_and_no_arrays()
    {
        var nested = """
            using RnnGen;
            namespace Walk.Deep;

            public partial class Outer<T>
            {
                public partial struct Inner
                {
                    [RnnModel(hidden: 0, input: 3, Output = 2, Vocabulary = 10, Loss = RnnLoss.CrossEntropy)]
                    public partial class Model;
                }
            }
            """;
        var compilation = GeneratorHarness.CreateCompilation(nested, Options);
        var result = GeneratorHarness.CreateDriver(Options, trackSteps: true).RunGenerators(compilation).GetRunResult().Results.Single();
        var shell = Assert.IsType<ModelShellSpec>(Assert.Single(Assert.Single(result.TrackedSteps[TrackingNames.Shell]).Outputs).Value);
        Assert.Equal(2, shell.ContainingTypes.Count);
        Assert.Equal("RNNG004, RNNG010", shell.DiagnosticIds);

        WalkValues(shell);
        CheckDeclaredTypes(typeof(ModelShellSpec));
    }

    // ───────────────────────────────────────────── helpers

    private static (GeneratorDriver Driver, Compilation Compilation, string Text) FirstRun(string modelFile = ModelFile, params string[] diagnostics)
    {
        var compilation = GeneratorHarness.CreateCompilation(new[] { modelFile, OtherFile }, Options);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(Options, trackSteps: true).RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Equal(diagnostics, result.Diagnostics.Select(static d => d.Id).ToArray());
        return (driver, compilation, GeneratorHarness.AllText(result.GeneratedSources));
    }

    private static GeneratorRunResult Rerun(ref GeneratorDriver driver, Compilation compilation)
    {
        driver = driver.RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics.Where(static d => d.Severity != DiagnosticSeverity.Info));
        return result;
    }

    private static Compilation Replace(Compilation compilation, int index, string text)
    {
        var old = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(text, Options, path: old.FilePath));
    }

    private static void AssertAllReasons(GeneratorRunResult result, string stepName, params IncrementalStepRunReason[] allowed)
    {
        Assert.True(result.TrackedSteps.TryGetValue(stepName, out var steps), $"step '{stepName}' was not tracked");
        var outputs = steps.SelectMany(static s => s.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.Contains(o.Reason, allowed));
    }

    private static void AssertOutputsCached(GeneratorRunResult result)
    {
        var outputs = result.TrackedOutputSteps[SourceOutput].SelectMany(static s => s.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, static o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    /// <summary>The ModelSpec the pipeline cached for <paramref name="source"/> (through the tracked Spec step).</summary>
    private static ModelSpec ParsedSpec(string source)
    {
        var compilation = GeneratorHarness.CreateCompilation(source, Options);
        var driver = GeneratorHarness.CreateDriver(Options, trackSteps: true).RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Empty(result.Diagnostics.Where(static d => d.Severity != DiagnosticSeverity.Info));
        var output = Assert.Single(Assert.Single(result.TrackedSteps[TrackingNames.Spec]).Outputs);
        return Assert.IsType<ModelSpec>(output.Value);
    }

    private static readonly Type[] RoslynTypes =
    {
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(SyntaxToken), typeof(SyntaxTrivia), typeof(SyntaxReference),
        typeof(Location), typeof(Compilation), typeof(SemanticModel), typeof(AttributeData), typeof(TypedConstant), typeof(Diagnostic),
    };

    /// <summary>Every value reachable from <paramref name="root"/> (fields, and the elements of collections).</summary>
    private static void WalkValues(object root)
    {
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Visit(root, root.GetType().Name);

        void Visit(object? node, string path)
        {
            if (node is null) return;
            var type = node.GetType();
            Assert.False(RoslynTypes.Any(t => t.IsAssignableFrom(type)), $"{path} holds a Roslyn object ({type.FullName})");
            Assert.False(type.IsArray, $"{path} holds an array ({type})");
            if (type.IsPrimitive || type.IsEnum || type == typeof(string)) return;
            if (!type.IsValueType && !visited.Add(node)) return;

            if (node is IEnumerable collection)
            {
                int i = 0;
                foreach (var item in collection) Visit(item, $"{path}[{i++}]");
                return;
            }

            for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
                foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                    Visit(field.GetValue(node), $"{path}.{field.Name}");
        }
    }

    /// <summary>
    /// The declared types: a spec or plan is a sealed record of strings, primitives, enums and EquatableArray&lt;T&gt; of
    /// the same; no T[], ImmutableArray&lt;T&gt; or Roslyn types. The pipeline caches by value equality: an array compares by
    /// reference, so every edit would look like a change and regenerate the model, and a symbol or syntax node would keep
    /// an old compilation alive.
    /// </summary>
    private static void CheckDeclaredTypes(Type root)
    {
        var checkedTypes = new HashSet<Type>();
        Check(root, root.Name);

        void Check(Type type, string path)
        {
            if (type.IsPrimitive || type.IsEnum || type == typeof(string) || !checkedTypes.Add(type)) return;
            Assert.False(type.IsArray, $"{path} is an array ({type})");
            Assert.False(RoslynTypes.Any(t => t.IsAssignableFrom(type)), $"{path} is a Roslyn type ({type})");
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(EquatableArray<>))
            {
                Check(type.GetGenericArguments()[0], path + "[]");
                return;
            }

            Assert.True(type.Assembly == typeof(ModelSpec).Assembly,
                $"{path} is {type}; use strings, primitives, enums, EquatableArray<T> or a generator record");
            bool record = type.GetProperty("EqualityContract", BindingFlags.Instance | BindingFlags.NonPublic) is not null;
            // An abstract record (the plan's LayerPlan) compares by value too: its EqualityContract is the runtime type,
            // so check it and every record deriving from it.
            Assert.True(record && (type.IsSealed || type.IsAbstract), $"{path} is {type}, which is not a sealed (or abstract) record");
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
                Check(field.FieldType, $"{path}.{field.Name}");
            if (type.IsAbstract)
                foreach (var derived in type.Assembly.GetTypes().Where(t => t.IsSubclassOf(type)))
                    Check(derived, $"{path} as {derived.Name}");
        }
    }
}
