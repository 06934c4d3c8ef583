using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>What one generator run produced.</summary>
/// <param name="Sources">The generated files (hint name and text).</param>
/// <param name="GeneratorDiagnostics">Diagnostics the generator reported (RNNG…).</param>
/// <param name="OutputDiagnostics">
/// Warnings and errors of the compilation that includes the generated files (hidden and info filtered out),
/// plus the driver's own diagnostics, such as CS8785 when the generator threw.
/// </param>
/// <param name="Exception">The exception the generator threw, if any.</param>
/// <param name="OutputCompilation">The compilation with the generated files added.</param>
/// <param name="RunResult">The raw driver result.</param>
internal sealed record GeneratorRun(
    ImmutableArray<GeneratedSourceResult> Sources,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> OutputDiagnostics,
    Exception? Exception,
    Compilation OutputCompilation,
    GeneratorDriverRunResult RunResult)
{
    /// <summary>The only generated file (an invalid model's shell); fails if there is not exactly one.</summary>
    public GeneratedSourceResult Single => Assert.Single(Sources);

    /// <summary>The main file (<c>….RnnModel.g.cs</c>) of the only model; fails unless exactly one model was generated.</summary>
    public GeneratedSourceResult Main => Assert.Single(Sources, static s => s.HintName.EndsWith(".RnnModel.g.cs", StringComparison.Ordinal));

    /// <summary>The names of the generated models (one per main file).</summary>
    public int ModelCount => Sources.Count(static s => s.HintName.EndsWith(".RnnModel.g.cs", StringComparison.Ordinal));

    /// <summary>Every generated file's text, in the generator's order.</summary>
    public string Text => GeneratorHarness.AllText(Sources);

    /// <summary>Every generated file's syntax tree.</summary>
    public IEnumerable<SyntaxTree> Trees => Sources.Select(static s => s.SyntaxTree);

    /// <summary>Asserts the run generated exactly one model: its main, Kernels, Training and Agents files (and BFloat16 when it has the copy).</summary>
    public void AssertOneModel()
    {
        string prefix = Main.HintName.Substring(0, Main.HintName.Length - "RnnModel.g.cs".Length);
        var parts = Sources.Select(s => s.HintName.StartsWith(prefix, StringComparison.Ordinal) ? s.HintName.Substring(prefix.Length) : s.HintName).ToList();
        var expected = new List<string> { "RnnModel.g.cs", "Kernels.g.cs", "Training.g.cs", "Agents.g.cs" };
        if (parts.Contains("BFloat16.g.cs")) expected.Add("BFloat16.g.cs");
        Assert.Equal(expected, parts);
    }

    /// <summary>Output diagnostics located in generated files (never in the user's source).</summary>
    public ImmutableArray<Diagnostic> DiagnosticsInGeneratedCode =>
        OutputDiagnostics.Where(d => d.Location.SourceTree is { } tree && OutputCompilation.SyntaxTrees.Contains(tree)
            && Sources.Any(s => s.SyntaxTree == tree)).ToImmutableArray();
}

/// <summary>
/// A plain <see cref="CSharpGeneratorDriver"/> harness (no SourceGenerators.Testing): references are the test
/// host's trusted platform assemblies plus the RnnGen runtime, so nothing is downloaded.
/// </summary>
internal static class GeneratorHarness
{
    /// <summary>The usual model file header.</summary>
    public const string Usings = "using RnnGen;\n";

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(LoadReferences);

    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    /// <summary>The version the generator writes into [GeneratedCode].</summary>
    public static string GeneratorVersion =>
        typeof(RnnModelGenerator).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

    public static CSharpParseOptions ParseOptions(LanguageVersion languageVersion = LanguageVersion.CSharp12,
        DocumentationMode documentationMode = DocumentationMode.Parse) =>
        new(languageVersion, documentationMode);

