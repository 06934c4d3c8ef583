using System;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// <c>WeightPrecision</c>: the parser's value in the spec, the bfloat16 section's plan (pure) and what the emitter
/// makes of it: the copy is refreshed everywhere the library changes the parameters, and only the inference step
/// reads it. (The numerics are in RnnGen.Tests: bit-exact against a float32 twin with rounded weights.)
/// </summary>
public sealed class BFloat16GeneratorTests
{
    private static ModelSpec Spec(int hidden, int input, CellKind cell, int layers = 1, PrecisionKind precision = PrecisionKind.BFloat16,
        bool force = false, int vocabulary = 0) =>
        new("Plans", "Model", EquatableArray<ContainingTypeSpec>.Empty, false, hidden, input, 1, layers, 32, vocabulary,
            cell, ActivationKind.Tanh, OutputActivationKind.Linear, LossKind.Mse, LossOnKind.EveryStep, precision, ForceBFloat16Kernels: force);

    [Theory]
    [InlineData("", 0)]
    [InlineData(", WeightPrecision = RnnPrecision.Float32", 0)]
    [InlineData(", WeightPrecision = RnnPrecision.BFloat16", 1)]
    public void The_attribute_value_reaches_the_spec(string argument, int expected)
    {
        string source = $"using RnnGen;\nnamespace P;\n\n[RnnModel(hidden: 8, input: 2, Output = 1{argument})]\npublic partial class Model;\n";
        var options = GeneratorHarness.ParseOptions();
        var driver = GeneratorHarness.CreateDriver(options, trackSteps: true).RunGenerators(GeneratorHarness.CreateCompilation(source, options));
        var result = driver.GetRunResult().Results.Single();
        Assert.Empty(result.Diagnostics.Where(static d => d.Severity != DiagnosticSeverity.Info));
        var spec = Assert.IsType<ModelSpec>(Assert.Single(Assert.Single(result.TrackedSteps[TrackingNames.Spec]).Outputs).Value);
        Assert.Equal((PrecisionKind)expected, spec.WeightPrecision);
    }

    [Theory]
    [InlineData("[RnnModel(hidden: 8, input: 2, Output = 1, WeightPrecision = RnnPrecision.BFloat16)]", false)]
    [InlineData("[RnnModel(hidden: 8, input: 2, Output = 1, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = false)]", false)]
    [InlineData("[RnnModel(hidden: 8, input: 2, Output = 1, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]", true)]
    [InlineData("[RnnModel(input: 2, ForceBFloat16Kernels = true, WeightPrecision = RnnPrecision.BFloat16)]\n[Lstm(8)]\n[Head(1)]", true)]
    [InlineData("[RnnModel(input: 2, WeightPrecision = RnnPrecision.BFloat16)]\n[Lstm(8)]\n[Head(1)]", false)]
    public void ForceBFloat16Kernels_reaches_the_spec_in_both_forms(string attributes, bool expected)
    {
        string source = $"using RnnGen;\nnamespace P;\n\n{attributes}\npublic partial class Model;\n";
        var options = GeneratorHarness.ParseOptions();
        var driver = GeneratorHarness.CreateDriver(options, trackSteps: true).RunGenerators(GeneratorHarness.CreateCompilation(source, options));
        var result = driver.GetRunResult().Results.Single();
        var spec = Assert.IsType<ModelSpec>(Assert.Single(Assert.Single(result.TrackedSteps[TrackingNames.Spec]).Outputs).Value);
        Assert.Equal(expected, spec.ForceBFloat16Kernels);
        Assert.Equal(PrecisionKind.BFloat16, spec.WeightPrecision);
        // Small model: RNNG032 unless forced.
        Assert.Equal(expected ? Array.Empty<string>() : new[] { "RNNG032" }, result.Diagnostics.Select(static d => d.Id).ToArray());
        Assert.NotEqual(spec, spec with { ForceBFloat16Kernels = !expected });
    }

