using System;
using System.Runtime.InteropServices;
using RnnGen.Tests.Models.Lists;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// List models' API contract: the hot paths (Step, the agents' Step, Forward, Evaluate, AccumulateGradients, TrainStep)
/// allocate nothing after warm-up, with Dropout, learned states, tokens and bfloat16 weights; wrong span lengths throw
/// ArgumentException naming the parameter and the expected size, and change nothing.
/// </summary>
public class ListModelApiTests
{
    [Fact]
    public void Hot_paths_allocate_nothing_after_warm_up()
    {
        const int T = 8;
        var dropout = new DropoutStack(seed: 1);
        var dropoutAdam = new Adam(DropoutStack.ParameterCount, 1e-3f);
        var dx = TestData.Uniform(1, T * 3, 1.0);
        var dy = ListSpecs.DropoutStack.RandomTargets(2, T);
        var dStates = new DropoutStack.State[9];
        var dxs = TestData.Uniform(3, 9 * 3, 1.0);
        var dys = new float[9 * 5];

        var heads = new GruElmanHeads(seed: 2);
        var headsAdam = new Adam(GruElmanHeads.ParameterCount, 1e-3f);
        var hx = TestData.Uniform(4, T * 5, 1.0);
        var hy = ListSpecs.GruElmanHeads.RandomTargets(5, T);
        var hStates = new GruElmanHeads.State[5];
        var hxs = TestData.Uniform(6, 5 * 5, 1.0);
        var hys = new float[5 * 7];
        var hState = new GruElmanHeads.State();
        var dState = new float[GruElmanHeads.StateSize];
        var stateful = new TrainOptions { Stateful = true, MaxGradientNorm = 1f };

        var tokens = new TokenStack(seed: 3);
        var tokensAdam = new Adam(TokenStack.ParameterCount, 1e-3f);
        int[] ids = { 1, 4, 9, 10, 0, 3, 3, 7 };
        int[] next = { 4, 9, 10, 0, 3, 3, 7, 2 };
        var tStates = new TokenStack.State[7];
        var tys = new float[7 * 11];

        var bf16 = new Bf16Stack(seed: 4);
        var bf16Adam = new Adam(Bf16Stack.ParameterCount, 1e-3f);
        var bx = TestData.Uniform(7, T * 6, 1.0);
        var by = TestData.Uniform(8, T * 2, 1.0);
        var bStates = new Bf16Stack.State[6];
        var bxs = TestData.Uniform(9, 6 * 6, 1.0);
        var bys = new float[6 * 2];

        var nam = new NamLstm(seed: 5);
        var namAdam = new Adam(NamLstm.ParameterCount, 1e-3f);
        var nx = TestData.Uniform(10, T, 1.0);
        var ny = TestData.Uniform(11, T, 1.0);
        var nState = new NamLstm.State();

        var y5 = new float[5];
        var y7 = new float[7];
        var y11 = new float[11];
        var y2 = new float[2];
        var y1 = new float[1];
        var outputs5 = new float[T * 5];
        var outputs11 = new float[T * 11];
        var outputs2 = new float[T * 2];

        void Run(int steps, int trains)
        {
            for (int i = 0; i < steps; i++)
            {
                int t = i % T;
                dropout.Step(dx.AsSpan(t * 3, 3), y5);
                dropout.Step(dStates, dxs, dys);
                heads.Step(hx.AsSpan(t * 5, 5), y7);
                heads.Step(ref hState, hx.AsSpan(t * 5, 5), y7);
                heads.Step(hStates, hxs, hys);
                tokens.Step(ids[t], y11);
                tokens.Step(tStates, ids.AsSpan(0, 7), tys);
                bf16.Step(bx.AsSpan(t * 6, 6), y2);
                bf16.Step(bStates, bxs, bys);
                nam.Step(ref nState, nx.AsSpan(t, 1), y1);
            }

            heads.ResetState(ref hState);
            nam.ResetState(ref nState);
            dropout.ResetState();
            dropout.Forward(dx, outputs5);
            dropout.ResetState();
            dropout.Evaluate(dx, dy);
            tokens.ResetState();
            tokens.Forward(ids, outputs11);
            bf16.ResetState();
            bf16.Forward(bx, outputs2);
            for (int i = 0; i < trains; i++)
            {
                dropout.TrainStep(dx, dy, dropoutAdam);
                heads.TrainStep(hx, hy, headsAdam);
                heads.TrainStep(hx, hy, headsAdam, stateful);
                tokens.TrainStep(ids, next, tokensAdam);
                bf16.TrainStep(bx, by, bf16Adam);
                nam.TrainStep(nx, ny, namAdam);
            }

            heads.ResetState();
            heads.ZeroGradients();
            heads.AccumulateGradients(hx, hy, dState);
            tokens.ResetState();
            tokens.AccumulateGradients(ids, next);
        }

        Assert.Equal(0, SteadyStateAllocation.Measure(() => Run(200, 4)));
    }

