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

    /// <summary>A list has no Output: the fix is on the [Head] itself.</summary>
    [Theory]
    [InlineData("[Head(3, [|Loss = RnnLoss.CrossEntropy|])]",
        "Loss = RnnLoss.CrossEntropy needs a softmax head; set OutputActivation = RnnOutputActivation.Softmax on this [Head], whose outputs are then the classes")]
    [InlineData("[Head(1, [|Loss = RnnLoss.BinaryCrossEntropy|])]",
        "Loss = RnnLoss.BinaryCrossEntropy needs a sigmoid head; set OutputActivation = RnnOutputActivation.Sigmoid on this [Head]")]
    [InlineData("[Head(3, [|OutputActivation = RnnOutputActivation.Softmax|])]",
        "OutputActivation = RnnOutputActivation.Softmax is trained with cross-entropy, not RnnLoss.Mse; set Loss = RnnLoss.CrossEntropy")]
    public void RNNG010_loss_does_not_match_a_list_head(string head, string message) => AssertDiagnostic("RNNG010",
        "[RnnModel(input: 4)]\n[Lstm(8)]\n" + head + "\npublic partial class Model;", message);

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
        "A model of this size (3,177,918,464 floats of parameters, gradients and training caches) is not supported by this version of RnnGen; one model's buffer holds at most 2,147,483,575 floats; lower hidden, Layers, Window or Vocabulary");

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
    [InlineData("[RnnModel(8, 2, [|Activation = (RnnActivation)5|])]",
        "Activation = 5 is not a defined RnnActivation value; use one of: RnnActivation.Tanh, RnnActivation.Relu, RnnActivation.Identity, RnnActivation.Sigmoid, RnnActivation.Swish")]
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

    // ───────────────────────────────────────────── list models (RNNG023–RNNG030)

    private const string NoLayerMessage = "Class 'Model' starts a layer list with [RnnModel(input: …)] but declares no layer; add layer attributes after it ([Dense(n)], [Lstm(n)], [Gru(n)], [Elman(n)]), or give hidden: for the one-attribute form";
    private const string HeadBeforeLayer = "[Head] comes before any layer; a head reads the output of the last layer: declare the layers ([Dense], [Lstm], …) before the heads";
    private const string DropoutBeforeLayer = "[Dropout] comes before any layer; a dropout drops the outputs of the layer just before it: put it after a [Dense], [Lstm], [Gru] or [Elman]";

    [Fact]
    public void A_valid_list_model_has_no_diagnostics() => GeneratorHarness.RunClean(GeneratorHarness.Usings + """
        [RnnModel(input: 6, Window = 16)]
        [Dense(12, Activation = RnnActivation.Swish)]
        [Lstm(8, LearnedInitialState = true)]
        [Dropout(0.25f)]
        [Gru(8)]
        [Elman(4, Activation = RnnActivation.Relu)]
        [Head(3, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
        [Head(2, LossWeight = 0.5f, AddInput = 4)]
        public partial class Model;
        """);

    [Fact]
    public void RNNG023_list_without_layers() => AssertDiagnostic("RNNG023", """
        [[|RnnModel(input: 10, Window = 64)|]]
        public partial class Model;
        """,
        NoLayerMessage);

    /// <summary>A dropout and a head act on a layer's output, so they are not layers; each is also out of order (RNNG026).</summary>
    [Fact]
    public void RNNG023_dropouts_and_heads_are_not_layers() => AssertDiagnostics("""
        [[|RnnModel(input: 4)|]]
        [[|Dropout(0.5f)|]]
        [[|Head(1)|]]
        public partial class Model;
        """,
        ("RNNG023", NoLayerMessage), ("RNNG026", DropoutBeforeLayer), ("RNNG026", HeadBeforeLayer));

    /// <summary>
    /// A layer the compiler cannot read ([Lstm()] while typing) leaves a hole in the list: RnnGen says nothing about the
    /// list (no "declares no layer"), as for a half-typed [RnnModel]; the compiler's error is the only one.
    /// </summary>
    [Theory]
    [InlineData("[Lstm()]", "CS7036")]
    [InlineData("[Lstm(size)]", "CS0103")]
    public void RNNG023_is_not_reported_while_a_layer_is_half_typed(string layer, string compilerError)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(input: 4)]\n" + layer + "\n[Dropout(0.1f)]\n[Head(1)]\npublic partial class Model;\n");
        AssertNoCrash(run);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Sources);
        Assert.Equal(compilerError, Assert.Single(run.OutputDiagnostics).Id);
    }

    [Theory]
    [InlineData("[|Cell = RnnCell.Gru|]", "Cell", "declare each recurrent layer as an attribute ([Lstm(64)], [Gru(32)], [Elman(16)])")]
    [InlineData("[|Layers = 1|]", "Layers", "declare each recurrent layer as an attribute ([Lstm(64)], [Gru(32)], [Elman(16)])")]
    [InlineData("[|Activation = RnnActivation.Tanh|]", "Activation", "give each layer its own Activation ([Dense(64, Activation = RnnActivation.Relu)], [Elman(16, Activation = …)])")]
    [InlineData("[|Output = 1|]", "Output", "declare the heads as [Head(n, OutputActivation = …, Loss = …)] after the layers")]
    [InlineData("[|OutputActivation = RnnOutputActivation.Linear|]", "OutputActivation", "declare the heads as [Head(n, OutputActivation = …, Loss = …)] after the layers")]
    [InlineData("[|Loss = RnnLoss.Mse|]", "Loss", "declare the heads as [Head(n, OutputActivation = …, Loss = …)] after the layers")]
    public void RNNG024_property_of_the_one_attribute_form_in_a_list(string argument, string property, string fix) => AssertDiagnostic("RNNG024",
        "[RnnModel(input: 4, Window = 8, " + argument + ")]\n[Lstm(8)]\n[Head(1)]\npublic partial class Model;",
        $"{property} belongs to the one-attribute form [RnnModel(hidden: …, input: …)]; in a layer list {fix}");

    [Fact]
    public void RNNG024_each_property_is_reported_at_its_argument() => AssertDiagnostics("""
        [RnnModel(input: 4, [|Output = 3|], LossOn = RnnLossOn.LastStep, [|Loss = RnnLoss.CrossEntropy|])]
        [Lstm(8)]
        public partial class Model;
        """,
        ("RNNG024", "Output belongs to the one-attribute form [RnnModel(hidden: …, input: …)]; in a layer list declare the heads as [Head(n, OutputActivation = …, Loss = …)] after the layers"),
        ("RNNG024", "Loss belongs to the one-attribute form [RnnModel(hidden: …, input: …)]; in a layer list declare the heads as [Head(n, OutputActivation = …, Loss = …)] after the layers"));

    private const string BesideShorthand = "Class 'Model' has layer attributes beside [RnnModel(hidden: …, input: …)]; remove hidden: to declare the model as a list ([RnnModel(input: n)] then its layers), or remove the layer attributes";

    [Theory]
    [InlineData("[RnnModel(hidden: 8, input: 2, Output = 1)]\n[[|Lstm(8)|]]\n[Head(1)]")]
    [InlineData("[RnnModel(8, 2)]\n[[|Dropout(0.2f)|]]")]
    [InlineData("[RnnModel(8, 2)]\n[[|Head(1)|], Dense(4)]")]
    public void RNNG025_layer_attributes_beside_the_one_attribute_form(string attributes) => AssertDiagnostic("RNNG025",
        attributes + "\npublic partial class Model;", BesideShorthand);

    [Fact]
    public void RNNG025_layer_attributes_on_another_partial_declaration() => AssertDiagnostic("RNNG025", """
        [RnnModel(8, 2)]
        public partial class Model;

        [[|Elman(8)|]]
        public partial class Model;
        """,
        BesideShorthand);

    [Theory]
    [InlineData("Dense(2)", "Dense")]
    [InlineData("Elman(2)", "Elman")]
    [InlineData("Lstm(2)", "Lstm")]
    [InlineData("Gru(2)", "Gru")]
    [InlineData("Dropout(0.1f)", "Dropout")]
    public void RNNG026_layer_after_a_head(string layer, string name) => AssertDiagnostic("RNNG026",
        "[RnnModel(input: 4)]\n[Lstm(8)]\n[Head(1)]\n[[|" + layer + "|]]\npublic partial class Model;",
        $"[{name}] comes after a [Head]; heads read the last layer, so every layer comes before them: move it above the heads");

    [Fact]
    public void RNNG026_head_before_any_layer() => AssertDiagnostics("""
        [RnnModel(input: 4)]
        [[|Head(1)|]]
        [[|Lstm(8)|]]
        public partial class Model;
        """,
        ("RNNG026", HeadBeforeLayer),
        ("RNNG026", "[Lstm] comes after a [Head]; heads read the last layer, so every layer comes before them: move it above the heads"));

    [Fact]
    public void RNNG026_dropout_before_any_layer() => AssertDiagnostic("RNNG026", """
        [RnnModel(input: 4)]
        [[|Dropout(0.1f)|]]
        [Lstm(8)]
        [Head(1)]
        public partial class Model;
        """,
        DropoutBeforeLayer);

    [Fact]
    public void RNNG026_dropout_after_a_dropout() => AssertDiagnostic("RNNG026", """
        [RnnModel(input: 4)]
        [Lstm(8)]
        [Dropout(0.1f)]
        [[|Dropout(0.2f)|]]
        [Head(1)]
        public partial class Model;
        """,
        "[Dropout] follows another [Dropout]; two dropouts in a row act as one with p = 1 - (1 - p1)(1 - p2): keep one [Dropout] with that p, or put a layer between them");

    /// <summary>A head stands between the two dropouts: the second one is out of order because of the head, and only that is said.</summary>
    [Fact]
    public void RNNG026_dropout_after_a_head_does_not_follow_the_dropout_above_the_head() => AssertDiagnostic("RNNG026", """
        [RnnModel(input: 4)]
        [Lstm(8)]
        [Dropout(0.1f)]
        [Head(1)]
        [[|Dropout(0.2f)|]]
        public partial class Model;
        """,
        "[Dropout] comes after a [Head]; heads read the last layer, so every layer comes before them: move it above the heads");

    [Fact]
    public void RNNG026_attributes_in_one_list_count_from_left_to_right() => AssertDiagnostic("RNNG026",
        "[RnnModel(input: 4)]\n[Lstm(8), Head(1), [|Dense(2)|]]\npublic partial class Model;",
        "[Dense] comes after a [Head]; heads read the last layer, so every layer comes before them: move it above the heads");

    [Theory]
    [InlineData("[Lstm(8)]\n[Dropout(0.3f)]")]
    [InlineData("[Gru(8)]\n[Dropout(0.3f)]\n[Head(1)]\n[Head(2)]")]
    public void RNNG026_a_dropout_may_be_the_last_layer(string layers)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(input: 4)]\n" + layers + "\npublic partial class Model;\n");
        AssertNoCrash(run);
        Assert.Empty(run.GeneratorDiagnostics);
        run.AssertOneModel();
    }

    [Theory]
    [InlineData("[Lstm([|0|])]", "[Lstm] units = 0 is out of range; use a value from 1 to 4096")]
    [InlineData("[Dense([|4097|])]", "[Dense] units = 4097 is out of range; use a value from 1 to 4096")]
    [InlineData("[Elman([|-3|])]", "[Elman] units = -3 is out of range; use a value from 1 to 4096")]
    [InlineData("[Gru([|units: 5000|])]", "[Gru] units = 5000 is out of range; use a value from 1 to 4096")]
    [InlineData("[Lstm(8)]\n[Head([|0|])]", "[Head] outputs = 0 is out of range; use a value from 1 to 65536")]
    [InlineData("[Lstm(8)]\n[Head([|outputs: 65537|])]", "[Head] outputs = 65537 is out of range; use a value from 1 to 65536")]
    [InlineData("[Lstm(8)]\n[Dropout([|1f|])]", "[Dropout] p = 1 is out of range; use a value from 0 to just below 1 (1 would drop everything)")]
    [InlineData("[Lstm(8)]\n[Dropout([|-0.5f|])]", "[Dropout] p = -0.5 is out of range; use a value from 0 to just below 1 (1 would drop everything)")]
    [InlineData("[Lstm(8)]\n[Dropout([|float.NaN|])]", "[Dropout] p = NaN is out of range; use a value from 0 to just below 1 (1 would drop everything)")]
    [InlineData("[Lstm(8)]\n[Head(1, [|LossWeight = 0f|])]", "LossWeight = 0 is out of range; use a value from just above 0 to 3.4E+38")]
    [InlineData("[Lstm(8)]\n[Head(1, [|LossWeight = -1f|])]", "LossWeight = -1 is out of range; use a value from just above 0 to 3.4E+38")]
    [InlineData("[Lstm(8)]\n[Head(1, [|LossWeight = float.NaN|])]", "LossWeight = NaN is out of range; use a value from just above 0 to 3.4E+38")]
    [InlineData("[Lstm(8)]\n[Head(1, [|LossWeight = float.PositiveInfinity|])]", "LossWeight = Infinity is out of range; use a value from just above 0 to 3.4E+38")]
    [InlineData("[Lstm(8)]\n[Head(1, [|AddInput = -2|])]", "AddInput = -2 is out of range; use a value from -1 (none) to 3")]
    [InlineData("[Lstm(8)]\n[Head(6, [|AddInput = -5|])]", "AddInput = -5 is out of range; use a value from -1 (none) to -1")]
    public void RNNG027_layer_value_out_of_range(string layers, string message) => AssertDiagnostic("RNNG027",
        "[RnnModel(input: 4)]\n" + layers + "\npublic partial class Model;", message);

    /// <summary>At most 32 layers and heads; dropouts do not count. The count belongs to the whole list, so it is reported at [RnnModel].</summary>
    [Fact]
    public void RNNG027_too_many_layers_and_heads() => AssertDiagnostic("RNNG027",
        "[[|RnnModel(input: 4)|]]\n" + string.Concat(Enumerable.Repeat("[Dense(2)]\n", 31)) + "[Head(1)]\n[Head(1)]\npublic partial class Model;",
        "The number of layers and heads = 33 is out of range; use a value from 1 to 32");

    [Fact]
    public void RNNG027_dropouts_do_not_count_as_layers()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(input: 4)]\n"
            + string.Concat(Enumerable.Repeat("[Dense(2)]\n[Dropout(0.1f)]\n", 31)) + "[Head(1)]\npublic partial class Model;\n");
        AssertNoCrash(run);
        Assert.Empty(run.GeneratorDiagnostics);
        run.AssertOneModel();
    }

    [Theory]
    [InlineData("[RnnModel(input: 4)]\n[Dense(8, [|LearnedInitialState = true|])]\n[Head(1)]",
        "LearnedInitialState is not allowed on [Dense]: a Dense layer has no state to start from; remove it")]
    [InlineData("[RnnModel(input: 4)]\n[Elman(8, [|Activation = RnnActivation.Identity|])]",
        "Activation = RnnActivation.Identity is not allowed on [Elman]: an Elman layer is PyTorch's nn.RNN, whose nonlinearity is Tanh or Relu (use a [Dense] layer for the others); remove it")]
    [InlineData("[RnnModel(input: 4)]\n[Elman(8, [|Activation = RnnActivation.Sigmoid|])]",
        "Activation = RnnActivation.Sigmoid is not allowed on [Elman]: an Elman layer is PyTorch's nn.RNN, whose nonlinearity is Tanh or Relu (use a [Dense] layer for the others); remove it")]
    [InlineData("[RnnModel(input: 4)]\n[Elman(8, [|Activation = RnnActivation.Swish|])]",
        "Activation = RnnActivation.Swish is not allowed on [Elman]: an Elman layer is PyTorch's nn.RNN, whose nonlinearity is Tanh or Relu (use a [Dense] layer for the others); remove it")]
    [InlineData("[RnnModel(input: 4, Vocabulary = 100)]\n[Lstm(8)]\n[Head(1, [|AddInput = 0|])]",
        "AddInput is not allowed on a model with Vocabulary (token inputs): its inputs are token ids, not features a head can add; remove it")]
    [InlineData("[RnnModel(8, 2, Cell = RnnCell.Lstm, [|Activation = RnnActivation.Swish|])]",
        "Activation = RnnActivation.Swish is not allowed on the one-attribute form: its cell is PyTorch's nn.RNN, whose nonlinearity is Tanh or Relu (declare a list with a [Dense] layer for the others); remove it")]
    public void RNNG028_setting_not_allowed_here(string attributes, string message) => AssertDiagnostic("RNNG028",
        attributes + "\npublic partial class Model;", message);

    [Theory]
    [InlineData("[Dense(8, LearnedInitialState = false)]\n[Lstm(8)]\n[Head(1)]")]
    [InlineData("[Elman(8, Activation = RnnActivation.Relu)]\n[Dense(4, Activation = RnnActivation.Sigmoid)]")]
    [InlineData("[Lstm(8)]\n[Head(1, AddInput = -1)]")]
    public void RNNG028_is_not_reported_for_the_defaults_and_the_allowed_values(string layers)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(input: 4, Vocabulary = 100)]\n" + layers + "\npublic partial class Model;\n");
        AssertNoCrash(run);
        Assert.Empty(run.GeneratorDiagnostics);
        run.AssertOneModel();
    }

    /// <summary>[Lstm] and [Gru] have no Activation, [Head] no LearnedInitialState: the compiler rejects the argument, RnnGen adds nothing.</summary>
    [Theory]
    [InlineData("[Lstm(8, Activation = RnnActivation.Relu)]\n[Head(1)]")]
    [InlineData("[Gru(8)]\n[Head(1, LearnedInitialState = true)]")]
    public void RNNG028_a_property_the_attribute_lacks_is_the_compilers_error(string layers)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(input: 4)]\n" + layers + "\npublic partial class Model;\n");
        AssertNoCrash(run);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Contains(run.OutputDiagnostics, static d => d.Id == "CS0246");
    }

    [Theory]
    [InlineData(4, "[Head(2, [|AddInput = 3|])]", "AddInput = 3 adds input features 3..4 to a head of 2 output(s), but the model has 4 input feature(s); use a value from 0 to 2")]
    [InlineData(4, "[Head(1, [|AddInput = 4|])]", "AddInput = 4 adds input features 4..4 to a head of 1 output(s), but the model has 4 input feature(s); use a value from 0 to 3")]
    [InlineData(4, "[Head(2, [|AddInput = int.MaxValue|])]", "AddInput = 2147483647 adds input features 2147483647..2147483648 to a head of 2 output(s), but the model has 4 input feature(s); use a value from 0 to 2")]
    [InlineData(2, "[Head(4, [|AddInput = 0|])]", "AddInput = 0 adds input features 0..3 to a head of 4 output(s), but the model has 2 input feature(s); the head is wider than the input, so no slice of the input fits it: remove AddInput")]
    public void RNNG029_add_input_past_the_input(int input, string head, string message) => AssertDiagnostic("RNNG029",
        $"[RnnModel(input: {input})]\n[Lstm(8)]\n{head}\npublic partial class Model;", message);

    [Fact]
    public void RNNG029_the_last_slice_that_fits_is_accepted()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(input: 4)]\n[Lstm(8)]\n[Head(2, AddInput = 2)]\npublic partial class Model;\n");
        AssertNoCrash(run);
        Assert.Empty(run.GeneratorDiagnostics);
        run.AssertOneModel();
    }

    private const string SeveralDeclarations = "The layer attributes of 'Model' are on more than one partial declaration, so their order is not defined; put them all on the declaration that has [RnnModel]";

    /// <summary>Reported at the first layer attribute away from the [RnnModel] declaration: the one to move.</summary>
    [Fact]
    public void RNNG030_layers_on_two_partial_declarations() => AssertDiagnostic("RNNG030", """
        [RnnModel(input: 4)]
        [Lstm(8)]
        public partial class Model;

        [[|Head(1)|]]
        [Head(2)]
        public partial class Model
        {
            public string Name => "model";
        }
        """,
        SeveralDeclarations);

    [Fact]
    public void RNNG030_when_the_RnnModel_declaration_has_no_layer_it_points_at_the_second_declaration_with_layers() => AssertDiagnostic("RNNG030", """
        [RnnModel(input: 4)]
        public partial class Model;

        [Lstm(8)]
        public partial class Model;

        [[|Head(1)|]]
        public partial class Model;
        """,
        SeveralDeclarations);

    [Fact]
    public void RNNG030_in_two_files_is_reported_in_the_file_away_from_RnnModel()
    {
        var run = GeneratorHarness.Run(new[]
        {
            GeneratorHarness.Usings + "namespace Models;\n[Head(1)]\npublic partial class Model;\n",
            GeneratorHarness.Usings + "namespace Models;\n[RnnModel(input: 4)]\n[Lstm(8)]\npublic partial class Model;\n",
        }, GeneratorHarness.ParseOptions());
        AssertNoCrash(run);
        // File0's [Head] comes first in the class's attributes, so it is also out of order; RNNG030 says why.
        var several = Assert.Single(run.GeneratorDiagnostics, static d => d.Id == "RNNG030");
        Assert.Equal("/src/File0.cs", several.Location.SourceTree!.FilePath);
        Assert.Equal("Head(1)", several.Location.SourceTree.GetText().ToString(several.Location.SourceSpan));
        Assert.DoesNotContain(run.Sources, static s => !s.HintName.EndsWith(".RnnModel.Shell.g.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void RNNG030_all_layers_on_one_other_declaration_are_fine()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(input: 4)]\npublic partial class Model;\n[Lstm(8)]\n[Head(1)]\npublic partial class Model { public int Extra => 1; }\n");
        AssertNoCrash(run);
        Assert.Empty(run.GeneratorDiagnostics);
        run.AssertOneModel();
    }

    // ───────────────────────────────────────────── layer attributes without a model (RNNG031)

    private const string WithoutModel = "Class 'Model' has layer attributes but no [RnnModel], so no model is built from them; add [RnnModel(input: n)] above the layers, with n the number of input features, or remove the layer attributes";

    [Theory]
    [InlineData("[[|Lstm(8)|]]\n[Head(1)]")]
    [InlineData("[[|Head(1)|]]")]
    [InlineData("[[|Dropout(0.1f)|], Dense(4)]")]
    [InlineData("[[|Gru(8)|]]\n[Elman(4)]")]
    public void RNNG031_layer_attributes_without_RnnModel(string attributes) => AssertDiagnostic("RNNG031",
        attributes + "\npublic partial class Model;", WithoutModel);

    /// <summary>One diagnostic per class, at its first layer attribute, whichever attribute that is and however many follow, on any declaration.</summary>
    [Fact]
    public void RNNG031_is_reported_once_per_class() => AssertDiagnostic("RNNG031", """
        [[|Head(1)|]]
        [Dense(2)]
        [Lstm(8)]
        public partial class Model;

        [Gru(3)]
        [Dropout(0.1f)]
        [Head(2)]
        public partial class Model;
        """,
        WithoutModel);

    [Fact]
    public void RNNG031_across_files_is_reported_at_the_first_declaration()
    {
        var run = GeneratorHarness.Run(new[]
        {
            GeneratorHarness.Usings + "namespace Models;\n[Gru(8)]\npublic partial class Model;\n",
            GeneratorHarness.Usings + "namespace Models;\n[Lstm(8)]\n[Head(1)]\npublic partial class Model;\n",
        }, GeneratorHarness.ParseOptions());
        AssertNoCrash(run);
        var d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("RNNG031", d.Id);
        Assert.Equal("/src/File0.cs", d.Location.SourceTree!.FilePath);
        Assert.Equal("Gru(8)", d.Location.SourceTree.GetText().ToString(d.Location.SourceSpan));
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void RNNG031_each_class_is_reported_on_its_own() => AssertDiagnostics("""
        [[|Lstm(8)|]]
        public partial class Model
        {
            [[|Dropout(0.1f)|]]
            [Head(1)]
            public class Inner;
        }

        [[|Head(2)|]]
        public record Other;
        """,
        ("RNNG031", WithoutModel),
        ("RNNG031", WithoutModel.Replace("'Model'", "'Inner'", StringComparison.Ordinal)),
        ("RNNG031", WithoutModel.Replace("'Model'", "'Other'", StringComparison.Ordinal)));

    [Fact]
    public void RNNG031_is_not_reported_for_a_model() => GeneratorHarness.RunClean(GeneratorHarness.Usings + """
        [RnnModel(input: 4)]
        [Lstm(8)]
        [Head(1)]
        public partial class Model;
        """);

    [Fact]
    public void RNNG031_is_not_reported_when_RnnModel_is_on_another_partial_declaration()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[Lstm(8)]\n[Head(1)]\npublic partial class Model;\n[RnnModel(input: 4)]\npublic partial class Model;\n");
        AssertNoCrash(run);
        Assert.Empty(run.GeneratorDiagnostics);
        run.AssertOneModel();
    }

    /// <summary>An invalid model's layers are the model's diagnostics' business (here RNNG025), never RNNG031.</summary>
    [Fact]
    public void RNNG031_is_not_reported_beside_an_invalid_RnnModel() => AssertDiagnostic("RNNG025",
        "[RnnModel(8, 2)]\n[[|Lstm(8)|]]\npublic partial class Model;", BesideShorthand);

    [Fact]
    public void RNNG031_a_misspelled_RnnModel()
    {
        var (source, span) = Unmark(GeneratorHarness.Usings + "[RnnModle(input: 4)]\n[[|Lstm(8)|]]\npublic partial class Model;\n");
        var run = GeneratorHarness.Run(source);
        AssertNoCrash(run);
        AssertSingleError(run, "RNNG031", span);
        Assert.Contains(run.OutputDiagnostics, static d => d.Id == "CS0246");
        Assert.Empty(run.Sources);
    }

    /// <summary>[RnnModel] is not inherited: a class derived from a model, with layer attributes of its own, is not a model.</summary>
    [Fact]
    public void RNNG031_on_a_class_derived_from_a_model()
    {
        var (source, span) = Unmark(GeneratorHarness.Usings + "[RnnModel(input: 4)]\n[Lstm(8)]\npublic partial class Base;\n[[|Head(1)|]]\npublic class Derived : Base;\n");
        var run = GeneratorHarness.Run(source);
        AssertNoCrash(run);
        var d = AssertSingleError(run, "RNNG031", span);
        Assert.Equal(WithoutModel.Replace("'Model'", "'Derived'", StringComparison.Ordinal), d.GetMessage(CultureInfo.InvariantCulture));
        run.AssertOneModel();   // Base is still built
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
    // ───────────────────────────────────────────── a small bfloat16 model runs the float32 kernels (RNNG032, informational)

    private static string SmallBFloat16(string type, string kib) =>
        $"The bfloat16 weights of '{type}' (W_ih and W_hh) total {kib} KiB as float32, small enough that the float32 kernels are as fast or faster; " +
        "inference runs float32 kernels over the bfloat16-rounded weights (same results). Set ForceBFloat16Kernels = true to stream the 16-bit copy.";

    /// <summary>
    /// Reported as Info on the attribute of a BFloat16 model of at most 64 KiB of float32 W_ih + W_hh (one-attribute form and
    /// list); the model is built, and the compilation, its warnings made errors, has no warning or error.
    /// </summary>
    [Theory]
    [InlineData("[[|RnnModel(hidden: 16, input: 10, Output = 1, Cell = RnnCell.Lstm, WeightPrecision = RnnPrecision.BFloat16)|]]", "6.5")]
    [InlineData("[[|RnnModel(hidden: 64, input: 10, Output = 1, Cell = RnnCell.Gru, WeightPrecision = RnnPrecision.BFloat16)|]]", "55.5")]
    [InlineData("[[|RnnModel(input: 10, WeightPrecision = RnnPrecision.BFloat16)|]]\n[Elman(64)]\n[Head(1)]", "18.5")]
    [InlineData("[[|RnnModel(input: 10, Vocabulary = 100, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = false)|]]\n[Dense(8)]\n[Lstm(16)]\n[Head(100, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]", "6.3")]
    public void RNNG032_small_bfloat16_model_runs_the_float32_kernels(string attributes, string kib)
    {
        var (source, span) = Unmark(GeneratorHarness.Usings + attributes + "\npublic partial class Model;\n");
        var run = GeneratorHarness.Run(source);
        Assert.Null(run.Exception);
        var d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("RNNG032", d.Id);
        Assert.Equal(DiagnosticSeverity.Info, d.Severity);
        Assert.Equal(DiagnosticSeverity.Info, d.Descriptor.DefaultSeverity);
        Assert.True(d.Descriptor.IsEnabledByDefault);
        Assert.Equal(HelpBase + "rnng032.md", d.Descriptor.HelpLinkUri);
        Assert.Equal(SmallBFloat16("Model", kib), d.GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal(span, d.Location.SourceSpan);
        Assert.Same(run.OutputCompilation.SyntaxTrees.First(), d.Location.SourceTree);

        run.AssertOneModel();
        GeneratorHarness.AssertNoDiagnostics(run.OutputDiagnostics);
        // TreatWarningsAsErrors turns warnings into errors, not informational messages.
        var strict = run.OutputCompilation.WithOptions(run.OutputCompilation.Options.WithGeneralDiagnosticOption(ReportDiagnostic.Error));
        Assert.Empty(strict.GetDiagnostics().Where(static x => x.Severity >= DiagnosticSeverity.Warning));
        Assert.Equal(ReportDiagnostic.Default, strict.Options.SpecificDiagnosticOptions.GetValueOrDefault("RNNG032"));
        Assert.True(d.Severity < DiagnosticSeverity.Warning);
    }

    [Theory]
    [InlineData("[RnnModel(hidden: 64, input: 10, Output = 1, Cell = RnnCell.Lstm, WeightPrecision = RnnPrecision.BFloat16)]")]   // 74 KiB
    [InlineData("[RnnModel(hidden: 16, input: 10, Output = 1, Cell = RnnCell.Lstm, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]")]
    [InlineData("[RnnModel(hidden: 16, input: 10, Output = 1, Cell = RnnCell.Lstm)]")]
    [InlineData("[RnnModel(hidden: 16, input: 10, Output = 1, ForceBFloat16Kernels = true)]")]
    [InlineData("[RnnModel(input: 10, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]\n[Elman(64)]\n[Head(1)]")]
    public void RNNG032_is_not_reported_for_large_forced_or_float32_models(string attributes) =>
        GeneratorHarness.RunClean(GeneratorHarness.Usings + attributes + "\npublic partial class Model;\n").GeneratorDiagnostics.ToList()
            .ForEach(static d => Assert.Fail("unexpected " + d.Id));

    /// <summary>An invalid model reports its error, not RNNG032 as well.</summary>
    [Fact]
    public void RNNG032_is_not_reported_beside_an_error()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(hidden: 16, input: 10, Output = 1, Window = 0, WeightPrecision = RnnPrecision.BFloat16)]\npublic partial class Model;\n");
        Assert.Null(run.Exception);
        Assert.Equal(new[] { "RNNG007" }, run.GeneratorDiagnostics.Select(static d => d.Id).ToArray());
    }

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

    /// <summary>
    /// As <see cref="AssertDiagnostic"/> for a source that reports several: <paramref name="markedSource"/> marks one span per
    /// expected diagnostic, and <paramref name="expected"/> lists them in the order of their spans.
    /// </summary>
    private static void AssertDiagnostics(string markedSource, params (string Id, string Message)[] expected)
    {
        var (source, spans) = UnmarkAll(GeneratorHarness.Usings + markedSource.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal(expected.Length, spans.Count);
        var run = GeneratorHarness.Run(source);
        AssertNoCrash(run);

        var actual = run.GeneratorDiagnostics.OrderBy(static d => d.Location.SourceSpan.Start).ToList();
        Assert.True(actual.Count == expected.Length, "Got:\n" + string.Join("\n", actual.Select(GeneratorHarness.Describe)));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Id, actual[i].Id);
            Assert.Equal(DiagnosticSeverity.Error, actual[i].Severity);
            Assert.Equal(HelpBase + expected[i].Id.ToLowerInvariant() + ".md", actual[i].Descriptor.HelpLinkUri);
            Assert.Equal(expected[i].Message, actual[i].GetMessage(CultureInfo.InvariantCulture));
            Assert.Same(run.OutputCompilation.SyntaxTrees.First(), actual[i].Location.SourceTree);
            Assert.Equal(spans[i], actual[i].Location.SourceSpan);
        }

        Assert.DoesNotContain(run.Sources, static s => !s.HintName.EndsWith(".RnnModel.Shell.g.cs", StringComparison.Ordinal));
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

    /// <summary>Every <c>[|…|]</c> span of <paramref name="marked"/>, in order, and the source without the marks.</summary>
    internal static (string Source, List<TextSpan> Spans) UnmarkAll(string marked)
    {
        var spans = new List<TextSpan>();
        var source = new System.Text.StringBuilder();
        int at = 0;
        for (int start; (start = marked.IndexOf("[|", at, StringComparison.Ordinal)) >= 0;)
        {
            int end = marked.IndexOf("|]", start, StringComparison.Ordinal);
            Assert.True(end > start, "unclosed [| mark");
            source.Append(marked, at, start - at);
            spans.Add(new TextSpan(source.Length, end - start - 2));
            source.Append(marked, start + 2, end - start - 2);
            at = end + 2;
        }

        source.Append(marked, at, marked.Length - at);
        return (source.ToString(), spans);
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
