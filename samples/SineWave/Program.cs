using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using RnnGen;
using SineWave;

// Trains generated RNNs to predict the next value of a noisy sine wave (the classic time-series
// regression task), then compares their one-step-ahead predictions with the true signal.
var options = SampleOptions.Parse(args);
if (options is null) return 1;

var data = NoisySine.Create(options.Points, options.Noise, options.Seed);
int trainEnd = data.Noisy.Length * 3 / 4;
Console.WriteLine($"RnnGen SineWave: predict the next value of sin(2πt/{NoisySine.Period}) + N(0, {F(options.Noise)}²)");
Console.WriteLine($"data: {data.Noisy.Length} points, train on the first {trainEnd}, test on the rest; noise floor (noise variance) = {F(options.Noise * options.Noise)}");
Console.WriteLine($"training: {options.Epochs} epochs × {options.WindowsPerEpoch} windows of {SineElman.Window} steps, Adam lr {F(options.LearningRate)} halved every {options.DecayEvery} epochs");

var results = new List<Result>();
foreach (var cell in options.Cells)
{
    var result = cell switch
    {
        "lstm" => Experiment.Run<SineLstm>("LSTM", data, trainEnd, options),
        "gru" => Experiment.Run<SineGru>("GRU", data, trainEnd, options),
        _ => Experiment.Run<SineElman>("Elman", data, trainEnd, options),
    };
    results.Add(result);
}

if (results.Count > 1)
{
    Console.WriteLine();
    Console.WriteLine("cell    params   final train MSE   test MSE vs true   train time   ns per Step (rough)");
    foreach (var r in results)
        Console.WriteLine($"{r.Cell,-6} {r.Parameters,7}   {r.TrainLoss,15:F5}   {r.TestVsTrue,16:F5}   {r.TrainSeconds,8:F2} s   {r.NsPerStep,12:F0}");
    Console.WriteLine("(ns per Step is a Stopwatch over 200,000 steps; docs/benchmarks.md has BenchmarkDotNet figures)");
}

var best = results.OrderBy(r => r.TestVsTrue).First();
Console.WriteLine();
Console.WriteLine($"{best.Cell}: one-step-ahead predictions on the test part, {2 * NoisySine.Period} steps   (* true, o predicted, @ both)");
Console.WriteLine("    t   input (noisy)   predicted next   true next    error");
foreach (var row in best.Predictions)
    Console.WriteLine($"{row.T,5}   {row.Input,13:F3}   {row.Predicted,14:F3}   {row.Truth,9:F3}   {row.Predicted - row.Truth,6:F3}   {Plot(row.Truth, row.Predicted)}");
return 0;

static string F(float v) => v.ToString(CultureInfo.InvariantCulture);

static string Plot(float truth, float predicted)
{
    const int width = 41;
    var line = new char[width];
    Array.Fill(line, ' ');
    line[width / 2] = '|';
    int Column(float v) => Math.Clamp((int)MathF.Round((v + 1.25f) / 2.5f * (width - 1)), 0, width - 1);
    line[Column(truth)] = '*';
    int p = Column(predicted);
    line[p] = line[p] == '*' ? '@' : 'o';
    return new string(line);
}