    /// <summary>
    /// The rule: a BFloat16 model streams its 16-bit copy when its float32 W_ih + W_hh (padded rows included) exceed 64 KiB
    /// or ForceBFloat16Kernels is set; otherwise the float32 kernels run over a float32 copy of the rounded weights.
    /// </summary>
    [Theory]
    [InlineData("Lstm", 16, 10, 1, false, 4 * 16 * 26 * 4, false)]
    [InlineData("Lstm", 32, 10, 1, false, 4 * 32 * 42 * 4, false)]
    [InlineData("Lstm", 64, 10, 1, false, 4 * 64 * 74 * 4, true)]       // 74 KiB
    [InlineData("Gru", 64, 10, 1, false, 3 * 64 * 74 * 4, false)]       // 55.5 KiB
    [InlineData("Gru", 64, 10, 1, true, 3 * 64 * 74 * 4, true)]
    [InlineData("Elman", 64, 10, 1, false, 64 * 74 * 4, false)]
    [InlineData("Elman", 128, 10, 1, false, 128 * 138 * 4, true)]
    [InlineData("Elman", 64, 10, 3, false, 64 * (74 + 128 + 128) * 4, true)]   // 82.5 KiB over three layers
    public void Small_models_run_the_float32_kernels_unless_forced(string cell, int hidden, int input, int layers, bool force, long bytes, bool streams)
    {
        var spec = Spec(hidden, input, Enum.Parse<CellKind>(cell), layers, force: force);
        var plan = ModelPlanner.Create(spec);
        Assert.Equal(bytes, plan.InferenceWeightBytes);
        Assert.Equal(bytes, ModelPlanner.InferenceWeightBytes(spec));
        Assert.Equal(streams, plan.StreamsBFloat16);
        Assert.Equal(!streams, plan.HasRoundedFloat32Copy);
        Assert.Equal(!streams, ModelPlanner.RunsFloat32KernelsOnRoundedWeights(spec));
        Assert.All(plan.Tiled, layer => Assert.Equal(streams, layer.BFloat16 is not null));
        Assert.Equal(force || bytes > ModelPlanner.Float32KernelsMaxBytes, streams);

        var float32 = ModelPlanner.Create(Spec(hidden, input, Enum.Parse<CellKind>(cell), layers, PrecisionKind.Float32, force));
        Assert.False(float32.StreamsBFloat16);
        Assert.False(float32.HasRoundedFloat32Copy);
        Assert.False(ModelPlanner.RunsFloat32KernelsOnRoundedWeights(spec with { WeightPrecision = PrecisionKind.Float32 }));
    }

    /// <summary>
    /// The float32 copy: the parameters from layer 0's tiles to the end of the top layer's, so that the kernels' base
    /// (<see cref="ModelPlan.InferenceBase"/> past the parameters') puts every layer's tiles in the copy; an embedding
    /// before layer 0 stays out of it.
    /// </summary>
    [Theory]
    [InlineData("Lstm", 5, 3, 2, 0)]
    [InlineData("Gru", 24, 7, 3, 0)]
    [InlineData("Lstm", 6, 4, 1, 7)]
    [InlineData("Elman", 33, 10, 2, 50)]
    public void The_float32_copy_holds_the_layers_at_their_relative_offsets(string cell, int hidden, int input, int layers, int vocabulary)
    {
        var plan = ModelPlanner.Create(Spec(hidden, input, Enum.Parse<CellKind>(cell), layers, vocabulary: vocabulary));
        Assert.True(plan.HasRoundedFloat32Copy);
        var section = Assert.Single(plan.Buffer.Sections, static s => s.Name == "InferenceWeights");
        Assert.Equal(plan.InferenceWeights, section.Offset);
        var first = plan.Tiled[0];
        Assert.Equal(vocabulary > 0 ? TilePlanner.RoundUp(vocabulary * input, ModelPlanner.Alignment) : 0, first.Offset);
        Assert.Equal(plan.Top.Offset + plan.Top.Tiles * plan.Top.TileStride - first.Offset, section.Length);
        Assert.Equal(plan.InferenceWeights - first.Offset, plan.InferenceBase);
        foreach (var layer in plan.Tiled)
        {
            // Layer n's tiles, read at __Layer{n}Offset from the kernels' base, are inside the copy.
            int start = plan.InferenceBase + layer.Offset, end = start + layer.Tiles * layer.TileStride;
            Assert.True(start >= section.Offset && end <= section.Offset + section.Length, $"layer {layer.Layer}: [{start}, {end})");
        }

        Assert.True(section.Offset >= plan.ParameterCount);
    }

