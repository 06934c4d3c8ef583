using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using RnnGen.Tests.Models;
using RnnGen.Tests.Models.Serialization;
using Bf16 = RnnGen.Tests.Models.Bf16;
using Lists = RnnGen.Tests.Models.Lists;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// "Many agents, one weight set": <c>Step(Span&lt;State&gt;, inputs, outputs)</c> must give, bit for bit, what N
/// single <c>Step(ref State, …)</c> calls give: every agent's outputs and its whole state (both ping-pong buffers
/// and which one is current), over several consecutive steps, for every cell, stacks, heads, embeddings and odd
/// sizes, and bfloat16 models (whose agents go through the bfloat16 single step, or, for the small ones that run the
/// float32 kernels over their rounded weights, through the float32 agent kernels over that copy). The CI reruns these tests with the
/// wider SIMD paths disabled, so every width's kernel is compared with the single-agent kernel of the same width.
/// </summary>
public class MultiAgentStepTests
{
    private static readonly int[] Counts = { 0, 1, 2, 3, 5, 7, 8, 17, 64 };

    private delegate void MultiStep<TModel, TState>(TModel model, Span<TState> states, ReadOnlySpan<float> inputs, Span<float> outputs);

    private delegate void SingleStep<TModel, TState>(TModel model, Span<TState> state, ReadOnlySpan<float> input, Span<float> output);

    private delegate void MultiTokenStep<TModel, TState>(TModel model, Span<TState> states, ReadOnlySpan<int> tokens, Span<float> outputs);

    private delegate void SingleTokenStep<TModel, TState>(TModel model, Span<TState> state, int token, Span<float> output);

    private delegate ref TState OwnState<TModel, TState>(TModel model);

    /// <summary>What the checks need from one generated model (State and the Step overloads are not on IRnnModel).</summary>
    private sealed class Api<TModel, TState>
        where TModel : class, IRnnModel, new()
        where TState : struct
    {
        public required MultiStep<TModel, TState> Multi { get; init; }
        public required SingleStep<TModel, TState> Single { get; init; }
        public required OwnState<TModel, TState> Own { get; init; }
        public MultiTokenStep<TModel, TState>? MultiTokens { get; init; }
        public SingleTokenStep<TModel, TState>? SingleToken { get; init; }
    }

    private static Api<TModel, TState> Floats<TModel, TState>(MultiStep<TModel, TState> multi, SingleStep<TModel, TState> single, OwnState<TModel, TState> own)
        where TModel : class, IRnnModel, new() where TState : struct =>
        new() { Multi = multi, Single = single, Own = own };

