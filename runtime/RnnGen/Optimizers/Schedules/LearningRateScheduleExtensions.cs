using System;

namespace RnnGen;

/// <summary>Applies an <see cref="ILearningRateSchedule"/> to an <see cref="IOptimizer"/>.</summary>
public static class LearningRateScheduleExtensions
{
    /// <summary>
    /// Sets <paramref name="optimizer"/>'s <see cref="IOptimizer.LearningRate"/> to the schedule's rate for its
    /// <see cref="IOptimizer.StepCount"/>; call it before every step (or <c>TrainStep</c>). Allocates nothing, and
    /// since the rate depends only on the step count, a run resumed from saved optimizer state continues the
    /// schedule exactly.
    /// </summary>
    /// <param name="schedule">The schedule.</param>
    /// <param name="optimizer">The optimizer whose learning rate is set.</param>
    /// <returns>The learning rate that was set.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static float Apply(this ILearningRateSchedule schedule, IOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(optimizer);
        float lr = schedule.LearningRate(optimizer.StepCount);
        optimizer.LearningRate = lr;
        return lr;
    }
}