    [Fact]
    public void Float32_models_have_no_section()
    {
        var plan = ModelPlanner.Create(Spec(64, 10, CellKind.Lstm, precision: PrecisionKind.Float32));
        Assert.All(plan.Tiled, static layer => Assert.Null(layer.BFloat16));
        Assert.Equal(-1, plan.InferenceWeights);
        Assert.DoesNotContain(plan.Buffer.Sections, static s => s.Name == "InferenceWeights");
    }

    /// <summary>Per tile: one float32 bias vector per accumulator group, then ⌈I/2⌉ and ⌈H/2⌉ column pairs of gates × TileRows words.</summary>
    [Theory]
    [InlineData("Lstm", 64, 10, 1)]
    [InlineData("Lstm", 128, 10, 1)]
    [InlineData("Lstm", 256, 10, 1)]
    [InlineData("Gru", 128, 10, 2)]
    [InlineData("Gru", 5, 3, 2)]
    [InlineData("Elman", 33, 7, 1)]
    [InlineData("Elman", 255, 255, 3)]
    public void The_section_holds_column_pairs_and_summed_biases(string cell, int hidden, int input, int layers)
    {
        var plan = ModelPlanner.Create(Spec(hidden, input, Enum.Parse<CellKind>(cell), layers, force: true));
        var section = Assert.Single(plan.Buffer.Sections, static s => s.Name == "InferenceWeights");
        Assert.Equal(plan.InferenceWeights, section.Offset);
        Assert.Equal(layers, plan.Tiled.Count);
        int end = 0, floatWeights = 0;
        foreach (var layer in plan.Tiled)
        {
            var q = layer.BFloat16!;
            Assert.Equal(layer.Layer, q.Index);
            Assert.Equal(layer.ColumnStride, q.ColumnStride);
            Assert.Equal(RecurrentKind.For(plan.Top).Accumulators.Length * plan.Top.TileRows, q.BiasLength);
            Assert.Equal((layer.InputWidth + 1) / 2, q.InputPairs);
            Assert.Equal((hidden + 1) / 2, q.RecurrentPairs);
            Assert.Equal(q.BiasLength + (q.InputPairs + q.RecurrentPairs) * q.ColumnStride, q.TileStride);
            Assert.Equal(q.BiasLength, q.InputPairsOffset);
            Assert.Equal(q.BiasLength + q.InputPairs * q.ColumnStride, q.RecurrentPairsOffset);
            Assert.True(q.Offset >= end && q.Offset % ModelPlanner.Alignment == 0, $"layer {layer.Layer} at {q.Offset}");
            if (plan.Top.TileRows % 16 == 0)
                Assert.True(q.TileStride % ModelPlanner.Alignment == 0, "every tile starts on 64 bytes when Vector512 reads it");
            end = q.Offset + plan.Top.Tiles * q.TileStride;
            floatWeights += plan.Top.Tiles * layer.TileStride;
        }

        Assert.Equal(TilePlanner.RoundUp(end, ModelPlanner.Alignment), section.Length);
        // Half the weight bytes, plus the odd columns' partners and the bias vectors (which weigh only in tiny layers).
        double ratio = (double)section.Length / floatWeights;
        Assert.True(ratio > 0.45 && ratio < (hidden >= 64 ? 0.53 : 0.7), $"the bfloat16 section is {ratio:P1} of the float32 layer blocks");
    }

    [Fact]
    public void Equal_specs_give_equal_sections()
    {
        var a = ModelPlanner.Create(Spec(40, 7, CellKind.Lstm, 2, force: true)).Tiled[1].BFloat16;
        var b = ModelPlanner.Create(Spec(40, 7, CellKind.Lstm, 2, force: true)).Tiled[1].BFloat16;
        Assert.NotNull(a);
        Assert.Equal(a, b);
        Assert.Equal(a!.GetHashCode(), b!.GetHashCode());
    }

