using System;

namespace AmpModel;

/// <summary>
/// The dry signal: what a guitar's pickup sends into an amp (a "DI" track), synthesized from a seed so that the
/// sample needs no audio files and every run sees the same data. It mixes plucked notes and chords (Karplus–Strong
/// strings, whose upper harmonics die away faster than the fundamental, as on a real string) with exponential sine
/// sweeps, which cover the spectrum and the range of levels evenly. 48 kHz mono, peak 0.7.
/// </summary>
public static class GuitarSignal
{
    /// <summary>Samples per second.</summary>
    public const int SampleRate = 48_000;

    /// <summary>The peak level of the finished signal (a DI track rarely goes near full scale).</summary>
    public const float Peak = 0.7f;

    /// <summary>Makes <paramref name="seconds"/> of dry guitar; the same seed gives the same samples on every machine.</summary>
    public static float[] Create(double seconds, int seed)
    {
        int length = (int)(seconds * SampleRate);
        var mix = new double[length];
        var rng = new Random(seed);

        // Events one after another: mostly notes and chords, now and then a sweep. Strings keep ringing under the
        // next event, as they do when a guitarist plays.
        int start = 0;
        while (start < length)
        {
            if (rng.NextDouble() < 0.2)
            {
                int sweepLength = (int)(SampleRate * (0.25 + 0.35 * rng.NextDouble()));
                AddSweep(mix, start, sweepLength, rng);
                start += sweepLength;
            }
            else
            {
                // A root between E2 (82 Hz) and E4 (330 Hz) and up to two more strings a fourth or a fifth apart.
                double root = 82.41 * Math.Pow(2, rng.Next(0, 25) / 12.0);
                int strings = rng.Next(1, 4);
                double velocity = 0.3 + 0.7 * rng.NextDouble();
                for (int s = 0; s < strings; s++)
                {
                    double frequency = root * Math.Pow(2, s * (rng.Next(2) == 0 ? 5 : 7) / 12.0);
                    AddPluck(mix, start + s * rng.Next(60, 400), frequency, velocity, rng);
                }

                start += (int)(SampleRate * (0.12 + 0.33 * rng.NextDouble()));
            }
        }

        double peak = 0;
        foreach (double v in mix) peak = Math.Max(peak, Math.Abs(v));
        var signal = new float[length];
        for (int i = 0; i < length; i++) signal[i] = (float)(mix[i] * Peak / peak);
        return signal;
    }

    /// <summary>
    /// Karplus–Strong: a delay line one period long (SampleRate / f samples), filled with a burst of noise (the pluck),
    /// read out in a loop; every pass replaces each value by the mean of it and its neighbour, times a loss factor. The
    /// mean is a gentle low-pass, so high harmonics decay first and the tone mellows as it rings.
    /// </summary>
    private static void AddPluck(double[] mix, int start, double frequency, double velocity, Random rng)
    {
        int period = Math.Max(2, (int)Math.Round(SampleRate / frequency));
        var line = new double[period];
        // The pluck: noise through a one-pole low-pass whose cut-off rises with the velocity (a harder pick is
        // brighter), with its mean removed so that the string does not ring a DC offset.
        double brightness = 0.3 + 0.6 * velocity, smooth = 0, mean = 0;
        for (int i = 0; i < period; i++)
        {
            smooth += brightness * (rng.NextDouble() * 2 - 1 - smooth);
            line[i] = smooth;
            mean += smooth / period;
        }

        for (int i = 0; i < period; i++) line[i] = (line[i] - mean) * velocity;

        const double LossPerPass = 0.997;
        int end = Math.Min(mix.Length, start + (int)(1.5 * SampleRate));
        for (int t = start, k = 0; t < end; t++)
        {
            int next = k + 1 == period ? 0 : k + 1;
            mix[t] += line[k];
            line[k] = LossPerPass * 0.5 * (line[k] + line[next]);
            k = next;
        }
    }

    /// <summary>
    /// An exponential sine sweep from f0 to f1 (or back down) over n samples, under a raised-sine envelope. Its
    /// frequency f(t) = f0·r^(t/T), with r = f1/f0, has the phase 2π·f0·T·(r^(t/T) − 1)/ln r, the integral of 2π·f.
    /// </summary>
    private static void AddSweep(double[] mix, int start, int n, Random rng)
    {
        double f0 = 70, f1 = 5000;
        if (rng.Next(2) == 0) (f0, f1) = (f1, f0);
        double amplitude = 0.15 + 0.6 * rng.NextDouble();
        double seconds = (double)n / SampleRate, ratio = f1 / f0;
        int end = Math.Min(mix.Length, start + n);
        for (int t = start; t < end; t++)
        {
            double u = (double)(t - start) / n;
            double phase = 2 * Math.PI * f0 * seconds * (Math.Pow(ratio, u) - 1) / Math.Log(ratio);
            mix[t] += amplitude * Math.Sin(Math.PI * u) * Math.Sin(phase);
        }
    }
}
