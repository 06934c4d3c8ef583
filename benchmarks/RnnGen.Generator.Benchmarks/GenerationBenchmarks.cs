using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace RnnGen.Generator.Benchmarks;

/// <summary>
/// What the generator costs a build: one full run of <see cref="RnnModelGenerator"/> over the fifteen models of the
/// benchmark matrix (Elman, LSTM, GRU × hidden 16–256, input 10, one output), from a fresh driver, so nothing is
/// cached. <see cref="GeneratedCharacters"/> is not timed for speed; it reports how much source the run produced.
/// </summary>
[MemoryDiagnoser]
public class GenerationBenchmarks
{
    private CSharpCompilation _compilation = null!;
    private CSharpParseOptions _parseOptions = null!;

    /// <summary>The fifteen matrix models, as a user would declare them.</summary>
    public static string MatrixSource()
    {
        var text = new System.Text.StringBuilder("using RnnGen;\nnamespace Matrix;\n");
        foreach (var cell in new[] { "Elman", "Lstm", "Gru" })
            foreach (int hidden in new[] { 16, 32, 64, 128, 256 })
                text.Append($"[RnnModel(hidden: {hidden}, input: 10, Cell = RnnCell.{cell}, Output = 1)] public partial class {cell}H{hidden};\n");
        return text.ToString();
    }

    [GlobalSetup]
    public void Setup()
    {
        _parseOptions = new CSharpParseOptions(LanguageVersion.CSharp12);
        var references = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(typeof(RnnModelAttribute).Assembly.Location)
            .Distinct(StringComparer.Ordinal)
            .Select(static p => (MetadataReference)MetadataReference.CreateFromFile(p));
        _compilation = CSharpCompilation.Create("Matrix",
            new[] { CSharpSyntaxTree.ParseText(MatrixSource(), _parseOptions) }, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        int files = Run().Results.Single().GeneratedSources.Length;
        if (files < 15) throw new InvalidOperationException($"the generator produced {files} files for 15 models");
    }

    private GeneratorDriverRunResult Run() =>
        CSharpGeneratorDriver.Create(new[] { new RnnModelGenerator().AsSourceGenerator() }, parseOptions: _parseOptions)
            .RunGenerators(_compilation).GetRunResult();

    /// <summary>Parse, plan and emit every model from scratch.</summary>
    [Benchmark]
    public int GenerateMatrix() => Run().Results.Single().GeneratedSources.Length;

    /// <summary>Characters of generated source for the whole matrix (printed once by <see cref="Program"/>).</summary>
    public int GeneratedCharacters() =>
        Run().Results.Single().GeneratedSources.Sum(static s => s.SourceText.Length);
}
