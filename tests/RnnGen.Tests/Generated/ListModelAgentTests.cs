using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using RnnGen.Tests.Models.Lists;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// List models' "many agents, one weight set": <c>Step(Span&lt;State&gt;, …)</c> gives, bit for bit, what single
/// <c>Step(ref State, …)</c> calls give (outputs and the whole State struct), for every list model: Dense layers, mixed
/// stacks, several heads with AddInput, Dropout (the identity), bfloat16 weights, tokens, and learned initial states,
/// where some agents start from <c>ResetState(ref state)</c> (the learned h₀/c₀), some from <c>default</c> (zeros),
/// some from random states and some one step further on. CI reruns it on every SIMD path.
/// </summary>
public class ListModelAgentTests
{
    private static readonly int[] Counts = { 0, 1, 2, 3, 5, 7, 8, 17, 64 };

    private delegate void MultiStep<TModel, TState>(TModel model, Span<TState> states, ReadOnlySpan<float> inputs, Span<float> outputs);

    private delegate void SingleStep<TModel, TState>(TModel model, Span<TState> state, ReadOnlySpan<float> input, Span<float> output);

    private delegate void MultiTokenStep<TModel, TState>(TModel model, Span<TState> states, ReadOnlySpan<int> tokens, Span<float> outputs);

    private delegate void SingleTokenStep<TModel, TState>(TModel model, Span<TState> state, int token, Span<float> output);

    private delegate void ResetOne<TModel, TState>(TModel model, Span<TState> state);

    private delegate ref TState OwnState<TModel, TState>(TModel model);

    private sealed class Api<TModel, TState>
        where TModel : class, IRnnModel, new()
        where TState : struct
    {
        public required MultiStep<TModel, TState> Multi { get; init; }
        public required SingleStep<TModel, TState> Single { get; init; }
        public required OwnState<TModel, TState> Own { get; init; }

        /// <summary><c>ResetState(ref state)</c>, which models with a learned initial state have; null: the initial state is <c>default</c>.</summary>
        public ResetOne<TModel, TState>? Reset { get; init; }

        public MultiTokenStep<TModel, TState>? MultiTokens { get; init; }
        public SingleTokenStep<TModel, TState>? SingleToken { get; init; }
    }

    private static Api<TModel, TState> Floats<TModel, TState>(
        MultiStep<TModel, TState> multi, SingleStep<TModel, TState> single, OwnState<TModel, TState> own, ResetOne<TModel, TState>? reset = null)
        where TModel : class, IRnnModel, new() where TState : struct =>
        new() { Multi = multi, Single = single, Own = own, Reset = reset };

