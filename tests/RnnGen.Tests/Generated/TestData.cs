using System;

namespace RnnGen.Tests.Generated;

/// <summary>Deterministic test inputs.</summary>
internal static class TestData
{
    public static float[] Uniform(int seed, int length, double scale)
    {
        var rng = new Random(seed);
        var a = new float[length];
        for (int i = 0; i < length; i++) a[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return a;
    }

    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var d = new double[values.Length];
        for (int i = 0; i < d.Length; i++) d[i] = values[i];
        return d;
    }

    /// <summary>
    /// The outputs of <paramref name="model"/>'s <c>Forward</c> over <paramref name="steps"/> steps of
    /// <see cref="Uniform"/> inputs from <paramref name="seed"/>, from a reset state; the state is reset again after.
    /// </summary>
    public static float[] Forward<TModel>(TModel model, int steps, int seed) where TModel : IRnnModel
    {
        model.ResetState();
        var inputs = Uniform(seed, steps * TModel.InputSize, 1.0);
        var outputs = new float[steps * TModel.OutputSize];
        model.Forward(inputs, outputs);
        model.ResetState();
        return outputs;
    }

    /// <summary>Bit patterns, so comparisons are exact (and NaN-safe).</summary>
    public static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < bits.Length; i++) bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        return bits;
    }
}
