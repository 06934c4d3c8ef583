using System;

namespace AmpModel;

/// <summary>
/// One knob setting's audio: the dry signal, the amp's output for it, and the network's input rows
/// [dry sample, knob] (T × 2 floats, sample after sample). The knob is constant over a clip, as in Proteus's data.
/// </summary>
public sealed class Clip
{
    public Clip(float knob, float[] dry)
    {
        Knob = knob;
        Dry = dry;
        Wet = ReferenceAmp.Process(dry, knob);
        Inputs = new float[dry.Length * AmpNet.InputSize];
        for (int t = 0; t < dry.Length; t++)
        {
            Inputs[t * AmpNet.InputSize] = dry[t];
            Inputs[t * AmpNet.InputSize + 1] = knob;
        }
    }

    /// <summary>The gain knob, in [0, 1].</summary>
    public float Knob { get; }

    /// <summary>The dry samples.</summary>
    public float[] Dry { get; }

    /// <summary>The amp's output: the training target.</summary>
    public float[] Wet { get; }

    /// <summary>The network's inputs: [dry sample, knob] for every sample.</summary>
    public float[] Inputs { get; }

    /// <summary>Samples in the clip.</summary>
    public int Length => Dry.Length;
}

/// <summary>
/// The embedded data set: one dry take for training and another, different one held out, each run through the
/// reference amp at several knob settings. The held-out settings include one that training never sees.
/// </summary>
public sealed class AmpDataSet
{
    /// <summary>Seconds of dry audio trained on, per knob setting.</summary>
    public const double TrainingSeconds = 4.0;

    /// <summary>Seconds of dry audio held out, per knob setting.</summary>
    public const double HeldOutSeconds = 1.5;

    /// <summary>The knob settings trained on.</summary>
    public static readonly float[] TrainingKnobs = { 0f, 0.25f, 0.5f, 0.75f, 1f };

    /// <summary>The knob settings scored; 0.6 is between two trained ones, as a knob turned to an unrecorded position.</summary>
    public static readonly float[] HeldOutKnobs = { 0f, 0.25f, 0.5f, 0.6f, 0.75f, 1f };

    private AmpDataSet(Clip[] training, Clip[] heldOut)
    {
        Training = training;
        HeldOut = heldOut;
    }

    /// <summary>The training clips, one per <see cref="TrainingKnobs"/> setting, all from the same dry take.</summary>
    public Clip[] Training { get; }

    /// <summary>The held-out clips, one per <see cref="HeldOutKnobs"/> setting, from another dry take.</summary>
    public Clip[] HeldOut { get; }

    /// <summary>The held-out dry take (every held-out clip's <see cref="Clip.Dry"/>).</summary>
    public float[] HeldOutDry => HeldOut[0].Dry;

    /// <summary>Synthesizes both takes from <paramref name="seed"/>.</summary>
    public static AmpDataSet Create(int seed)
    {
        float[] trainingDry = GuitarSignal.Create(TrainingSeconds, seed);
        float[] heldOutDry = GuitarSignal.Create(HeldOutSeconds, seed + 1);
        return new AmpDataSet(
            Array.ConvertAll(TrainingKnobs, k => new Clip(k, trainingDry)),
            Array.ConvertAll(HeldOutKnobs, k => new Clip(k, heldOutDry)));
    }

    /// <summary>Whether training sees the knob setting <paramref name="knob"/>.</summary>
    public static bool IsTrainedKnob(float knob) => Array.IndexOf(TrainingKnobs, knob) >= 0;
}
