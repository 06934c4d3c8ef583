using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// The emitted text of a few small models, compared with the files in <c>Snapshots/</c> (the generator version
/// replaced by <c>%VERSION%</c>). With <c>RNNGEN_UPDATE_SNAPSHOTS=1</c> the test rewrites those files in the source
/// tree instead of comparing; review the diff and commit it.
/// </summary>
public sealed class SnapshotTests
{
    private const string UpdateVariable = "RNNGEN_UPDATE_SNAPSHOTS";
    private const string VersionPlaceholder = "%VERSION%";

    public static IEnumerable<object[]> Cases => new[]
    {
        new object[] { "Elman_H5_I3_O2", "[RnnModel(hidden: 5, input: 3, Output = 2)]" },
        new object[] { "Elman_H16_I4_O1_LastStep_Relu", "[RnnModel(hidden: 16, input: 4, Output = 1, LossOn = RnnLossOn.LastStep, Activation = RnnActivation.Relu)]" },
        new object[] { "Lstm_H8_I3_O1", "[RnnModel(hidden: 8, input: 3, Output = 1, Cell = RnnCell.Lstm)]" },
        new object[] { "Gru_H8_I3_O1", "[RnnModel(hidden: 8, input: 3, Output = 1, Cell = RnnCell.Gru)]" },
        new object[] { "Lstm_H8_I3_O1_BFloat16", "[RnnModel(hidden: 8, input: 3, Output = 1, Cell = RnnCell.Lstm, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]" },
        // The same model without ForceBFloat16Kernels: the float32 kernels over a float32 copy of the rounded weights.
        new object[] { "Lstm_H8_I3_O1_BFloat16Fallback", "[RnnModel(hidden: 8, input: 3, Output = 1, Cell = RnnCell.Lstm, WeightPrecision = RnnPrecision.BFloat16)]" },
        // A list model with one of each: a Dense with Swish, a GRU with a learned initial state, dropout, a softmax head
        // and a linear head with a skip from the input.
        new object[] { "List_Dense6_Gru8_Heads3_1", "[RnnModel(input: 3)]\n[Dense(6, Activation = RnnActivation.Swish)]\n[Gru(8, LearnedInitialState = true)]\n[Dropout(0.1f)]\n"
            + "[Head(3, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]\n[Head(1, AddInput = 0, LossWeight = 0.5f)]" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Emitted_text_matches_snapshot(string name, string attribute)
    {
        string source = $"using RnnGen;\nnamespace Snapshots;\n\n{attribute}\npublic partial class {name};\n";
        var run = GeneratorHarness.RunClean(source);
        Assert.Equal($"Snapshots.{name}.RnnModel.g.cs", run.Main.HintName);
        string actual = Normalize(run.Text);

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            string path = SourceSnapshotPath(name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }

        string? expectedPath = FindSnapshot(name);
        Assert.True(expectedPath is not null,
            $"No snapshot Snapshots/{name}.g.cs; run the tests once with {UpdateVariable}=1 to create it, review it and commit it.");
        string expected = File.ReadAllText(expectedPath!).Replace("\r\n", "\n", StringComparison.Ordinal);
        AssertSameText(expected, actual, name);
    }

    [Fact]
    public void Snapshots_hold_no_version_number()
    {
        string directory = Path.Combine(SourceDirectory(), "Snapshots");
        if (!Directory.Exists(directory)) directory = Path.Combine(AppContext.BaseDirectory, "Snapshots");
        var files = Directory.GetFiles(directory, "*.g.cs");
        Assert.Equal(Cases.Count(), files.Length);
        foreach (var file in files)
        {
            string text = File.ReadAllText(file);
            Assert.Contains($"GeneratedCode(\"RnnGen.Generator\", \"{VersionPlaceholder}\")", text, StringComparison.Ordinal);
            Assert.DoesNotContain($"\"{GeneratorHarness.GeneratorVersion}\"", text, StringComparison.Ordinal);
        }
    }

    /// <summary>Replaces the generator's version (only inside [GeneratedCode]) and normalizes line endings.</summary>
    internal static string Normalize(string text)
    {
        string version = $"GeneratedCode(\"RnnGen.Generator\", \"{GeneratorHarness.GeneratorVersion}\")";
        Assert.Contains(version, text, StringComparison.Ordinal);
        return text.Replace("\r\n", "\n", StringComparison.Ordinal)
            .Replace(version, $"GeneratedCode(\"RnnGen.Generator\", \"{VersionPlaceholder}\")", StringComparison.Ordinal);
    }

    private static void AssertSameText(string expected, string actual, string name)
    {
        if (expected == actual) return;
        string[] e = expected.Split('\n'), a = actual.Split('\n');
        int line = 0;
        while (line < e.Length && line < a.Length && e[line] == a[line]) line++;
        Assert.Fail(
            $"Generated code for {name} differs from Snapshots/{name}.g.cs at line {line + 1}:\n" +
            $"  expected: {(line < e.Length ? e[line] : "<end of file>")}\n" +
            $"  actual:   {(line < a.Length ? a[line] : "<end of file>")}\n" +
            $"({e.Length} expected lines, {a.Length} actual.) If the change is intended, run the tests with {UpdateVariable}=1, review the diff and commit it.");
    }

    /// <summary>The snapshot in the source tree, else the copy next to the test assembly.</summary>
    private static string? FindSnapshot(string name)
    {
        string source = SourceSnapshotPath(name);
        if (File.Exists(source)) return source;
        string copy = Path.Combine(AppContext.BaseDirectory, "Snapshots", name + ".g.cs");
        return File.Exists(copy) ? copy : null;
    }

    private static string SourceSnapshotPath(string name) => Path.Combine(SourceDirectory(), "Snapshots", name + ".g.cs");

    internal static string SourceDirectory([CallerFilePath] string thisFile = "") => Path.GetDirectoryName(thisFile)!;
}