    [Fact]
    public void A_BFloat16_model_steps_from_the_copy_and_refreshes_it_wherever_the_parameters_change()
    {
        string text = GeneratorHarness.RunClean(
            "using RnnGen;\nnamespace P;\n\n[RnnModel(hidden: 32, input: 5, Output = 1, Cell = RnnCell.Gru, Layers = 2, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]\npublic partial class Model;\n").Text;

        Assert.Contains("public const global::RnnGen.RnnPrecision WeightPrecision = global::RnnGen.RnnPrecision.BFloat16;", text, StringComparison.Ordinal);
        Assert.Contains("public const bool StreamsBFloat16 = true;", text, StringComparison.Ordinal);
        Assert.Contains("static global::RnnGen.RnnPrecision global::RnnGen.IRnnModel.WeightPrecision => WeightPrecision;", text, StringComparison.Ordinal);
        Assert.Matches(@"\n\s+__InferenceWeightsOffset = \d+[,;]", text);

        // __StepCore calls the bfloat16 kernel of every layer; BPTT still calls the float32 training kernels.
        string stepCore = Body(text, "private void __StepCore(");
        Assert.Contains("__Layer0Bf16Forward(ref q, ", stepCore, StringComparison.Ordinal);
        Assert.Contains("__Layer1Bf16Forward(ref q, ", stepCore, StringComparison.Ordinal);
        Assert.DoesNotContain("__Layer0Forward(", stepCore, StringComparison.Ordinal);
        string accumulate = Regex.Replace(Body(text, "private float __Accumulate("), @"\(\s+", "(");   // calls wrapped after "(" read as one line
        Assert.DoesNotContain("Bf16", accumulate, StringComparison.Ordinal);
        Assert.Contains("__Layer0ForwardTrain(ref p, ", accumulate, StringComparison.Ordinal);

        // Every width has a kernel.
        foreach (var suffix in new[] { "512", "256", "128", "Scalar" })
            Assert.Contains($"private static void __Layer0Bf16Forward{suffix}(", text, StringComparison.Ordinal);

        // Refreshed by CopyParametersFrom (construction, InitializeParameters and Load go through it), TrainStep and TrainBatch.
        Assert.Contains("RefreshInferenceWeights();", Body(text, "public void CopyParametersFrom("), StringComparison.Ordinal);
        Assert.Contains("CopyParametersFrom(canonical);", Body(text, "public void InitializeParameters("), StringComparison.Ordinal);
        AssertRefreshRightAfterTheOptimizer(Body(text, "private float __Train("), "optimizer.Step(Parameters, gradients);");
        AssertRefreshRightAfterTheOptimizer(Body(text, "private float __TrainBatch("), "optimizer.Step(parameters, gradients);");
        Assert.Contains("PackBFloat16ColumnPairs(", Body(text, "public void RefreshInferenceWeights()"), StringComparison.Ordinal);
    }

