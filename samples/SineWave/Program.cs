using System;
using System.Diagnostics;
using System.Globalization;
using RnnGen;
using SineWave;

// Trains a generated Elman RNN to predict the next value of a noisy sine wave (the classic
// time-series regression task), then compares its one-step-ahead predictions with the true signal.
var options = SampleOptions.Parse(args);
if (options is null) return 1;

var data = NoisySine.Create(options.Points, options.Noise, options.Seed);
int trainEnd = data.Noisy.Length * 3 / 4;
Console.WriteLine($"RnnGen SineWave — {SineForecaster.HiddenSize}-unit Elman + Linear head, {SineForecaster.TrainableParameterCount} trainable parameters");
Console.WriteLine($"data: {data.Noisy.Length} points of sin(2πt/{NoisySine.Period}) + N(0, {options.Noise.ToString(CultureInfo.InvariantCulture)}²); train on the first {trainEnd}, test on the rest");
Console.WriteLine($"training: {options.Epochs} epochs × {options.WindowsPerEpoch} windows of {SineForecaster.Window} steps, Adam lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}");
Console.WriteLine();

var model = new SineForecaster(seed: options.Seed);
var adam = new Adam(SineForecaster.ParameterCount, learningRate: options.LearningRate);
var rng = new Random(options.Seed);
const int window = SineForecaster.Window;
var inputs = new float[window];
var targets = new float[window];

Console.WriteLine("epoch   train MSE   test MSE vs noisy   test MSE vs true   time");
var total = Stopwatch.StartNew();
for (int epoch = 1; epoch <= options.Epochs; epoch++)
{
    var watch = Stopwatch.StartNew();
    double trainLoss = 0;
    for (int w = 0; w < options.WindowsPerEpoch; w++)
    {
        // A random window of the training part: input x_t (noisy), target x_{t+1} (noisy).
        int start = rng.Next(0, trainEnd - window - 1);
        data.Noisy.AsSpan(start, window).CopyTo(inputs);
        data.Noisy.AsSpan(start + 1, window).CopyTo(targets);
        trainLoss += model.TrainStep(inputs, targets, adam);
    }

    var (vsNoisy, vsTrue) = Evaluate(model, data, trainEnd);
    Console.WriteLine($"{epoch,5}   {trainLoss / options.WindowsPerEpoch,9:F5}   {vsNoisy,17:F5}   {vsTrue,16:F5}   {watch.Elapsed.TotalMilliseconds,5:F0} ms");
}

Console.WriteLine($"trained in {total.Elapsed.TotalSeconds:F1} s; noise floor (variance of the noise) = {options.Noise * options.Noise:F5}");
Console.WriteLine();
ShowPredictions(model, data, trainEnd);
return 0;

// Runs the model over the whole series (state carried from the start) and scores the test part's
// one-step-ahead predictions against the noisy next value and against the true (noise-free) one.
static (double VsNoisy, double VsTrue) Evaluate(SineForecaster model, NoisySine data, int testStart)
{
    model.ResetState();
    Span<float> y = stackalloc float[1];
    double noisy = 0, clean = 0;
    int n = 0;
    for (int t = 0; t + 1 < data.Noisy.Length; t++)
    {
        model.Step(data.Noisy.AsSpan(t, 1), y);
        if (t < testStart) continue;
        double e1 = y[0] - data.Noisy[t + 1], e2 = y[0] - data.Clean[t + 1];
        noisy += e1 * e1;
        clean += e2 * e2;
        n++;
    }

    return (noisy / n, clean / n);
}

static void ShowPredictions(SineForecaster model, NoisySine data, int testStart)
{
    model.ResetState();
    Span<float> y = stackalloc float[1];
    Console.WriteLine("   t     input (noisy)   predicted next   true next   error    plot: * true  o predicted");
    for (int t = 0; t + 1 < data.Noisy.Length; t++)
    {
        model.Step(data.Noisy.AsSpan(t, 1), y);
        if (t < testStart || t >= testStart + 2 * NoisySine.Period) continue;
        float truth = data.Clean[t + 1];
        Console.WriteLine($"{t,5}   {data.Noisy[t],13:F3}   {y[0],14:F3}   {truth,9:F3}   {y[0] - truth,6:F3}   {Plot(truth, y[0])}");
    }
}

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
