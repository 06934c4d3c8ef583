using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// One test per diagnostic: ID, severity, the exact span (marked <c>[|…|]</c> in the source), the full message,
/// the help link, and that an invalid model emits no model (at most its shell, which adds no error). The sources are
/// otherwise valid C#, so the generator's errors are the only ones.
/// </summary>
public sealed class DiagnosticTests
{
    private static readonly string HelpBase = DiagnosticCatalogTests.RepositoryUrl + "/blob/main/docs/diagnostics/";

    [Fact]
    public void RNNG001_class_not_partial() => AssertDiagnostic("RNNG001", """
        [RnnModel(8, 2)]
        public class [|Model|] { }
        """,
        "Class 'Model' has [RnnModel] but is not partial; add the 'partial' modifier");

    [Fact]
    public void RNNG002_containing_type_not_partial() => AssertDiagnostic("RNNG002", """
        public class Outer
        {
            [RnnModel(8, 2)]
            public partial class [|Model|];
        }
        """,
        "Class 'Model' is nested in 'Outer', which is not partial; add the 'partial' modifier to 'Outer' or move 'Model' out of it");

    [Fact]
    public void RNNG002_names_the_non_partial_level_of_a_deep_nesting() => AssertDiagnostic("RNNG002", """
        public partial class Outer
        {
            public struct Middle
            {
                [RnnModel(8, 2)]
                public partial class [|Model|];
            }
        }
        """,
        "Class 'Model' is nested in 'Middle', which is not partial; add the 'partial' modifier to 'Middle' or move 'Model' out of it");

    [Fact]
    public void RNNG003_generic_model() => AssertDiagnostic("RNNG003", """
        [RnnModel(8, 2)]
        public partial class Model[|<T>|];
        """,
        "Class 'Model' is generic, but a model's sizes are fixed at compile time; remove the type parameters");

    [Theory]
    [InlineData("[RnnModel([|0|], 2)]", "0")]
    [InlineData("[RnnModel([|hidden: 4097|], input: 2)]", "4097")]
    [InlineData("[RnnModel(input: 2, [|hidden: -5|])]", "-5")]
    public void RNNG004_hidden_out_of_range(string attribute, string value) => AssertDiagnostic("RNNG004",
        attribute + "\npublic partial class Model;",
        $"hidden = {value} is out of range; use a value from 1 to 4096");

    [Theory]
    [InlineData("[RnnModel(8, [|0|])]", "0")]
    [InlineData("[RnnModel(8, [|input: 65537|])]", "65537")]
    public void RNNG005_input_out_of_range(string attribute, string value) => AssertDiagnostic("RNNG005",
        attribute + "\npublic partial class Model;",
        $"input = {value} is out of range; use a value from 1 to 65536");

    [Theory]
    [InlineData("[RnnModel(8, 2, [|Output = -1|])]", "-1")]
    [InlineData("[RnnModel(8, 2, [|Output = 65537|])]", "65537")]
    public void RNNG006_output_out_of_range(string attribute, string value) => AssertDiagnostic("RNNG006",
        attribute + "\npublic partial class Model;",
        $"Output = {value} is out of range; use 0 (no head: the outputs are the hidden state) or a value from 1 to 65536");

    [Theory]
    [InlineData("[RnnModel(8, 2, [|Window = 0|])]", "0")]
    [InlineData("[RnnModel(8, 2, Output = 1, [|Window = 4097|])]", "4097")]
    public void RNNG007_window_out_of_range(string attribute, string value) => AssertDiagnostic("RNNG007",
        attribute + "\npublic partial class Model;",
        $"Window = {value} is out of range; use a value from 1 to 4096 (the longest sequence one BPTT call accepts)");

    [Theory]
    [InlineData("[RnnModel(8, 2, [|Layers = 0|])]", "0")]
    [InlineData("[RnnModel(8, 2, [|Layers = 9|])]", "9")]
    public void RNNG008_layers_out_of_range(string attribute, string value) => AssertDiagnostic("RNNG008",
        attribute + "\npublic partial class Model;",
        $"Layers = {value} is out of range; use a value from 1 to 8");