    /// <summary>Each case runs every count in <paramref name="counts"/> through <see cref="AssertEqualsSingleSteps"/>.</summary>
    private static readonly Dictionary<string, Action<int[]>> Cases = new()
    {
        ["Elman64x10"] = ns => Run(ns, Floats<Elman64x10, Elman64x10.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Elman7"] = ns => Run(ns, Floats<Elman7, Elman7.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Elman33Relu"] = ns => Run(ns, Floats<Elman33Relu, Elman33Relu.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Elman100"] = ns => Run(ns, Floats<Elman100, Elman100.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Elman256x300"] = ns => Run(ns, Floats<Elman256x300, Elman256x300.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Elman3Layers"] = ns => Run(ns, Floats<Elman3Layers, Elman3Layers.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["ElmanNoHead"] = ns => Run(ns, Floats<ElmanNoHead, ElmanNoHead.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["ElmanRelu2Layer5x3x2"] = ns => Run(ns, Floats<ElmanRelu2Layer5x3x2, ElmanRelu2Layer5x3x2.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["ElmanSigmoidBce"] = ns => Run(ns, Floats<ElmanSigmoidBce, ElmanSigmoidBce.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Lstm64x10"] = ns => Run(ns, Floats<Lstm64x10, Lstm64x10.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Lstm5x3x2"] = ns => Run(ns, Floats<Lstm5x3x2, Lstm5x3x2.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Lstm40x7"] = ns => Run(ns, Floats<Lstm40x7, Lstm40x7.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Lstm128x10"] = ns => Run(ns, Floats<Lstm128x10, Lstm128x10.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["LstmNoHead"] = ns => Run(ns, Floats<LstmNoHead, LstmNoHead.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Lstm3Layer_2_17_1"] = ns => Run(ns, Floats<Lstm3Layer_2_17_1, Lstm3Layer_2_17_1.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["LstmSoftmax"] = ns => Run(ns, Floats<LstmSoftmax, LstmSoftmax.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Gru64x10"] = ns => Run(ns, Floats<Gru64x10, Gru64x10.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Gru5x3x2"] = ns => Run(ns, Floats<Gru5x3x2, Gru5x3x2.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Gru40x7"] = ns => Run(ns, Floats<Gru40x7, Gru40x7.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Gru128x10"] = ns => Run(ns, Floats<Gru128x10, Gru128x10.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["GruNoHead"] = ns => Run(ns, Floats<GruNoHead, GruNoHead.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Gru3Layer_4_6_3"] = ns => Run(ns, Floats<Gru3Layer_4_6_3, Gru3Layer_4_6_3.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["GruSoftmaxLast"] = ns => Run(ns, Floats<GruSoftmaxLast, GruSoftmaxLast.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["LstmEmbed_7_4_6_7"] = ns => Run(ns, new Api<LstmEmbed_7_4_6_7, LstmEmbed_7_4_6_7.State>
        {
            Multi = (m, s, x, y) => m.Step(s, x, y), Single = (m, s, x, y) => m.Step(ref s[0], x, y), Own = m => ref m.CurrentState,
            MultiTokens = (m, s, t, y) => m.Step(s, t, y), SingleToken = (m, s, t, y) => m.Step(ref s[0], t, y),
        }),
        ["Gru2Embed_7_4_6_7"] = ns => Run(ns, new Api<Gru2Embed_7_4_6_7, Gru2Embed_7_4_6_7.State>
        {
            Multi = (m, s, x, y) => m.Step(s, x, y), Single = (m, s, x, y) => m.Step(ref s[0], x, y), Own = m => ref m.CurrentState,
            MultiTokens = (m, s, t, y) => m.Step(s, t, y), SingleToken = (m, s, t, y) => m.Step(ref s[0], t, y),
        }),
        ["Bf16.Lstm40x7"] = ns => Run(ns, Floats<Bf16.Lstm40x7, Bf16.Lstm40x7.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.Lstm128x10"] = ns => Run(ns, Floats<Bf16.Lstm128x10, Bf16.Lstm128x10.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.Gru128x10"] = ns => Run(ns, Floats<Bf16.Gru128x10, Bf16.Gru128x10.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.Elman100"] = ns => Run(ns, Floats<Bf16.Elman100, Bf16.Elman100.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.Elman256x300"] = ns => Run(ns, Floats<Bf16.Elman256x300, Bf16.Elman256x300.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.Lstm_10_64_1"] = ns => Run(ns, Floats<Bf16.Lstm_10_64_1, Bf16.Lstm_10_64_1.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.Gru_10_64_1"] = ns => Run(ns, Floats<Bf16.Gru_10_64_1, Bf16.Gru_10_64_1.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.Elman_10_64_1"] = ns => Run(ns, Floats<Bf16.Elman_10_64_1, Bf16.Elman_10_64_1.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.Gru2Layer_3_5_2"] = ns => Run(ns, Floats<Bf16.Gru2Layer_3_5_2, Bf16.Gru2Layer_3_5_2.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.Lstm2Layer_3_5_2"] = ns => Run(ns, Floats<Bf16.Lstm2Layer_3_5_2, Bf16.Lstm2Layer_3_5_2.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.GruNoHead"] = ns => Run(ns, Floats<Bf16.GruNoHead, Bf16.GruNoHead.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.Elman33Relu"] = ns => Run(ns, Floats<Bf16.Elman33Relu, Bf16.Elman33Relu.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.LstmEmbed_7_4_6_7"] = ns => Run(ns, new Api<Bf16.LstmEmbed_7_4_6_7, Bf16.LstmEmbed_7_4_6_7.State>
        {
            Multi = (m, s, x, y) => m.Step(s, x, y), Single = (m, s, x, y) => m.Step(ref s[0], x, y), Own = m => ref m.CurrentState,
            MultiTokens = (m, s, t, y) => m.Step(s, t, y), SingleToken = (m, s, t, y) => m.Step(ref s[0], t, y),
        }),
        // Small bfloat16 models: the float32 agent kernels over the copy of the rounded weights.
        ["Bf16.Fallback.Lstm40x7x1"] = ns => Run(ns, Floats<Bf16.Fallback.Lstm40x7x1, Bf16.Fallback.Lstm40x7x1.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.Fallback.Elman33Relu"] = ns => Run(ns, Floats<Bf16.Fallback.Elman33Relu, Bf16.Fallback.Elman33Relu.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.Fallback.Gru2Layer_3_5_2"] = ns => Run(ns, Floats<Bf16.Fallback.Gru2Layer_3_5_2, Bf16.Fallback.Gru2Layer_3_5_2.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.Fallback.GruNoHead"] = ns => Run(ns, Floats<Bf16.Fallback.GruNoHead, Bf16.Fallback.GruNoHead.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["Bf16.Fallback.LstmEmbed_7_4_6_7"] = ns => Run(ns, new Api<Bf16.Fallback.LstmEmbed_7_4_6_7, Bf16.Fallback.LstmEmbed_7_4_6_7.State>
        {
            Multi = (m, s, x, y) => m.Step(s, x, y), Single = (m, s, x, y) => m.Step(ref s[0], x, y), Own = m => ref m.CurrentState,
            MultiTokens = (m, s, t, y) => m.Step(s, t, y), SingleToken = (m, s, t, y) => m.Step(ref s[0], t, y),
        }),
        ["Lists.Bf16StackFallback"] = ns => Run(ns, Floats<Lists.Bf16StackFallback, Lists.Bf16StackFallback.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["ElmanEmbedMse"] = ns => Run(ns, new Api<ElmanEmbedMse, ElmanEmbedMse.State>
        {
            Multi = (m, s, x, y) => m.Step(s, x, y), Single = (m, s, x, y) => m.Step(ref s[0], x, y), Own = m => ref m.CurrentState,
            MultiTokens = (m, s, t, y) => m.Step(s, t, y), SingleToken = (m, s, t, y) => m.Step(ref s[0], t, y),
        }),
        ["GruEmbed_11_8_64_3"] = ns => Run(ns, new Api<GruEmbed_11_8_64_3, GruEmbed_11_8_64_3.State>
        {
            Multi = (m, s, x, y) => m.Step(s, x, y), Single = (m, s, x, y) => m.Step(ref s[0], x, y), Own = m => ref m.CurrentState,
            MultiTokens = (m, s, t, y) => m.Step(s, t, y), SingleToken = (m, s, t, y) => m.Step(ref s[0], t, y),
        }),
    };

    public static TheoryData<string> Models => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Models))]
    public void MultiAgentStepEqualsSingleSteps(string model) => Cases[model](Counts);

