using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace RnnGen.Package.Tests;

/// <summary>What the walkthrough did for one block of the page.</summary>
/// <param name="Block">The page's block.</param>
/// <param name="Directory">The shell's folder when the block started (the folder Program.cs went to, for a C# block).</param>
/// <param name="Result">The shell's run of a <c>sh</c> block; null for a C# block written to Program.cs.</param>
public sealed record WalkthroughStep(FencedBlock Block, string Directory, CommandResult? Result);

/// <summary>
/// <c>docs/getting-started.md</c> followed literally, once per test run, as a reader on a fresh machine would:
/// <list type="bullet">
/// <item>a new, empty home folder (<c>HOME</c>), so <c>~/rnngen-feed</c>, <c>~/Predictor</c> and <c>~/.nuget/packages</c>
/// are new and nothing from this machine's NuGet cache is used (in particular no older RnnGen 0.1.0);</item>
/// <item>a copy of the repository's sources (without build output, checkpoints or hidden folders) as "the clone", where the
/// page's first commands run;</item>
/// <item>the page's shell blocks run with bash, in order, each starting in the folder where the previous one ended;</item>
/// <item>the C# block that the page says replaces <c>Program.cs</c> is written to <c>Program.cs</c> of the folder the
/// shell is in when the walkthrough reaches it.</item>
/// </list>
/// The walkthrough stops at the first block that fails; the tests read what it recorded.
/// </summary>
public sealed class GettingStartedWalkthrough : IDisposable
{
    /// <summary>The page.</summary>
    public const string Document = "docs/getting-started.md";

    /// <summary>How the page asks for a C# block to become the program.</summary>
    public const string ReplaceProgram = "Replace `Program.cs` with this";

    private static readonly TimeSpan BlockTimeout = TimeSpan.FromMinutes(10);

    public GettingStartedWalkthrough()
    {
        // Outside the repository: the walkthrough copies the sources, and a second RnnGen.Benchmarks.csproj under the
        // repository's folder made BenchmarkDotNet refuse to run ("Found more than one matching project file").
        WorkDirectory = Directory.CreateTempSubdirectory("rnngen-walkthrough-").FullName;
        Home = Directory.CreateDirectory(Path.Combine(WorkDirectory, "home")).FullName;
        Clone = Path.Combine(WorkDirectory, "RnnGen");
        CopySources(DotnetCli.RepositoryRoot, Clone);
        Environment = new Dictionary<string, string> { ["HOME"] = Home };

        string cwdFile = Path.Combine(WorkDirectory, "cwd");
        string cwd = Clone;
        foreach (var block in Markdown.Blocks(Document))
        {
            if (block.IsShell)
            {
                // `pwd` at the end carries the folder over to the next block, as one terminal session would.
                string script = block.Code + "pwd > \"$RNNGEN_WALKTHROUGH_CWD\"\n";
                var env = new Dictionary<string, string>(Environment) { ["RNNGEN_WALKTHROUGH_CWD"] = cwdFile };
                var result = DotnetCli.RunProgram("bash", cwd, new[] { "-euo", "pipefail", "-c", script }, BlockTimeout, env, Unset);
                Steps.Add(new WalkthroughStep(block, cwd, result));
                if (result.ExitCode != 0) break;
                cwd = File.ReadAllText(cwdFile).Trim();
            }
            else if (block.IsCSharp && block.TextBefore.Contains(ReplaceProgram, StringComparison.Ordinal))
            {
                File.WriteAllText(Path.Combine(cwd, "Program.cs"), block.Code);
                Steps.Add(new WalkthroughStep(block, cwd, null));
            }
        }

        Completed = Steps.Count > 0 && Steps.All(s => s.Result is null || s.Result.ExitCode == 0);
        ProjectDirectory = Completed && Directory.GetFiles(cwd, "*.csproj").Length == 1 ? cwd : null;
    }

    /// <summary>Variables a reader's shell would not have: they would point NuGet or the CLI at this machine's folders.</summary>
    public static IReadOnlyCollection<string> Unset { get; } = new[] { "NUGET_PACKAGES", "DOTNET_CLI_HOME", "NUGET_HTTP_CACHE_PATH" };

    /// <summary>Deletes <see cref="WorkDirectory"/> once the tests that share this walkthrough are done.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A build server may still hold a file; the folder is under the temporary directory.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Folder for everything the walkthrough writes: a new folder under the temporary directory each run, deleted afterwards.</summary>
    public string WorkDirectory { get; }

    /// <summary>The reader's home folder.</summary>
    public string Home { get; }

    /// <summary>"The clone": a copy of the repository's sources.</summary>
    public string Clone { get; }

    /// <summary>The variables every command of the walkthrough gets (besides <see cref="Unset"/>).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>The blocks run or written, in the page's order, up to the first that failed.</summary>
    public List<WalkthroughStep> Steps { get; } = new();

    /// <summary>Whether every shell block exited with 0.</summary>
    public bool Completed { get; }

    /// <summary>The console project the page made (the folder the walkthrough ended in), or null.</summary>
    public string? ProjectDirectory { get; }

    /// <summary>Everything recorded, for failure messages.</summary>
    public string Transcript() => string.Join("\n", Steps.Select(s =>
        $"== {s.Block} (in {s.Directory})\n" + (s.Result?.ToString() ?? "wrote Program.cs")));

    private static void CopySources(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string dir in Directory.GetDirectories(from))
        {
            string name = Path.GetFileName(dir);
            if (name.StartsWith('.') || name is "bin" or "obj" or "TestResults" or "BenchmarkDotNet.Artifacts" or "artifacts" or "charrnn-checkpoint") continue;
            CopySources(dir, Path.Combine(to, name));
        }
    }
}
