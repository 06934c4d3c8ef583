using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using RnnGen.Kernels;
using RnnGen.Serialization;
using Xunit;
using Xunit.Abstractions;
using B = RnnGen.Tests.Models.Bf16;
using BF = RnnGen.Tests.Models.Bf16.Fallback;
using Fx = RnnGen.Tests.Models.Fixtures;
using M = RnnGen.Tests.Models;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Models declared with <c>WeightPrecision = RnnPrecision.BFloat16</c>: (1) their inference kernels compute bit for
/// bit what a float32 twin whose W_ih and W_hh were rounded to bfloat16 computes, while training stays float32;
/// (2) against PyTorch's fixtures they stay within 1e-2; (3) the 16-bit copy follows every change the library makes
/// to the parameters, and a raw edit of <c>Parameters</c> only after <c>RefreshInferenceWeights</c>; (5) Step, Forward,
/// Evaluate, RefreshInferenceWeights and TrainStep allocate nothing. CI reruns these on every SIMD path (4).
/// (6) Small models (at most 64 KiB of float32 W_ih + W_hh, no ForceBFloat16Kernels) run the float32 kernels over a
/// float32 copy of the rounded weights: the same twin checks, the same bits as the 16-bit kernels (single step and
/// agents), the same refresh rules, no allocation.
/// </summary>
public class BFloat16ModelTests
{
    private readonly ITestOutputHelper _output;

    public BFloat16ModelTests(ITestOutputHelper output) => _output = output;

    // ───────────────────────────────────────────── (1) the kernel is exact

    [Fact] public void Lstm64_equals_its_rounded_float32_twin() => AssertTwin<B.Lstm_10_64_1, Fx.Lstm_10_64_1>(1, 20);
    [Fact] public void Gru64_equals_its_rounded_float32_twin() => AssertTwin<B.Gru_10_64_1, Fx.Gru_10_64_1>(2, 20);
    [Fact] public void Elman64_equals_its_rounded_float32_twin() => AssertTwin<B.Elman_10_64_1, Fx.Elman_10_64_1>(3, 20);
    [Fact] public void Lstm2Layer_odd_sizes_equal_their_twin() => AssertTwin<B.Lstm2Layer_3_5_2, Fx.Lstm2Layer_3_5_2>(4, 12);
    [Fact] public void Gru2Layer_odd_sizes_equal_their_twin() => AssertTwin<B.Gru2Layer_3_5_2, Fx.Gru2Layer_3_5_2>(5, 12);
    [Fact] public void ElmanRelu2Layer_equals_its_twin() => AssertTwin<B.ElmanRelu2Layer_3_5_2, Fx.ElmanRelu2Layer_3_5_2>(6, 12);
    [Fact] public void Lstm128_equals_its_twin() => AssertTwin<B.Lstm128x10, M.Lstm128x10>(7, 10);
    [Fact] public void Gru128_equals_its_twin() => AssertTwin<B.Gru128x10, M.Gru128x10>(8, 10);
    [Fact] public void Lstm40_three_tiles_two_layers_equals_its_twin() => AssertTwin<B.Lstm40x7, M.Lstm40x7>(9, 10);
    [Fact] public void Elman33Relu_three_partial_sums_equals_its_twin() => AssertTwin<B.Elman33Relu, M.Elman33Relu>(10, 10);
    [Fact] public void Elman100_odd_input_equals_its_twin() => AssertTwin<B.Elman100, M.Elman100>(11, 10);
    [Fact] public void Elman256x300_chunked_columns_equals_its_twin() => AssertTwin<B.Elman256x300, M.Elman256x300>(12, 6);
    [Fact] public void GruNoHead_equals_its_twin() => AssertTwin<B.GruNoHead, M.GruNoHead>(13, 10);

    [Fact]
    public void Token_model_equals_its_twin_in_Step_and_Forward()
    {
        var canonical = ModelChecks.RandomParameters<B.LstmEmbed_7_4_6_7>(14);
        var b = new B.LstmEmbed_7_4_6_7();
        b.CopyParametersFrom(canonical);
        var f = new M.LstmEmbed_7_4_6_7();
        f.CopyParametersFrom(RoundedWeights(B.LstmEmbed_7_4_6_7.ParameterLayout, canonical));
        int[] tokens = { 3, 0, 6, 6, 1, 2, 5, 4, 0, 3 };
        var ob = new float[tokens.Length * 7];
        var of = new float[tokens.Length * 7];
        b.Forward(tokens, ob);
        f.Forward(tokens, of);
        Assert.Equal(TestData.Bits(of), TestData.Bits(ob));

        b.ResetState();
        var y = new float[7];
        for (int t = 0; t < tokens.Length; t++)
        {
            b.Step(tokens[t], y);
            Assert.Equal(TestData.Bits(of.AsSpan(t * 7, 7)), TestData.Bits(y));
        }
    }

