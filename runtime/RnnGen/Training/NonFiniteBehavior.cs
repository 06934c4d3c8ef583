namespace RnnGen;

/// <summary>What a training step does when its loss or gradient is not finite.</summary>
public enum NonFiniteBehavior
{
    /// <summary>The weights, optimizer and state are left untouched and <c>TrainStep</c> returns the non-finite loss; the model's <c>SkippedSteps</c> counter increases.</summary>
    Skip = 0,

    /// <summary>The weights, optimizer and state are left untouched and an <see cref="RnnNonFiniteException"/> is thrown.</summary>
    Throw = 1,
}
