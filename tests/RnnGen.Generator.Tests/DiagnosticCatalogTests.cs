using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator.Diagnostics;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Every descriptor has a unique, consecutive ID, category RnnGen, a help link to its page, an entry in
/// AnalyzerReleases.Unshipped.md, a page under docs/diagnostics whose example really triggers it, and a test. Users
/// search and suppress by ID, so an ID is never reused; the help link is where the IDE sends them, so the page must
/// exist; release tracking (RS2008) needs the entry.
/// </summary>
public sealed class DiagnosticCatalogTests
{
    private static readonly IReadOnlyList<DiagnosticDescriptor> Descriptors = typeof(DiagnosticDescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(static f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(static f => (DiagnosticDescriptor)f.GetValue(null)!)
        .OrderBy(static d => d.Id, StringComparer.Ordinal)
        .ToList();

    public static IEnumerable<object[]> Ids => Descriptors.Select(static d => new object[] { d.Id });

    /// <summary>The informational messages: a valid model that is built, with something worth knowing about it.</summary>
    private static readonly HashSet<string> Informational = new(StringComparer.Ordinal) { "RNNG032" };

    private static DiagnosticSeverity SeverityOf(string id) => Informational.Contains(id) ? DiagnosticSeverity.Info : DiagnosticSeverity.Error;

    internal static string RepositoryRoot => Path.GetFullPath(Path.Combine(SnapshotTests.SourceDirectory(), "..", ".."));

    /// <summary>The repository URL as the build defines it: <c>RepositoryUrl</c> in Directory.Build.props.</summary>
    internal static string RepositoryUrl
    {
        get
        {
            var props = System.Xml.Linq.XDocument.Load(Path.Combine(RepositoryRoot, "Directory.Build.props"));
            var urls = props.Descendants().Where(static e => e.Name.LocalName == "RepositoryUrl").Select(static e => e.Value.Trim()).ToList();
            Assert.True(urls.Count == 1, "Directory.Build.props must set RepositoryUrl exactly once");
            Assert.StartsWith("https://", urls[0], StringComparison.Ordinal);
            return urls[0].TrimEnd('/');
        }
    }

    [Fact]
    public void Ids_are_unique_and_consecutive()
    {
        Assert.NotEmpty(Descriptors);
        Assert.Equal(Enumerable.Range(1, Descriptors.Count).Select(static i => $"RNNG{i:000}"), Descriptors.Select(static d => d.Id));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_is_an_enabled_error_with_its_help_link(string id)
    {
        var d = Descriptors.Single(x => x.Id == id);
        Assert.Equal("RnnGen", d.Category);
        Assert.Equal(SeverityOf(id), d.DefaultSeverity);
        Assert.True(d.IsEnabledByDefault);
        Assert.False(string.IsNullOrWhiteSpace(d.Title.ToString()));
        Assert.Contains(";", d.MessageFormat.ToString(), StringComparison.Ordinal);   // "<problem>; <how to fix>"
    }

    /// <summary>
    /// The help link is the page in the repository the package names: <c>{RepositoryUrl}/blob/main/docs/diagnostics/rnngNNN.md</c>,
    /// with RepositoryUrl from Directory.Build.props (the package's repository and project URL), and the page exists.
    /// </summary>
    [Theory]
    [MemberData(nameof(Ids))]
    public void Help_link_is_the_page_in_the_package_repository(string id)
    {
        var d = Descriptors.Single(x => x.Id == id);
        string page = $"docs/diagnostics/{id.ToLowerInvariant()}.md";
        Assert.Equal($"{RepositoryUrl}/blob/main/{page}", d.HelpLinkUri);
        Assert.True(File.Exists(Path.Combine(RepositoryRoot, page)), $"missing {page}");
    }

    [Fact]
    public void Package_project_url_is_the_repository_url()
    {
        var project = System.Xml.Linq.XDocument.Load(Path.Combine(RepositoryRoot, "runtime", "RnnGen", "RnnGen.csproj"));
        var projectUrl = project.Descendants().Single(static e => e.Name.LocalName == "PackageProjectUrl").Value.Trim();
        Assert.Equal("$(RepositoryUrl)", projectUrl);
        Assert.Equal(RepositoryUrl, DiagnosticDescriptors.RepositoryUrl);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Release_tracking_lists_the_rule(string id)
    {
        var d = Descriptors.Single(x => x.Id == id);
        string unshipped = File.ReadAllText(Path.Combine(RepositoryRoot, "generator", "RnnGen.Generator", "AnalyzerReleases.Unshipped.md"));
        Assert.Contains($"{id} | RnnGen | {SeverityOf(id)} | {d.Title}", unshipped, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Doc_page_exists_with_title_sections_and_a_triggering_example(string id)
    {
        var d = Descriptors.Single(x => x.Id == id);
        string path = Path.Combine(RepositoryRoot, "docs", "diagnostics", id.ToLowerInvariant() + ".md");
        Assert.True(File.Exists(path), $"missing {path}");
        string page = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);

        Assert.StartsWith($"# {id}: {d.Title}\n", page, StringComparison.Ordinal);
        foreach (var section in new[] { "## When it fires", "## Example", "## How to fix" })
            Assert.Contains("\n" + section + "\n", page, StringComparison.Ordinal);

        // The first C# block after "## Example" is a whole file that reports this ID.
        string afterExample = page.Substring(page.IndexOf("\n## Example\n", StringComparison.Ordinal));
        var block = Regex.Match(afterExample, "```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "the Example section needs a ```csharp block");
        var version = id == "RNNG013" ? LanguageVersion.CSharp11 : LanguageVersion.CSharp12;
        var run = GeneratorHarness.Run(block.Groups[1].Value, version);
        Assert.Null(run.Exception);
        Assert.Contains(run.GeneratorDiagnostics, x => x.Id == id);
        var models = run.Sources.Where(static s => !s.HintName.EndsWith(".RnnModel.Shell.g.cs", StringComparison.Ordinal));
        if (id == "RNNG019" || Informational.Contains(id)) run.AssertOneModel();   // built once, from the first attribute; or valid
        else Assert.Empty(models);                                               // an invalid model gets no model, at most its shell
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_id_has_a_test(string id)
    {
        var tests = typeof(DiagnosticTests).GetMethods().Where(static m => m.GetCustomAttributes<FactAttribute>().Any());
        Assert.Contains(tests, m => m.Name.StartsWith(id + "_", StringComparison.Ordinal));
    }
}