    /// <summary>
    /// Forward, Step (own and external state), the final state and Evaluate of the bfloat16 model equal, bit for bit,
    /// those of the float32 twin holding the same parameters with W_ih and W_hh rounded to bfloat16. Training is
    /// float32: the bfloat16 model's loss and gradients equal those of the twin holding the unrounded parameters.
    /// </summary>
    private static void AssertTwin<TB, TF>(int seed, int steps)
        where TB : class, IRnnModel, new() where TF : class, IRnnModel, new()
    {
        Assert.Equal(RnnPrecision.BFloat16, TB.WeightPrecision);
        Assert.Equal(RnnPrecision.Float32, TF.WeightPrecision);
        Assert.Equal(TF.ParameterLayout.Fingerprint, TB.ParameterLayout.Fingerprint);
        Assert.Equal(TF.ParameterCount, TB.ParameterCount);

        var canonical = ModelChecks.RandomParameters<TB>(seed);
        var b = new TB();
        b.CopyParametersFrom(canonical);
        var f = new TF();
        f.CopyParametersFrom(RoundedWeights(TB.ParameterLayout, canonical));
        var inputs = TestData.Uniform(seed + 1, steps * TB.InputSize, 1.0);
        var h0 = TestData.Uniform(seed + 2, TB.StateSize, 0.5);
        var targets = TestData.Uniform(seed + 3, steps * TB.OutputSize, 1.0);

        b.CopyStateFrom(h0);
        f.CopyStateFrom(h0);
        var ob = new float[steps * TB.OutputSize];
        var of = new float[steps * TB.OutputSize];
        b.Forward(inputs, ob);
        f.Forward(inputs, of);
        Assert.Equal(TestData.Bits(of), TestData.Bits(ob));
        var sb = new float[TB.StateSize];
        var sf = new float[TB.StateSize];
        b.CopyStateTo(sb);
        f.CopyStateTo(sf);
        Assert.Equal(TestData.Bits(sf), TestData.Bits(sb));

        b.CopyStateFrom(h0);
        var y = new float[TB.OutputSize];
        for (int t = 0; t < steps; t++)
        {
            b.Step(inputs.AsSpan(t * TB.InputSize, TB.InputSize), y);
            Assert.Equal(TestData.Bits(of.AsSpan(t * TB.OutputSize, TB.OutputSize)), TestData.Bits(y));
        }

        b.CopyStateFrom(h0);
        f.CopyStateFrom(h0);
        Assert.Equal(BitConverter.SingleToInt32Bits(f.Evaluate(inputs, targets)), BitConverter.SingleToInt32Bits(b.Evaluate(inputs, targets)));

        // BPTT reads the float32 master copy.
        int window = Math.Min(steps, TB.WindowSize);
        var master = new TF();
        master.CopyParametersFrom(canonical);
        b.CopyStateFrom(h0);
        master.CopyStateFrom(h0);
        b.ZeroGradients();
        master.ZeroGradients();
        float lb = b.AccumulateGradients(inputs.AsSpan(0, window * TB.InputSize), targets.AsSpan(0, window * TB.OutputSize));
        float lm = master.AccumulateGradients(inputs.AsSpan(0, window * TB.InputSize), targets.AsSpan(0, window * TB.OutputSize));
        Assert.Equal(BitConverter.SingleToInt32Bits(lm), BitConverter.SingleToInt32Bits(lb));
        Assert.Equal(TestData.Bits(master.Gradients), TestData.Bits(b.Gradients));
    }

    /// <summary>The canonical parameters with every rnn.weight_* tensor rounded to bfloat16 (biases, head, embedding kept).</summary>
    private static float[] RoundedWeights(RnnParameterLayout layout, float[] canonical)
    {
        var rounded = (float[])canonical.Clone();
        foreach (var t in layout.Tensors)
            if (t.Name.StartsWith("rnn.weight_", StringComparison.Ordinal))
                BFloat16.Round(rounded.AsSpan(t.Offset, t.Length), rounded.AsSpan(t.Offset, t.Length));
        return rounded;
    }

    private static float[] RoundedWeights<TModel>(TModel model) where TModel : IRnnModel
    {
        var canonical = new float[TModel.TrainableParameterCount];
        model.CopyParametersTo(canonical);
        return RoundedWeights(TModel.ParameterLayout, canonical);
    }

