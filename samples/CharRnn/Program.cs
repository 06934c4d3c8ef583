using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using CharRnn;
using RnnGen;

// A character-level LSTM text generator (Karpathy's char-rnn): learns to continue a text one character at a time,
// then writes new text by sampling its own predictions. The model is one attribute (CharModel.cs).
var options = CharRnnOptions.Parse(args);
if (options is null) return 1;

// A new run saves after its first epoch and would replace a checkpoint that took many epochs. It refuses instead of
// asking: a question would hang, or read nothing, when the sample runs in a script or CI with no input, and refusing
// behaves the same everywhere.
if (!options.Resume && !options.Force && !options.NoCheckpoint && Checkpoint.Exists(options.CheckpointDir))
{
    string? held = Checkpoint.Describe(options.CheckpointDir);
    Console.Error.WriteLine($"error: {Path.GetFullPath(options.CheckpointDir)} already holds a checkpoint{(held is null ? "" : $" ({held})")}.");
    Console.Error.WriteLine("  --resume continues it (up to --epochs in total); --force starts over and replaces it after the first epoch;");
    Console.Error.WriteLine("  --checkpoint-dir DIR keeps it and writes the new run elsewhere.");
    return 1;
}

Corpus corpus;
try
{
    corpus = Corpus.Load(options.CorpusPath, options.ValidationShare);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
{
    Console.Error.WriteLine($"error: cannot read the corpus: {e.Message}");
    return 1;
}

if (!Alphabet.Covers(options.Prime))
{
    Console.Error.WriteLine("warning: --prime has characters outside the alphabet (printable ASCII and newline); they are fed as the placeholder");
}

var model = new CharModel(options.Seed);
var adam = new Adam(CharModel.ParameterCount, learningRate: options.LearningRate);
var trainer = new Trainer(model, adam, corpus.Train, options.Streams, options.MaxGradientNorm, options.LearningRate, options.Epochs);

Console.WriteLine($"RnnGen CharRnn: LSTM {CharModel.HiddenSize} units, embedding {CharModel.InputSize}, {CharModel.Vocabulary} characters, {CharModel.TrainableParameterCount:N0} parameters");
Console.WriteLine($"corpus: {corpus.Name}, {corpus.Length:N0} characters ({corpus.Train.Length:N0} train, {corpus.Validation.Length:N0} validation{(corpus.Unknown > 0 ? $", {corpus.Unknown:N0} outside the alphabet" : "")})");
Console.WriteLine($"training: {options.Epochs} epochs of {trainer.CharactersPerEpoch:N0} characters, {trainer.Streams} stateful streams, windows of {CharModel.Window}, " +
                  $"Adam lr {F(options.LearningRate)} (cosine to {F(options.LearningRate / 10)}), clip {F(options.MaxGradientNorm)}");

int completedEpochs = 0, firstWindow = 0;
long charactersTrained = 0;
double carriedBits = 0; // loss × characters of an epoch's part trained before a Ctrl+C, so the resumed epoch reports all of it
long carriedCharacters = 0;
double lastValidation = double.NaN;
if (options.Resume)
{
    if (!Checkpoint.Exists(options.CheckpointDir))
    {
        Console.Error.WriteLine($"error: --resume: no checkpoint in {Path.GetFullPath(options.CheckpointDir)}");
        return 1;
    }

    try
    {
        var info = Checkpoint.Load(options.CheckpointDir, model, adam, corpus, trainer.Streams);
        completedEpochs = info.Epoch;
        charactersTrained = info.CharactersTrained;
        lastValidation = info.ValidationLoss ?? double.NaN;
        if (info.Position > 0 && info.StreamStates is not null)
        {
            firstWindow = (int)(info.Position / CharModel.Window);
            trainer.RestoreStates(info.StreamStates);
            carriedCharacters = info.Position * trainer.Streams;
            carriedBits = info.Loss * carriedCharacters;
        }

        string where = info.Position > 0 ? $" and {info.Position:N0} characters per stream into epoch {info.Epoch + 1}" : "";
        Console.WriteLine($"resumed from {options.CheckpointDir}: epochs done {info.Epoch}{where}, last loss {info.Loss:F3} bits/char, Adam at step {adam.StepCount:N0}");
    }
    catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"error: --resume: {e.Message}");
        return 1;
    }
}

