using System;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// TrainBatch's lanes: what the lanes driver and kernels look like, for plain, token, learned-initial-state and dropout models.
/// </summary>
public class TrainBatchLanesTests
{
    private static string Generate(string attributes) =>
        GeneratorHarness.Run(GeneratorHarness.Usings + "namespace P;\n" + attributes + "\npublic partial class M;\n").Text;

    /// <summary>The generated text with the wrapped lines joined again (a call's arguments on the call's line).</summary>
    private static string Unwrapped(string text) =>
        System.Text.RegularExpressions.Regex.Replace(System.Text.RegularExpressions.Regex.Replace(text, @"\(\n\s+", "("), @"\n\s+", " ");

    [Fact]
    public void A_plain_model_trains_its_chunks_as_lanes()
    {
        string text = Generate("[RnnModel(hidden: 64, input: 10, Output = 1, Cell = RnnCell.Lstm)]");
        Assert.Contains("private double __AccumulateLanes(", text);
        Assert.Contains("loss = worker.__AccumulateLanes(laneFloats, laneTargets, laneClasses, lanes, steps, loss);", text);
        // A chunk goes through in groups of at most __LanesPerCall sequences: the lanes' caches stay bounded.
        Assert.Contains("int lanes = global::System.Math.Min(end - q, __LanesPerCall);", text);
        Assert.Contains("private const int __LanesPerCall = 64;", text);
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

    [Fact]
    public void A_token_model_keeps_each_lanes_window_of_inputs_and_of_dx_and_adds_the_embedding_gradient_after_the_loop()
    {
        string text = Unwrapped(Generate("[RnnModel(hidden: 8, input: 3, Output = 4, Vocabulary = 4, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]"));
        Assert.Contains("loss = worker.__AccumulateLanes(laneFloats, laneTokens, laneTargets, laneClasses, lanes, steps, loss);", text);
        Assert.Contains("private const int __LaneInputWindowOffset = ", text);
        Assert.Contains("private const int __LaneDxWindowOffset = ", text);
        // Layer 0 reads the lanes' windows of embedding rows, a lane stride apart.
        Assert.Contains("__Layer0ForwardLanes(ref p, ref Unsafe.Add(ref xw, t * InputSize), __LaneStride, ", text);
        // dx_t of every lane goes to its window, and dE waits until the step loop is over, lane after lane.
        Assert.Contains("__Layer0BackwardInputLanes(ref Unsafe.Add(ref p, __Layer0WihTOffset), ref Unsafe.Add(ref delta0, t * 8), ref Unsafe.Add(ref dxw, t * 8), 0, lanes);", text);
        int loop = text.IndexOf("double total = 0;", StringComparison.Ordinal);
        Assert.True(loop > 0);
        Assert.Contains("ref float ge = ref Unsafe.Add(ref g, __EmbeddingOffset + tokens[q * steps + t] * InputSize);", text.Substring(loop));
    }

    [Fact]
    public void Lanes_start_from_the_learned_initial_state_and_add_its_gradient_lane_by_lane()
    {
        string text = Unwrapped(Generate("[RnnModel(input: 3)]\n[Lstm(7, LearnedInitialState = true)]\n[Head(2)]"));
        int driver = text.IndexOf("private double __AccumulateLanes(", StringComparison.Ordinal);
        Assert.True(driver > 0);
        string body = text.Substring(driver);
        Assert.Contains("CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref hs0, q * __LaneStride), 7));", body);
        Assert.Contains("CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref cs0, q * __LaneStride), 7));", body);
        Assert.Contains("// dL/dh_0 into h0's gradient", body);
        Assert.Contains("// dL/dc_0 into c0's gradient", body);
    }

    [Fact]
    public void A_dropout_model_draws_each_lanes_masks_from_its_sequences_stream()
    {
        string text = Unwrapped(Generate("[RnnModel(input: 3)]\n[Gru(7)]\n[Dropout(0.2f)]\n[Lstm(5)]\n[Head(2)]"));
        Assert.Contains("loss = worker.__AccumulateLanes(laneFloats, laneTargets, laneClasses, lanes, steps, __dropoutSeed, __batchCall, q, loss);", text);
        Assert.Contains("__laneStreams[q] = global::RnnGen.Internal.KernelHelpers.DropoutStream(seed, call, (ulong)(firstSequence + q) + 1);", text);
        Assert.Contains("private const int __LaneLayer0DroppedOffset = ", text);
        // Layer 1 reads layer 0's output after dropout, and its dx goes to dL/d(dropped output).
        Assert.Contains("__Layer1ForwardLanes(ref p, ref Unsafe.Add(ref xd0, (t + 1) * 8), __LaneStride, ", text);
        Assert.Contains("ref dg0, 0, lanes);", text);
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
