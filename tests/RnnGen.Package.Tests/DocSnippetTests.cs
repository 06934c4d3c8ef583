using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Package.Tests;

/// <summary>
/// Every <c>```csharp</c> block of the user docs compiles against the packed package: its RnnGen.dll as the
/// reference and its analyzers/dotnet/cs/RnnGen.Generator.dll as the generator, with the implicit usings and
/// nullable setting of <c>dotnet new console</c>. Each block is its own compilation: a program (top-level
/// statements) or a library (declarations only), so every block must be complete.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class DocSnippetTests
{
    /// <summary>The docs whose code blocks are checked (paths from the repository root).</summary>
    public static readonly string[] Documents =
    {
        "README.md",
        "docs/getting-started.md",
        "docs/performance-guide.md",
        "docs/comparison.md",
        "docs/attribute-reference.md",
        "docs/importing.md",
        "docs/serialization.md",
        "docs/optimizers.md",
        "runtime/RnnGen/README.md",
    };

    /// <summary>Warnings a doc fragment may have: it declares things a reader would go on to use.</summary>
    private static readonly HashSet<string> AllowedWarnings = new(StringComparer.Ordinal)
    {
        "CS0168", // variable declared but never used
        "CS0219", // variable assigned but its value never used
        "CS8321", // local function declared but never used
    };

    private static readonly string[] ImplicitUsings =
    {
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks",
    };

    private readonly PackageFixture _package;
    private readonly ITestOutputHelper _output;

    public DocSnippetTests(PackageFixture package, ITestOutputHelper output)
    {
        _package = package;
        _output = output;
    }

    /// <summary>(document, first line of the code, code) for every csharp block.</summary>
    public static IEnumerable<object[]> Snippets() =>
        Documents.Where(doc => File.Exists(Path.Combine(DotnetCli.RepositoryRoot, doc)))
            .SelectMany(doc => Extract(doc).Select(s => new object[] { doc, s.Line, s.Code }));

    [Fact]
    public void Each_document_exists_and_has_code()
    {
        foreach (string doc in Documents)
            Assert.True(Extract(doc).Any() || doc == "docs/comparison.md", doc + " has no ```csharp block");
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void Code_block_compiles_against_the_package(string document, int line, string code)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Default);
        var tree = CSharpSyntaxTree.ParseText(code, parse, path: $"{document}:{line}");
        bool program = tree.GetCompilationUnitRoot().Members.OfType<GlobalStatementSyntax>().Any();
        var usings = CSharpSyntaxTree.ParseText(string.Concat(ImplicitUsings.Select(u => $"global using global::{u};\n")), parse, path: "ImplicitUsings.cs");
        var compilation = CSharpCompilation.Create(
            "Snippet",
            new[] { usings, tree },
            References(),
            new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable));

        var generators = new AnalyzerFileReference(_package.GeneratorAssembly, new PackageAnalyzerLoader()).GetGenerators(LanguageNames.CSharp);
        Assert.NotEmpty(generators);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(generators, parseOptions: parse);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var driverDiagnostics);

        using var pe = new MemoryStream();
        var emit = output.Emit(pe);
        var problems = driverDiagnostics.Concat(emit.Diagnostics)
            .Where(d => d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && !AllowedWarnings.Contains(d.Id)))
            .ToArray();
        foreach (var d in problems) _output.WriteLine(d.ToString());
        Assert.True(problems.Length == 0 && emit.Success,
            $"{document}, code block at line {line} does not compile against the package:\n" +
            string.Join("\n", problems.Select(d => d.ToString())) + "\n---\n" + code);
    }

    /// <summary>The shared framework the tests run on (what a net10.0 console app compiles against), read once.</summary>
    private static readonly Lazy<ImmutableArray<MetadataReference>> Framework = new(() =>
    {
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        return ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => string.Equals(Path.GetDirectoryName(p), framework, StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    });

    private ImmutableArray<MetadataReference> References() =>
        Framework.Value.Add(MetadataReference.CreateFromFile(_package.RuntimeAssembly));

    private static IEnumerable<(int Line, string Code)> Extract(string document) =>
        Markdown.Blocks(document).Where(b => b.IsCSharp).Select(b => (b.Line, b.Code));

    /// <summary>Loads the packaged generator the way the compiler does: from its file, sharing Roslyn with the host.</summary>
    private sealed class PackageAnalyzerLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Assembly> Loaded = new(StringComparer.Ordinal);

        public Assembly LoadFromPath(string fullPath) =>
            Loaded.GetOrAdd(fullPath, static p => new AssemblyLoadContext("RnnGen package generator").LoadFromAssemblyPath(p));
    }
}
