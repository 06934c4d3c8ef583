using System;

namespace RnnGen;

/// <summary>
/// Cosine annealing from an initial learning rate down to a minimum, after an optional linear warm-up:
/// <code>
/// lr(k) = initial · (k + 1) / W                                       for k &lt; W   (warm-up)
/// lr(k) = min + (initial − min) · (1 + cos(π · (k − W) / (T − W))) / 2  for W ≤ k ≤ T
/// lr(k) = min                                                         for k &gt; T
/// </code>
/// with W = <see cref="WarmupSteps"/> and T = <see cref="TotalSteps"/>.
/// </summary>
/// <remarks>
/// <para>Without warm-up, steps 0 … T equal PyTorch's <c>CosineAnnealingLR(optimizer, T_max=T, eta_min=min)</c>.
/// PyTorch's schedule is periodic and climbs back up after T_max; this one stays at the minimum.</para>
/// <para>The warm-up is RnnGen's own rule (PyTorch has no single class for it): the first step already uses
/// initial / W rather than 0, and step W − 1 reaches the initial rate. It equals PyTorch's
/// <c>SequentialLR([LinearLR(start_factor=1/W, end_factor=1, total_iters=W−1), CosineAnnealingLR(T_max=T−W, eta_min=min)], milestones=[W])</c>.</para>
/// <para>Computed in <see cref="double"/> from the decimal values of the arguments, then rounded to <see cref="float"/>.</para>
/// </remarks>
public sealed class CosineAnnealing : ILearningRateSchedule
{
    private readonly double _initial;
    private readonly double _min;

    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The peak rate, reached at the end of the warm-up (finite, ≥ 0).</param>
    /// <param name="totalSteps">The step at which the rate reaches <paramref name="minLearningRate"/> (&gt; <paramref name="warmupSteps"/>).</param>
    /// <param name="minLearningRate">The final rate (finite, ≥ 0; PyTorch's <c>eta_min</c>). Default 0.</param>
    /// <param name="warmupSteps">Steps of linear warm-up before the cosine (≥ 0, &lt; <paramref name="totalSteps"/>). Default 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range, NaN or infinite.</exception>
    public CosineAnnealing(float initialLearningRate, long totalSteps, float minLearningRate = 0f, long warmupSteps = 0)
    {
        OptimizerMath.ValidateLearningRate(initialLearningRate, nameof(initialLearningRate));
        OptimizerMath.ValidateLearningRate(minLearningRate, nameof(minLearningRate));
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        if (totalSteps <= warmupSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, $"totalSteps must be greater than warmupSteps ({warmupSteps}).");
        }

        InitialLearningRate = initialLearningRate;
        TotalSteps = totalSteps;
        MinLearningRate = minLearningRate;
        WarmupSteps = warmupSteps;
        _initial = OptimizerMath.ToDecimalDouble(initialLearningRate);
        _min = OptimizerMath.ToDecimalDouble(minLearningRate);
    }

    /// <summary>The peak rate.</summary>
    public float InitialLearningRate { get; }

    /// <summary>The step at which the rate reaches <see cref="MinLearningRate"/>.</summary>
    public long TotalSteps { get; }

    /// <summary>The final rate.</summary>
    public float MinLearningRate { get; }

    /// <summary>Steps of linear warm-up.</summary>
    public long WarmupSteps { get; }

    /// <inheritdoc />
    public float LearningRate(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            return (float)(_initial * (step + 1) / WarmupSteps);
        }

        if (step >= TotalSteps)
        {
            return MinLearningRate;
        }

        double progress = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        return (float)(_min + (_initial - _min) * (1.0 + Math.Cos(Math.PI * progress)) / 2.0);
    }
}