    // ───────────────────────────────────────────── (2) against PyTorch

    [Theory]
    [InlineData("lstm_10_64_1_h0")]
    [InlineData("lstm_10_64_1_zero")]
    [InlineData("gru_10_64_1_h0")]
    [InlineData("gru_10_64_1_zero")]
    [InlineData("elman_10_64_1_h0")]
    [InlineData("elman_10_64_1_zero")]
    [InlineData("lstm_2layer_3_5_2_h0")]
    [InlineData("gru_2layer_3_5_2_h0")]
    [InlineData("elman_relu_2layer_3_5_2_h0")]
    public void Fixture_outputs_stay_within_1e_2_of_PyTorch(string name)
    {
        string report = name switch
        {
            "lstm_10_64_1_h0" or "lstm_10_64_1_zero" => AgainstPyTorch<B.Lstm_10_64_1, Fx.Lstm_10_64_1>(name),
            "gru_10_64_1_h0" or "gru_10_64_1_zero" => AgainstPyTorch<B.Gru_10_64_1, Fx.Gru_10_64_1>(name),
            "elman_10_64_1_h0" or "elman_10_64_1_zero" => AgainstPyTorch<B.Elman_10_64_1, Fx.Elman_10_64_1>(name),
            "lstm_2layer_3_5_2_h0" => AgainstPyTorch<B.Lstm2Layer_3_5_2, Fx.Lstm2Layer_3_5_2>(name),
            "gru_2layer_3_5_2_h0" => AgainstPyTorch<B.Gru2Layer_3_5_2, Fx.Gru2Layer_3_5_2>(name),
            "elman_relu_2layer_3_5_2_h0" => AgainstPyTorch<B.ElmanRelu2Layer_3_5_2, Fx.ElmanRelu2Layer_3_5_2>(name),
            _ => throw new ArgumentException(name),
        };
        _output.WriteLine(report);
    }