    private static readonly Dictionary<string, Action<int[]>> Cases = new()
    {
        ["HallwayPolicy"] = ns => Run(ns, Floats<HallwayPolicy, HallwayPolicy.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["NamLstm"] = ns => Run(ns, Floats<NamLstm, NamLstm.State>(
            (m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState, (m, s) => m.ResetState(ref s[0]))),
        ["Proteus"] = ns => Run(ns, Floats<Proteus, Proteus.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["MixedStack"] = ns => Run(ns, Floats<MixedStack, MixedStack.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["DropoutStack"] = ns => Run(ns, Floats<DropoutStack, DropoutStack.State>(
            (m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState, (m, s) => m.ResetState(ref s[0]))),
        ["Bf16Stack"] = ns => Run(ns, Floats<Bf16Stack, Bf16Stack.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["DenseActivations"] = ns => Run(ns, Floats<DenseActivations, DenseActivations.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["GruElmanHeads"] = ns => Run(ns, Floats<GruElmanHeads, GruElmanHeads.State>(
            (m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState, (m, s) => m.ResetState(ref s[0]))),
        ["LearnedLstmLast"] = ns => Run(ns, Floats<LearnedLstmLast, LearnedLstmLast.State>(
            (m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState, (m, s) => m.ResetState(ref s[0]))),
        ["MiniPolicy"] = ns => Run(ns, Floats<MiniPolicy, MiniPolicy.State>((m, s, x, y) => m.Step(s, x, y), (m, s, x, y) => m.Step(ref s[0], x, y), m => ref m.CurrentState)),
        ["TokenStack"] = ns => Run(ns, new Api<TokenStack, TokenStack.State>
        {
            Multi = (m, s, x, y) => m.Step(s, x, y), Single = (m, s, x, y) => m.Step(ref s[0], x, y), Own = m => ref m.CurrentState,
            MultiTokens = (m, s, t, y) => m.Step(s, t, y), SingleToken = (m, s, t, y) => m.Step(ref s[0], t, y),
        }),
    };

    public static TheoryData<string> Models => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Models))]
    public void Many_agents_equal_single_steps_bit_for_bit(string model) => Cases[model](Counts);

    /// <summary>Past one chunk of agents (a chunk holds 32–256), so chunk boundaries are crossed with learned states too.</summary>
    [Theory]
    [InlineData("DropoutStack")]
    [InlineData("GruElmanHeads")]
    public void Many_chunks_equal_single_steps(string model) => Cases[model](new[] { 300 });

    private static void Run<TModel, TState>(int[] counts, Api<TModel, TState> api)
        where TModel : class, IRnnModel, new() where TState : struct
    {
        foreach (int n in counts) AssertEqualsSingleSteps(api, n, seed: 200 + n);
    }

    /// <summary>
    /// Random parameters (learned h₀/c₀ included, so they are not zero) and N agents whose states are, in turn: the
    /// initial state of <c>ResetState(ref state)</c>, <c>default</c>, a random state, and the initial state advanced by one
    /// step; then three multi-agent steps against N single steps each, and for token models three more with tokens.
    /// </summary>
    private static void AssertEqualsSingleSteps<TModel, TState>(Api<TModel, TState> api, int n, int seed)
        where TModel : class, IRnnModel, new() where TState : struct
    {
        var model = new TModel();
        model.CopyParametersFrom(TestData.Uniform(seed, TModel.TrainableParameterCount, 2.0 / Math.Sqrt(TModel.HiddenSize)));
        int I = TModel.InputSize, O = TModel.OutputSize;
        var multi = new TState[n];
        var input = new float[I];
        var output = new float[O];
        for (int a = 0; a < n; a++)
        {
            switch (a % 4)
            {
                case 0 or 3:
                    if (api.Reset is { } reset) reset(model, multi.AsSpan(a, 1));
                    if (a % 4 == 3)
                    {
                        TestData.Uniform(seed * 1000 + a, I, 1.0).CopyTo(input, 0);
                        api.Single(model, multi.AsSpan(a, 1), input, output);
                    }

                    break;
                case 1:
                    break;   // default: the zero state
                case 2:
                    model.CopyStateFrom(TestData.Uniform(seed * 1000 + a, TModel.StateSize, 1.5));
                    multi[a] = api.Own(model);
                    break;
            }
        }

        var single = (TState[])multi.Clone();
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

    /// <summary>A fresh agent state is the learned initial state: the same as the model's own state after ResetState(), and its first step the same.</summary>
    [Fact]
    public void A_fresh_agent_starts_from_the_learned_initial_state()
    {
        var model = new GruElmanHeads();
        model.CopyParametersFrom(TestData.Uniform(5, GruElmanHeads.TrainableParameterCount, 0.5));
        var states = new GruElmanHeads.State[3];
        model.ResetState(ref states[0]);
        model.ResetState(ref states[2]);
        model.ResetState();
        var own = new float[GruElmanHeads.StateSize];
        model.CopyStateTo(own);
        Assert.Equal(own[..5], states[0].Hidden(0).ToArray());
        Assert.Equal(own[5..], states[0].Hidden(1).ToArray());
        Assert.Contains(own, static v => v != 0f);
        Assert.All(states[1].Hidden(0).ToArray(), static v => Assert.Equal(0f, v));

        var x = TestData.Uniform(6, 3 * GruElmanHeads.InputSize, 1.0);
        var y = new float[3 * GruElmanHeads.OutputSize];
        model.Step(states, x, y);
        var alone = new float[GruElmanHeads.OutputSize];
        model.Step(x.AsSpan(2 * GruElmanHeads.InputSize, GruElmanHeads.InputSize), alone);
        Assert.Equal(TestData.Bits(alone), TestData.Bits(y.AsSpan(2 * GruElmanHeads.OutputSize)));
        Assert.NotEqual(TestData.Bits(alone), TestData.Bits(y.AsSpan(GruElmanHeads.OutputSize, GruElmanHeads.OutputSize)));   // agent 1 started from zeros
    }
}
