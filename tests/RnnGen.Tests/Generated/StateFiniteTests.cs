using System;
using RnnGen.Tests.Models;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Issue 15: NaN fed to Step leaves the state NaN until it is reset, with no exception. <c>State.IsFinite</c> tells, for
/// the model's own state (<c>model.CurrentState.IsFinite</c>) and any other, covering h and c of every layer, without
/// allocating.
/// </summary>
public class StateFiniteTests
{
    [Fact]
    public void NaN_input_makes_the_state_not_finite_until_it_is_reset()
    {
        var model = new Lstm64x10(seed: 1);
        var x = TestData.Uniform(2, Lstm64x10.InputSize, 1.0);
        var y = new float[Lstm64x10.OutputSize];
        Assert.True(model.CurrentState.IsFinite);   // the zero state
        model.Step(x, y);
        Assert.True(model.CurrentState.IsFinite);

        x[3] = float.NaN;
        model.Step(x, y);
        Assert.False(model.CurrentState.IsFinite);
        x[3] = 0.5f;
        for (int t = 0; t < 5; t++) model.Step(x, y);   // finite inputs do not heal it
        Assert.False(model.CurrentState.IsFinite);
        Assert.True(float.IsNaN(y[0]));

        model.ResetState();
        Assert.True(model.CurrentState.IsFinite);
        model.Step(x, y);
        Assert.True(model.CurrentState.IsFinite);
        Assert.True(float.IsFinite(y[0]));
    }

    [Fact]
    public void NaN_in_an_agent_state_is_seen_and_Reset_clears_it()
    {
        var model = new Gru64x10(seed: 3);
        var state = new Gru64x10.State();
        var x = TestData.Uniform(4, Gru64x10.InputSize, 1.0);
        var y = new float[Gru64x10.OutputSize];
        x[0] = float.NaN;
        model.Step(ref state, x, y);
        Assert.False(state.IsFinite);
        Assert.True(model.CurrentState.IsFinite);   // the model's own state was not stepped
        state.Reset();
        Assert.True(state.IsFinite);
    }

    /// <summary>ReLU passes +∞ through: the state holds infinities rather than NaN, and they count as not finite too.</summary>
    [Fact]
    public void An_infinite_state_is_not_finite()
    {
        var model = new Elman33Relu(seed: 5);
        var x = TestData.Uniform(6, Elman33Relu.InputSize, 1.0);
        var y = new float[Elman33Relu.OutputSize];
        x[1] = float.PositiveInfinity;
        model.Step(x, y);
        Assert.Contains(float.PositiveInfinity, model.CurrentState.Hidden().ToArray());
        Assert.False(model.CurrentState.IsFinite);
    }

    /// <summary>Every layer's h and every layer's c are scanned, not only what the head reads.</summary>
    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(0, true)]
    [InlineData(1, true)]
    public void Every_vector_of_every_layer_is_scanned(int layer, bool cell)
    {
        var state = new Lstm2Layer5x3x2.State();
        var vector = cell ? state.Cell(layer) : state.Hidden(layer);
        vector[Lstm2Layer5x3x2.HiddenSize - 1] = float.NegativeInfinity;
        Assert.False(state.IsFinite);
        vector[Lstm2Layer5x3x2.HiddenSize - 1] = 1e30f;
        Assert.True(state.IsFinite);
        vector[0] = float.NaN;
        Assert.False(state.IsFinite);
    }

    [Fact]
    public void The_check_allocates_nothing()
    {
        var model = new Lstm40x7(seed: 5);
        var states = new Lstm40x7.State[3];
        bool all = true;
        void Run(int n)
        {
            for (int i = 0; i < n; i++)
            {
                all &= model.CurrentState.IsFinite;
                all &= states[i % states.Length].IsFinite;
            }
        }

        Assert.Equal(0, SteadyStateAllocation.Measure(() => Run(2_000)));
        Assert.True(all);
    }
}
