using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Package.Tests;

/// <summary>
/// What a user gets from <c>dotnet add package RnnGen</c>: the package's contents, and a fresh console project that
/// references only the packed .nupkg (local source, isolated package folder) building, training and running.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class PackageTests
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(4);
    private readonly PackageFixture _package;
    private readonly ITestOutputHelper _output;

    public PackageTests(PackageFixture package, ITestOutputHelper output)
    {
        _package = package;
        _output = output;
    }

    [Fact]
    public void Package_holds_the_library_its_docs_the_generator_the_readme_and_the_license()
    {
        _output.WriteLine($"{Path.GetFileName(_package.NupkgPath)}: {new FileInfo(_package.NupkgPath).Length:N0} bytes, packed in {_package.Pack.Elapsed.TotalSeconds:F1} s");
        foreach (string entry in _package.Entries) _output.WriteLine("  " + entry);

        Assert.Contains("lib/net10.0/RnnGen.dll", _package.Entries);
        Assert.Contains("lib/net10.0/RnnGen.xml", _package.Entries);
        Assert.Contains("analyzers/dotnet/cs/RnnGen.Generator.dll", _package.Entries);
        Assert.Contains("README.md", _package.Entries);
        Assert.Contains("LICENSE", _package.Entries);
        // The generator is a compiler plug-in, never a library the app loads.
        Assert.DoesNotContain(_package.Entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generator", StringComparison.Ordinal));

        Assert.Equal("RnnGen", _package.NuspecValue("id"));
        Assert.Equal("MIT", _package.NuspecValue("license"));
        Assert.Equal("README.md", _package.NuspecValue("readme"));
        Assert.False(string.IsNullOrWhiteSpace(_package.NuspecValue("description")));
        Assert.NotEqual("Package Description", _package.NuspecValue("description"));
        // The generator travels inside the package: no dependency on a package made from its project.
        Assert.DoesNotContain(_package.Nuspec.Descendants(),
            e => e.Name.LocalName == "dependency" && ((string?)e.Attribute("id"))?.Contains("Generator", StringComparison.OrdinalIgnoreCase) == true);

        // The package names the repository the diagnostics' help links point into (RepositoryUrl in Directory.Build.props).
        string repository = System.Xml.Linq.XDocument.Load(Path.Combine(DotnetCli.RepositoryRoot, "Directory.Build.props"))
            .Descendants().Single(static e => e.Name.LocalName == "RepositoryUrl").Value.Trim();
        Assert.Equal(repository, _package.NuspecValue("projectUrl"));
        var repositoryElement = _package.Nuspec.Descendants().Single(static e => e.Name.LocalName == "repository");
        Assert.Equal(repository, (string?)repositoryElement.Attribute("url"));

        // The packaged readme is this repository's package readme.
        Assert.Equal(File.ReadAllText(Path.Combine(DotnetCli.RepositoryRoot, "runtime", "RnnGen", "README.md")),
            File.ReadAllText(Path.Combine(_package.ExtractedDirectory, "README.md")));
    }

    [Fact]
    public void Packaged_generator_targets_netstandard20_and_Roslyn_5_0_so_every_net10_SDK_loads_it()
    {
        using var stream = File.OpenRead(_package.GeneratorAssembly);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var references = md.AssemblyReferences.Select(h => md.GetAssemblyReference(h))
            .ToDictionary(r => md.GetString(r.Name), r => r.Version);
        foreach (var (name, version) in references) _output.WriteLine($"{name} {version}");

        Assert.Equal(new Version(2, 0, 0, 0), references["netstandard"]);
        // A newer compiler API than the oldest net10.0 SDK's (Roslyn 5.0 in SDK 10.0.100) is CS9057 there, and the
        // generator is then silently skipped, and every use of a model's generated members fails to compile.
        Assert.True(references["Microsoft.CodeAnalysis"] <= new Version(5, 0, 0, 0), $"Microsoft.CodeAnalysis {references["Microsoft.CodeAnalysis"]}");
        Assert.True(references["Microsoft.CodeAnalysis.CSharp"] <= new Version(5, 0, 0, 0), $"Microsoft.CodeAnalysis.CSharp {references["Microsoft.CodeAnalysis.CSharp"]}");
    }

    [Fact]
    public void Fresh_consumer_restores_builds_trains_and_runs_from_the_nupkg_alone()
    {
        string consumer = Directory.CreateDirectory(Path.Combine(_package.WorkDirectory, "consumer")).FullName;
        string packages = Path.Combine(_package.WorkDirectory, "packages");
        WriteConsumer(consumer, packages);
        var env = new Dictionary<string, string> { ["NUGET_PACKAGES"] = packages };

        var build = DotnetCli.Run(consumer, new[] { "build", "-c", "Release", "--disable-build-servers", "-nodeReuse:false", "-v:minimal" }, CommandTimeout, env);
        _output.WriteLine(build.ToString());
        Assert.True(build.ExitCode == 0, build.ToString());

        // The compiler loaded the generator: no "analyzer could not be loaded / references a newer compiler" and no
        // generator crash. A fresh project with the package builds without any warning.
        var warnings = Regex.Matches(build.Output, @"warning ([A-Z]+[0-9]+)").Select(m => m.Groups[1].Value).Distinct().ToArray();
        foreach (string id in new[] { "CS9057", "CS8032", "CS8784", "CS8785", "AD0001" }) Assert.DoesNotContain(id, warnings);
        Assert.True(warnings.Length == 0, "warnings in the consumer build: " + string.Join(", ", warnings) + "\n" + build.Output);

        // The package came from the local feed into the isolated folder, nowhere else.
        string restored = Path.Combine(packages, "rnngen", _package.Version);
        Assert.True(File.Exists(Path.Combine(restored, "analyzers", "dotnet", "cs", "RnnGen.Generator.dll")), "not restored into " + restored);
        string assets = File.ReadAllText(Path.Combine(consumer, "obj", "project.assets.json"));
        Assert.Contains(Path.TrimEndingDirectorySeparator(packages).Replace("\\", "\\\\", StringComparison.Ordinal), assets, StringComparison.Ordinal);

        var run = DotnetCli.Run(consumer, new[] { "run", "-c", "Release", "--no-build" }, CommandTimeout, env);
        _output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        // Generated constants: input, hidden, output, layers, window, trainable parameters (PyTorch's count), state size.
        const int gru = 3;
        int trackerWeights = gru * 16 * 3 + gru * 16 * 16 + 2 * gru * 16 + 2 * 16 + 2;
        Assert.Contains($"const Tracker 3 16 2 1 8 {trackerWeights} 16", lines);
        Assert.Contains($"const Echo 1 8 1 1 32 {8 * 1 + 8 * 8 + 8 + 8 + 1 * 8 + 1} 8", lines);

        // Training through the package's generated BPTT and Adam lowers the loss.
        var losses = lines.Where(l => l.StartsWith("loss ", StringComparison.Ordinal))
            .Select(l => float.Parse(l.Split(' ')[2], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(60, losses.Length);
        Assert.All(losses, l => Assert.True(float.IsFinite(l)));
        float first = losses.Take(4).Average(), last = losses.TakeLast(4).Average();
        _output.WriteLine($"loss: first 4 windows {first:F5} → last 4 windows {last:F5}");
        Assert.True(last < 0.5f * first, $"loss did not fall: {first} → {last}");

        Assert.Contains("alloc 0", lines);
        Assert.Contains("roundtrip True", lines);
        Assert.Contains("echo True", lines);
        Assert.Equal("done", lines[^1]);
    }

    private void WriteConsumer(string directory, string packages)
    {
        // Stop MSBuild from importing this repository's Directory.Build.props/targets: the consumer is a stranger.
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), "<Project />\n");
        // What `dotnet new console` writes, plus the package and an isolated package folder.
        File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <RestorePackagesPath>{packages}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="RnnGen" Version="{_package.Version}" />
              </ItemGroup>
            </Project>
            """);
        // The local folder for RnnGen (mapped so a same-named package elsewhere can never win), the default feed for anything else.
        File.WriteAllText(Path.Combine(directory, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="rnngen-local" value="{_package.FeedDirectory}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="rnngen-local">
                  <package pattern="RnnGen" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        foreach (string file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Consumer"), "*.cs"))
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)), overwrite: true);
    }
}