    [Fact]
    public void RNNG009_activation_on_a_gated_cell() => AssertDiagnostic("RNNG009", """
        [RnnModel(8, 2, Cell = RnnCell.Gru, [|Activation = RnnActivation.Relu|])]
        public partial class Model;
        """,
        "Activation = RnnActivation.Relu applies only to Cell = RnnCell.Elman; remove 'Activation' (LSTM and GRU use sigmoid gates and tanh)");

    [Fact]
    public void RNNG009_even_the_default_activation_set_explicitly() => AssertDiagnostic("RNNG009", """
        [RnnModel(8, 2, Cell = RnnCell.Lstm, [|Activation = RnnActivation.Tanh|])]
        public partial class Model;
        """,
        "Activation = RnnActivation.Tanh applies only to Cell = RnnCell.Elman; remove 'Activation' (LSTM and GRU use sigmoid gates and tanh)");

    [Theory]
    [InlineData("[RnnModel(8, 2, [|OutputActivation = RnnOutputActivation.Sigmoid|])]",
        "OutputActivation = RnnOutputActivation.Sigmoid needs a head; set Output to the number of outputs (e.g. Output = 1)")]
    [InlineData("[RnnModel(8, 2, Output = 3, [|Loss = RnnLoss.CrossEntropy|])]",
        "Loss = RnnLoss.CrossEntropy needs a softmax head; set Output = <classes> and OutputActivation = RnnOutputActivation.Softmax")]
    [InlineData("[RnnModel(8, 2, Output = 1, [|Loss = RnnLoss.BinaryCrossEntropy|])]",
        "Loss = RnnLoss.BinaryCrossEntropy needs a sigmoid head; set Output > 0 and OutputActivation = RnnOutputActivation.Sigmoid")]
    [InlineData("[RnnModel(8, 2, Output = 3, [|OutputActivation = RnnOutputActivation.Softmax|])]",
        "OutputActivation = RnnOutputActivation.Softmax is trained with cross-entropy, not RnnLoss.Mse; set Loss = RnnLoss.CrossEntropy")]
    public void RNNG010_loss_does_not_match_the_head(string attribute, string message) => AssertDiagnostic("RNNG010",
        attribute + "\npublic partial class Model;", message);

    [Theory]
    [InlineData("public void [|Step|]() { }", "Step")]
    [InlineData("public int [|Window|] => 3;", "Window")]
    [InlineData("private float[] [|Parameters|] = new float[1];", "Parameters")]
    [InlineData("public static Model [|CreateUninitialized|]() => new Model();", "CreateUninitialized")]
    public void RNNG011_member_conflicts_with_a_generated_one(string member, string name) => AssertDiagnostic("RNNG011",
        "[RnnModel(8, 2)]\npublic partial class Model\n{\n    " + member + "\n}",
        $"Class 'Model' already declares a member named '{name}', which RnnGen generates; rename or remove it");

    /// <summary>
    /// GENERATOR BUG (reported): a nested type named like a generated member is reported twice, because
    /// ModelSpecParser walks <c>type.GetMembers()</c> (which already includes nested types) and then <c>type.GetTypeMembers()</c>.
    /// </summary>
    [Fact]
    public void RNNG011_nested_type_named_State_is_reported_once() => AssertDiagnostic("RNNG011", """
        [RnnModel(8, 2)]
        public partial class Model
        {
            public struct [|State|] { }
        }
        """,
        "Class 'Model' already declares a member named 'State', which RnnGen generates; rename or remove it");

    [Fact]
    public void RNNG012_vocabulary_negative() => AssertDiagnostic("RNNG012", """
        [RnnModel(8, 2, [|Vocabulary = -1|])]
        public partial class Model;
        """,
        "Vocabulary = -1 is out of range; use 0 (float inputs) or a value from 1 to 1000000");

    [Fact]
    public void RNNG012_vocabulary_above_the_maximum() => AssertDiagnostic("RNNG012", """
        [RnnModel(8, 2, [|Vocabulary = 1000001|])]
        public partial class Model;
        """,
        "Vocabulary = 1000001 is out of range; use 0 (float inputs) or a value from 1 to 1000000");

    [Fact]
    public void RNNG013_language_version_below_12() => AssertDiagnostic("RNNG013", """
        [[|RnnModel(8, 2)|]]
        public partial class Model { }
        """,
        "RnnGen emits C# 12 (inline arrays) but this project uses C# 11.0; set <LangVersion>12</LangVersion> or newer",
        languageVersion: LanguageVersion.CSharp11);

