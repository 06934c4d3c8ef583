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
    private static ModelSpec Spec(int hidden, int input, CellKind cell, int layers = 1, PrecisionKind precision = PrecisionKind.BFloat16) =>
        new("Plans", "Model", EquatableArray<ContainingTypeSpec>.Empty, false, hidden, input, 1, layers, 32, 0,
            cell, ActivationKind.Tanh, OutputActivationKind.Linear, LossKind.Mse, LossOnKind.EveryStep, precision);

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
        Assert.Empty(result.Diagnostics);
        var spec = Assert.IsType<ModelSpec>(Assert.Single(Assert.Single(result.TrackedSteps[TrackingNames.Spec]).Outputs).Value);
        Assert.Equal((PrecisionKind)expected, spec.WeightPrecision);
    }

    [Fact]
    public void Float32_models_have_no_section()
    {
        var plan = ModelPlanner.Create(Spec(64, 10, CellKind.Lstm, precision: PrecisionKind.Float32));
        Assert.All(plan.Recurrent, static layer => Assert.Null(layer.BFloat16));
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
        var plan = ModelPlanner.Create(Spec(hidden, input, Enum.Parse<CellKind>(cell), layers));
        var section = Assert.Single(plan.Buffer.Sections, static s => s.Name == "InferenceWeights");
        Assert.Equal(plan.InferenceWeights, section.Offset);
        Assert.Equal(layers, plan.Recurrent.Count);
        int end = 0, floatWeights = 0;
        foreach (var layer in plan.Recurrent)
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
        var a = ModelPlanner.Create(Spec(40, 7, CellKind.Lstm, 2)).Recurrent[1].BFloat16;
        var b = ModelPlanner.Create(Spec(40, 7, CellKind.Lstm, 2)).Recurrent[1].BFloat16;
        Assert.NotNull(a);
        Assert.Equal(a, b);
        Assert.Equal(a!.GetHashCode(), b!.GetHashCode());
    }

    [Fact]
    public void A_BFloat16_model_steps_from_the_copy_and_refreshes_it_wherever_the_parameters_change()
    {
        string text = GeneratorHarness.RunClean(
            "using RnnGen;\nnamespace P;\n\n[RnnModel(hidden: 32, input: 5, Output = 1, Cell = RnnCell.Gru, Layers = 2, WeightPrecision = RnnPrecision.BFloat16)]\npublic partial class Model;\n").Text;

        Assert.Contains("public const global::RnnGen.RnnPrecision WeightPrecision = global::RnnGen.RnnPrecision.BFloat16;", text, StringComparison.Ordinal);
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

    [Fact]
    public void A_Float32_model_keeps_no_copy_and_its_refresh_is_empty()
    {
        string text = GeneratorHarness.RunClean("using RnnGen;\nnamespace P;\n\n[RnnModel(hidden: 32, input: 5, Output = 1, Cell = RnnCell.Lstm)]\npublic partial class Model;\n").Text;
        Assert.Contains("public const global::RnnGen.RnnPrecision WeightPrecision = global::RnnGen.RnnPrecision.Float32;", text, StringComparison.Ordinal);
        Assert.Contains("public void RefreshInferenceWeights() { }", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Bf16", text, StringComparison.Ordinal);
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
