using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Issue 15: a usage mistake in [RnnModel] used to bring a follow-on error at every use of the model (CS1739 'seed',
/// CS0117 'HiddenSize', CS1061 'Step'), because an invalid model emitted nothing. Now its class gets a shell (the
/// public surface, every body throwing), so the RNNG error is the only error.
/// </summary>
public sealed class ModelShellTests
{
    /// <summary>Code that uses most of a model's API (float inputs, float targets), valid against a real model.</summary>
    private const string Usage = """

        public static class Use
        {
            public static float Run(float[] x, float[] y, float[] seq, float[] targets, float[] canonical)
            {
                var m = new Model(seed: 1);
                var m0 = new Model();
                var empty = Model.CreateUninitialized();
                empty.Load("m.safetensors");
                m.Step(x, y);
                var s = new Model.State();
                m.Step(ref s, x, y);
                s.Hidden(0).Clear();
                s.Reset();
                bool finite = s.IsFinite && m.CurrentState.IsFinite;
                var states = new Model.State[4];
                m.Step(states, new float[4 * Model.InputSize], new float[4 * Model.OutputSize]);
                var workers = new RnnWorkers(2);
                m.Step(states, new float[4 * Model.InputSize], new float[4 * Model.OutputSize], workers);
                workers.Dispose();
                m.ResetState();
                m.Forward(seq, targets);
                float loss = m.Evaluate(seq, targets);
                m.ZeroGradients();
                loss += m.AccumulateGradients(seq, targets);
                loss += m.AccumulateGradients(seq, targets, new float[Model.StateSize]);
                var opt = new Adam(Model.ParameterCount, learningRate: 1e-3f);
                loss += m.TrainStep(seq, targets, opt);
                loss += m.TrainStep(seq, targets, opt, new TrainOptions { MaxGradientNorm = 1f });
                loss += m.TrainBatch(seq, targets, 2, opt);
                m.Save("m.safetensors");
                m.Load("m.safetensors");
                m.Load(new MemoryStream(), strict: false);
                m.InitializeParameters(3);
                m.Parameters.Clear();
                m.Gradients.Clear();
                m.CopyParametersTo(canonical);
                m.CopyParametersFrom(canonical);
                m.CopyGradientsTo(canonical);
                m.CopyStateTo(new float[Model.StateSize]);
                m.CopyStateFrom(new float[Model.StateSize]);
                m.RefreshInferenceWeights();
                ref Model.State current = ref m.CurrentState;
                current.Reset();
                int sizes = Model.InputSize + Model.HiddenSize + Model.OutputSize + Model.Layers + Model.Window
                    + Model.TrainableParameterCount + Model.StateSize + Model.Vocabulary + Model.ParameterIndex(0)
                    + Model.ParameterLayout.Count + (Model.WeightPrecision == RnnPrecision.Float32 ? 1 : 0);
                return loss + sizes + m.SkippedSteps + (finite ? 1 : 0);
            }
        }
        """;

    /// <summary>Generic code over models (C# 11: static abstract members of IRnnModel).</summary>
    private const string GenericUsage = """

        public static class Generic
        {
            public static int Hidden<T>() where T : IRnnModel => T.HiddenSize + T.LayerCount + T.WindowSize;
            public static int Sizes => Hidden<Model>() + Block<Model, Model.State>();
            public static int Block<T, S>() where T : IRnnAgentModel<S> where S : unmanaged => T.AgentBlock;
            public static void Step<T, S>(T model, S[] states, float[] x, float[] y) where T : class, IRnnAgentModel<S> where S : unmanaged =>
                model.Step(states, x, y);
        }
        """;

    private const string Header = "using System.IO;\nusing RnnGen;\nnamespace Models;\n";

    public static IEnumerable<object[]> InvalidDeclarations => new[]
    {
        new object[] { "RNNG004", "[RnnModel(0, 2, Output = 1)]\npublic partial class Model;" },
        new object[] { "RNNG005", "[RnnModel(8, -3, Output = 1)]\npublic partial class Model;" },
        new object[] { "RNNG006", "[RnnModel(8, 2, Output = -1)]\npublic partial class Model;" },
        new object[] { "RNNG007", "[RnnModel(8, 2, Output = 1, Window = 0)]\npublic partial class Model;" },
        new object[] { "RNNG008", "[RnnModel(8, 2, Output = 1, Layers = 99)]\npublic partial class Model;" },
        new object[] { "RNNG009", "[RnnModel(8, 2, Output = 1, Cell = RnnCell.Gru, Activation = RnnActivation.Relu)]\npublic partial class Model;" },
        new object[] { "RNNG010", "[RnnModel(8, 2, OutputActivation = RnnOutputActivation.Sigmoid)]\npublic partial class Model;" },
        new object[] { "RNNG012", "[RnnModel(8, 2, Output = 1, Vocabulary = -1)]\npublic partial class Model;" },
        new object[] { "RNNG014", "[RnnModel(hidden: 4096, input: 4096, Cell = RnnCell.Lstm, Layers = 8, Window = 64)]\npublic partial class Model;" },
        new object[] { "RNNG015", "[RnnModel(8, 2, Output = 1)]\npublic abstract partial class Model;\npublic sealed class Concrete : Model { }" },
        new object[] { "RNNG016", "[RnnModel(8, 2, Output = 1, Cell = (RnnCell)7)]\npublic partial class Model;" },
        new object[] { "RNNG021", "[RnnModel(8, 2, Output = 1)]\npublic partial record Model;" },
        new object[] { "RNNG022", "[RnnModel(8, 2, Output = 1)]\npublic partial class Model(int seed) { public int Seed => seed; }" },
    };

    /// <summary>The case: code that uses the model reports exactly the RNNG error, and no CSxxxx.</summary>
    [Theory]
    [MemberData(nameof(InvalidDeclarations))]
    public void Code_using_an_invalid_model_reports_only_the_RNNG_error(string id, string declaration)
    {
        string usage = Usage;
        if (id == "RNNG015") usage = usage.Replace("new Model(seed: 1)", "(Model)new Concrete()", StringComparison.Ordinal).Replace("var m0 = new Model();", "", StringComparison.Ordinal);
        if (id == "RNNG022") usage = usage.Replace("var m0 = new Model();", "", StringComparison.Ordinal);
        var run = GeneratorHarness.Run(Header + declaration + "\n" + usage + GenericUsage);
        DiagnosticTests.AssertNoCrash(run);

        Assert.Equal("Models.Model.RnnModel.Shell.g.cs", run.Single.HintName);
        Assert.Equal(id, Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.True(run.OutputDiagnostics.Length == 1 && run.OutputDiagnostics[0].Id == id,
            "expected only " + id + ":\n" + string.Join("\n", run.OutputDiagnostics.Select(GeneratorHarness.Describe)));
    }

    /// <summary>The usage above is the real API: against a valid model it compiles with no diagnostic at all.</summary>
    [Fact]
    public void The_usage_compiles_against_a_valid_model() =>
        GeneratorHarness.RunClean(Header + "[RnnModel(8, 2, Output = 1)]\npublic partial class Model;\n" + Usage + GenericUsage);

    /// <summary>
    /// The shell has the public surface of the model it stands for (same members, same signatures, same interfaces):
    /// when the model's surface grows, this fails until the shell follows.
    /// </summary>
    [Theory]
    [InlineData("Output = 1")]
    [InlineData("Cell = RnnCell.Lstm, Output = 3, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy")]
    [InlineData("Cell = RnnCell.Gru, Vocabulary = 20, Output = 20, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy, LossOn = RnnLossOn.LastStep")]
    [InlineData("Cell = RnnCell.Lstm, Layers = 2, Output = 1, OutputActivation = RnnOutputActivation.Sigmoid, Loss = RnnLoss.BinaryCrossEntropy, WeightPrecision = RnnPrecision.BFloat16")]
    [InlineData("Activation = RnnActivation.Relu")]
    public void The_shell_has_the_public_surface_of_the_model(string settings)
    {
        var valid = GeneratorHarness.RunClean(GeneratorHarness.Usings + $"namespace Models;\n[RnnModel(16, 4, {settings})]\npublic partial class Model;\n");
        // The same attribute, made invalid by a setting that does not change the surface.
        var invalid = GeneratorHarness.Run(GeneratorHarness.Usings + $"namespace Models;\n[RnnModel(16, 4, {settings}, Window = 0)]\npublic partial class Model;\n");
        Assert.Equal("RNNG007", Assert.Single(invalid.GeneratorDiagnostics).Id);
        Assert.Equal("Models.Model.RnnModel.Shell.g.cs", invalid.Single.HintName);
        Assert.Equal("RNNG007", Assert.Single(invalid.OutputDiagnostics).Id);

        var expected = Surface(valid.OutputCompilation);
        var actual = Surface(invalid.OutputCompilation);
        Assert.Contains("implements RnnGen.IRnnModel", expected);
        Assert.Contains("implements RnnGen.IRnnAgentModel<Models.Model.State>", expected);
        Assert.Contains("void Model.Step(Span<Model.State> states, ReadOnlySpan<float> inputs, Span<float> outputs, RnnWorkers workers)", expected);
        Assert.Contains("System.Span<float> Model.State.Hidden(int layer = 0)", expected);
        Assert.Contains("float Model.TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, IOptimizer optimizer, TrainOptions? options = null)", expected);
        Assert.True(expected.Count > 45, string.Join("\n", expected));
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("Vocabulary = 12", true, false)]
    [InlineData("Output = 4, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy", false, true)]
    [InlineData("Vocabulary = 12, Output = 4, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy", true, true)]
    [InlineData("Vocabulary = -12, Loss = (RnnLoss)7", false, false)]
    public void Token_and_class_overloads_follow_the_settings_that_parse(string settings, bool tokens, bool classes)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + $"[RnnModel(8, 2, Window = -1, {settings})]\npublic partial class Model;\n");
        Assert.Empty(run.DiagnosticsInGeneratedCode);
        string text = GeneratorHarness.Unwrapped(run.Text);
        Assert.Equal(tokens, text.Contains("public void Step(int token, global::System.Span<float> output)", StringComparison.Ordinal));
        Assert.Equal(tokens, text.Contains("public void Forward(global::System.ReadOnlySpan<int> tokens", StringComparison.Ordinal));
        Assert.Equal(classes, text.Contains("public float TrainStep(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<int> targets", StringComparison.Ordinal));
        Assert.Equal(tokens && classes, text.Contains("public float TrainBatch(global::System.ReadOnlySpan<int> tokens, global::System.ReadOnlySpan<int> targets", StringComparison.Ordinal));
    }

    [Fact]
    public void Sizes_that_parse_are_kept_and_out_of_range_ones_replaced()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "[RnnModel(0, 70000, Cell = RnnCell.Lstm, Output = 3, Layers = 2, Window = 0, Vocabulary = 5)]\npublic partial class Model;\n");
        string text = run.Text;
        Assert.Contains("public const int HiddenSize = 1;", text, StringComparison.Ordinal);      // clamped into 1..4096
        Assert.Contains("public const int InputSize = 65536;", text, StringComparison.Ordinal);   // clamped into 1..65536
        Assert.Contains("public const int OutputSize = 3;", text, StringComparison.Ordinal);
        Assert.Contains("public const int Layers = 2;", text, StringComparison.Ordinal);
        Assert.Contains("public const int Window = 32;", text, StringComparison.Ordinal);        // the default
        Assert.Contains("public const int Vocabulary = 5;", text, StringComparison.Ordinal);
        Assert.Contains("public const int StateSize = 4;", text, StringComparison.Ordinal);      // 2 layers × 1 × (h, c)
        Assert.Contains("public global::System.Span<float> Cell(int layer = 0)", text, StringComparison.Ordinal);
        Assert.Contains("(RNNG004, RNNG005, RNNG007)", text, StringComparison.Ordinal);
    }

    /// <summary>RNNG013: the shell must compile in the project's language version, whatever it is.</summary>
    [Theory]
    [InlineData(LanguageVersion.CSharp7_3)]
    [InlineData(LanguageVersion.CSharp8)]
    [InlineData(LanguageVersion.CSharp9)]
    [InlineData(LanguageVersion.CSharp10)]
    [InlineData(LanguageVersion.CSharp11)]
    public void The_shell_compiles_in_old_language_versions(LanguageVersion version)
    {
        // The usage in the syntax of the version: a block namespace, no init-only setters before C# 9, no static abstract
        // members before C# 11.
        string usage = version >= LanguageVersion.CSharp11 ? Usage + GenericUsage : Usage;
        if (version < LanguageVersion.CSharp9)
            usage = usage.Replace("new TrainOptions { MaxGradientNorm = 1f }", "TrainOptions.Default", StringComparison.Ordinal);
        string source = Header.Replace("namespace Models;\n", "", StringComparison.Ordinal)
            + "namespace Models\n{\n[RnnModel(8, 2, Output = 1)]\npublic partial class Model { }\n" + usage + "\n}\n";
        var parseOptions = GeneratorHarness.ParseOptions(version);
        var options = GeneratorHarness.CompilationOptions.WithNullableContextOptions(
            version >= LanguageVersion.CSharp8 ? NullableContextOptions.Enable : NullableContextOptions.Disable);
        var compilation = CSharpCompilation.Create("Old", new[] { CSharpSyntaxTree.ParseText(source, parseOptions, path: "/src/File0.cs") },
            GeneratorHarness.References, options);
        var driver = GeneratorHarness.CreateDriver(parseOptions).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var driverDiagnostics);
        var run = GeneratorHarness.ToRun(driver.GetRunResult(), output, driverDiagnostics);

        DiagnosticTests.AssertNoCrash(run);
        Assert.Equal("RNNG013", Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.Equal("Models.Model.RnnModel.Shell.g.cs", run.Single.HintName);
        var others = run.OutputDiagnostics.Where(static d => d.Id != "RNNG013" && d.Id != "CS0219").ToList();
        Assert.True(others.Count == 0, string.Join("\n", others.Select(GeneratorHarness.Describe)));
        Assert.Equal(version >= LanguageVersion.CSharp11, run.Text.Contains(": global::RnnGen.IRnnModel", StringComparison.Ordinal));
    }

    /// <summary>Generated public members are documented: a project with GenerateDocumentationFile gets no CS1591 from the shell.</summary>
    [Fact]
    public void The_shell_is_documented()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "/// <summary>A model.</summary>\n[RnnModel(8, 2, Vocabulary = 3, Output = 3, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy, Window = 0)]\npublic partial class Model { }\n",
            LanguageVersion.CSharp12, DocumentationMode.Diagnose);
        Assert.Equal("RNNG007", Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.Equal("Model.RnnModel.Shell.g.cs", run.Single.HintName);
        Assert.Empty(run.DiagnosticsInGeneratedCode);
    }

    /// <summary>If the errors are silenced (severity none in .editorconfig), using the shell throws and says why.</summary>
    [Fact]
    public void Using_the_shell_throws_and_names_the_errors()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + "namespace Models;\n[RnnModel(0, 2, Layers = 0)]\npublic partial class Model;\n");
        using var stream = new MemoryStream();
        var emit = run.OutputCompilation.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics.Select(GeneratorHarness.Describe)));

        var context = new AssemblyLoadContext("shell", isCollectible: true);
        try
        {
            stream.Position = 0;
            var type = context.LoadFromStream(stream).GetType("Models.Model", throwOnError: true)!;
            Assert.Equal(1, (int)type.GetField("HiddenSize")!.GetRawConstantValue()!);
            var e = Assert.Throws<TargetInvocationException>(() => Activator.CreateInstance(type, 1));
            var invalid = Assert.IsType<InvalidOperationException>(e.InnerException);
            Assert.Equal("Model 'Models.Model' has an invalid [RnnModel] declaration (RNNG004, RNNG008); fix the errors reported there and rebuild. "
                         + "This build holds only a placeholder of the model, whose members all throw.", invalid.Message);
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>
    /// No shell where it would add errors of its own: the class is not partial (CS0260), generic, static (no instance
    /// members), file-local (a second type), named like a member (CS0542), or declares or inherits one (CS0102, CS0108).
    /// </summary>
    [Theory]
    [InlineData("RNNG001", "[RnnModel(8, 2)]\npublic class Model { }")]
    [InlineData("RNNG002", "public class Outer { [RnnModel(8, 2)] public partial class Model; }")]
    [InlineData("RNNG003", "[RnnModel(8, 2)]\npublic partial class Model<T>;")]
    [InlineData("RNNG011", "[RnnModel(8, 2)]\npublic partial class Model { public void Step() { } }")]
    [InlineData("RNNG015", "[RnnModel(8, 2)]\npublic static partial class Model { }")]
    [InlineData("RNNG017", "[RnnModel(8, 2)]\nfile partial class Model;")]
    [InlineData("RNNG018", "public class Base { public int Window; }\n[RnnModel(8, 2)]\npublic partial class Model : Base;")]
    [InlineData("RNNG020", "[RnnModel(8, 2)]\npublic partial class Window;")]
    public void No_shell_when_the_class_cannot_hold_one(string id, string declaration)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Usings + declaration + "\n");
        DiagnosticTests.AssertNoCrash(run);
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == id);
        Assert.Empty(run.Sources);
    }

    private static readonly SymbolDisplayFormat SignatureFormat = SymbolDisplayFormat.CSharpShortErrorMessageFormat
        .WithParameterOptions(SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeName
                              | SymbolDisplayParameterOptions.IncludeDefaultValue | SymbolDisplayParameterOptions.IncludeParamsRefOut);

    /// <summary>The public members of Models.Model and its State, with signatures, and its interfaces.</summary>
    private static List<string> Surface(Compilation compilation)
    {
        var model = compilation.GetTypeByMetadataName("Models.Model");
        Assert.NotNull(model);
        var lines = model!.AllInterfaces.Select(static i => "implements " + i.ToDisplayString()).ToList();
        foreach (var type in new[] { model, model.GetTypeMembers("State").Single() })
            foreach (var member in type.GetMembers())
            {
                if (member.DeclaredAccessibility != Accessibility.Public || member.IsImplicitlyDeclared) continue;
                string kind = member switch
                {
                    IFieldSymbol { IsConst: true } f => "const " + f.Type.ToDisplayString(),
                    IPropertySymbol p => (p.IsStatic ? "static " : "") + (p.ReturnsByRef ? "ref " : "") + p.Type.ToDisplayString(),
                    IMethodSymbol m => (m.IsStatic ? "static " : "") + m.ReturnType.ToDisplayString(),
                    _ => member.Kind.ToString(),
                };
                lines.Add(kind + " " + member.ToDisplayString(SignatureFormat));
            }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