    [Fact]
    public void RNNG013_is_not_reported_on_newer_language_versions()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(8, 2)]\npublic partial class Model;", LanguageVersion.Preview);
        Assert.Empty(run.GeneratorDiagnostics);
        run.AssertOneModel();
    }

    [Fact]
    public void RNNG014_model_too_large_for_one_buffer() => AssertDiagnostic("RNNG014",
        "[[|RnnModel(hidden: 4096, input: 4096, Cell = RnnCell.Lstm, Layers = 8, Window = 64)|]]\npublic partial class Model;",
        "A model of this size (3,177,918,464 floats of parameters, gradients and training caches) is not supported by this version of RnnGen; one model's buffer holds at most 2,147,483,647 floats; lower hidden, Layers, Window or Vocabulary");

    [Theory]
    [InlineData("static", "public static partial class [|Model|] { }")]
    [InlineData("abstract", "public abstract partial class [|Model|] { }")]
    public void RNNG015_not_instantiable(string modifier, string declaration) => AssertDiagnostic("RNNG015",
        "[RnnModel(8, 2)]\n" + declaration,
        $"Class 'Model' is {modifier}, but a model is an object with weights and state; remove the '{modifier}' modifier");

    [Theory]
    [InlineData("[RnnModel(8, 2, [|Cell = (RnnCell)7|])]",
        "Cell = 7 is not a defined RnnCell value; use one of: RnnCell.Elman, RnnCell.Lstm, RnnCell.Gru")]
    [InlineData("[RnnModel(8, 2, [|LossOn = (RnnLossOn)(-1)|])]",
        "LossOn = -1 is not a defined RnnLossOn value; use one of: RnnLossOn.EveryStep, RnnLossOn.LastStep")]
    [InlineData("[RnnModel(8, 2, Output = 1, [|OutputActivation = (RnnOutputActivation)3|])]",
        "OutputActivation = 3 is not a defined RnnOutputActivation value; use one of: RnnOutputActivation.Linear, RnnOutputActivation.Softmax, RnnOutputActivation.Sigmoid")]
    [InlineData("[RnnModel(8, 2, [|Activation = (RnnActivation)2|])]",
        "Activation = 2 is not a defined RnnActivation value; use one of: RnnActivation.Tanh, RnnActivation.Relu")]
    [InlineData("[RnnModel(8, 2, Output = 1, [|Loss = (RnnLoss)9|])]",
        "Loss = 9 is not a defined RnnLoss value; use one of: RnnLoss.Mse, RnnLoss.CrossEntropy, RnnLoss.BinaryCrossEntropy")]
    [InlineData("[RnnModel(8, 2, [|WeightPrecision = (RnnPrecision)2|])]",
        "WeightPrecision = 2 is not a defined RnnPrecision value; use one of: RnnPrecision.Float32, RnnPrecision.BFloat16")]
    public void RNNG016_undefined_enum_value(string attribute, string message) => AssertDiagnostic("RNNG016",
        attribute + "\npublic partial class Model;", message);

    [Fact]
    public void RNNG017_file_local_model() => AssertDiagnostic("RNNG017",
        "[RnnModel(8, 2)]\nfile partial class [|Model|];",
        "Class 'Model' is declared 'file', but the generated members live in another file and would form a different type; remove the 'file' modifier (make it internal instead)");

    [Fact]
    public void RNNG018_inherited_member_conflict() => AssertDiagnostic("RNNG018",
        "public class Base { public int Window; }\n[RnnModel(8, 2)]\npublic partial class [|Model|] : Base;",
        "Class 'Model' inherits a member named 'Window' from 'Base', which the generated 'Window' would hide; rename the base member or do not derive the model from 'Base'");

    [Fact]
    public void RNNG018_model_derived_from_a_model()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(8, 2)]\npublic partial class Small;\n[RnnModel(16, 2)]\npublic partial class Large : Small;");
        Assert.Null(run.Exception);
        var d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("RNNG018", d.Id);
        Assert.Equal("Class 'Large' inherits a member named 'InputSize' from 'Small', which the generated 'InputSize' would hide; rename the base member or do not derive the model from 'Small'",
            d.GetMessage(CultureInfo.InvariantCulture));
        run.AssertOneModel();   // Small is valid and still generated
    }

    [Fact]
    public void RNNG019_attribute_on_two_partial_declarations()
    {
        var (source, span) = Unmark(GeneratorHarness.Usings + """
            namespace Models;

            [RnnModel(8, 2, Output = 1)]
            public partial class Model;

            [[|RnnModel(16, 2)|]]
            public partial class Model;
            """);
        var run = GeneratorHarness.Run(source);
        AssertNoCrash(run);
        var d = AssertSingleError(run, "RNNG019", span);
        Assert.Equal("Class 'Model' has [RnnModel] more than once (the attributes of all its partial declarations count); remove this one, the model is built from the first ([RnnModel(8, 2, Output = 1)] in File0.cs, line 4)",
            d.GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal(source.IndexOf("RnnModel(8, 2", StringComparison.Ordinal), Assert.Single(d.AdditionalLocations).SourceSpan.Start);

        // The model is built once, from the first attribute; the compiler's own CS0579 is the only other error.
        Assert.Equal("Models.Model.RnnModel.g.cs", run.Main.HintName);
        Assert.Contains("public const int HiddenSize = 8;", run.Text, StringComparison.Ordinal);
        Assert.Equal(new[] { "CS0579", "RNNG019" }, run.OutputDiagnostics.Select(static x => x.Id).OrderBy(static x => x, StringComparer.Ordinal));
    }

    [Fact]
    public void RNNG019_attribute_in_two_files_is_reported_in_the_second()
    {
        var run = GeneratorHarness.Run(new[]
        {
            GeneratorHarness.Usings + "namespace Models;\n[RnnModel(8, 2)]\npublic partial class Model;\n",
            GeneratorHarness.Usings + "namespace Models;\n[RnnModel(8, 2)]\npublic partial class Model { public int Extra => 1; }\n",
        }, GeneratorHarness.ParseOptions());
        AssertNoCrash(run);
        var d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("RNNG019", d.Id);
        Assert.Equal("/src/File1.cs", d.Location.SourceTree!.FilePath);
        Assert.EndsWith("the model is built from the first ([RnnModel(8, 2)] in File0.cs, line 3)", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal("Models.Model.RnnModel.g.cs", run.Main.HintName);
    }

    [Fact]
    public void RNNG019_two_attributes_on_one_declaration()
    {
        var (source, span) = Unmark(GeneratorHarness.Usings + "[RnnModel(8, 2)]\n[[|RnnModel(16, 2)|]]\npublic partial class Model;\n");
        var run = GeneratorHarness.Run(source);
        AssertNoCrash(run);
        AssertSingleError(run, "RNNG019", span);
        Assert.Equal("Model.RnnModel.g.cs", run.Main.HintName);
    }

    [Fact]
    public void RNNG019_when_the_first_attribute_is_invalid_the_class_gets_its_shell()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(0, 2)]\npublic partial class Model;\n[RnnModel(8, 2)]\npublic partial class Model;\n");
        AssertNoCrash(run);
        Assert.Equal(new[] { "RNNG004", "RNNG019" }, run.GeneratorDiagnostics.Select(static d => d.Id).OrderBy(static x => x, StringComparer.Ordinal));
        Assert.Equal("Model.RnnModel.Shell.g.cs", run.Single.HintName);
        Assert.Empty(run.DiagnosticsInGeneratedCode);
    }

    [Theory]
    [InlineData("State")]
    [InlineData("Step")]
    [InlineData("Window")]
    [InlineData("Parameters")]
    [InlineData("InputSize")]
    [InlineData("CurrentState")]
    [InlineData("WeightPrecision")]
    public void RNNG020_class_named_like_a_generated_member(string name) => AssertDiagnostic("RNNG020",
        $"[RnnModel(8, 2)]\npublic partial class [|{name}|];",
        $"Class '{name}' has the name of a member RnnGen generates in it, and a member cannot have the name of its class; rename the class (for example to '{name}Model')");

    [Theory]
    [InlineData("public partial class State { [RnnModel(8, 2)] public partial class Model; }")]
    [InlineData("public partial class Step { public partial class Window { [RnnModel(8, 2)] public partial class Model; } }")]
    [InlineData("namespace State.Step;\npublic class Window { }\n[RnnModel(8, 2)] public partial class Model;")]
    [InlineData("[RnnModel(8, 2)] public partial class Model { public class Hidden { } public class Cell { } }")]
    [InlineData("[RnnModel(8, 2)] public partial class Cell;")]
    [InlineData("[RnnModel(8, 2)] public partial class Hidden;")]
    public void RNNG020_containers_and_other_types_named_like_generated_members_are_fine(string source) =>
        GeneratorHarness.RunClean(GeneratorHarness.Usings + source);

    private const string RecordReason = "a record's 'with' copies would share its one mutable weight buffer, and its equality would compare that buffer's reference";
    private const string StructReason = "every copy of a struct would share its one mutable weight buffer, and a default struct would have none";

    [Theory]
    [InlineData("public partial record [|Model|];", "record", RecordReason)]
    [InlineData("public partial record class [|Model|];", "record", RecordReason)]
    [InlineData("public sealed partial record [|Model|] { public string Name { get; init; } = \"\"; }", "record", RecordReason)]
    public void RNNG021_record_is_not_a_model(string declaration, string kind, string reason) => AssertDiagnostic("RNNG021",
        "[RnnModel(8, 2)]\n" + declaration,
        $"'Model' is a {kind}, but a model must be a class: {reason}; declare it as 'partial class Model'");

    /// <summary>The compiler rejects [RnnModel] on a struct (CS0592, AttributeUsage Class); RnnGen says why and what to write.</summary>
    [Theory]
    [InlineData("public partial struct [|Model|];", "struct")]
    [InlineData("public partial record struct [|Model|];", "record struct")]
    [InlineData("public readonly partial struct [|Model|] { }", "struct")]
    public void RNNG021_struct_is_not_a_model(string declaration, string kind)
    {
        var (source, span) = Unmark(GeneratorHarness.Usings + "[RnnModel(8, 2)]\n" + declaration + "\n");
        var run = GeneratorHarness.Run(source);
        AssertNoCrash(run);
        var d = AssertSingleError(run, "RNNG021", span);
        Assert.Equal($"'Model' is a {kind}, but a model must be a class: {StructReason}; declare it as 'partial class Model'", d.GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal(new[] { "CS0592", "RNNG021" }, run.OutputDiagnostics.Select(static x => x.Id).OrderBy(static x => x, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("public partial class Model[|(string name)|] { public string Name => name; }")]
    [InlineData("public partial class Model[|()|];")]
    public void RNNG022_primary_constructor(string declaration) => AssertDiagnostic("RNNG022",
        "[RnnModel(8, 2)]\n" + declaration,
        "Class 'Model' has a primary constructor, which every constructor RnnGen adds would have to call; remove the parameter list and declare an ordinary constructor that calls InitializeParameters(seed)");

    [Fact]
    public void RNNG022_on_the_partial_declaration_that_has_the_parameter_list()
    {
        var (source, span) = Unmark(GeneratorHarness.Usings + "[RnnModel(8, 2)]\npublic partial class Model;\npublic partial class Model[|(int seed)|] { public int Seed => seed; }\n");
        var run = GeneratorHarness.Run(source);
        AssertNoCrash(run);
        AssertSingleError(run, "RNNG022", span);
        Assert.Empty(run.DiagnosticsInGeneratedCode);
    }

    [Fact]
    public void Every_problem_of_one_model_is_reported_at_once()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(0, 0, Layers = 0)]\npublic class Model<T> { }");
        Assert.Null(run.Exception);
        Assert.Equal(new[] { "RNNG001", "RNNG003", "RNNG004", "RNNG005", "RNNG008" },
            run.GeneratorDiagnostics.Select(static d => d.Id).OrderBy(static id => id, StringComparer.Ordinal));
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void An_invalid_model_does_not_stop_a_valid_one_in_the_same_compilation()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + """
            [RnnModel(0, 2)]
            public partial class Broken;

            [RnnModel(8, 2, Output = 1)]
            public partial class Fine;
            """);
        Assert.Equal("RNNG004", Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.Equal(new[] { "Broken.RnnModel.Shell.g.cs", "Fine.Agents.g.cs", "Fine.Kernels.g.cs", "Fine.RnnModel.g.cs", "Fine.Training.g.cs" },
            run.Sources.Select(static s => s.HintName).OrderBy(static h => h, StringComparer.Ordinal));
        Assert.Equal("Fine.RnnModel.g.cs", run.Main.HintName);
        Assert.Empty(run.DiagnosticsInGeneratedCode);
    }

    // ───────────────────────────────────────────── helpers

    /// <summary>
    /// Runs the generator on <paramref name="markedSource"/> (a <c>using RnnGen;</c> file with one <c>[|span|]</c>) and
    /// asserts exactly one <paramref name="id"/> error at that span with that message, no source, and no other error
    /// except the IDs in <paramref name="alsoReported"/>.
    /// </summary>
    private static void AssertDiagnostic(string id, string markedSource, string message,
        LanguageVersion languageVersion = LanguageVersion.CSharp12, params string[] alsoReported)
    {
        var (source, span) = Unmark(GeneratorHarness.Usings + markedSource.Replace("\r\n", "\n", StringComparison.Ordinal));
        var run = GeneratorHarness.Run(source, languageVersion);

        Assert.Null(run.Exception);
        Assert.Equal(new[] { id }.Concat(alsoReported).OrderBy(static x => x, StringComparer.Ordinal),
            run.GeneratorDiagnostics.Select(static d => d.Id).OrderBy(static x => x, StringComparer.Ordinal));

        var diagnostic = run.GeneratorDiagnostics.Single(d => d.Id == id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Descriptor.DefaultSeverity);
        Assert.True(diagnostic.Descriptor.IsEnabledByDefault);
        Assert.Equal("RnnGen", diagnostic.Descriptor.Category);
        Assert.Equal(HelpBase + id.ToLowerInvariant() + ".md", diagnostic.Descriptor.HelpLinkUri);
        Assert.Equal(message, diagnostic.GetMessage(CultureInfo.InvariantCulture));

        Assert.True(diagnostic.Location.IsInSource, "the diagnostic must point into the user's source");
        var tree = diagnostic.Location.SourceTree!;
        Assert.Same(run.OutputCompilation.SyntaxTrees.First(), tree);
        Assert.Equal(source.Substring(span.Start, span.Length), tree.GetText().ToString(diagnostic.Location.SourceSpan));
        Assert.Equal(span, diagnostic.Location.SourceSpan);

        // An invalid model is an error and emits no model, at most its shell; the user's code itself is valid C#, and the
        // shell adds no error or warning of its own.
        Assert.DoesNotContain(run.Sources, static s => !s.HintName.EndsWith(".RnnModel.Shell.g.cs", StringComparison.Ordinal));
        Assert.True(run.Sources.Length <= 1);
        var compilerErrors = run.OutputDiagnostics.Where(static d => !d.Id.StartsWith("RNNG", StringComparison.Ordinal)).ToList();
        Assert.True(compilerErrors.Count == 0, "The test source must be valid C#:\n" + string.Join("\n", compilerErrors.Select(GeneratorHarness.Describe)));
    }

    /// <summary>Exactly one generator diagnostic, <paramref name="id"/>, an error at <paramref name="span"/> with its help link.</summary>
    private static Diagnostic AssertSingleError(GeneratorRun run, string id, TextSpan span)
    {
        var d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(HelpBase + id.ToLowerInvariant() + ".md", d.Descriptor.HelpLinkUri);
        Assert.True(d.Location.IsInSource);
        Assert.Same(run.OutputCompilation.SyntaxTrees.First(), d.Location.SourceTree);
        Assert.Equal(span, d.Location.SourceSpan);
        return d;
    }

    internal static void AssertNoCrash(GeneratorRun run)
    {
        Assert.True(run.Exception is null, "The generator threw: " + run.Exception);
        Assert.DoesNotContain(run.OutputDiagnostics, static d => d.Id == "CS8785");
    }

    internal static (string Source, TextSpan Span) Unmark(string marked)
    {
        int start = marked.IndexOf("[|", StringComparison.Ordinal);
        int end = marked.IndexOf("|]", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "mark the expected span with [|…|]");
        Assert.Equal(-1, marked.IndexOf("[|", start + 2, StringComparison.Ordinal));
        string source = marked.Remove(end, 2).Remove(start, 2);
        return (source, new TextSpan(start, end - start - 2));
    }
}
