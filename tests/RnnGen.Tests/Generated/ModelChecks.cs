using System;
using System.Collections.Generic;
using RnnGen.Tests.Reference;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>Checks that work for any generated Elman model, against the float64 reference.</summary>
internal static class ModelChecks
{
    /// <summary>Random parameters in PyTorch order, scaled like PyTorch's default init (±1/√hidden).</summary>
    public static float[] RandomParameters<TModel>(int seed) where TModel : IRnnModel =>
        TestData.Uniform(seed, TModel.TrainableParameterCount, 1.0 / Math.Sqrt(TModel.HiddenSize));

    public static void ForwardParity<TModel>(ModelConfig config, int steps, int seed) where TModel : class, IRnnModel, new()
    {
        var model = new TModel();
        var parameters = RandomParameters<TModel>(seed);
        model.CopyParametersFrom(parameters);
        var inputs = TestData.Uniform(seed + 1, steps * TModel.InputSize, 1.0);
        var h0 = TestData.Uniform(seed + 2, TModel.StateSize, 0.5);
        model.CopyStateFrom(h0);

        var outputs = new float[steps * TModel.OutputSize];
        model.Forward(inputs, outputs);
        var finalState = new float[TModel.StateSize];
        model.CopyStateTo(finalState);

        var reference = new ReferenceRnn(config, parameters);
        var expected = reference.Forward(TestData.ToDouble(inputs), TestData.ToDouble(h0), out var expectedState);

        AssertClose(expected, outputs, 1e-5, 1e-5, "output");
        AssertClose(expectedState, finalState, 1e-5, 1e-5, "final state");
    }

    /// <summary>
    /// Analytic gradients (float32, generated BPTT) of every parameter (or <paramref name="sample"/> random ones)
    /// and of the initial state, against central finite differences of the float64 reference.
    /// </summary>
    public static void GradientCheck<TModel>(ModelConfig config, int steps, int seed, int sample = 0) where TModel : class, IRnnModel, new()
    {
        var model = new TModel();
        var parameters = RandomParameters<TModel>(seed);
        model.CopyParametersFrom(parameters);
        var inputs = TestData.Uniform(seed + 1, steps * TModel.InputSize, 1.0);
        var h0 = TestData.Uniform(seed + 2, TModel.StateSize, 0.5);
        int targetCount = config.LastStep ? TModel.OutputSize : steps * TModel.OutputSize;
        var targets = TestData.Uniform(seed + 3, targetCount, 1.0);
        if (config.Loss == RnnLoss.BinaryCrossEntropy)
            for (int i = 0; i < targets.Length; i++) targets[i] = 0.5f + 0.5f * targets[i];   // in [0, 1]
        if (config.Loss == RnnLoss.CrossEntropy)
            for (int r = 0; r < targetCount; r += TModel.OutputSize)
            {
                // soft targets: a probability distribution per scored step
                float total = 0;
                for (int o = 0; o < TModel.OutputSize; o++) total += targets[r + o] = MathF.Abs(targets[r + o]) + 0.05f;
                for (int o = 0; o < TModel.OutputSize; o++) targets[r + o] /= total;
            }
        model.CopyStateFrom(h0);

        model.ZeroGradients();
        var dh0 = new float[TModel.StateSize];
        float loss = model.AccumulateGradients(inputs, targets, dh0);
        var gradients = new float[TModel.TrainableParameterCount];
        model.CopyGradientsTo(gradients);

        var x = TestData.ToDouble(inputs);
        var y = TestData.ToDouble(targets);
        var h = TestData.ToDouble(h0);
        var reference = new ReferenceRnn(config, parameters);
        double expectedLoss = reference.Loss(x, y, h);
        Assert.True(Math.Abs(loss - expectedLoss) <= 1e-5 * (1 + Math.Abs(expectedLoss)), $"loss {loss} vs reference {expectedLoss}");

        const double eps = 1e-6;
        var p = reference.Parameters;
        IEnumerable<int> indices = sample > 0 ? SampleIndices(seed, p.Length, sample) : Range(p.Length);
        var failures = new List<string>();
        foreach (int i in indices)
        {
            double saved = p[i];
            p[i] = saved + eps;
            double plus = reference.Loss(x, y, h);
            p[i] = saved - eps;
            double minus = reference.Loss(x, y, h);
            p[i] = saved;
            double numeric = (plus - minus) / (2 * eps);
            if (!Close(numeric, gradients[i], 1e-3, 1e-5))
                failures.Add($"{Name<TModel>(i)}: analytic {gradients[i]:G9} vs numeric {numeric:G9}");
        }

        for (int i = 0; i < h.Length; i++)
        {
            double saved = h[i];
            h[i] = saved + eps;
            double plus = reference.Loss(x, y, h);
            h[i] = saved - eps;
            double minus = reference.Loss(x, y, h);
            h[i] = saved;
            double numeric = (plus - minus) / (2 * eps);
            if (!Close(numeric, dh0[i], 1e-3, 1e-5))
                failures.Add($"dL/dh0[{i}]: analytic {dh0[i]:G9} vs numeric {numeric:G9}");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} gradient(s) differ:\n" + string.Join("\n", failures.GetRange(0, Math.Min(20, failures.Count))));
    }

    public static bool Close(double expected, double actual, double relative, double absolute) =>
        Math.Abs(expected - actual) <= absolute + relative * Math.Abs(expected);

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative, double absolute, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Close(expected[i], actual[i], relative, absolute), $"{what}[{i}]: expected {expected[i]:G9}, got {actual[i]:G9}");
    }

    private static string Name<TModel>(int canonicalIndex) where TModel : IRnnModel
    {
        foreach (var t in TModel.ParameterLayout.Tensors)
            if (canonicalIndex < t.Offset + t.Length)
                return $"{t.Name}[{canonicalIndex - t.Offset}]";
        return canonicalIndex.ToString();
    }

    private static IEnumerable<int> Range(int n)
    {
        for (int i = 0; i < n; i++) yield return i;
    }

    private static IEnumerable<int> SampleIndices(int seed, int n, int count)
    {
        var rng = new Random(seed);
        for (int i = 0; i < count; i++) yield return rng.Next(n);
    }
}
