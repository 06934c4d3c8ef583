using System;

namespace RnnGen;

/// <summary>
/// Exponential decay: the learning rate is multiplied by <see cref="Gamma"/> after every step, as PyTorch's
/// <c>ExponentialLR(optimizer, gamma)</c>: lr(k) = initial · gamma^k.
/// </summary>
/// <remarks>Computed in <see cref="double"/> from the decimal values of the arguments (the Python floats a PyTorch user writes), then rounded to <see cref="float"/>.</remarks>
public sealed class ExponentialLR : ILearningRateSchedule
{
    private readonly double _initial;
    private readonly double _gamma;

    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate of step 0 (finite, ≥ 0).</param>
    /// <param name="gamma">The factor applied after every step (finite, ≥ 0; typically just below 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range, NaN or infinite.</exception>
    public ExponentialLR(float initialLearningRate, float gamma)
    {
        OptimizerMath.ValidateLearningRate(initialLearningRate, nameof(initialLearningRate));
        OptimizerMath.ValidateNonNegative(gamma, nameof(gamma), "gamma");
        InitialLearningRate = initialLearningRate;
        Gamma = gamma;
        _initial = OptimizerMath.ToDecimalDouble(initialLearningRate);
        _gamma = OptimizerMath.ToDecimalDouble(gamma);
    }

    /// <summary>The rate of step 0.</summary>
    public float InitialLearningRate { get; }

    /// <summary>The factor applied after every step.</summary>
    public float Gamma { get; }

    /// <inheritdoc />
    /// <remarks>With gamma &gt; 1 the rate grows; it is capped at <see cref="float.MaxValue"/> so that it stays a valid learning rate.</remarks>
    public float LearningRate(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (_initial == 0)
        {
            return 0f;
        }

        return (float)Math.Min(_initial * Math.Pow(_gamma, step), float.MaxValue);
    }
}
