using System;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// TrainBatch's lanes: which models step a chunk's sequences together, and what the lanes driver and kernels look like.
/// </summary>
public class TrainBatchLanesTests
{
    private static string Generate(string attributes) =>
        GeneratorHarness.Run(GeneratorHarness.Usings + "namespace P;\n" + attributes + "\npublic partial class M;\n").Text;

    [Fact]
    public void A_plain_model_trains_its_chunks_as_lanes()
    {
        string text = Generate("[RnnModel(hidden: 64, input: 10, Output = 1, Cell = RnnCell.Lstm)]");
        Assert.Contains("private double __AccumulateLanes(", text);
        Assert.Contains("__chunkLoss[c] = worker.__AccumulateLanes(floats, laneTargets, laneClasses, lanes, steps);", text);
        foreach (var suffix in new[] { "512", "256", "128", "Scalar" })
        {
            Assert.Contains($"private static void __Layer0ForwardLanes{suffix}(", text);
            Assert.Contains($"private static void __Layer0BackwardHiddenLanes{suffix}(", text);
        }

        // The forward over the lanes reads the float32 parameters and writes the gate cache (LSTM caches its gates).
        int kernel = text.IndexOf("private static void __Layer0ForwardLanes512(", StringComparison.Ordinal);
        string body = text.Substring(kernel, text.IndexOf("\n    }\n", kernel, StringComparison.Ordinal) - kernel);
        Assert.Contains("ref float p, ref float x, int xStride, ref float h, ref float hNext, ref float c, ref float cNext, ref float cache, int first, int end", body);
        Assert.Contains("__LaneStride", body);
        // Lanes that do not fill a block take the single-sequence kernel of the same width.
        Assert.Contains("for (int q = whole; q < end; q++)", body);
        Assert.Contains("__Layer0ForwardTrain512(", body);
        Assert.Contains("ref Unsafe.Add(ref x, q * xStride)", body);
        // The heads' dW waits for the step loop to end: the halves of the head's backward.
        Assert.Contains("private static void __HeadBackwardInput(ref float p, ref float dy, ref float dh)", text);
        Assert.Contains("private static void __HeadBackwardWeights(ref float g, ref float h, ref float dy)", text);
    }

    [Theory]
    [InlineData("[RnnModel(hidden: 8, input: 3, Output = 4, Vocabulary = 4, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]")]
    [InlineData("[RnnModel(input: 3)]\n[Gru(7, LearnedInitialState = true)]\n[Head(2)]")]
    [InlineData("[RnnModel(input: 3)]\n[Gru(7)]\n[Dropout(0.2f)]\n[Lstm(5)]\n[Head(2)]")]
    public void Embeddings_dropout_and_learned_initial_states_train_one_sequence_at_a_time(string attributes)
    {
        string text = Generate(attributes);
        Assert.Contains("worker.__Accumulate(", text);
        Assert.DoesNotContain("__AccumulateLanes", text);
        Assert.DoesNotContain("ForwardLanes", text);
    }

    [Fact]
    public void The_lane_stride_is_an_odd_number_of_cache_lines()
    {
        foreach (var attributes in new[]
                 {
                     "[RnnModel(hidden: 64, input: 10, Output = 1, Cell = RnnCell.Lstm)]",
                     "[RnnModel(hidden: 16, input: 16, Output = 16, Window = 64)]",
                     "[RnnModel(hidden: 5, input: 3, Output = 2, Cell = RnnCell.Gru, Layers = 2)]",
                 })
        {
            string text = Generate(attributes);
            const string Marker = "__LaneStride = ";
            int at = text.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length;
            int stride = int.Parse(text.Substring(at, text.IndexOf(';', at) - at), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(0, stride % 16);
            Assert.Equal(1, stride / 16 % 2);
        }
    }
}
