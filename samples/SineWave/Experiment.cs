using System;
using System.Collections.Generic;
using System.Diagnostics;
using RnnGen;

namespace SineWave;

/// <summary>One prediction of the test part.</summary>
public readonly record struct Prediction(int T, float Input, float Predicted, float Truth);

/// <summary>What one cell achieved.</summary>
public sealed record Result(string Cell, int Parameters, double TrainLoss, double TestVsTrue, double TrainSeconds, double NsPerStep, IReadOnlyList<Prediction> Predictions);

/// <summary>Trains any generated model on the noisy sine and scores it; generic over <see cref="IRnnModel"/>.</summary>
public static class Experiment
{
    public static Result Run<TModel>(string cell, NoisySine data, int trainEnd, SampleOptions options)
        where TModel : class, IRnnModel, new()
    {
        int window = TModel.WindowSize;
        var model = new TModel();
        // Same seed for every cell: the comparison is about the cell, not the draw.
        if (model is SineElman e) e.InitializeParameters(options.Seed);
        else if (model is SineLstm l) l.InitializeParameters(options.Seed);
        else if (model is SineGru g) g.InitializeParameters(options.Seed);
        var adam = new Adam(TModel.ParameterCount, learningRate: options.LearningRate);
        var rng = new Random(options.Seed);
        var inputs = new float[window];
        var targets = new float[window];

        Console.WriteLine();
        Console.WriteLine($"── {cell}: {TModel.HiddenSize} units, {TModel.TrainableParameterCount} trainable parameters");
        Console.WriteLine("epoch   train MSE   test MSE vs noisy   test MSE vs true    time");
        double trainLoss = 0;
        var total = Stopwatch.StartNew();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            if (epoch > 1 && (epoch - 1) % options.DecayEvery == 0) adam.LearningRate *= 0.5f;
            var watch = Stopwatch.StartNew();
            double sum = 0;
            for (int w = 0; w < options.WindowsPerEpoch; w++)
            {
                // A random window of the training part: input x_t (noisy), target x_{t+1} (noisy).
                int start = rng.Next(0, trainEnd - window - 1);
                data.Noisy.AsSpan(start, window).CopyTo(inputs);
                data.Noisy.AsSpan(start + 1, window).CopyTo(targets);
                sum += model.TrainStep(inputs, targets, adam);
            }

            trainLoss = sum / options.WindowsPerEpoch;
            var (vsNoisy, vsTrue, _) = Evaluate(model, data, trainEnd, 0);
            Console.WriteLine($"{epoch,5}   {trainLoss,9:F5}   {vsNoisy,17:F5}   {vsTrue,16:F5}   {watch.Elapsed.TotalMilliseconds,5:F0} ms");
        }

        double seconds = total.Elapsed.TotalSeconds;
        var (_, testVsTrue, predictions) = Evaluate(model, data, trainEnd, 2 * NoisySine.Period);
        return new Result(cell, TModel.TrainableParameterCount, trainLoss, testVsTrue, seconds, NsPerStep(model), predictions);
    }

    /// <summary>
    /// Runs the model over the whole series (state carried from the start) and scores the test part's
    /// one-step-ahead predictions against the noisy next value and against the true (noise-free) one.
    /// </summary>
    private static (double VsNoisy, double VsTrue, List<Prediction> Predictions) Evaluate(IRnnModel model, NoisySine data, int testStart, int keep)
    {
        model.ResetState();
        Span<float> y = stackalloc float[1];
        double noisy = 0, clean = 0;
        int n = 0;
        var predictions = new List<Prediction>(keep);
        for (int t = 0; t + 1 < data.Noisy.Length; t++)
        {
            model.Step(data.Noisy.AsSpan(t, 1), y);
            if (t < testStart) continue;
            double e1 = y[0] - data.Noisy[t + 1], e2 = y[0] - data.Clean[t + 1];
            noisy += e1 * e1;
            clean += e2 * e2;
            n++;
            if (predictions.Count < keep) predictions.Add(new Prediction(t, data.Noisy[t], y[0], data.Clean[t + 1]));
        }

        return (noisy / n, clean / n, predictions);
    }

    private static double NsPerStep(IRnnModel model)
    {
        Span<float> x = stackalloc float[1];
        Span<float> y = stackalloc float[1];
        model.ResetState();
        for (int i = 0; i < 20_000; i++) { x[0] = MathF.Sin(i * 0.1f); model.Step(x, y); }
        const int steps = 200_000;
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) { x[0] = MathF.Sin(i * 0.1f); model.Step(x, y); }
        return watch.Elapsed.TotalMilliseconds * 1e6 / steps;
    }
}
