using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;

namespace RnnGen.Package.Tests;

/// <summary>The tests that share one packed package (one pack per run, tests run one after another).</summary>
[Xunit.CollectionDefinition(Name)]
public sealed class PackageCollection : Xunit.ICollectionFixture<PackageFixture>
{
    public const string Name = "Packed RnnGen";
}

/// <summary>
/// Packs the runtime once per test run with the command a maintainer uses
/// (<c>dotnet pack runtime/RnnGen -c Release -o …</c>) into a fresh folder under this test's output directory,
/// and unpacks the result for inspection. Everything later tests use comes from that .nupkg.
/// </summary>
public sealed class PackageFixture
{
    public PackageFixture()
    {
        WorkDirectory = Path.Combine(AppContext.BaseDirectory, "package-test");
        if (Directory.Exists(WorkDirectory)) Directory.Delete(WorkDirectory, recursive: true);
        FeedDirectory = Directory.CreateDirectory(Path.Combine(WorkDirectory, "feed")).FullName;

        Pack = DotnetCli.Run(DotnetCli.RepositoryRoot,
            new[] { "pack", "runtime/RnnGen/RnnGen.csproj", "-c", "Release", "-o", FeedDirectory, "--disable-build-servers", "-nodeReuse:false" },
            TimeSpan.FromMinutes(6));
        if (Pack.ExitCode != 0) throw new InvalidOperationException("dotnet pack failed: " + Pack);

        NupkgPath = Directory.GetFiles(FeedDirectory, "RnnGen.*.nupkg").Single(p => !p.EndsWith(".symbols.nupkg", StringComparison.Ordinal));
        ExtractedDirectory = Path.Combine(WorkDirectory, "extracted");
        ZipFile.ExtractToDirectory(NupkgPath, ExtractedDirectory);
        using (var zip = ZipFile.OpenRead(NupkgPath))
            Entries = zip.Entries.Select(e => e.FullName).OrderBy(n => n, StringComparer.Ordinal).ToArray();

        Nuspec = XDocument.Load(Path.Combine(ExtractedDirectory, "RnnGen.nuspec"));
        Version = NuspecValue("version") ?? throw new InvalidOperationException("the nuspec has no version");
    }

    /// <summary>Folder for everything this run writes (recreated each run).</summary>
    public string WorkDirectory { get; }

    /// <summary>The local package source: the pack output.</summary>
    public string FeedDirectory { get; }

    /// <summary>The <c>dotnet pack</c> run.</summary>
    public CommandResult Pack { get; }

    /// <summary>The package.</summary>
    public string NupkgPath { get; }

    /// <summary>The package's files, unzipped.</summary>
    public string ExtractedDirectory { get; }

    /// <summary>The package's entries (zip paths).</summary>
    public string[] Entries { get; }

    /// <summary>The package's manifest.</summary>
    public XDocument Nuspec { get; }

    /// <summary>The package version.</summary>
    public string Version { get; }

    /// <summary>The packaged runtime assembly (what a consumer compiles against).</summary>
    public string RuntimeAssembly => Path.Combine(ExtractedDirectory, "lib", "net10.0", "RnnGen.dll");

    /// <summary>The packaged source generator (what a consumer's compiler loads).</summary>
    public string GeneratorAssembly => Path.Combine(ExtractedDirectory, "analyzers", "dotnet", "cs", "RnnGen.Generator.dll");

    /// <summary>The value of a metadata element of the nuspec, by local name.</summary>
    public string? NuspecValue(string name) =>
        Nuspec.Root?.Elements().FirstOrDefault(e => e.Name.LocalName == "metadata")?
            .Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
}