    /// <summary>Counts past one chunk of agents (at most 256 per chunk), so chunk boundaries are crossed too.</summary>
    [Theory]
    [InlineData("Elman7")]
    [InlineData("Lstm5x3x2")]
    [InlineData("Gru2Embed_7_4_6_7")]
    [InlineData("Lstm128x10")]
    [InlineData("Bf16.Lstm128x10")]
    public void ManyChunksEqualSingleSteps(string model) => Cases[model](new[] { 300, 517 });

    private static void Run<TModel, TState>(int[] counts, Api<TModel, TState> api)
        where TModel : class, IRnnModel, new() where TState : struct
    {
        foreach (int n in counts) AssertEqualsSingleSteps(api, n, seed: 100 + n);
    }

    /// <summary>
    /// Random parameters and N random, non-zero states (every other agent one step further on, so both parities of
    /// the ping-pong buffers occur in one call); then three multi-agent steps against N single steps each, with
    /// float inputs, and for embedding models three more with tokens.
    /// </summary>
    private static void AssertEqualsSingleSteps<TModel, TState>(Api<TModel, TState> api, int n, int seed)
        where TModel : class, IRnnModel, new() where TState : struct
    {
        var model = new TModel();
        model.CopyParametersFrom(TestData.Uniform(seed, TModel.TrainableParameterCount, 2.0 / Math.Sqrt(TModel.HiddenSize)));
        int I = TModel.InputSize, O = TModel.OutputSize;
        var multi = new TState[n];
        var single = new TState[n];
        var input = new float[I];
        var output = new float[O];
        for (int a = 0; a < n; a++)
        {
            model.CopyStateFrom(TestData.Uniform(seed * 1000 + a, TModel.StateSize, 1.5));
            multi[a] = api.Own(model);
            if (a % 2 == 1)
            {
                TestData.Uniform(seed * 1000 + a + 7, I, 1.0).CopyTo(input, 0);
                api.Single(model, multi.AsSpan(a, 1), input, output);
            }
        }

        multi.AsSpan().CopyTo(single);
        var yMulti = new float[n * O];
        var ySingle = new float[n * O];
        for (int step = 0; step < 3; step++)
        {
            var x = TestData.Uniform(seed + 31 * step, n * I, 1.5);
            Array.Fill(yMulti, float.NaN);
            api.Multi(model, multi, x, yMulti);
            for (int a = 0; a < n; a++)
                api.Single(model, single.AsSpan(a, 1), x.AsSpan(a * I, I), ySingle.AsSpan(a * O, O));
            AssertSame(single, multi, ySingle, yMulti, $"{typeof(TModel).Name}, N = {n}, float step {step}");
        }

        if (api.MultiTokens is null) return;
        var rng = new Random(seed);
        for (int step = 0; step < 3; step++)
        {
            var tokens = new int[n];
            for (int a = 0; a < n; a++) tokens[a] = rng.Next(TModel.Vocabulary);
            Array.Fill(yMulti, float.NaN);
            api.MultiTokens(model, multi, tokens, yMulti);
            for (int a = 0; a < n; a++)
                api.SingleToken!(model, single.AsSpan(a, 1), tokens[a], ySingle.AsSpan(a * O, O));
            AssertSame(single, multi, ySingle, yMulti, $"{typeof(TModel).Name}, N = {n}, token step {step}");
        }
    }

