using System;
using System.Globalization;

namespace RnnGen.Benchmarks;

/// <summary>
/// Proof that a baseline computes the same function as the generated model it is compared with: the benchmark setups
/// run <see cref="CheckSteps"/>, and <c>dotnet run -c Release -- --verify</c> runs <see cref="Run"/> over the whole matrix.
/// </summary>
public static class Verification
{
    /// <summary>Largest accepted difference, relative to max(1, |value|).</summary>
    public const float Tolerance = 1e-4f;

    /// <summary>Throws unless <paramref name="model"/> and <paramref name="baseline"/> give the same outputs over <paramref name="inputs"/> from the zero state.</summary>
    /// <returns>The largest difference seen.</returns>
    public static float CheckSteps(IRnnModel model, IRuntimeSizedRnn baseline, ReadOnlySpan<float> inputs, string what)
    {
        model.ResetState();
        baseline.ResetState();
        Span<float> yModel = stackalloc float[Models.Output], yBaseline = stackalloc float[Models.Output];
        int steps = inputs.Length / Models.Input;
        float worst = 0;
        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<float> x = inputs.Slice(t * Models.Input, Models.Input);
            model.Step(x, yModel);
            baseline.Step(x, yBaseline);
            for (int k = 0; k < Models.Output; k++)
            {
                worst = Math.Max(worst, Check(yModel[k], yBaseline[k], $"{what}: step {t} output {k}"));
            }
        }

        return worst;
    }

    /// <summary>
    /// Checks every cell × hidden of the matrix: Step over 32 steps, Forward over 32 steps, and one training window
    /// (TrainStep with Adam against the baseline's TrainWindow: loss, clipped gradients, updated parameters), then
    /// Step again with the updated weights. Prints a table; returns 0 when everything matches, 1 otherwise.
    /// </summary>
    public static int Run()
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine("cell   hidden  params(buffer)  trainable  step FLOPs  weight bytes | max |Δ| step  forward  loss  gradient  updated  step after");
        int failures = 0;
        foreach (RnnCell cell in Models.Cells)
        {
            foreach (int hidden in Models.Hiddens)
            {
                string what = $"{cell} {hidden}";
                ModelFacts facts = Models.Facts(cell, hidden);
                try
                {
                    int expected = facts.Gates * hidden * (Models.Input + hidden + 2) + Models.Output * hidden + Models.Output;
                    if (facts.TrainableParameterCount != expected)
                    {
                        throw new InvalidOperationException($"{what}: TrainableParameterCount {facts.TrainableParameterCount} ≠ G·H·(I+H+2) + O·H + O = {expected}.");
                    }

                    IRnnModel model = Models.Create(cell, hidden, seed: 42);
                    IRuntimeSizedRnn baseline = Models.RuntimeSizedOf(model, cell, hidden);
                    float[] inputs = Models.RandomArray(Models.Window * Models.Input, seed: 2);
                    float[] targets = Models.RandomArray(Models.Window * Models.Output, seed: 3);

                    float step = CheckSteps(model, baseline, inputs, what);

                    var outModel = new float[Models.Window * Models.Output];
                    var outBaseline = new float[Models.Window * Models.Output];
                    model.ResetState();
                    baseline.ResetState();
                    model.Forward(inputs, outModel);
                    baseline.Forward(inputs, outBaseline);
                    float forward = CheckAll(outModel, outBaseline, $"{what}: Forward output");

                    var adam = new Adam(model.Parameters.Length, Models.LearningRate);
                    float lossModel = model.TrainStep(inputs, targets, adam);
                    float lossBaseline = baseline.TrainWindow(inputs, targets);
                    float loss = Check(lossModel, lossBaseline, $"{what}: TrainStep loss");

                    var a = new float[facts.TrainableParameterCount];
                    var b = new float[facts.TrainableParameterCount];
                    model.CopyGradientsTo(a);
                    baseline.CopyGradientsTo(b);
                    float gradient = CheckAll(a, b, $"{what}: clipped gradient (PyTorch order)");
                    model.CopyParametersTo(a);
                    baseline.CopyParametersTo(b);
                    float updated = CheckAll(a, b, $"{what}: updated parameter (PyTorch order)");
                    float after = CheckSteps(model, baseline, inputs, what + " after one TrainStep");

                    Console.WriteLine(string.Format(inv,
                        "{0,-6} {1,6}  {2,14:N0}  {3,9:N0}  {4,10:N0}  {5,12:N0} | {6,12:E1}  {7,7:E1}  {8,4:E1}  {9,8:E1}  {10,7:E1}  {11,10:E1}",
                        cell, hidden, facts.ParameterCount, facts.TrainableParameterCount, facts.StepFlops, facts.WeightBytes,
                        step, forward, loss, gradient, updated, after));
                }
                catch (InvalidOperationException e)
                {
                    failures++;
                    Console.WriteLine($"{what}: FAILED: {e.Message}");
                }
            }
        }

        Console.WriteLine(failures == 0
            ? $"verify: every baseline computes the same function as its generated model (tolerance {Tolerance.ToString(inv)} × max(1, |value|))."
            : $"verify: {failures} model(s) FAILED.");
        return failures == 0 ? 0 : 1;
    }

    /// <summary>Throws when <paramref name="generated"/> and <paramref name="baseline"/> differ by more than the tolerance; returns the difference.</summary>
    public static float Check(float generated, float baseline, string what)
    {
        float difference = Math.Abs(generated - baseline);
        if (!(difference <= Tolerance * Math.Max(1f, Math.Abs(generated))))
        {
            throw new InvalidOperationException($"{what} differs: generated {generated:R}, baseline {baseline:R}.");
        }

        return difference;
    }

    /// <summary>Element-wise <see cref="Check"/>; returns the largest difference.</summary>
    public static float CheckAll(ReadOnlySpan<float> generated, ReadOnlySpan<float> baseline, string what)
    {
        if (generated.Length != baseline.Length)
        {
            throw new InvalidOperationException($"{what}: lengths differ ({generated.Length} ≠ {baseline.Length}).");
        }

        float worst = 0;
        for (int i = 0; i < generated.Length; i++)
        {
            worst = Math.Max(worst, Check(generated[i], baseline[i], $"{what} {i}"));
        }

        return worst;
    }
}