    /// <summary>A non-finite training step never reaches a list model: weights, learned h0, optimizer and state unchanged.</summary>
    [Fact]
    public void A_non_finite_TrainStep_is_skipped_and_changes_nothing()
    {
        var model = new GruElmanHeads(seed: 6);
        var adam = new Adam(GruElmanHeads.ParameterCount, 0.01f);
        var x = TestData.Uniform(1, 6 * 5, 1.0);
        var y = ListSpecs.GruElmanHeads.RandomTargets(2, 6);
        model.TrainStep(x, y, adam);   // one good step: Adam has moments, h0 has moved
        var state = TestData.Uniform(3, GruElmanHeads.StateSize, 0.5);
        model.CopyStateFrom(state);
        var parameters = TestData.Bits(model.Parameters);

        x[7] = float.NaN;
        model.TrainStep(x, y, adam);
        model.TrainStep(x, y, adam, new TrainOptions { Stateful = true });
        Assert.Equal(parameters, TestData.Bits(model.Parameters));
        Assert.Equal(2, model.SkippedSteps);
        Assert.Equal(1, adam.StepCount);
        var after = new float[GruElmanHeads.StateSize];
        model.CopyStateTo(after);
        Assert.Equal(state, after);
        Assert.All(model.Gradients.ToArray(), static g => Assert.Equal(0f, g));
        Assert.Throws<RnnNonFiniteException>(() => model.TrainStep(x, y, adam, new TrainOptions { OnNonFinite = NonFiniteBehavior.Throw }));
        Assert.Equal(parameters, TestData.Bits(model.Parameters));
    }

    private static void AssertMessage(ArgumentException e, string param, params string[] parts)
    {
        Assert.Equal(param, e.ParamName);
        foreach (var part in parts) Assert.Contains(part, e.Message);
    }

