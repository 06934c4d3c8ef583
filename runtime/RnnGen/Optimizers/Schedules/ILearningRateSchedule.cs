namespace RnnGen;

/// <summary>
/// A learning rate as a function of the number of optimizer steps already taken, like PyTorch's
/// <c>torch.optim.lr_scheduler</c> classes (in closed form: no hidden state, so a resumed run gets the same rates).
/// </summary>
/// <remarks>
/// Apply one before every step with <see cref="LearningRateScheduleExtensions.Apply"/>:
/// <code>
/// var schedule = new CosineAnnealing(initialLearningRate: 1e-3f, totalSteps: 10_000, minLearningRate: 1e-5f, warmupSteps: 500);
/// for (…)
/// {
///     schedule.Apply(optimizer);               // optimizer.LearningRate = schedule.LearningRate(optimizer.StepCount)
///     model.TrainStep(inputs, targets, optimizer);
/// }
/// </code>
/// Step k here (0-based) gets the rate PyTorch's optimizer has after k calls of <c>scheduler.step()</c>, i.e. when
/// <c>scheduler.step()</c> follows every <c>optimizer.step()</c>. Implementations must not allocate.
/// </remarks>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate for the step that follows <paramref name="step"/> completed steps.</summary>
    /// <param name="step">The number of optimizer steps already taken (≥ 0): <see cref="IOptimizer.StepCount"/>.</param>
    /// <returns>A finite learning rate ≥ 0.</returns>
    /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="step"/> is negative.</exception>
    float LearningRate(long step);
}
