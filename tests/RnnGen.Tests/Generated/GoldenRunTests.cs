using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using RnnGen.Tests.Models;
using Xunit;
using Xunit.Abstractions;
using Bf16 = RnnGen.Tests.Models.Bf16;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Bit-identity across generator rewrites: a fixed run (parameters set from a seed, three Adam training steps,
/// a forward sequence, a many-agent step, a minibatch step) is hashed and compared with the hash recorded when
/// the test was written. Emitted code may change shape freely; the numbers it computes may not. A change that is
/// meant to change numbers (a new summation order, a new approximation) updates the table and says why.
/// The hash covers the parameters in PyTorch order, every loss, every output and the final state, as float bits.
/// Each SIMD path sums in its own order, so each has its own hash (.ci/run runs all four).
/// </summary>
public class GoldenRunTests
{
    private readonly ITestOutputHelper _output;

    public GoldenRunTests(ITestOutputHelper output) => _output = output;

    /// <summary>Which kernels run here: 0 = Vector512, 1 = Vector256, 2 = Vector128, 3 = scalar.</summary>
    private static int Path =>
        Vector512.IsHardwareAccelerated ? 0 : Vector256.IsHardwareAccelerated ? 1 : Vector128.IsHardwareAccelerated ? 2 : 3;

    private static readonly string[] PathNames = { "Vector512", "Vector256", "Vector128", "scalar" };

    /// <summary>Recorded hashes (first 16 hex digits of SHA-256) per case, one per SIMD path.</summary>
    private static readonly Dictionary<string, string[]> Expected = new()
    {
        ["Elman64x10"] = new[] { "8BC46CB84212B1E8", "82EC3513E8A38EDA", "2ECC6C755676496B", "1708947B128317DA" },
        ["Elman64x10Last"] = new[] { "686B911F878EA48F", "5CD65C7DA2513B82", "08796CA182FE59F6", "3F73E8F2B3F41768" },
        ["ElmanRelu2Layer5x3x2"] = new[] { "F060E7AFAA984CE6", "F060E7AFAA984CE6", "9C1A354DD55DDF6F", "71475C6E73FDEC29" },
        ["Elman100"] = new[] { "7249FC8D445A6D5D", "C8CDFEA4A6934EF5", "09AB8A2300AEA3DB", "B465836B1C6561DE" },
        ["Elman256x300"] = new[] { "BADF58DDB7623840", "91DDE6412BD61401", "8BE479605659377D", "ADEA8C66BAAFB017" },
        ["ElmanNoHead"] = new[] { "7F6D644188C5B812", "CC2432706B505272", "E6A404792C35394D", "E6A404792C35394D" },
        ["ElmanSigmoidBce"] = new[] { "58D99405FFB5EEC2", "58D99405FFB5EEC2", "897B60E5FC959BA7", "1C385E9E360ADB56" },
        ["Lstm64x10"] = new[] { "AD0029E888FBD648", "EE70C27C86C1C6A8", "53F4545EACAEC7F1", "51FBFB4D78091DC4" },
        ["Lstm2Layer5x3x2"] = new[] { "8C49096D05CDA134", "8C49096D05CDA134", "48DD44A4F71102E3", "D44DEBC63D12FDC6" },
        ["Lstm128x10"] = new[] { "216B0DFD0F38BDED", "6AC9571491457381", "DD21A74FB21612F6", "6984E3AB422DF8D7" },
        ["Lstm3Layer_2_17_1"] = new[] { "75A69228F77B8C13", "692FBCD3C7E192F3", "17579FD6CF530231", "4DDECEF8B689C98D" },
        ["LstmSoftmax"] = new[] { "2D6B8C67745DF7B6", "2D6B8C67745DF7B6", "97DA81413914210F", "4AE33C2A83B01A65" },
        ["Gru64x10"] = new[] { "F4375A69371B3D5F", "EAC25DFCBBA3068D", "A66B4E7C95596406", "A3B09758E561DFCC" },
        ["Gru2Layer5x3x2"] = new[] { "3851F8341CE432A0", "3851F8341CE432A0", "4D3C6EFF71E2A38E", "A630970B741C19E7" },
        ["Gru128x10"] = new[] { "D2F89C0D0E5A9ECA", "16553851C4634166", "28CD5DD2EBA21A2C", "AA930E59A898CD5A" },
        ["GruNoHead"] = new[] { "66C48A9CAEEB21B6", "996DC718DCD36213", "1C275114FD126F9B", "AA8740918FDB6377" },
        ["GruSoftmaxLast"] = new[] { "573D970D0DD6B58D", "573D970D0DD6B58D", "E89123A5918CFE2C", "697C0B39B0C6AE63" },
        ["Bf16.Lstm128x10"] = new[] { "2F8233C5E55FD64B", "E72B3830CDD769C0", "8189A4BD27476D36", "9D89107EC1B87976" },
        ["Bf16.Gru_10_64_1"] = new[] { "3ABACBD82A0C2D7F", "A6004F7BF9BEA9DE", "264724A096161B9F", "BAD01D1E04E79836" },
        ["Bf16.Elman100"] = new[] { "8D90DACE6839DFDA", "34582E1E8A3CCDF0", "D961EF9619827E84", "95A651F8FF0F6AB0" },
        ["Bf16.Lstm2Layer_3_5_2"] = new[] { "CB17017791EBC53C", "CB17017791EBC53C", "47B164BEDD9F8677", "866168297DBDD402" },
        ["Agents.Lstm64x10"] = new[] { "7214C05FF2728634", "EB5C3848E3F5619A", "19944A75FAF9DE6B", "3960713349BF88C2" },
        ["Agents.Gru128x10"] = new[] { "AC050D1964722161", "B4AB04F4792B2CE1", "CB4D2BCA5AFC19ED", "37FDED1A379481E7" },
        ["Agents.Elman3Layers"] = new[] { "22594F9E3E9FBDA5", "88CB43452F9DD924", "ECC9CA8AB1F180A3", "620060C7F28BA310" },
        // Since the many-agent Step of a bfloat16 model steps each agent through the bfloat16 single step (before, its agent
        // kernels read the float32 weights and differed from Step(ref State, …)).
        ["Agents.Bf16.Lstm40x7"] = new[] { "B7ECD72621E0D1C6", "CCB9AA60BBD48C5E", "D04D3B0CBBC373DB", "662844E3CA2C5C23" },
        // Small bfloat16 models without ForceBFloat16Kernels run the float32 kernels over a float32 copy of the rounded
        // weights: the same bits as the 16-bit kernels, so the same hashes as the forced models above (their many-agent steps
        // are compared with the 16-bit kernels' in BFloat16ModelTests and MultiAgentStepTests).
        ["Bf16.Fallback.Gru_10_64_1"] = new[] { "3ABACBD82A0C2D7F", "A6004F7BF9BEA9DE", "264724A096161B9F", "BAD01D1E04E79836" },
        ["Bf16.Fallback.Lstm2Layer_3_5_2"] = new[] { "CB17017791EBC53C", "CB17017791EBC53C", "47B164BEDD9F8677", "866168297DBDD402" },
        ["Tokens.LstmEmbed_7_4_6_7"] = new[] { "16C2F7CC115297C1", "16C2F7CC115297C1", "3DE42FDBBF0FEC64", "D4EF897650EA2222" },
        ["Batch.Lstm64x10"] = new[] { "ED81852BB07F7E97", "4AF8396957D98E75", "7B2F12DE8C7089BC", "5CC891DC3992397F" },
        ["Batch.Gru2Layer5x3x2"] = new[] { "FFDF992B521801F6", "FFDF992B521801F6", "447C004B2C90AF7A", "A2755ABA1A44172D" },
    };

    public static IEnumerable<object[]> Cases()
    {
        foreach (var name in Runs.Keys) yield return new object[] { name };
    }

    private static readonly Dictionary<string, Func<string>> Runs = new()
    {
        ["Elman64x10"] = () => Run<Elman64x10>(steps: 12),
        ["Elman64x10Last"] = () => Run<Elman64x10Last>(steps: 12),
        ["ElmanRelu2Layer5x3x2"] = () => Run<ElmanRelu2Layer5x3x2>(steps: 9),
        ["Elman100"] = () => Run<Elman100>(steps: 7),
        ["Elman256x300"] = () => Run<Elman256x300>(steps: 8),
        ["ElmanNoHead"] = () => Run<ElmanNoHead>(steps: 6),
        ["ElmanSigmoidBce"] = () => Run<ElmanSigmoidBce>(steps: 6),
        ["Lstm64x10"] = () => Run<Lstm64x10>(steps: 12),
        ["Lstm2Layer5x3x2"] = () => Run<Lstm2Layer5x3x2>(steps: 9),
        ["Lstm128x10"] = () => Run<Lstm128x10>(steps: 8),
        ["Lstm3Layer_2_17_1"] = () => Run<RnnGen.Tests.Models.Serialization.Lstm3Layer_2_17_1>(steps: 10),
        ["LstmSoftmax"] = () => Run<LstmSoftmax>(steps: 7),
        ["Gru64x10"] = () => Run<Gru64x10>(steps: 12),
        ["Gru2Layer5x3x2"] = () => Run<Gru2Layer5x3x2>(steps: 9),
        ["Gru128x10"] = () => Run<Gru128x10>(steps: 8),
        ["GruNoHead"] = () => Run<GruNoHead>(steps: 6),
        ["GruSoftmaxLast"] = () => Run<GruSoftmaxLast>(steps: 7),
        ["Bf16.Lstm128x10"] = () => Run<Bf16.Lstm128x10>(steps: 8),
        ["Bf16.Gru_10_64_1"] = () => Run<Bf16.Gru_10_64_1>(steps: 12),
        ["Bf16.Elman100"] = () => Run<Bf16.Elman100>(steps: 7),
        ["Bf16.Lstm2Layer_3_5_2"] = () => Run<Bf16.Lstm2Layer_3_5_2>(steps: 9),
        ["Agents.Lstm64x10"] = () => Agents<Lstm64x10, Lstm64x10.State>(37, static (m, s, x, y) => m.Step(s, x, y)),
        ["Agents.Gru128x10"] = () => Agents<Gru128x10, Gru128x10.State>(23, static (m, s, x, y) => m.Step(s, x, y)),
        ["Agents.Elman3Layers"] = () => Agents<Elman3Layers, Elman3Layers.State>(19, static (m, s, x, y) => m.Step(s, x, y)),
        ["Agents.Bf16.Lstm40x7"] = () => Agents<Bf16.Lstm40x7, Bf16.Lstm40x7.State>(29, static (m, s, x, y) => m.Step(s, x, y)),
        ["Bf16.Fallback.Gru_10_64_1"] = () => Run<Bf16.Fallback.Gru_10_64_1>(steps: 12),
        ["Bf16.Fallback.Lstm2Layer_3_5_2"] = () => Run<Bf16.Fallback.Lstm2Layer_3_5_2>(steps: 9),
        ["Tokens.LstmEmbed_7_4_6_7"] = Tokens,
        ["Batch.Lstm64x10"] = () => Batch<Lstm64x10>(sequences: 5, steps: 10, static (m, x, t, n, o) => m.TrainBatch(x, t, n, o)),
        ["Batch.Gru2Layer5x3x2"] = () => Batch<Gru2Layer5x3x2>(sequences: 11, steps: 6, static (m, x, t, n, o) => m.TrainBatch(x, t, n, o)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FixedRunIsBitIdenticalToTheRecordedOne(string name)
    {
        string actual = Runs[name]();
        _output.WriteLine($"{PathNames[Path]} {name} {actual}");
        Assert.True(Expected.TryGetValue(name, out var hashes), $"no hash recorded for {name}; this run gives {actual} on the {PathNames[Path]} path");
        Assert.Equal(hashes![Path], actual);
    }

    private sealed class Hasher
    {
        private readonly List<byte> _bytes = new();

        public void Add(ReadOnlySpan<float> values)
        {
            foreach (float v in values) _bytes.AddRange(BitConverter.GetBytes(BitConverter.SingleToInt32Bits(v)));
        }

        public void Add(float value) => Add(new[] { value });

        public string Hash() => Convert.ToHexString(SHA256.HashData(_bytes.ToArray())).Substring(0, 16);
    }

    private static float[] Parameters<TModel>(int seed) where TModel : IRnnModel =>
        TestData.Uniform(seed, TModel.TrainableParameterCount, 1.0 / Math.Sqrt(TModel.HiddenSize));

    /// <summary>Targets that fit the head: class probabilities for softmax, values in [0, 1] for sigmoid, any float else.</summary>
    private static float[] Targets<TModel>(int seed, int steps, bool lastStep) where TModel : IRnnModel
    {
        int perStep = TModel.OutputSize;
        int count = (lastStep ? 1 : steps) * perStep;
        var t = TestData.Uniform(seed, count, 1.0);
        for (int r = 0; r < count; r += perStep)
        {
            float total = 0;
            for (int o = 0; o < perStep; o++) total += t[r + o] = MathF.Abs(t[r + o]) + 0.05f;
            for (int o = 0; o < perStep; o++) t[r + o] /= total;   // a distribution: fits softmax, sigmoid and MSE alike
        }

        return t;
    }

    private static bool LastStep<TModel>() where TModel : class, IRnnModel, new()
    {
        // A LastStep model takes OutputSize targets for any T; an EveryStep model rejects them for T = 2.
        var m = new TModel();
        try
        {
            m.Evaluate(new float[2 * TModel.InputSize], new float[TModel.OutputSize]);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string Run<TModel>(int steps) where TModel : class, IRnnModel, new()
    {
        var h = new Hasher();
        var model = new TModel();
        model.CopyParametersFrom(Parameters<TModel>(11));
        bool last = LastStep<TModel>();
        var adam = new Adam(TModel.ParameterCount, learningRate: 1e-2f);
        for (int i = 0; i < 3; i++)
        {
            var x = TestData.Uniform(100 + i, steps * TModel.InputSize, 1.0);
            var t = Targets<TModel>(200 + i, steps, last);
            h.Add(model.TrainStep(x, t, adam, new TrainOptions { MaxGradientNorm = 1f }));
        }

        var canonical = new float[TModel.TrainableParameterCount];
        model.CopyParametersTo(canonical);
        h.Add(canonical);

        var xs = TestData.Uniform(300, 11 * TModel.InputSize, 1.0);
        var ys = new float[11 * TModel.OutputSize];
        model.ResetState();
        model.Forward(xs, ys);
        h.Add(ys);
        var state = new float[TModel.StateSize];
        model.CopyStateTo(state);
        h.Add(state);

        model.ResetState();
        var gradient = new float[TModel.StateSize];
        model.ZeroGradients();
        int window = Math.Min(Math.Min(steps, 11), TModel.WindowSize);
        h.Add(model.AccumulateGradients(xs.AsSpan(0, window * TModel.InputSize), Targets<TModel>(400, window, last), gradient));
        var gradients = new float[TModel.TrainableParameterCount];
        model.CopyGradientsTo(gradients);
        h.Add(gradients);
        h.Add(gradient);
        return h.Hash();
    }

    private delegate void MultiStep<TModel, TState>(TModel model, Span<TState> states, ReadOnlySpan<float> inputs, Span<float> outputs);

    private static string Agents<TModel, TState>(int agents, MultiStep<TModel, TState> step)
        where TModel : class, IRnnModel, new() where TState : struct
    {
        var h = new Hasher();
        var model = new TModel();
        model.CopyParametersFrom(Parameters<TModel>(12));
        var states = new TState[agents];
        var ys = new float[agents * TModel.OutputSize];
        for (int t = 0; t < 5; t++)
        {
            var xs = TestData.Uniform(500 + t, agents * TModel.InputSize, 1.0);
            step(model, states, xs, ys);
            h.Add(ys);
        }

        return h.Hash();
    }

    private static string Tokens()
    {
        var h = new Hasher();
        var model = new LstmEmbed_7_4_6_7();
        model.CopyParametersFrom(Parameters<LstmEmbed_7_4_6_7>(13));
        var adam = new Adam(LstmEmbed_7_4_6_7.ParameterCount, learningRate: 1e-2f);
        int[] tokens = { 1, 4, 0, 6, 2, 2, 5, 3, 1 };
        int[] classes = { 4, 0, 6, 2, 2, 5, 3, 1, 0 };
        for (int i = 0; i < 3; i++) h.Add(model.TrainStep(tokens, classes, adam));
        var canonical = new float[LstmEmbed_7_4_6_7.TrainableParameterCount];
        model.CopyParametersTo(canonical);
        h.Add(canonical);
        var ys = new float[tokens.Length * LstmEmbed_7_4_6_7.OutputSize];
        model.ResetState();
        model.Forward(tokens, ys);
        h.Add(ys);
        var states = new LstmEmbed_7_4_6_7.State[13];
        var agentTokens = new int[13];
        for (int a = 0; a < agentTokens.Length; a++) agentTokens[a] = (a * 5 + 1) % 7;
        var agentYs = new float[13 * LstmEmbed_7_4_6_7.OutputSize];
        for (int t = 0; t < 3; t++)
        {
            model.Step(states, agentTokens, agentYs);
            h.Add(agentYs);
        }

        return h.Hash();
    }

    private delegate float BatchStep<TModel>(TModel model, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int sequences, IOptimizer optimizer);

    private static string Batch<TModel>(int sequences, int steps, BatchStep<TModel> train) where TModel : class, IRnnModel, new()
    {
        var h = new Hasher();
        var model = new TModel();
        model.CopyParametersFrom(Parameters<TModel>(14));
        var adam = new Adam(TModel.ParameterCount, learningRate: 1e-2f);
        for (int i = 0; i < 2; i++)
        {
            var x = TestData.Uniform(600 + i, sequences * steps * TModel.InputSize, 1.0);
            var t = TestData.Uniform(700 + i, sequences * steps * TModel.OutputSize, 1.0);
            h.Add(train(model, x, t, sequences, adam));
        }

        var canonical = new float[TModel.TrainableParameterCount];
        model.CopyParametersTo(canonical);
        h.Add(canonical);
        return h.Hash();
    }
}
