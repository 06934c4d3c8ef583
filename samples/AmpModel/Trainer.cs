using System;
using System.Collections.Generic;
using RnnGen;

namespace AmpModel;

/// <summary>
/// Stateful truncated BPTT, the way amp-modelling trainers (Automated-GuitarAmpModelling, NAM's LSTM) train a recurrent
/// model on long audio. Each training clip is cut into one-second segments, the streams. At the start of an epoch every
/// stream starts from the zero state and runs <see cref="WarmUpSamples"/> samples without gradient, so that the state
/// has settled into the signal before anything is scored. Then each stream is walked in consecutive windows of
/// <see cref="AmpNet.Window"/> samples; each window is one <c>TrainStep</c> with <c>Stateful = true</c>, which starts from
/// the state the stream's previous window ended in and backpropagates only through the window. The streams take turns,
/// in a new random order every round, so that consecutive updates see different knob settings. Each stream keeps its
/// own <see cref="AmpNet.State"/>, swapped in and out through <see cref="AmpNet.CurrentState"/>.
/// </summary>
public sealed class Trainer
{
    /// <summary>Samples per stream: one second.</summary>
    public const int SegmentSamples = GuitarSignal.SampleRate;

    /// <summary>
    /// Samples each stream runs before its first scored window: init_len in Automated-GuitarAmpModelling, the trainer
    /// behind GuitarML's Proteus.
    /// </summary>
    public const int WarmUpSamples = 200;

    private readonly AmpNet _model;
    private readonly Adam _adam;
    private readonly ILearningRateSchedule _schedule;
    private readonly TrainOptions _options = new() { Stateful = true };
    private readonly Segment[] _streams;
    private readonly AmpNet.State[] _states;
    private readonly int[] _order;
    private readonly float[] _warmUpOutputs = new float[WarmUpSamples * AmpNet.OutputSize];
    private readonly Random _rng;

    /// <summary>Prepares <paramref name="epochs"/> epochs of training of <paramref name="model"/> on <paramref name="training"/>.</summary>
    public Trainer(AmpNet model, Clip[] training, int epochs, float learningRate, int seed)
    {
        _model = model;
        _streams = Segments(training);
        _states = new AmpNet.State[_streams.Length];
        _order = new int[_streams.Length];
        for (int s = 0; s < _order.Length; s++) _order[s] = s;
        _rng = new Random(seed);

        foreach (var stream in _streams) WindowsPerEpoch += (stream.Length - WarmUpSamples + AmpNet.Window - 1) / AmpNet.Window;
        // Adam at the full rate for most of the run, cosine-annealed to a tenth of it by the last window.
        _adam = new Adam(AmpNet.ParameterCount, learningRate);
        _schedule = new CosineAnnealing(learningRate, Math.Max(2L, (long)epochs * WindowsPerEpoch), learningRate / 10);
    }

    /// <summary>How many streams the clips were cut into.</summary>
    public int Streams => _streams.Length;

    /// <summary>Training windows (= Adam steps) per epoch.</summary>
    public int WindowsPerEpoch { get; }

    /// <summary>Runs one epoch and returns the training ESR of its windows (each scored before its own update).</summary>
    public double RunEpoch()
    {
        for (int s = 0; s < _streams.Length; s++)
        {
            var stream = _streams[s];
            _model.ResetState();
            _model.Forward(stream.Inputs(0, WarmUpSamples), _warmUpOutputs);
            _states[s] = _model.CurrentState;
        }

        var esr = new Esr();
        for (int offset = WarmUpSamples; ; offset += AmpNet.Window)
        {
            bool any = false;
            _rng.Shuffle(_order);
            foreach (int s in _order)
            {
                var stream = _streams[s];
                if (offset >= stream.Length) continue;
                any = true;
                int length = Math.Min(AmpNet.Window, stream.Length - offset);
                var targets = stream.Targets(offset, length);

                _model.CurrentState = _states[s];
                _schedule.Apply(_adam);
                float mse = _model.TrainStep(stream.Inputs(offset, length), targets, _adam, _options);
                _states[s] = _model.CurrentState;

                // The loss is the mean over the window of (y − t)²: times its length, the window's squared error.
                double energy = 0;
                foreach (float t in targets) energy += (double)t * t;
                esr.Add((double)mse * length, energy);
            }

            if (!any) break;
        }

        _model.ResetState();
        return esr.Value;
    }

    private static Segment[] Segments(Clip[] clips)
    {
        // A tail too short to hold the warm-up and one scored sample is left out.
        var segments = new List<Segment>();
        foreach (var clip in clips)
            for (int start = 0; start + WarmUpSamples < clip.Length; start += SegmentSamples)
                segments.Add(new Segment(clip, start, Math.Min(SegmentSamples, clip.Length - start)));
        return segments.ToArray();
    }

    /// <summary>Samples [Start, Start + Length) of one clip.</summary>
    private readonly record struct Segment(Clip Clip, int Start, int Length)
    {
        public ReadOnlySpan<float> Inputs(int offset, int length) =>
            Clip.Inputs.AsSpan((Start + offset) * AmpNet.InputSize, length * AmpNet.InputSize);

        public ReadOnlySpan<float> Targets(int offset, int length) => Clip.Wet.AsSpan(Start + offset, length);
    }
}
