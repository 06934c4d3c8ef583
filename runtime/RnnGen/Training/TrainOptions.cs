namespace RnnGen;

/// <summary>Options of one <c>TrainStep</c> call of a generated model.</summary>
public sealed class TrainOptions
{
    /// <summary>The options used when <c>TrainStep</c> is given none.</summary>
    public static TrainOptions Default { get; } = new();

    /// <summary>
    /// Largest allowed global L2 norm of the gradient; larger gradients are scaled down to it
    /// (like <c>torch.nn.utils.clip_grad_norm_</c>). <see cref="float.PositiveInfinity"/> disables clipping.
    /// Default 5.
    /// </summary>
    public float MaxGradientNorm { get; init; } = 5f;

    /// <summary>
    /// When true, the window starts from the model's current state and leaves its final state there,
    /// detached from the graph (Keras <c>stateful=True</c>). When false (default), every window starts
    /// from the zero state and the model's state is reset.
    /// </summary>
    public bool Stateful { get; init; }

    /// <summary>What happens when the loss or the gradient is NaN or infinite. Default <see cref="NonFiniteBehavior.Skip"/>.</summary>
    public NonFiniteBehavior OnNonFinite { get; init; } = NonFiniteBehavior.Skip;
}
