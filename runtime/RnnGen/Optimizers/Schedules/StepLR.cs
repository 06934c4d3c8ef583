using System;

namespace RnnGen;

/// <summary>
/// Step decay: the learning rate is multiplied by <see cref="Gamma"/> every <see cref="StepSize"/> steps, as
/// PyTorch's <c>StepLR(optimizer, step_size, gamma)</c>: lr(k) = initial · gamma^⌊k / stepSize⌋.
/// </summary>
/// <remarks>Computed in <see cref="double"/> from the decimal values of the arguments (the Python floats a PyTorch user writes), then rounded to <see cref="float"/>.</remarks>
public sealed class StepLR : ILearningRateSchedule
{
    private readonly double _initial;
    private readonly double _gamma;

    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate of steps 0 … stepSize − 1 (finite, ≥ 0).</param>
    /// <param name="stepSize">How many steps each rate lasts (&gt; 0).</param>
    /// <param name="gamma">The factor applied at every boundary (finite, ≥ 0). PyTorch's default is 0.1.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range, NaN or infinite.</exception>
    public StepLR(float initialLearningRate, int stepSize, float gamma = 0.1f)
    {
        OptimizerMath.ValidateLearningRate(initialLearningRate, nameof(initialLearningRate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSize);
        OptimizerMath.ValidateNonNegative(gamma, nameof(gamma), "gamma");
        InitialLearningRate = initialLearningRate;
        StepSize = stepSize;
        Gamma = gamma;
        _initial = OptimizerMath.ToDecimalDouble(initialLearningRate);
        _gamma = OptimizerMath.ToDecimalDouble(gamma);
    }

    /// <summary>The rate of the first <see cref="StepSize"/> steps.</summary>
    public float InitialLearningRate { get; }

    /// <summary>How many steps each rate lasts.</summary>
    public int StepSize { get; }

    /// <summary>The factor applied every <see cref="StepSize"/> steps.</summary>
    public float Gamma { get; }

    /// <inheritdoc />
    public float LearningRate(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return (float)(_initial * Math.Pow(_gamma, step / StepSize));
    }
}