    public static CSharpCompilationOptions CompilationOptions { get; } =
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                allowUnsafe: false,
                // Release IL, as a consumer ships it: the IL-budget test measures what the JIT will see.
                optimizationLevel: OptimizationLevel.Release);

    public static CSharpCompilation CreateCompilation(IEnumerable<string> sources, CSharpParseOptions? parseOptions = null)
    {
        parseOptions ??= ParseOptions();
        var trees = sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, parseOptions, path: $"/src/File{i}.cs"));
        return CSharpCompilation.Create("TestAssembly", trees, References, CompilationOptions);
    }

    public static CSharpCompilation CreateCompilation(string source, CSharpParseOptions? parseOptions = null) =>
        CreateCompilation(new[] { source }, parseOptions);

    public static GeneratorDriver CreateDriver(CSharpParseOptions parseOptions, bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(
            new[] { new RnnModelGenerator().AsSourceGenerator() },
            parseOptions: parseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>The text of every file of a generator run, in order (a model's files joined).</summary>
    public static string AllText(IEnumerable<GeneratedSourceResult> sources) =>
        string.Concat(sources.Select(static s => s.SourceText.ToString()));

    /// <summary>Generated text with the writer's line wrapping undone (a list broken after "(" or "," reads as one line), for substring checks.</summary>
    public static string Unwrapped(string text) =>
        System.Text.RegularExpressions.Regex.Replace(System.Text.RegularExpressions.Regex.Replace(text, @"\(\n\s+", "("), @",\n\s+", ", ");

    /// <summary>Runs the generator on <paramref name="source"/> (C# 12 unless told otherwise).</summary>
    public static GeneratorRun Run(string source, LanguageVersion languageVersion = LanguageVersion.CSharp12,
        DocumentationMode documentationMode = DocumentationMode.Parse) =>
        Run(new[] { source }, ParseOptions(languageVersion, documentationMode));

    public static GeneratorRun Run(IEnumerable<string> sources, CSharpParseOptions parseOptions)
    {
        var compilation = CreateCompilation(sources, parseOptions);
        var driver = CreateDriver(parseOptions).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var driverDiagnostics);
        return ToRun(driver.GetRunResult(), output, driverDiagnostics);
    }

    public static GeneratorRun ToRun(GeneratorDriverRunResult runResult, Compilation output, ImmutableArray<Diagnostic> driverDiagnostics)
    {
        var result = Assert.Single(runResult.Results);
        var outputDiagnostics = driverDiagnostics.Concat(output.GetDiagnostics())
            .Where(static d => d.Severity >= DiagnosticSeverity.Warning)
            .ToImmutableArray();
        return new GeneratorRun(result.GeneratedSources, result.Diagnostics, outputDiagnostics, result.Exception, output, runResult);
    }

    /// <summary>
    /// Runs the generator on a valid model and asserts the model is accepted: no generator diagnostics,
    /// no exception, exactly one file, and an output compilation with zero warnings and errors.
    /// </summary>
    public static GeneratorRun RunClean(string source, LanguageVersion languageVersion = LanguageVersion.CSharp12)
    {
        var run = Run(source, languageVersion);
        Assert.Null(run.Exception);
        // Informational messages (RNNG032: a small bfloat16 model runs the float32 kernels) leave a model clean; the tests
        // named after them check them.
        Assert.Empty(run.GeneratorDiagnostics.Where(static d => d.Severity != DiagnosticSeverity.Info));
        run.AssertOneModel();
        AssertNoDiagnostics(run.OutputDiagnostics);
        return run;
    }

    public static void AssertNoDiagnostics(IEnumerable<Diagnostic> diagnostics)
    {
        var list = diagnostics.ToList();
        Assert.True(list.Count == 0,
            $"Expected no warnings or errors, got {list.Count}:\n" + string.Join("\n", list.Take(20).Select(Describe)));
    }

    public static string Describe(Diagnostic d)
    {
        string where = d.Location.IsInSource
            ? $"{Path.GetFileName(d.Location.SourceTree!.FilePath)}({d.Location.GetLineSpan().StartLinePosition.Line + 1}): "
            : "";
        return $"{where}{d.Severity} {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(typeof(RnnModelAttribute).Assembly.Location)
            .Where(static p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(Path.GetFullPath)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        Assert.Contains(paths, static p => Path.GetFileName(p) == "System.Runtime.dll");
        return paths.Select(static p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }
}
