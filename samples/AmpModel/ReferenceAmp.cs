using System;

namespace AmpModel;

/// <summary>
/// The "amp" the network learns, in place of a recording of a real one: a small, deterministic guitar-amp model
/// whose character depends on a gain knob in [0, 1]. Per sample, with x the dry input:
/// <list type="number">
/// <item><b>Pre-emphasis</b>: e[n] = x[n] + p·(x[n] − x[n−1]), p = 1 + 3·knob. A first-order treble boost (gain 1 at
/// DC, 1 + 2p at Nyquist) that grows with the knob: more gain, brighter into the clipper, as in many gain stages.</item>
/// <item><b>Drive and asymmetric soft clipping</b>: c = tanh(g·e + b) − tanh(b), g = 1.5·10^knob (+3.5 to +23.5 dB),
/// b = 0.3. The bias b moves the operating point off centre, so positive half-waves flatten before negative ones
/// (even harmonics, like a single-ended triode); subtracting tanh(b) keeps silence silent.</item>
/// <item><b>One-pole low-pass</b> at 3 kHz: y[n] = y[n−1] + a·(c[n] − y[n−1]), a = 1 − exp(−2π·3000/48000), the
/// cabinet's treble roll-off made simple. Each output depends on all past samples, so the model needs memory.</item>
/// <item><b>Output level</b>: × 0.5, which keeps the wet signal about as loud as the dry one.</item>
/// </list>
/// </summary>
public static class ReferenceAmp
{
    private const double Bias = 0.3;
    private const double CutoffHz = 3000;
    private const double OutputLevel = 0.5;

    /// <summary>Runs <paramref name="dry"/> through the amp at the knob setting <paramref name="knob"/>, from silence.</summary>
    public static float[] Process(ReadOnlySpan<float> dry, float knob)
    {
        double emphasis = 1 + 3 * knob;
        double drive = 1.5 * Math.Pow(10, knob);
        double a = 1 - Math.Exp(-2 * Math.PI * CutoffHz / GuitarSignal.SampleRate);
        double offset = Math.Tanh(Bias);
        var wet = new float[dry.Length];
        double previous = 0, y = 0;
        for (int n = 0; n < dry.Length; n++)
        {
            double e = dry[n] + emphasis * (dry[n] - previous);
            previous = dry[n];
            double c = Math.Tanh(drive * e + Bias) - offset;
            y += a * (c - y);
            wet[n] = (float)(OutputLevel * y);
        }

        return wet;
    }
}
