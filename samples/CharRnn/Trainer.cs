using System;
using System.Diagnostics;
using System.Threading;
using RnnGen;

namespace CharRnn;

/// <summary>
/// Stateful truncated BPTT over the training text: the text is cut into <c>streams</c> equal segments; an epoch walks
/// each segment in consecutive windows of <see cref="CharModel.Window"/> characters, stream after stream, with
/// <c>TrainOptions { Stateful = true }</c> so that every window starts from the LSTM state its stream's previous window
/// ended in (Keras <c>stateful=True</c>). Each window is one Adam step; the learning rate follows a cosine schedule.
/// </summary>
public sealed class Trainer
{
    /// <summary>Natural-log loss to bits: 1 / ln 2.</summary>
    public const double BitsPerNat = 1.4426950408889634;

    private readonly CharModel _model;
    private readonly IOptimizer _optimizer;
    private readonly ILearningRateSchedule _schedule;
    private readonly ReadOnlyMemory<int> _text;
    private readonly TrainOptions _options;
    private readonly CharModel.State[] _states;

    /// <summary>Prepares training of <paramref name="model"/> on <paramref name="text"/>.</summary>
    public Trainer(CharModel model, IOptimizer optimizer, ReadOnlyMemory<int> text, int streams, float maxGradientNorm, float learningRate, int epochs)
    {
        _model = model;
        _optimizer = optimizer;
        _text = text;
        // Each stream needs at least one window (and one target after it).
        Streams = Math.Clamp(streams, 1, Math.Max(1, (text.Length - 1) / CharModel.Window));
        SegmentLength = (text.Length - 1) / Streams;
        WindowsPerStream = (SegmentLength + CharModel.Window - 1) / CharModel.Window;
        _states = new CharModel.State[Streams];
        _options = new TrainOptions { Stateful = true, MaxGradientNorm = maxGradientNorm };
        long totalSteps = (long)epochs * WindowsPerStream * Streams;
        _schedule = new CosineAnnealing(learningRate, Math.Max(2, totalSteps), minLearningRate: learningRate / 10, warmupSteps: Math.Min(100, totalSteps / 2));
    }

    /// <summary>The number of streams actually used.</summary>
    public int Streams { get; }

    /// <summary>Characters (= training positions) in each stream's segment.</summary>
    public int SegmentLength { get; }

    /// <summary>Windows each stream walks per epoch.</summary>
    public int WindowsPerStream { get; }

    /// <summary>Characters trained on in one epoch over all streams.</summary>
    public long CharactersPerEpoch => (long)SegmentLength * Streams;

    /// <summary>Copies each stream's LSTM state out (for a checkpoint).</summary>
    public float[][] SaveStates()
    {
        var result = new float[Streams][];
        var saved = _model.CurrentState;
        for (int b = 0; b < Streams; b++)
        {
            _model.CurrentState = _states[b];
            result[b] = new float[CharModel.StateSize];
            _model.CopyStateTo(result[b]);
        }

        _model.CurrentState = saved;
        return result;
    }

    /// <summary>Restores the streams' LSTM states saved by <see cref="SaveStates"/>.</summary>
    public void RestoreStates(float[][] states)
    {
        if (states.Length != Streams) throw new ArgumentException($"{states.Length} saved stream states for {Streams} streams");
        for (int b = 0; b < Streams; b++)
        {
            _model.CopyStateFrom(states[b]);
            _states[b] = _model.CurrentState;
        }

        _model.ResetState();
    }

    /// <summary>Resets every stream to the zero state (the start of an epoch).</summary>
    public void ResetStates() => Array.Clear(_states);

    /// <summary>
    /// Trains windows <paramref name="firstWindow"/>.. of one epoch, or until <paramref name="stop"/> is cancelled
    /// (then it finishes the current window round and returns where it stopped).
    /// </summary>
    /// <returns>The mean loss in bits per character over the windows run, and the next window index (== <see cref="WindowsPerStream"/> when the epoch is complete).</returns>
    public (double LossBits, int NextWindow, long Characters) RunEpoch(string label, int firstWindow, CancellationToken stop)
    {
        var bar = new ProgressBar(label, CharactersPerEpoch);
        var watch = Stopwatch.StartNew();
        ReadOnlySpan<int> text = _text.Span;
        double nats = 0, recent = double.NaN;
        long characters = 0;
        int w = firstWindow;
        for (; w < WindowsPerStream && !stop.IsCancellationRequested; w++)
        {
            int offset = w * CharModel.Window;
            int length = Math.Min(CharModel.Window, SegmentLength - offset);
            double round = 0;
            for (int b = 0; b < Streams; b++)
            {
                int start = b * SegmentLength + offset;
                _model.CurrentState = _states[b];
                _schedule.Apply(_optimizer);
                float loss = _model.TrainStep(text.Slice(start, length), text.Slice(start + 1, length), _optimizer, _options);
                _states[b] = _model.CurrentState;
                round += (double)loss * length;
            }

            nats += round;
            characters += (long)length * Streams;
            double roundBits = round / ((double)length * Streams) * BitsPerNat;
            recent = double.IsNaN(recent) ? roundBits : 0.95 * recent + 0.05 * roundBits;
            bar.Report((long)(offset + length) * Streams, recent, characters / watch.Elapsed.TotalSeconds);
        }

        bar.Finish();
        _model.ResetState();
        return (characters == 0 ? double.NaN : nats / characters * BitsPerNat, w, characters);
    }

    /// <summary>The loss on <paramref name="text"/> in bits per character, run from the zero state (the training streams are untouched).</summary>
    public double Evaluate(ReadOnlySpan<int> text)
    {
        if (text.Length < 2) return double.NaN;
        _model.ResetState();
        float nats = _model.Evaluate(text[..^1], text[1..]);
        _model.ResetState();
        return nats * BitsPerNat;
    }
}
