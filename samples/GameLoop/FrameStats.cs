using System;

namespace GameLoop;

/// <summary>Summary of per-frame measurements (milliseconds or bytes), computed after the game loop.</summary>
public readonly record struct FrameStats(double Mean, double P50, double P99, double Max, double First)
{
    /// <summary>Mean, nearest-rank percentiles, maximum and first value of <paramref name="values"/>.</summary>
    public static FrameStats Of(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty) return default;
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double sum = 0;
        foreach (double v in values) sum += v;
        return new FrameStats(sum / values.Length, Rank(sorted, 0.50), Rank(sorted, 0.99), sorted[^1], values[0]);
    }

    private static double Rank(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