    [Fact]
    public void Step_and_the_agents_Step_check_lengths_and_change_nothing()
    {
        var model = new GruElmanHeads(seed: 1);
        model.ResetState();
        var own = model.CurrentState;
        var e = Assert.Throws<ArgumentException>(() => model.Step(new float[4], new float[7]));
        AssertMessage(e, "input", "must hold 5 floats", "InputSize", "has 4");
        e = Assert.Throws<ArgumentException>(() => model.Step(new float[5], new float[5]));
        AssertMessage(e, "output", "must hold 7 floats", "OutputSize", "has 5");
        var state = new GruElmanHeads.State();
        e = Assert.Throws<ArgumentException>(() => model.Step(ref state, new float[6], new float[7]));
        AssertMessage(e, "input", "5", "has 6");

        var states = new GruElmanHeads.State[3];
        model.ResetState(ref states[1]);
        var before = MemoryMarshal.AsBytes(states.AsSpan()).ToArray();
        e = Assert.Throws<ArgumentException>(() => model.Step(states, new float[14], new float[21]));
        AssertMessage(e, "inputs", "must hold 15 floats", "3 agents × InputSize", "has 14");
        e = Assert.Throws<ArgumentException>(() => model.Step(states, new float[15], new float[20]));
        AssertMessage(e, "outputs", "must hold 21 floats", "3 agents × OutputSize", "has 20");
        Assert.Equal(before, MemoryMarshal.AsBytes(states.AsSpan()).ToArray());
        Assert.True(MemoryMarshal.AsBytes(new[] { own }.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(new[] { model.CurrentState }.AsSpan())));

        var tokens = new TokenStack(seed: 2);
        var tokenStates = new TokenStack.State[2];
        e = Assert.Throws<ArgumentException>(() => tokens.Step(tokenStates, new[] { 1 }, new float[22]));
        AssertMessage(e, "tokens", "must hold 2 token ids", "has 1");
        e = Assert.Throws<ArgumentException>(() => tokens.Step(tokenStates, new[] { 1, 2 }, new float[21]));
        AssertMessage(e, "outputs", "must hold 22 floats", "has 21");
        e = Assert.Throws<ArgumentException>(() => tokens.Step(3, new float[10]));
        AssertMessage(e, "output", "must hold 11 floats", "has 10");
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => tokens.Step(tokenStates, new[] { 1, 11 }, new float[22]));
        Assert.Contains("tokens[1] = 11", range.Message);
    }

    [Fact]
    public void Forward_training_and_copies_check_lengths_and_change_nothing()
    {
        var model = new GruElmanHeads(seed: 3);
        var adam = new Adam(GruElmanHeads.ParameterCount);
        var parameters = TestData.Bits(model.Parameters);
        var state = TestData.Uniform(1, GruElmanHeads.StateSize, 0.5);
        model.CopyStateFrom(state);

        var e = Assert.Throws<ArgumentException>(() => model.Forward(new float[11], new float[14]));
        AssertMessage(e, "inputs", "11", "multiple of 5");
        e = Assert.Throws<ArgumentException>(() => model.Forward(new float[10], new float[13]));
        AssertMessage(e, "outputs", "must hold 14 floats", "has 13");
        e = Assert.Throws<ArgumentException>(() => model.Evaluate(new float[10], new float[15]));
        AssertMessage(e, "targets", "must hold 14 floats", "has 15");
        e = Assert.Throws<ArgumentException>(() => model.TrainStep(new float[11 * 5], new float[11 * 7], adam));
        AssertMessage(e, "inputs", "11 steps", "Window is 10");
        e = Assert.Throws<ArgumentException>(() => model.AccumulateGradients(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty));
        AssertMessage(e, "inputs", "no step");
        e = Assert.Throws<ArgumentException>(() => model.TrainStep(new float[10], new float[13], adam));
        AssertMessage(e, "targets", "must hold 14 floats", "has 13");
        e = Assert.Throws<ArgumentException>(() => model.AccumulateGradients(new float[10], new float[14], new float[8]));
        AssertMessage(e, "initialStateGradient", "must hold 9 floats", "has 8");
        e = Assert.Throws<ArgumentException>(() => model.TrainStep(new float[10], new float[14], new Adam(100)));
        Assert.Contains($"ParameterCount = {GruElmanHeads.ParameterCount}", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.TrainBatch(new float[10], new float[14], 3, adam));
        AssertMessage(e, "inputs", "10", "sequences of equal length");
        e = Assert.Throws<ArgumentException>(() => model.TrainBatch(new float[20], new float[27], 2, adam));
        AssertMessage(e, "targets", "must hold 28 floats", "has 27");
        e = Assert.Throws<ArgumentException>(() => model.CopyStateFrom(new float[8]));
        AssertMessage(e, "source", "must hold 9 floats", "StateSize", "has 8");
        e = Assert.Throws<ArgumentException>(() => model.CopyStateTo(new float[10]));
        AssertMessage(e, "destination", "must hold 9 floats", "has 10");
        e = Assert.Throws<ArgumentException>(() => model.CopyParametersFrom(new float[5]));
        AssertMessage(e, "source", $"must hold {GruElmanHeads.TrainableParameterCount} floats", "has 5");
        e = Assert.Throws<ArgumentException>(() => model.CopyGradientsTo(new float[5]));
        AssertMessage(e, "destination", $"{GruElmanHeads.TrainableParameterCount}", "has 5");

        Assert.Equal(parameters, TestData.Bits(model.Parameters));
        Assert.Equal(0, adam.StepCount);
        var after = new float[GruElmanHeads.StateSize];
        model.CopyStateTo(after);
        Assert.Equal(state, after);

        // LossOn = LastStep: one scored step of targets (4 floats), or one class id per cross-entropy head… here a float head too.
        var last = new LearnedLstmLast(seed: 4);
        e = Assert.Throws<ArgumentException>(() => last.AccumulateGradients(new float[6 * 2], new float[6 * 4]));
        AssertMessage(e, "targets", "must hold 4 floats", "LastStep", "has 24");

        // Class ids: one per step for the one cross-entropy head.
        var tokens = new TokenStack(seed: 5);
        e = Assert.Throws<ArgumentException>(() => tokens.AccumulateGradients(new[] { 1, 2, 3, 4 }, new[] { 1, 2, 3 }));
        AssertMessage(e, "targets", "must hold 4 class ids", "has 3");
        e = Assert.Throws<ArgumentException>(() => tokens.Forward(new[] { 1, 2 }, new float[21]));
        AssertMessage(e, "outputs", "must hold 22 floats", "has 21");
    }
}
