using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// IDE-like input: half-typed attributes, broken declarations, unusual places for the attribute. The generator
/// must never throw (a throw shows up as CS8785 and <c>GeneratorRunResult.Exception</c>), must leave attribute
/// errors to the compiler, and must never emit a file that has errors of its own.
/// </summary>
public sealed class RobustnessTests
{
    /// <summary>Attributes the compiler rejects: nothing emitted, nothing reported by RnnGen.</summary>
    public static IEnumerable<object[]> HalfTypedAttributes => new[]
    {
        "[RnnModel(]",
        "[RnnModel(64)]",
        "[RnnModel(hidden: 64, input: )]",
        "[RnnModel(64, 10, Output = )]",
        "[RnnModel(\"a\", 10)]",
        "[RnnModel(64, 10, 3)]",
        "[RnnModel(64, 10, Cell = RnnCell.)]",
        "[RnnModel(Sizes.Hidden, 10)]",
        "[RnnModel(64, 10, Layers = int.MaxValue + 1)]",
        "[RnnModell(64, 10)]",
    }.Select(static a => new object[] { a });

    [Theory]
    [MemberData(nameof(HalfTypedAttributes))]
    public void Half_typed_attribute_is_left_to_the_compiler(string attribute)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + attribute + "\npublic partial class Model;\n");
        AssertNoCrash(run);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Sources);
        Assert.Contains(run.OutputDiagnostics, static d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("CS", System.StringComparison.Ordinal));
    }

    /// <summary>Broken or unusual declarations: whatever the generator does, it does not throw or emit broken code.</summary>
    public static IEnumerable<object[]> BrokenDeclarations => new[]
    {
        "[RnnModel(64, 10)]\npublic partial class",
        "[RnnModel(64, 10)]",
        "[RnnModel(64, 10)]\npublic partial class Model<",
        "[RnnModel(64, 10)]\npublic partial class Model : ",
        "[RnnModel(8, 2)]\npublic partial class Model { public void Foo( { int x = ; }",
        "[RnnModel(8, 2)]\npublic partial class Model { public int Step; public void Step() { } }",
        "[RnnModel(8, 2)]\npublic partial class Model : Missing.Base;",
        "[RnnModel(8, 2)]\npublic partial struct Model;",
        "[RnnModel(8, 2)]\npublic partial record struct Model;",
        "[RnnModel(8, 2)]\npublic partial interface IModel;",
        "[RnnModel(8, 2)]\npublic enum E { A }",
        "public partial class Model { [RnnModel(8, 2)] public void M() { } }",
        "[RnnModel(8, 2)]\n[RnnModel(16, 2)]\npublic partial class Model;",
        "[RnnModel(8, 2, Output = 1, Output = 2)]\npublic partial class Model;",
        // Attribute errors the compiler reports while the generator may still build the model from what it can read.
        "[RnnModel(64, 10\npublic partial class Model;",
        "[RnnModel(64, 10, Output = 1.5)]\npublic partial class Model;",
        "[RnnModel(64, 10, Unknown = 3)]\npublic partial class Model;",
        // The same class more than once (issue 15: two partial declarations with the attribute threw in AddSource).
        "[RnnModel(8, 2)]\npublic partial class Model;\n[RnnModel(16, 2)]\npublic partial class Model;",
        "[RnnModel(8, 2)]\npublic partial class Model;\n[RnnModel(8, 2)]\npublic partial class Model;\n[RnnModel(8, 2)]\npublic partial class Model;",
        "[RnnModel(0, 2)]\npublic partial class Model;\n[RnnModel(-1, 2)]\npublic partial class Model;",
        "[RnnModel(8, 2)]\npublic partial class Model;\n[RnnModel(64)]\npublic partial class Model;",
        "[RnnModel(64)]\npublic partial class Model;\n[RnnModel(8, 2)]\npublic partial class Model;",
        "[RnnModel(8, 2)]\npublic partial record Model;\n[RnnModel(8, 2)]\npublic partial record Model;",
        // Records, structs and interfaces, whole and half-typed.
        "[RnnModel(8, 2)]\npublic partial record Model;",
        "[RnnModel(8, 2)]\npublic partial record class Model(int X);",
        "[RnnModel(8, 2)]\npublic partial record",
        "[RnnModel(8, 2)]\npublic partial record struct",
        "[RnnModel(8, 2)]\npublic partial struct",
        "[RnnModel(8, 2)]\npublic partial interface",
        "[RnnModel(8, Cell = RnnCell.)]\npublic partial record Model;",
        "[RnnModel(Missing.Value, 2)]\npublic partial struct Model;",
        "[RnnModel(8, 2, Vocabulary = Missing.Value)]\npublic partial record Model;",
        "[RnnModel(8, 2)]\npublic static partial record Model;",
        // Names: keywords, escapes, case, a class named like a generated member, primary constructors.
        "[RnnModel(8, 2)]\npublic partial class State;",
        "[RnnModel(8, 2)]\npublic partial class \\u0053tep;",
        "[RnnModel(8, 2)]\npublic partial class Model(int seed);",
        "[RnnModel(8, 2)]\npublic partial class Model;\n[RnnModel(8, 2)]\npublic partial class model;",
        "namespace A.B { [RnnModel(8, 2)] public partial class M; }\nnamespace A { public partial class B { [RnnModel(8, 2)] public partial class M; } }",
    }.Select(static a => new object[] { a });

    [Theory]
    [MemberData(nameof(BrokenDeclarations))]
    public void Broken_declaration_never_crashes_the_generator(string declaration)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + declaration + "\n");
        AssertNoCrash(run);
        GeneratorHarness.AssertNoDiagnostics(run.DiagnosticsInGeneratedCode);
    }

    /// <summary>
    /// A record class is a class to [AttributeUsage(Class)], so the compiler accepts the attribute; records are not
    /// models (RNNG021), and the record gets the shell, so code that uses it reports nothing else.
    /// </summary>
    [Fact]
    public void Attribute_on_a_record_class_is_reported()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(8, 2)]\npublic partial record Model;\n");
        AssertNoCrash(run);
        Assert.Equal("RNNG021", Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.Equal("Model.RnnModel.Shell.g.cs", run.Single.HintName);
        Assert.Equal("RNNG021", Assert.Single(run.OutputDiagnostics).Id);
    }

    [Fact]
    public void Attribute_on_a_struct_is_rejected_by_the_compiler_and_by_the_generator()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(8, 2)]\npublic partial struct Model;\n");
        AssertNoCrash(run);
        Assert.Equal("RNNG021", Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.Equal("Model.RnnModel.Shell.g.cs", run.Single.HintName);
        Assert.Equal(new[] { "CS0592", "RNNG021" }, run.OutputDiagnostics.Select(static d => d.Id).OrderBy(static d => d, System.StringComparer.Ordinal));
    }

    /// <summary>The attribute on an interface is the compiler's (CS0592) alone: an interface is never mistaken for a model.</summary>
    [Fact]
    public void Attribute_on_an_interface_is_left_to_the_compiler()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(8, 2)]\npublic partial interface IModel;\n");
        AssertNoCrash(run);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Sources);
        Assert.Equal("CS0592", Assert.Single(run.OutputDiagnostics).Id);
    }

    // ─────────────────────────── hint names: Roslyn compares them ignoring case and rejects '\' and '@'

    /// <summary>
    /// Issue 15: two models whose names differ only in case (legal C#) got the same hint name once case is ignored, and
    /// the second AddSource threw (CS8785): neither model was built. Both are built now, each under its own file name.
    /// </summary>
    [Fact]
    public void Models_whose_names_differ_only_in_case()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + """
            namespace Models;

            [RnnModel(8, 2)] public partial class Model;
            [RnnModel(4, 2)] public partial class model;
            [RnnModel(4, 3)] public partial class Other;

            public static class Use
            {
                public static int Sizes => Model.HiddenSize + model.HiddenSize + Other.InputSize;
            }
            """);
        AssertNoCrash(run);
        var names = run.Sources.Select(static s => s.HintName).ToList();
        Assert.Equal(3, run.ModelCount);
        Assert.Equal(names.Count, names.Distinct(System.StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains("Models.Other.RnnModel.g.cs", names);   // only the twins are disambiguated
        Assert.Matches(@"^Models\.Model\.[0-9a-f]{8}\.RnnModel\.g\.cs$", names.Single(n => n.StartsWith("Models.Model.", System.StringComparison.Ordinal) && n.EndsWith(".RnnModel.g.cs", System.StringComparison.Ordinal)));
        GeneratorHarness.AssertNoDiagnostics(run.OutputDiagnostics);
    }

    [Fact]
    public void Twin_hint_names_are_the_same_in_every_run()
    {
        const string Source = "using RnnGen;\nnamespace N;\n[RnnModel(8, 2)] public partial class Model;\n[RnnModel(8, 2)] public partial class MODEL;\n";
        var first = GeneratorHarness.Run(Source).Sources.Select(static s => s.HintName).OrderBy(static n => n, System.StringComparer.Ordinal).ToList();
        var second = GeneratorHarness.Run(Source).Sources.Select(static s => s.HintName).OrderBy(static n => n, System.StringComparer.Ordinal).ToList();
        Assert.Equal(2, first.Count(static n => n.EndsWith(".RnnModel.g.cs", System.StringComparison.Ordinal)));
        Assert.Equal(first, second);
    }

    /// <summary>Issue 15: a namespace A.B and a class B in namespace A, each with a model M, threw in AddSource; now only the compiler's CS0101 remains.</summary>
    [Fact]
    public void Namespace_and_class_of_the_same_name_holding_models_of_the_same_name()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings +
            "namespace A.B { [RnnModel(8, 2)] public partial class M; }\nnamespace A { public partial class B { [RnnModel(8, 2)] public partial class M; } }\n");
        AssertNoCrash(run);
        Assert.Equal(2, run.ModelCount);
        Assert.Equal(run.Sources.Length, run.Sources.Select(static s => s.HintName).Distinct(System.StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains(run.OutputDiagnostics, static d => d.Id == "CS0101");
    }

    /// <summary>Issue 15: <c>class \u0041bc</c> put the escape's backslash into the hint name, and AddSource threw.</summary>
    [Fact]
    public void Model_named_with_a_unicode_escape()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "namespace N\\u0031;\n[RnnModel(8, 2)]\npublic partial class \\u0041bc;\npublic static class Use { public static int H => Abc.HiddenSize; }\n");
        AssertNoCrash(run);
        Assert.Equal("N1.Abc.RnnModel.g.cs", run.Main.HintName);
        GeneratorHarness.AssertNoDiagnostics(run.OutputDiagnostics);
    }

    /// <summary>Every keystroke of typing a model, run through one incremental driver as an IDE does.</summary>
    [Fact]
    public void Typing_a_model_keystroke_by_keystroke_never_crashes()
    {
        const string Prefix = "using RnnGen;\nnamespace Typing;\n\n";
        const string Typed = "[RnnModel(hidden: 16, input: 4, Output = 2, LossOn = RnnLossOn.LastStep, Window = 8)]\n" +
                             "public partial class Model\n{\n    public void Extra() { }\n}\n";
        var options = GeneratorHarness.ParseOptions();
        var compilation = GeneratorHarness.CreateCompilation(Prefix, options);
        var driver = GeneratorHarness.CreateDriver(options);
        var tree = compilation.SyntaxTrees.Single();
        for (int length = 0; length <= Typed.Length; length++)
        {
            var next = tree.WithChangedText(tree.GetText().WithChanges(
                new Microsoft.CodeAnalysis.Text.TextChange(new Microsoft.CodeAnalysis.Text.TextSpan(Prefix.Length, tree.Length - Prefix.Length), Typed.Substring(0, length))));
            compilation = compilation.ReplaceSyntaxTree(tree, next);
            tree = next;
            driver = driver.RunGenerators(compilation);
            var result = driver.GetRunResult().Results.Single();
            Assert.True(result.Exception is null, $"after typing {length} characters: {result.Exception}");
        }

        Assert.Equal("Typing.Model.RnnModel.g.cs", driver.GetRunResult().Results.Single().GeneratedSources[0].HintName);
    }

    // ─────────────────────────── declarations the generator must either support or reject (bugs found: see report)

    /// <summary>
    /// GENERATOR BUG (reported): the hint name is built from the escaped namespace ("@event.Model.RnnModel.g.cs"),
    /// and '@' is not a valid hint-name character, so AddSource throws (CS8785) and the model gets nothing.
    /// </summary>
    [Fact]
    public void Namespace_named_with_a_keyword_identifier()
    {
        var run = GeneratorHarness.Run("using RnnGen;\nnamespace @event.@class;\n\n[RnnModel(8, 2, Output = 1)]\npublic partial class Model;\n");
        AssertNoCrash(run);
        Assert.Equal("event.class.Model.RnnModel.g.cs", run.Main.HintName);
        GeneratorHarness.AssertNoDiagnostics(run.OutputDiagnostics);
    }

    /// <summary>
    /// GENERATOR BUG (reported): the type and its containers are written with <c>Identifier.ValueText</c>/<c>type.Name</c>
    /// (unescaped), so <c>partial class @class</c> comes out as <c>partial class class</c>.
    /// </summary>
    [Fact]
    public void Model_and_container_named_with_keyword_identifiers()
    {
        var run = GeneratorHarness.Run("using RnnGen;\nnamespace Models;\n\npublic partial class @operator\n{\n    [RnnModel(8, 2, Output = 1)]\n    public partial class @class;\n}\n");
        AssertNoCrash(run);
        Assert.Equal("Models.operator.class.RnnModel.g.cs", run.Main.HintName);
        GeneratorHarness.AssertNoDiagnostics(run.OutputDiagnostics);
    }

    /// <summary>
    /// GENERATOR BUG (reported): ModelSpec.FullName strips the containers' type parameters, so <c>A.M</c> and
    /// <c>A&lt;T&gt;.M</c> get the same hint name and the second AddSource throws (CS8785): neither model is built.
    /// </summary>
    [Fact]
    public void Models_in_generic_and_non_generic_containers_of_the_same_name()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + """
            namespace Models;

            public partial class A { [RnnModel(8, 2)] public partial class M; }
            public partial class A<T> { [RnnModel(8, 2)] public partial class M; }
            """);
        AssertNoCrash(run);
        Assert.Equal(2, run.ModelCount);
        Assert.Equal(run.Sources.Length, run.Sources.Select(static s => s.HintName).Distinct().Count());
        GeneratorHarness.AssertNoDiagnostics(run.OutputDiagnostics);
    }

    /// <summary>
    /// GENERATOR BUG (reported): for a <c>file</c> class the generated <c>partial class M</c> in another file declares a
    /// second, unrelated type, so the user's M has none of the generated members (CS0117) and nothing says why.
    /// Either build it or report it.
    /// </summary>
    [Fact]
    public void File_local_model_is_built_or_reported()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + """
            namespace Models;

            [RnnModel(8, 2)]
            file partial class Model;

            file static class Use
            {
                public static int Hidden => Model.HiddenSize;
            }
            """);
        AssertNoCrash(run);
        if (!run.GeneratorDiagnostics.Any(static d => d.Severity == DiagnosticSeverity.Error))
            GeneratorHarness.AssertNoDiagnostics(run.OutputDiagnostics);
    }

    /// <summary>
    /// GENERATOR BUG (reported): RNNG011 looks only at the class's own members, so a model whose base class has a
    /// member named like a generated one (another model, for instance) gets CS0108 "hides inherited member" warnings
    /// in generated code, errors under TreatWarningsAsErrors. Either report it or emit code without warnings.
    /// </summary>
    [Theory]
    [InlineData("[RnnModel(8, 2)]\npublic partial class Small;\n\n[RnnModel(16, 2)]\npublic partial class Large : Small;\n")]
    [InlineData("public class Base\n{\n    public int Window;\n}\n\n[RnnModel(8, 2)]\npublic partial class Model : Base;\n")]
    public void Inherited_member_named_like_a_generated_one_is_reported_or_compiles_cleanly(string source)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "namespace Models;\n\n" + source);
        AssertNoCrash(run);
        if (!run.GeneratorDiagnostics.Any(static d => d.Severity == DiagnosticSeverity.Error))
            GeneratorHarness.AssertNoDiagnostics(run.OutputDiagnostics);
    }

    private static void AssertNoCrash(GeneratorRun run)
    {
        Assert.True(run.Exception is null, "The generator threw: " + run.Exception);
        Assert.DoesNotContain(run.OutputDiagnostics, static d => d.Id == "CS8785");
        Assert.DoesNotContain(run.GeneratorDiagnostics, static d => d.Id == "CS8785");
    }
}