    /// <summary>Outputs and states compared as bit patterns: the whole State struct (both buffers and the parity).</summary>
    private static void AssertSame<TState>(TState[] expectedStates, TState[] actualStates, float[] expectedOutputs, float[] actualOutputs, string what)
        where TState : struct
    {
        for (int i = 0; i < expectedOutputs.Length; i++)
            if (BitConverter.SingleToInt32Bits(expectedOutputs[i]) != BitConverter.SingleToInt32Bits(actualOutputs[i]))
                Assert.Fail($"{what}: output {i} is {actualOutputs[i]:G9}, single steps give {expectedOutputs[i]:G9}");
        var e = MemoryMarshal.Cast<TState, int>(expectedStates.AsSpan());
        var a = MemoryMarshal.Cast<TState, int>(actualStates.AsSpan());
        int perState = expectedStates.Length == 0 ? 1 : e.Length / expectedStates.Length;
        for (int i = 0; i < e.Length; i++)
            if (e[i] != a[i])
                Assert.Fail($"{what}: agent {i / perState}, state word {i % perState} is {BitConverter.Int32BitsToSingle(a[i]):G9}, single steps give {BitConverter.Int32BitsToSingle(e[i]):G9}");
    }

    // ───────────────────────────────────────────────────────────────────── bad spans, no-op, allocation

    private static void AssertMessage(ArgumentException e, string param, params string[] parts)
    {
        Assert.Equal(param, e.ParamName);
        foreach (var part in parts) Assert.Contains(part, e.Message);
    }