    /// <summary>
    /// A small BFloat16 model: the single step and the agents call the float32 kernels with the copy's base, the agents'
    /// layer 0 reads the embedding from the parameters, the copy is refreshed as the 16-bit one is, and no 16-bit kernel is emitted.
    /// </summary>
    [Fact]
    public void A_small_BFloat16_model_runs_the_float32_kernels_on_its_rounded_copy()
    {
        var run = GeneratorHarness.RunClean(
            "using RnnGen;\nnamespace P;\n\n[RnnModel(hidden: 32, input: 5, Output = 4, Cell = RnnCell.Gru, Layers = 2, Vocabulary = 9, " +
            "OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy, WeightPrecision = RnnPrecision.BFloat16)]\npublic partial class Model;\n");
        string text = run.Text;
        Assert.Equal("RNNG032", Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.Contains("public const global::RnnGen.RnnPrecision WeightPrecision = global::RnnGen.RnnPrecision.BFloat16;", text, StringComparison.Ordinal);
        Assert.Contains("public const bool StreamsBFloat16 = false;", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Bf16", text, StringComparison.Ordinal);
        Assert.DoesNotContain("PackBFloat16ColumnPairs", text, StringComparison.Ordinal);
        Assert.Matches(@"private const int __InferenceBaseOffset = \d+;", text);

        string stepCore = Body(text, "private void __StepCore(");
        Assert.Contains("ref float q = ref Unsafe.Add(ref p, __InferenceBaseOffset);", stepCore, StringComparison.Ordinal);
        Assert.Contains("__Layer0Forward(ref q, ", stepCore, StringComparison.Ordinal);
        Assert.Contains("__Layer1Forward(ref q, ", stepCore, StringComparison.Ordinal);
        Assert.Contains("(ref p, ", Regex.Match(stepCore, @"__Head\w*Forward\w*\(ref \w+, ").Value, StringComparison.Ordinal);   // the head reads the parameters
        string accumulate = Regex.Replace(Body(text, "private float __Accumulate("), @"\(\s+", "(");
        Assert.Contains("__Layer0ForwardTrain(ref p, ", accumulate, StringComparison.Ordinal);
        Assert.DoesNotContain("__InferenceBaseOffset", accumulate, StringComparison.Ordinal);

        // The agents: the float32 agent kernels on the copy; layer 0's gets the parameters for the embedding rows.
        string driver = Regex.Replace(Body(text, "private void __StepAgents512("), @"\(\s+", "(");
        Assert.Contains("ref float q = ref Unsafe.Add(ref p, __InferenceBaseOffset);", driver, StringComparison.Ordinal);
        Assert.Matches(@"__Layer0ForwardAgents\d+\(ref q, ref s, first, end, ref x, tokens, ref p\);", driver);
        Assert.Matches(@"__Layer1ForwardAgents\d+\(ref q, ref s, first, end\);", driver);
        Assert.Contains("ref __InputAt(ref pe, ref x, tokens, q)", Body(text, "private static void __Layer0ForwardAgents512("), StringComparison.Ordinal);
        Assert.DoesNotContain("static int global::RnnGen.IRnnAgentModel<State>.AgentBlock => 1;", text, StringComparison.Ordinal);

        string refresh = Body(text, "public void RefreshInferenceWeights()");
        Assert.Contains("global::RnnGen.Kernels.BFloat16.Round(", refresh, StringComparison.Ordinal);
        Assert.Contains("__Layer1Offset", refresh, StringComparison.Ordinal);
        Assert.Contains("RefreshInferenceWeights();", Body(text, "public void CopyParametersFrom("), StringComparison.Ordinal);
        AssertRefreshRightAfterTheOptimizer(Body(text, "private float __Train("), "optimizer.Step(Parameters, gradients);");
        AssertRefreshRightAfterTheOptimizer(Body(text, "private float __TrainBatch("), "optimizer.Step(parameters, gradients);");
    }

    [Fact]
    public void A_Float32_model_keeps_no_copy_and_its_refresh_is_empty()
    {
        string text = GeneratorHarness.RunClean("using RnnGen;\nnamespace P;\n\n[RnnModel(hidden: 32, input: 5, Output = 1, Cell = RnnCell.Lstm)]\npublic partial class Model;\n").Text;
        Assert.Contains("public const global::RnnGen.RnnPrecision WeightPrecision = global::RnnGen.RnnPrecision.Float32;", text, StringComparison.Ordinal);
        Assert.Contains("public void RefreshInferenceWeights() { }", text, StringComparison.Ordinal);
        Assert.Contains("public const bool StreamsBFloat16 = false;", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Bf16", text, StringComparison.Ordinal);
        Assert.DoesNotContain("__InferenceBaseOffset", text, StringComparison.Ordinal);
        Assert.DoesNotContain("__InferenceWeightsOffset", text, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(text, @"RefreshInferenceWeights\("));
    }

    private static void AssertRefreshRightAfterTheOptimizer(string body, string optimizerStep)
    {
        int step = body.IndexOf(optimizerStep, StringComparison.Ordinal);
        Assert.True(step >= 0, "no optimizer step in " + body);
        string next = body.Substring(step + optimizerStep.Length).TrimStart();
        Assert.StartsWith("RefreshInferenceWeights();", next, StringComparison.Ordinal);
        // Before the step (the skipped-step branch returns earlier) there is no refresh.
        Assert.DoesNotContain("RefreshInferenceWeights", body.Substring(0, step), StringComparison.Ordinal);
    }

    /// <summary>The text of the member whose declaration starts with <paramref name="signature"/>, through its matching brace.</summary>
    private static string Body(string text, string signature)
    {
        int start = text.IndexOf(signature, StringComparison.Ordinal);
        Assert.True(start >= 0, "not emitted: " + signature);
        int open = text.IndexOf('{', start), depth = 0;
        for (int i = open; i < text.Length; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return text.Substring(start, i + 1 - start);
        }

        throw new InvalidOperationException("unbalanced braces after " + signature);
    }
}
