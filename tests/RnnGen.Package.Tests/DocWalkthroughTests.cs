using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Package.Tests;

/// <summary>
/// The user docs done, not only compiled: <c>docs/getting-started.md</c>'s commands run in order on a fresh home folder
/// (<see cref="GettingStartedWalkthrough"/>), and every C# block of <c>README.md</c> and <c>docs/getting-started.md</c>,
/// pasted as <c>Program.cs</c> into the console project that walkthrough made, builds and runs with <c>dotnet run</c>.
/// Where a document shows what a command or a block prints (a <c>text</c> block right after it), the output must match;
/// such blocks of the other docs are run too.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class DocWalkthroughTests : IClassFixture<GettingStartedWalkthrough>
{
    /// <summary>The documents whose C# blocks must each be a complete program that runs.</summary>
    public static readonly string[] RunnableDocuments = { "README.md", GettingStartedWalkthrough.Document };

    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);
    private readonly GettingStartedWalkthrough _walkthrough;
    private readonly ITestOutputHelper _output;

    public DocWalkthroughTests(GettingStartedWalkthrough walkthrough, ITestOutputHelper output)
    {
        _walkthrough = walkthrough;
        _output = output;
    }

    /// <summary>
    /// (document, line of the block's first code line) for every C# block of <see cref="RunnableDocuments"/>, and for every
    /// C# block of the other user docs that shows its output (a <c>text</c> block right after it).
    /// </summary>
    public static IEnumerable<object[]> CSharpBlocks() =>
        RunnableDocuments.Concat(DocSnippetTests.Documents).Distinct(StringComparer.Ordinal)
            .SelectMany(doc =>
            {
                var blocks = Markdown.Blocks(doc);
                return blocks.Where((b, i) => b.IsCSharp &&
                    (RunnableDocuments.Contains(doc) || (i + 1 < blocks.Count && blocks[i + 1].Language == "text")));
            })
            .Select(b => new object[] { b.Document, b.Line });

    [Fact]
    public void Getting_started_commands_work_in_order_on_a_fresh_machine_and_print_what_the_page_shows()
    {
        _output.WriteLine(_walkthrough.Transcript());
        Assert.True(_walkthrough.Completed, "the getting-started page's commands failed when run in order:\n" + _walkthrough.Transcript());

        var steps = _walkthrough.Steps;
        Assert.Contains(steps, s => s.Result is null);   // the program was written
        Assert.True(steps.Count(s => s.Result is not null) >= 3, "expected the pack, project and run commands:\n" + _walkthrough.Transcript());
        Assert.NotNull(_walkthrough.ProjectDirectory);

        // The package came from the page's local feed into the fresh home's NuGet folder: no older copy was used.
        string feed = Path.Combine(_walkthrough.Home, "rnngen-feed");
        string nupkg = Assert.Single(Directory.GetFiles(feed, "RnnGen.*.nupkg"), p => !p.EndsWith(".symbols.nupkg", StringComparison.Ordinal));
        string version = Path.GetFileNameWithoutExtension(nupkg)["RnnGen.".Length..];
        Assert.True(Directory.Exists(Path.Combine(_walkthrough.Home, ".nuget", "packages", "rnngen", version)), "RnnGen was not restored into the fresh home");

        // Every output block that follows a command matches what that command printed.
        var blocks = Markdown.Blocks(GettingStartedWalkthrough.Document);
        int compared = 0;
        foreach (var step in steps.Where(s => s.Result is not null))
        {
            int next = IndexOf(blocks, step.Block) + 1;
            if (next < blocks.Count && blocks[next].Language == "text")
            {
                DocOutput.AssertPrints(blocks[next], step.Result!.Output, step.Block.ToString());
                compared++;
            }
        }

        Assert.True(compared > 0, "the page shows no output of its run command");
    }

    [Theory]
    [MemberData(nameof(CSharpBlocks))]
    public void Code_block_pasted_into_a_new_console_project_builds_and_runs(string document, int line)
    {
        Assert.True(_walkthrough.ProjectDirectory is not null,
            "the getting-started walkthrough did not get as far as a console project:\n" + _walkthrough.Transcript());
        var blocks = Markdown.Blocks(document);
        var block = blocks.Single(b => b.Line == line);
        var root = CSharpSyntaxTree.ParseText(block.Code).GetCompilationUnitRoot();
        Assert.True(root.Members.OfType<GlobalStatementSyntax>().Any(),
            $"{block} declares types only: a block of {document} must be a whole Program.cs (statements first, then the model)");

        string project = _walkthrough.ProjectDirectory!;
        File.WriteAllText(Path.Combine(project, "Program.cs"), block.Code);
        var run = DotnetCli.RunProgram("dotnet", project, new[] { "run", "-c", "Release" }, RunTimeout,
            _walkthrough.Environment, GettingStartedWalkthrough.Unset);
        _output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, $"{block}, pasted as Program.cs, does not build and run:\n{run}\n---\n{block.Code}");

        int next = IndexOf(blocks, block) + 1;
        if (next < blocks.Count && blocks[next].Language == "text")
            DocOutput.AssertPrints(blocks[next], run.Output, block.ToString());
    }

    private static int IndexOf(IReadOnlyList<FencedBlock> blocks, FencedBlock block)
    {
        for (int i = 0; i < blocks.Count; i++)
            if (blocks[i].Line == block.Line) return i;
        throw new InvalidOperationException(block + " is not in its document any more");
    }
}