    [Fact]
    public void WrongSpansThrowNamingTheExpectedSizeAndChangeNothing()
    {
        var model = new Lstm40x7(seed: 1);
        var states = new Lstm40x7.State[5];
        states[2].Hidden(1)[3] = 0.5f;
        var before = MemoryMarshal.AsBytes(states.AsSpan()).ToArray();

        var e = Assert.Throws<ArgumentException>(() => model.Step(states, new float[5 * 7 - 1], new float[5 * 3]));
        AssertMessage(e, "inputs", "must hold 35 floats", "5 agents × InputSize", "has 34");
        e = Assert.Throws<ArgumentException>(() => model.Step(states, new float[5 * 7 + 7], new float[5 * 3]));
        AssertMessage(e, "inputs", "35", "has 42");
        e = Assert.Throws<ArgumentException>(() => model.Step(states, new float[5 * 7], new float[5 * 3 + 1]));
        AssertMessage(e, "outputs", "must hold 15 floats", "5 agents × OutputSize", "has 16");
        e = Assert.Throws<ArgumentException>(() => model.Step(states, new float[5 * 7], Span<float>.Empty));
        AssertMessage(e, "outputs", "15", "has 0");
        e = Assert.Throws<ArgumentException>(() => model.Step(Span<Lstm40x7.State>.Empty, new float[7], Span<float>.Empty));
        AssertMessage(e, "inputs", "must hold 0 floats", "has 7");
        Assert.Equal(before, MemoryMarshal.AsBytes(states.AsSpan()).ToArray());
    }

    [Fact]
    public void WrongTokensThrowAndChangeNothing()
    {
        var model = new Gru2Embed_7_4_6_7(seed: 1);
        var states = new Gru2Embed_7_4_6_7.State[3];
        var before = MemoryMarshal.AsBytes(states.AsSpan()).ToArray();

        var e = Assert.Throws<ArgumentException>(() => model.Step(states, new[] { 1, 2 }, new float[3 * 7]));
        AssertMessage(e, "tokens", "must hold 3 token ids", "has 2");
        e = Assert.Throws<ArgumentException>(() => model.Step(states, new[] { 1, 2, 3 }, new float[3 * 7 - 1]));
        AssertMessage(e, "outputs", "must hold 21 floats", "has 20");
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(states, new[] { 1, 7, 3 }, new float[3 * 7]));
        Assert.Contains("tokens[1] = 7", range.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(states, new[] { -1, 0, 3 }, new float[3 * 7]));
        Assert.Equal(before, MemoryMarshal.AsBytes(states.AsSpan()).ToArray());
    }

    [Fact]
    public void NoAgentsIsANoOp()
    {
        var model = new Gru64x10(seed: 1);
        var before = TestData.Bits(model.Parameters);
        model.Step(Span<Gru64x10.State>.Empty, ReadOnlySpan<float>.Empty, Span<float>.Empty);
        var embed = new ElmanEmbedMse(seed: 1);
        embed.Step(Span<ElmanEmbedMse.State>.Empty, ReadOnlySpan<int>.Empty, Span<float>.Empty);
        embed.Step(Span<ElmanEmbedMse.State>.Empty, ReadOnlySpan<float>.Empty, Span<float>.Empty);
        Assert.Equal(before, TestData.Bits(model.Parameters));
    }

    [Fact]
    public void MultiAgentStepAllocatesNothing()
    {
        var lstm = new Lstm64x10(seed: 1);
        var lstmStates = new Lstm64x10.State[17];
        var lstmX = TestData.Uniform(1, 17 * 10, 1);
        var lstmY = new float[17];
        var softmax = new LstmSoftmax(seed: 2);
        var softmaxStates = new LstmSoftmax.State[9];
        var softmaxX = TestData.Uniform(2, 9 * 3, 1);
        var softmaxY = new float[9 * 4];
        var embed = new Gru2Embed_7_4_6_7(seed: 3);
        var embedStates = new Gru2Embed_7_4_6_7.State[11];
        var tokens = new[] { 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3 };
        var embedY = new float[11 * 7];

        void Run(int steps)
        {
            for (int i = 0; i < steps; i++)
            {
                lstm.Step(lstmStates, lstmX, lstmY);
                softmax.Step(softmaxStates, softmaxX, softmaxY);
                embed.Step(embedStates, tokens, embedY);
            }
        }

        Assert.Equal(0, SteadyStateAllocation.Measure(() => Run(200)));
    }
}