// Ctrl+C finishes the current window round, saves a checkpoint inside the epoch and stops; --resume continues there.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (stop.IsCancellationRequested) return; // a second Ctrl+C kills the process
    e.Cancel = true;
    stop.Cancel();
};

var total = Stopwatch.StartNew();
bool trained = false;
for (int epoch = completedEpochs + 1; epoch <= options.Epochs; epoch++)
{
    if (firstWindow == 0) trainer.ResetStates();
    var watch = Stopwatch.StartNew();
    var (runBits, nextWindow, characters) = trainer.RunEpoch($"epoch {epoch,2}/{options.Epochs}", firstWindow, stop.Token);
    charactersTrained += characters;
    double trainBits = (carriedBits + (characters > 0 ? runBits * characters : 0)) / Math.Max(1, carriedCharacters + characters);
    carriedBits = 0;
    carriedCharacters = 0;
    double seconds = watch.Elapsed.TotalSeconds;

    if (nextWindow < trainer.WindowsPerStream)
    {
        long position = (long)nextWindow * CharModel.Window;
        Console.WriteLine($"epoch {epoch,2}: stopped at {position:N0} of {trainer.SegmentLength:N0} characters per stream, loss {trainBits:F3} bits/char");
        if (!options.NoCheckpoint)
        {
            Checkpoint.Save(options.CheckpointDir, model, adam, Info(epoch - 1, position, trainBits, trainer.SaveStates()));
            Console.WriteLine($"checkpoint saved to {options.CheckpointDir}; continue with --resume");
        }

        return 130;
    }

    firstWindow = 0;
    lastValidation = trainer.Evaluate(corpus.Validation.Span);
    Console.WriteLine($"epoch {epoch,2}: train {trainBits:F3} bits/char, validation {Bits(lastValidation)}, " +
                      $"{characters / seconds:N0} chars/s, {seconds:F1} s, lr {F(adam.LearningRate)}");

    Console.WriteLine($"── sample (temperature {F(options.Temperature)}) ──");
    Console.WriteLine(TextGenerator.Generate(model, options.Prime, options.Length, options.Temperature, options.TopK, options.TopP, SampleSeed(epoch)));
    Console.WriteLine();

    if (!options.NoCheckpoint)
    {
        Checkpoint.Save(options.CheckpointDir, model, adam, Info(epoch, 0, trainBits, null));
    }

    completedEpochs = epoch;
    trained = true;
}

if (!trained)
{
    // Nothing left to train (e.g. --resume of a finished run): just write a sample.
    Console.WriteLine($"── sample (temperature {F(options.Temperature)}) ──");
    Console.WriteLine(TextGenerator.Generate(model, options.Prime, options.Length, options.Temperature, options.TopK, options.TopP, SampleSeed(completedEpochs)));
}

Console.WriteLine(trained
    ? $"done: {completedEpochs} epochs, validation {Bits(lastValidation)}, {total.Elapsed.TotalSeconds:F1} s of training" + (options.NoCheckpoint ? "" : $"; checkpoint in {options.CheckpointDir}")
    : $"nothing to train: {completedEpochs} of {options.Epochs} epochs are done (raise --epochs to continue)");
return 0;

CheckpointInfo Info(int epochsDone, long position, double loss, float[][]? states) => new(
    epochsDone, position, loss, double.IsNaN(lastValidation) ? null : lastValidation, charactersTrained,
    corpus.Name, corpus.Fingerprint, trainer.Streams, options.Seed, CharModel.HiddenSize, CharModel.Vocabulary,
    ModelSha256: "", OptimizerSha256: "", states, DateTime.UtcNow);

ulong SampleSeed(int epoch) => (ulong)(uint)options.Seed * 1_000_003UL + (ulong)epoch;

static string Bits(double v) => double.IsNaN(v) ? "n/a (--validation 0)" : v.ToString("F3", CultureInfo.InvariantCulture) + " bits/char";

static string F(float v) => v.ToString("G4", CultureInfo.InvariantCulture);
