using System;

namespace SineWave;

/// <summary>The sample's embedded data set: a sine wave with Gaussian noise, generated from a seed.</summary>
public sealed class NoisySine
{
    /// <summary>Period of the wave in steps.</summary>
    public const int Period = 25;

    private NoisySine(float[] clean, float[] noisy)
    {
        Clean = clean;
        Noisy = noisy;
    }

    /// <summary>The true signal sin(2πt/Period).</summary>
    public float[] Clean { get; }

    /// <summary>The signal plus N(0, noise²).</summary>
    public float[] Noisy { get; }

    /// <summary>Makes <paramref name="points"/> samples with noise of standard deviation <paramref name="noise"/>.</summary>
    public static NoisySine Create(int points, float noise, int seed)
    {
        var rng = new Random(seed ^ 0x5EED);
        var clean = new float[points];
        var noisy = new float[points];
        for (int t = 0; t < points; t++)
        {
            clean[t] = MathF.Sin(2 * MathF.PI * t / Period);
            // Box–Muller: one standard normal from two uniforms.
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double gaussian = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            noisy[t] = clean[t] + noise * (float)gaussian;
        }

        return new NoisySine(clean, noisy);
    }
}
