using System;
using System.IO;
using RnnGen.Tests.Models;
using Xunit;
using B = RnnGen.Tests.Models.Bf16;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Issue 15: <c>M.CreateUninitialized()</c> gives a model whose parameters, gradients and state are all zero and runs no
/// initialization, for weights that will be loaded; Load into it gives the saved model, and a bfloat16 model's
/// inference copy follows the loaded weights.
/// </summary>
public class UninitializedModelTests
{
    [Fact]
    public void Everything_is_zero()
    {
        var model = Lstm64x10.CreateUninitialized();
        Assert.Equal(Lstm64x10.ParameterCount, model.Parameters.Length);
        Assert.True(model.Parameters.IndexOfAnyExcept(0f) < 0, "a parameter is not zero");
        Assert.True(model.Gradients.IndexOfAnyExcept(0f) < 0, "a gradient is not zero");
        var state = new float[Lstm64x10.StateSize];
        model.CopyStateTo(state);
        Assert.True(state.AsSpan().IndexOfAnyExcept(0f) < 0, "the state is not zero");
        Assert.Equal(0, model.SkippedSteps);

        // A seeded model of the same class is not zero, so the test can tell the two apart.
        Assert.True(new Lstm64x10(seed: 1).Parameters.IndexOfAnyExcept(0f) >= 0);
    }

    /// <summary>No initialization runs: InitializeParameters allocates the canonical vector (TrainableParameterCount floats) and CreateUninitialized does not.</summary>
    [Fact]
    public void It_allocates_the_buffer_and_runs_no_initialization()
    {
        _ = Lstm128x10.CreateUninitialized();   // warm-up: JIT, statics
        _ = new Lstm128x10(seed: 1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        _ = Lstm128x10.CreateUninitialized();
        long uninitialized = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        _ = new Lstm128x10(seed: 1);
        long initialized = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(initialized - uninitialized >= Lstm128x10.TrainableParameterCount * sizeof(float),
            $"CreateUninitialized allocated {uninitialized} bytes, the seeded constructor {initialized}");
    }

    [Fact]
    public void Load_into_it_gives_the_saved_model()
    {
        var source = new Gru64x10(seed: 5);
        using var file = new MemoryStream();
        source.Save(file);
        file.Position = 0;

        var loaded = Gru64x10.CreateUninitialized();
        loaded.Load(file);
        Assert.Equal(TestData.Bits(source.Parameters), TestData.Bits(loaded.Parameters));
        AssertSameSteps(source, loaded, seed: 6);
    }

    /// <summary>Step reads the bfloat16 copy, which Load refreshes: a stale (zero) copy would make every output the head's bias.</summary>
    [Fact]
    public void Load_refreshes_the_bfloat16_inference_copy()
    {
        var source = new B.Lstm_10_64_1(seed: 7);
        using var file = new MemoryStream();
        source.Save(file);
        file.Position = 0;

        var loaded = B.Lstm_10_64_1.CreateUninitialized();
        var zeroOutput = new float[B.Lstm_10_64_1.OutputSize];
        loaded.Step(TestData.Uniform(8, B.Lstm_10_64_1.InputSize, 1.0), zeroOutput);
        Assert.Equal(0f, zeroOutput[0]);   // zero weights, zero bias
        loaded.ResetState();

        loaded.Load(file);
        AssertSameSteps(source, loaded, seed: 8);
    }

    /// <summary>The user's constructor does not run (its Name stays unset), but the model is there and loads.</summary>
    [Fact]
    public void A_model_with_its_own_constructor_has_it_too()
    {
        var source = new UserConstructed("source");
        var loaded = UserConstructed.CreateUninitialized();
        Assert.Null(loaded.Name);
        Assert.True(loaded.Parameters.IndexOfAnyExcept(0f) < 0);
        using var file = new MemoryStream();
        source.Save(file);
        file.Position = 0;
        loaded.Load(file);
        Assert.Equal(TestData.Bits(source.Parameters), TestData.Bits(loaded.Parameters));
    }

    private static void AssertSameSteps<TModel>(TModel expected, TModel actual, int seed) where TModel : IRnnModel
    {
        var inputs = TestData.Uniform(seed, 6 * TModel.InputSize, 1.0);
        var a = new float[6 * TModel.OutputSize];
        var b = new float[6 * TModel.OutputSize];
        expected.ResetState();
        actual.ResetState();
        expected.Forward(inputs, a);
        actual.Forward(inputs, b);
        Assert.Equal(TestData.Bits(a), TestData.Bits(b));
    }
}
