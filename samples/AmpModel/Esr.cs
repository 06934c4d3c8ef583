using System;

namespace AmpModel;

/// <summary>
/// The error-to-signal ratio that Neural Amp Modeler and GuitarML report: ESR = Σ(y − t)² / Σt², the squared error
/// as a share of the target's energy. 0 is a perfect copy; 1 is as far off as silence would be. Accumulated in double
/// so that several clips can be pooled (the pooled ESR weighs each clip by its energy).
/// </summary>
public struct Esr
{
    private double _error;
    private double _energy;

    /// <summary>Adds a clip's outputs <paramref name="y"/> against its targets <paramref name="t"/>.</summary>
    public void Add(ReadOnlySpan<float> y, ReadOnlySpan<float> t)
    {
        if (y.Length != t.Length) throw new ArgumentException($"{y.Length} outputs for {t.Length} targets");
        for (int i = 0; i < t.Length; i++)
        {
            double d = y[i] - t[i];
            _error += d * d;
            _energy += (double)t[i] * t[i];
        }
    }

    /// <summary>Adds squared errors and target energy already summed elsewhere.</summary>
    public void Add(double squaredError, double energy)
    {
        _error += squaredError;
        _energy += energy;
    }

    /// <summary>Σ(y − t)² / Σt² over everything added.</summary>
    public readonly double Value => _error / _energy;

    /// <summary>The ESR of one clip.</summary>
    public static double Of(ReadOnlySpan<float> y, ReadOnlySpan<float> t)
    {
        var esr = new Esr();
        esr.Add(y, t);
        return esr.Value;
    }
}