    private static string AgainstPyTorch<TB, TF>(string name) where TB : class, IRnnModel, new() where TF : class, IRnnModel, new()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "rnn", name + ".json")));
        var r = doc.RootElement;
        double[] A(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        int steps = r.GetProperty("steps").GetInt32();
        var tensors = r.GetProperty("params").EnumerateObject().ToDictionary(p => p.Name, p => A(p.Value));
        var canonical = new float[TB.TrainableParameterCount];
        foreach (var t in TB.ParameterLayout.Tensors)
        {
            var values = tensors[t.Name];
            Assert.Equal(t.Length, values.Length);
            for (int i = 0; i < values.Length; i++) canonical[t.Offset + i] = (float)values[i];
        }

        var inputs = A(r.GetProperty("inputs")).Select(v => (float)v).ToArray();
        var state0 = A(r.GetProperty("h0")).Concat(A(r.GetProperty("c0"))).Select(v => (float)v).ToArray();
        var expected = A(r.GetProperty("outputs"));

        float[] Run(IRnnModel model)
        {
            model.CopyParametersFrom(canonical);
            model.CopyStateFrom(state0);
            var outputs = new float[steps * TB.OutputSize];
            model.Forward(inputs, outputs);
            return outputs;
        }

        var ob = Run(new TB());
        var of = Run(new TF());
        double bf16Error = 0, f32Error = 0, gap = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            bf16Error = Math.Max(bf16Error, Math.Abs(ob[i] - expected[i]));
            f32Error = Math.Max(f32Error, Math.Abs(of[i] - expected[i]));
            gap = Math.Max(gap, Math.Abs(ob[i] - (double)of[i]));
        }

        Assert.True(bf16Error <= 1e-2, $"{name}: bfloat16 outputs are {bf16Error:E2} from PyTorch (limit 1e-2)");
        return $"{name}: max |y − PyTorch| bfloat16 {bf16Error:E2}, float32 {f32Error:E2}; max |bfloat16 − float32| {gap:E2} over {steps} steps";
    }

    /// <summary>A long sequence (256 steps) from Keras-style init: how far the bfloat16 outputs drift from float32's.</summary>
    [Theory]
    [InlineData("lstm64")]
    [InlineData("gru64")]
    [InlineData("elman64")]
    [InlineData("lstm128")]
    [InlineData("gru128")]
    public void Long_sequences_stay_close_to_float32(string which)
    {
        double gap = which switch
        {
            "lstm64" => Drift<B.Lstm_10_64_1, Fx.Lstm_10_64_1>(),
            "gru64" => Drift<B.Gru_10_64_1, Fx.Gru_10_64_1>(),
            "elman64" => Drift<B.Elman_10_64_1, Fx.Elman_10_64_1>(),
            "lstm128" => Drift<B.Lstm128x10, M.Lstm128x10>(),
            "gru128" => Drift<B.Gru128x10, M.Gru128x10>(),
            _ => throw new ArgumentException(which),
        };
        _output.WriteLine($"{which}: max |bfloat16 − float32| over 256 steps = {gap:E2}");
        Assert.True(gap <= 1e-2, $"{which}: {gap:E2}");
    }

    private static double Drift<TB, TF>() where TB : class, IRnnModel, new() where TF : class, IRnnModel, new()
    {
        const int Steps = 256;
        var b = new TB();
        var f = new TF();
        var canonical = new float[TB.TrainableParameterCount];
        // Both default-construct from seed 0: identical float32 parameters.
        b.CopyParametersTo(canonical);
        f.CopyParametersFrom(canonical);
        var inputs = TestData.Uniform(77, Steps * TB.InputSize, 1.0);
        var ob = new float[Steps * TB.OutputSize];
        var of = new float[Steps * TB.OutputSize];
        b.Forward(inputs, ob);
        f.Forward(inputs, of);
        double gap = 0;
        for (int i = 0; i < ob.Length; i++) gap = Math.Max(gap, Math.Abs(ob[i] - (double)of[i]));
        return gap;
    }

    // ───────────────────────────────────────────── (3) the copy follows the parameters

    private static float[] Outputs<TModel>(TModel model) where TModel : IRnnModel => TestData.Forward(model, steps: 8, seed: 90);

    /// <summary>What a bfloat16 model must output when its copy is current: the float32 twin with rounded weights.</summary>
    private static int[] TwinBits(B.Lstm_10_64_1 model)
    {
        var twin = new Fx.Lstm_10_64_1();
        twin.CopyParametersFrom(RoundedWeights(model));
        return TestData.Bits(Outputs(twin));
    }

    [Fact]
    public void Raw_edits_of_recurrent_weights_apply_after_RefreshInferenceWeights()
    {
        var model = new B.Lstm_10_64_1(3);
        var before = TestData.Bits(Outputs(model));
        Assert.Equal(TwinBits(model), before);

        // W_hh[0..40, 0] *= −2 through Parameters: the copy still holds the old weights.
        var whh = B.Lstm_10_64_1.ParameterLayout.Tensors.Single(t => t.Name == "rnn.weight_hh_l0");
        for (int row = 0; row < 40; row++)
            model.Parameters[B.Lstm_10_64_1.ParameterIndex(whh.Offset + row * 64)] *= -2f;
        Assert.Equal(before, TestData.Bits(Outputs(model)));

        model.RefreshInferenceWeights();
        var after = TestData.Bits(Outputs(model));
        Assert.NotEqual(before, after);
        Assert.Equal(TwinBits(model), after);
    }

    [Fact]
    public void Head_weights_are_read_from_Parameters_directly()
    {
        var model = new B.Lstm_10_64_1(4);
        var before = TestData.Bits(Outputs(model));
        var bias = B.Lstm_10_64_1.ParameterLayout.Tensors.Single(t => t.Name == "head.bias");
        model.Parameters[B.Lstm_10_64_1.ParameterIndex(bias.Offset)] += 1f;
        var after = TestData.Bits(Outputs(model));
        Assert.NotEqual(before, after);
        Assert.Equal(TwinBits(model), after);
    }

    [Fact]
    public void Float32_models_see_raw_edits_at_once_and_RefreshInferenceWeights_does_nothing()
    {
        var model = new Fx.Lstm_10_64_1(5);
        var before = TestData.Bits(Outputs(model));
        model.RefreshInferenceWeights();
        Assert.Equal(before, TestData.Bits(Outputs(model)));
        model.Parameters[Fx.Lstm_10_64_1.ParameterIndex(0)] += 0.5f;
        Assert.NotEqual(before, TestData.Bits(Outputs(model)));
    }

    [Fact]
    public void Construction_InitializeParameters_and_CopyParametersFrom_fill_the_copy()
    {
        var seeded = new B.Lstm_10_64_1(6);
        Assert.Equal(TwinBits(seeded), TestData.Bits(Outputs(seeded)));

        seeded.InitializeParameters(7);
        Assert.Equal(TwinBits(seeded), TestData.Bits(Outputs(seeded)));

        seeded.CopyParametersFrom(ModelChecks.RandomParameters<B.Lstm_10_64_1>(8));
        Assert.Equal(TwinBits(seeded), TestData.Bits(Outputs(seeded)));

        // A user constructor that calls InitializeParameters: same weights as the float32 model of seed 7.
        var user = new B.UserConstructed(7);
        var twin = new M.UserConstructed("twin");
        Assert.Equal(TestData.Bits(twin.Parameters), TestData.Bits(user.Parameters));
        twin.CopyParametersFrom(RoundedWeights(user));
        Assert.Equal(TestData.Bits(Outputs(twin)), TestData.Bits(Outputs(user)));
    }

    [Fact]
    public void Load_from_a_path_and_a_stream_refreshes_the_copy_and_a_failed_load_changes_nothing()
    {
        // A file saved by the float32 twin of the same shape loads into the bfloat16 model.
        var source = new Fx.Lstm_10_64_1(9);
        using var saved = new MemoryStream();
        source.Save(saved);
        byte[] file = saved.ToArray();

        var model = new B.Lstm_10_64_1(10);
        model.Load(new MemoryStream(file));
        Assert.Equal(TestData.Bits(source.Parameters), TestData.Bits(model.Parameters));
        Assert.Equal(TwinBits(model), TestData.Bits(Outputs(model)));

        string path = Path.Combine(Path.GetTempPath(), $"rnngen-bf16-{Guid.NewGuid():N}.safetensors");
        try
        {
            var other = new B.Lstm_10_64_1(11);
            other.Save(path);
            var metadata = SafeTensorsFile.Read(path).Metadata;
            Assert.Equal("bfloat16", metadata["weight_precision"]);
            model.Load(path);
            Assert.Equal(TestData.Bits(Outputs(other)), TestData.Bits(Outputs(model)));

            // And the float32 twin loads the bfloat16 model's file.
            var back = new Fx.Lstm_10_64_1();
            back.Load(path);
            Assert.Equal(TestData.Bits(other.Parameters), TestData.Bits(back.Parameters));
        }
        finally
        {
            File.Delete(path);
        }

        var good = TestData.Bits(Outputs(model));
        var damaged = (byte[])file.Clone();
        damaged[^1] ^= 0x40;   // data no longer matches data_sha256
        Assert.Throws<RnnFormatException>(() => model.Load(new MemoryStream(damaged)));
        Assert.Equal(good, TestData.Bits(Outputs(model)));
    }

    [Fact]
    public void TrainStep_refreshes_after_the_optimizer_step_and_a_skipped_step_changes_nothing()
    {
        var model = new B.Lstm_10_64_1(12);
        var master = new Fx.Lstm_10_64_1(12);
        var adamB = new Adam(B.Lstm_10_64_1.ParameterCount, 1e-2f);
        var adamF = new Adam(Fx.Lstm_10_64_1.ParameterCount, 1e-2f);
        var x = TestData.Uniform(13, 16 * 10, 1.0);
        var y = TestData.Uniform(14, 16, 1.0);
        var before = TestData.Bits(Outputs(model));

        float lb = model.TrainStep(x, y, adamB);
        float lf = master.TrainStep(x, y, adamF);
        Assert.Equal(BitConverter.SingleToInt32Bits(lf), BitConverter.SingleToInt32Bits(lb));   // float32 training
        Assert.Equal(TestData.Bits(master.Parameters), TestData.Bits(model.Parameters));
        var after = TestData.Bits(Outputs(model));
        Assert.NotEqual(before, after);
        Assert.Equal(TwinBits(model), after);

        var bad = (float[])x.Clone();
        bad[3] = float.NaN;
        model.TrainStep(bad, y, adamB);
        Assert.Equal(1, model.SkippedSteps);
        Assert.Equal(after, TestData.Bits(Outputs(model)));
    }

    [Fact]
    public void TrainBatch_refreshes_after_the_optimizer_step()
    {
        var model = new B.Lstm_10_64_1(15);
        var adam = new Adam(B.Lstm_10_64_1.ParameterCount, 1e-2f);
        var x = TestData.Uniform(16, 4 * 8 * 10, 1.0);
        var y = TestData.Uniform(17, 4 * 8, 1.0);
        var before = TestData.Bits(Outputs(model));
        model.TrainBatch(x, y, 4, adam);
        var after = TestData.Bits(Outputs(model));
        Assert.NotEqual(before, after);
        Assert.Equal(TwinBits(model), after);
    }

    // ───────────────────────────────────────────── (6) small models: float32 kernels over the rounded weights

    [Fact] public void Fallback_Gru64_equals_its_rounded_float32_twin() => AssertTwin<BF.Gru_10_64_1, Fx.Gru_10_64_1>(2, 20);
    [Fact] public void Fallback_Elman64_equals_its_rounded_float32_twin() => AssertTwin<BF.Elman_10_64_1, Fx.Elman_10_64_1>(3, 20);
    [Fact] public void Fallback_Lstm2Layer_odd_sizes_equal_their_twin() => AssertTwin<BF.Lstm2Layer_3_5_2, Fx.Lstm2Layer_3_5_2>(4, 12);
    [Fact] public void Fallback_Gru2Layer_odd_sizes_equal_their_twin() => AssertTwin<BF.Gru2Layer_3_5_2, Fx.Gru2Layer_3_5_2>(5, 12);
    [Fact] public void Fallback_ElmanRelu2Layer_equals_its_twin() => AssertTwin<BF.ElmanRelu2Layer_3_5_2, Fx.ElmanRelu2Layer_3_5_2>(6, 12);
    [Fact] public void Fallback_Lstm40_three_tiles_equals_its_twin() => AssertTwin<BF.Lstm40x7x1, BF.Lstm40x7x1Float32>(9, 10);
    [Fact] public void Fallback_Elman33Relu_three_partial_sums_equals_its_twin() => AssertTwin<BF.Elman33Relu, M.Elman33Relu>(10, 10);
    [Fact] public void Fallback_GruNoHead_equals_its_twin() => AssertTwin<BF.GruNoHead, M.GruNoHead>(13, 10);

    /// <summary>Which kernels each model runs: 16-bit when forced or above 64 KiB of float32 W_ih + W_hh, float32 otherwise.</summary>
    [Fact]
    public void StreamsBFloat16_says_which_kernels_run()
    {
        Assert.True(B.Lstm_10_64_1.StreamsBFloat16);    // 4·64·(10 + 64) floats = 74 KiB
        Assert.True(B.Elman100.StreamsBFloat16);        // 2 tiles of 64 rows × (37 + 100) columns = 68.5 KiB
        Assert.True(B.Lstm40x7.StreamsBFloat16);        // two layers of 3 tiles of 4·16 rows: 95 KiB
        Assert.True(B.Gru_10_64_1.StreamsBFloat16);     // 55.5 KiB, ForceBFloat16Kernels
        Assert.True(B.LstmEmbed_7_4_6_7.StreamsBFloat16);
        Assert.True(BF.Lstm40x7x1Forced.StreamsBFloat16);
        // Every model of the fallback namespace but the forced twin runs the float32 kernels (else it would test nothing new).
        var fallbacks = typeof(BF.Gru_10_64_1).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(BF.Gru_10_64_1).Namespace && t.IsClass && !t.IsNested && typeof(IRnnModel).IsAssignableFrom(t)).ToList();
        Assert.Equal(11, fallbacks.Count);
        foreach (var type in fallbacks)
        {
            bool streams = (bool)type.GetField("StreamsBFloat16")!.GetValue(null)!;
            var precision = (RnnPrecision)type.GetField("WeightPrecision")!.GetValue(null)!;
            Assert.True(streams == type.Name.EndsWith("Forced", StringComparison.Ordinal), type.Name);
            Assert.True(precision == (type.Name.EndsWith("Float32", StringComparison.Ordinal) ? RnnPrecision.Float32 : RnnPrecision.BFloat16), type.Name);
        }
        Assert.False(B.UserConstructed.StreamsBFloat16);
        Assert.False(Fx.Gru_10_64_1.StreamsBFloat16);
        Assert.Equal(RnnPrecision.BFloat16, BF.Gru_10_64_1.WeightPrecision);
        // The copy of a fallback model holds floats (twice the 16-bit copy's bytes), so its buffer differs; its parameters do not.
        Assert.Equal(B.Gru_10_64_1.ParameterCount, BF.Gru_10_64_1.ParameterCount);
        Assert.Equal(B.Gru_10_64_1.ParameterLayout.Fingerprint, BF.Gru_10_64_1.ParameterLayout.Fingerprint);
    }

    [Fact] public void Fallback_Gru64_equals_the_16_bit_kernels() => AssertSameAsForced<BF.Gru_10_64_1, BF.Gru_10_64_1.State, B.Gru_10_64_1, B.Gru_10_64_1.State>(21, 12);
    [Fact] public void Fallback_Lstm2Layer_equals_the_16_bit_kernels() => AssertSameAsForced<BF.Lstm2Layer_3_5_2, BF.Lstm2Layer_3_5_2.State, B.Lstm2Layer_3_5_2, B.Lstm2Layer_3_5_2.State>(22, 9);
    [Fact] public void Fallback_Lstm40x7x1_equals_the_16_bit_kernels() => AssertSameAsForced<BF.Lstm40x7x1, BF.Lstm40x7x1.State, BF.Lstm40x7x1Forced, BF.Lstm40x7x1Forced.State>(23, 9);
    [Fact] public void Fallback_Elman33Relu_equals_the_16_bit_kernels() => AssertSameAsForced<BF.Elman33Relu, BF.Elman33Relu.State, B.Elman33Relu, B.Elman33Relu.State>(24, 9);
    [Fact] public void Fallback_GruNoHead_equals_the_16_bit_kernels() => AssertSameAsForced<BF.GruNoHead, BF.GruNoHead.State, B.GruNoHead, B.GruNoHead.State>(25, 9);

    /// <summary>
    /// The fallback model (float32 kernels over the rounded copy) and the forced one (16-bit kernels) holding the same
    /// parameters give the same bits: Forward, the final state, and a many-agent step of 19 agents over three steps.
    /// </summary>
    private static void AssertSameAsForced<TF, TSF, TB, TSB>(int seed, int steps)
        where TF : class, IRnnAgentModel<TSF>, new() where TB : class, IRnnAgentModel<TSB>, new()
        where TSF : unmanaged where TSB : unmanaged
    {
        Assert.Equal(TB.ParameterLayout.Fingerprint, TF.ParameterLayout.Fingerprint);
        var canonical = ModelChecks.RandomParameters<TB>(seed);
        var f = new TF();
        var b = new TB();
        f.CopyParametersFrom(canonical);
        b.CopyParametersFrom(canonical);
        var inputs = TestData.Uniform(seed + 1, steps * TB.InputSize, 1.0);
        var of = new float[steps * TB.OutputSize];
        var ob = new float[steps * TB.OutputSize];
        f.Forward(inputs, of);
        b.Forward(inputs, ob);
        Assert.Equal(TestData.Bits(ob), TestData.Bits(of));
        var sf = new float[TB.StateSize];
        var sb = new float[TB.StateSize];
        f.CopyStateTo(sf);
        b.CopyStateTo(sb);
        Assert.Equal(TestData.Bits(sb), TestData.Bits(sf));

        const int Agents = 19;
        var statesF = new TSF[Agents];
        var statesB = new TSB[Agents];
        var yf = new float[Agents * TB.OutputSize];
        var yb = new float[Agents * TB.OutputSize];
        for (int t = 0; t < 3; t++)
        {
            var xs = TestData.Uniform(seed + 10 + t, Agents * TB.InputSize, 1.0);
            f.Step(statesF, xs, yf);
            b.Step(statesB, xs, yb);
            Assert.Equal(TestData.Bits(yb), TestData.Bits(yf));
        }
    }

    [Fact]
    public void Fallback_token_model_equals_the_16_bit_kernels_in_Step_Forward_and_the_agents()
    {
        var canonical = ModelChecks.RandomParameters<B.LstmEmbed_7_4_6_7>(26);
        var f = new BF.LstmEmbed_7_4_6_7();
        var b = new B.LstmEmbed_7_4_6_7();
        f.CopyParametersFrom(canonical);
        b.CopyParametersFrom(canonical);
        var twin = new M.LstmEmbed_7_4_6_7();
        twin.CopyParametersFrom(RoundedWeights(B.LstmEmbed_7_4_6_7.ParameterLayout, canonical));
        int[] tokens = { 3, 0, 6, 6, 1, 2, 5, 4, 0, 3 };
        var of = new float[tokens.Length * 7];
        var ob = new float[tokens.Length * 7];
        var ot = new float[tokens.Length * 7];
        f.Forward(tokens, of);
        b.Forward(tokens, ob);
        twin.Forward(tokens, ot);
        Assert.Equal(TestData.Bits(ob), TestData.Bits(of));
        Assert.Equal(TestData.Bits(ot), TestData.Bits(of));

        f.ResetState();
        var y = new float[7];
        for (int t = 0; t < tokens.Length; t++)
        {
            f.Step(tokens[t], y);
            Assert.Equal(TestData.Bits(ob.AsSpan(t * 7, 7)), TestData.Bits(y));
        }

        // The layer-0 agent kernel reads the embedding rows from the parameters and the weights from the copy.
        const int Agents = 21;
        var statesF = new BF.LstmEmbed_7_4_6_7.State[Agents];
        var statesB = new B.LstmEmbed_7_4_6_7.State[Agents];
        var yf = new float[Agents * 7];
        var yb = new float[Agents * 7];
        var ids = new int[Agents];
        for (int t = 0; t < 4; t++)
        {
            for (int a = 0; a < Agents; a++) ids[a] = (a * 5 + t * 3) % 7;
            f.Step(statesF, ids, yf);
            b.Step(statesB, ids, yb);
            Assert.Equal(TestData.Bits(yb), TestData.Bits(yf));
        }
    }

    /// <summary>What a fallback model must output when its copy is current: the float32 twin with rounded weights.</summary>
    private static int[] TwinBits(BF.Gru_10_64_1 model)
    {
        var twin = new Fx.Gru_10_64_1();
        twin.CopyParametersFrom(RoundedWeights(model));
        return TestData.Bits(Outputs(twin));
    }

    [Fact]
    public void Fallback_copy_follows_raw_edits_only_after_RefreshInferenceWeights_and_training_refreshes_it()
    {
        var model = new BF.Gru_10_64_1(31);
        var before = TestData.Bits(Outputs(model));
        Assert.Equal(TwinBits(model), before);

        // W_hh[0..40, 0] and b_hh[0] through Parameters: the copy (biases included) still holds the old values.
        var whh = BF.Gru_10_64_1.ParameterLayout.Tensors.Single(t => t.Name == "rnn.weight_hh_l0");
        for (int row = 0; row < 40; row++)
            model.Parameters[BF.Gru_10_64_1.ParameterIndex(whh.Offset + row * 64)] *= -2f;
        var bhh = BF.Gru_10_64_1.ParameterLayout.Tensors.Single(t => t.Name == "rnn.bias_hh_l0");
        model.Parameters[BF.Gru_10_64_1.ParameterIndex(bhh.Offset)] += 0.5f;
        Assert.Equal(before, TestData.Bits(Outputs(model)));

        model.RefreshInferenceWeights();
        var after = TestData.Bits(Outputs(model));
        Assert.NotEqual(before, after);
        Assert.Equal(TwinBits(model), after);

        var adam = new Adam(BF.Gru_10_64_1.ParameterCount, 1e-2f);
        model.TrainStep(TestData.Uniform(32, 16 * 10, 1.0), TestData.Uniform(33, 16, 1.0), adam);
        var trained = TestData.Bits(Outputs(model));
        Assert.NotEqual(after, trained);
        Assert.Equal(TwinBits(model), trained);

        model.CopyParametersFrom(ModelChecks.RandomParameters<BF.Gru_10_64_1>(34));
        Assert.Equal(TwinBits(model), TestData.Bits(Outputs(model)));
    }

    [Fact]
    public void Fallback_Step_agents_Forward_Evaluate_Refresh_and_TrainStep_allocate_nothing()
    {
        var model = new BF.Lstm40x7x1(1);
        Assert.False(BF.Lstm40x7x1.StreamsBFloat16);
        var adam = new Adam(BF.Lstm40x7x1.ParameterCount, 1e-3f);
        var x = TestData.Uniform(1, 8 * 7, 1);
        var y = TestData.Uniform(2, 8 * 3, 1);
        var output = new float[3];
        var outputs = new float[8 * 3];
        var state = new BF.Lstm40x7x1.State();
        var states = new BF.Lstm40x7x1.State[8];

        void Run(int steps, int trains)
        {
            for (int i = 0; i < steps; i++)
            {
                model.Step(x.AsSpan(i % 8 * 7, 7), output);
                model.Step(ref state, x.AsSpan(i % 8 * 7, 7), output);
                model.Step(states, x, outputs);
            }

            model.Forward(x, outputs);
            model.Evaluate(x, y);
            model.RefreshInferenceWeights();
            for (int i = 0; i < trains; i++) model.TrainStep(x, y, adam);
        }

        Assert.Equal(0, SteadyStateAllocation.Measure(() => Run(200, 4)));
    }

    // ───────────────────────────────────────────── (5) no allocation

    [Fact]
    public void Step_Forward_Evaluate_Refresh_and_TrainStep_allocate_nothing()
    {
        var model = new B.Lstm128x10(1);
        var adam = new Adam(B.Lstm128x10.ParameterCount, 1e-3f);
        var x = TestData.Uniform(1, 8 * 10, 1);
        var y = TestData.Uniform(2, 8, 1);
        var output = new float[1];
        var outputs = new float[8];
        var state = new B.Lstm128x10.State();

        void Run(int steps, int trains)
        {
            for (int i = 0; i < steps; i++)
            {
                model.Step(x.AsSpan(i % 8 * 10, 10), output);
                model.Step(ref state, x.AsSpan(i % 8 * 10, 10), output);
            }

            model.Forward(x, outputs);
            model.Evaluate(x, y);
            model.RefreshInferenceWeights();
            for (int i = 0; i < trains; i++) model.TrainStep(x, y, adam);
        }

        Assert.Equal(0, SteadyStateAllocation.Measure(() => Run(200, 4)));
    }
}
