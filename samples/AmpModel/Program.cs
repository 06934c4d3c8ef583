using System;
using System.Diagnostics;
using AmpModel;

// A guitar-amp model in the style of GuitarML's Proteus. The network hears the dry guitar sample by sample, together
// with the position of the amp's gain knob, and outputs the amp's sound: [sample, knob] → LSTM(20) → Linear(h) + the
// dry sample (a skip connection). The amp it learns is ReferenceAmp, a small deterministic one written in this sample,
// fed with synthetic guitar (GuitarSignal); nothing is downloaded. It trains with stateful truncated BPTT and scores
// audio it never saw with the error-to-signal ratio (ESR) that NAM and GuitarML report, against two baselines.
// With --nam it loads a Neural Amp Modeler LSTM file instead and runs that.
var options = AmpOptions.Parse(args);
if (options is null) return 1;

var data = AmpDataSet.Create(options.Seed);
if (options.NamPath is { } namPath) return NamRunner.Run(namPath, data, options.SavePath);

var model = new AmpNet(options.Seed);
var trainer = new Trainer(model, data.Training, options.Epochs, options.LearningRate, options.Seed);
Console.WriteLine($"RnnGen AmpModel: [dry sample, gain knob] → LSTM({AmpNet.HiddenSize}) → Linear(h) + dry sample; {AmpNet.TrainableParameterCount:N0} trainable parameters");
Console.WriteLine($"data: synthetic guitar at {GuitarSignal.SampleRate} Hz through ReferenceAmp; training {AmpDataSet.TrainingSeconds:F1} s at knob {Knobs(AmpDataSet.TrainingKnobs)}; " +
                  $"held out: another {AmpDataSet.HeldOutSeconds:F1} s at knob {Knobs(AmpDataSet.HeldOutKnobs)}");
Console.WriteLine($"training: {options.Epochs} epoch{(options.Epochs == 1 ? "" : "s")} × {trainer.WindowsPerEpoch} windows of ≤ {AmpNet.Window} samples over {trainer.Streams} stateful streams; " +
                  $"Adam lr {options.LearningRate:G3} → {options.LearningRate / 10:G3} (cosine)");

// The baselines, on the same held-out audio: the dry signal itself (what the skip connection alone would output) and
// the model before training.
var outputs = new float[data.HeldOut[0].Length];
var dry = new Esr();
foreach (var clip in data.HeldOut) dry.Add(clip.Dry, clip.Wet);
var untrained = Score(model, data.HeldOut, outputs);

Console.WriteLine();
Console.WriteLine("epoch   training ESR   held-out ESR    time");
Console.WriteLine($"{0,5}   {"",12}   {untrained.Pooled,12:F4}");
var watch = Stopwatch.StartNew();
Scores trained = untrained;
for (int epoch = 1; epoch <= options.Epochs; epoch++)
{
    var epochWatch = Stopwatch.StartNew();
    double trainingEsr = trainer.RunEpoch();
    trained = Score(model, data.HeldOut, outputs);
    Console.WriteLine($"{epoch,5}   {trainingEsr,12:F4}   {trained.Pooled,12:F4}   {epochWatch.Elapsed.TotalSeconds,5:F1} s");
}

Console.WriteLine($"training took {watch.Elapsed.TotalSeconds:F1} s");
Console.WriteLine();
Console.WriteLine($"held-out ESR = Σ(y − t)² / Σt² on {AmpDataSet.HeldOutSeconds:F1} s of dry audio that training never saw (lower is better)");
Console.WriteLine(" knob   dry signal (skip alone)   untrained model   trained model");
for (int i = 0; i < data.HeldOut.Length; i++)
{
    var clip = data.HeldOut[i];
    string knob = $"{clip.Knob:F2}{(AmpDataSet.IsTrainedKnob(clip.Knob) ? " " : "*")}";
    Console.WriteLine($"{knob,6}   {Esr.Of(clip.Dry, clip.Wet),23:F4}   {untrained.PerClip[i],15:F4}   {trained.PerClip[i],13:F4}");
}

Console.WriteLine($"{"all",5}    {dry.Value,23:F4}   {untrained.Pooled,15:F4}   {trained.Pooled,13:F4}");
Console.WriteLine("  * a knob setting training never saw");
Console.WriteLine();
int exitCode = Report.Inference(trained.Stats);

if (options.SavePath is { } path && !Report.TrySave(() => model.Save(path), path)) return 1;

if (!(trained.Pooled < dry.Value))
{
    Console.Error.WriteLine($"FAIL: the trained model's held-out ESR {trained.Pooled:F4} is not below the dry signal's {dry.Value:F4}");
    return 2;
}

Console.WriteLine($"OK: held-out ESR {trained.Pooled:F4}, against {dry.Value:F4} for the dry signal and {untrained.Pooled:F4} untrained");
return exitCode;

// Runs the model over every held-out clip from the zero state, as a plug-in would after a reset.
static Scores Score(AmpNet model, Clip[] clips, float[] buffer)
{
    var perClip = new double[clips.Length];
    var pooled = new Esr();
    var stats = default(PlayStats);
    for (int i = 0; i < clips.Length; i++)
    {
        var clip = clips[i];
        var y = buffer.AsSpan(0, clip.Length);
        model.ResetState();
        stats += Player.Play(model, clip.Inputs, y);
        perClip[i] = Esr.Of(y, clip.Wet);
        pooled.Add(y, clip.Wet);
    }

    model.ResetState();
    return new Scores(perClip, pooled.Value, stats);
}

static string Knobs(float[] knobs) => string.Join(", ", Array.ConvertAll(knobs, k => k.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)));

/// <summary>Held-out ESR of each clip and of all of them together, and what running them cost.</summary>
internal readonly record struct Scores(double[] PerClip, double Pooled, PlayStats Stats);
