namespace RnnGen;

/// <summary>
/// What one optimizer step needs besides the two spans (the optimizer, and scalars such as the bias corrections of
/// step t), able to build its <see cref="IUpdateOperator"/> at any width for <see cref="UpdateLoop"/>.
/// </summary>
internal interface IUpdateStep
{
    /// <summary>
    /// Builds the update at width <typeparamref name="V"/> and runs it with <see cref="UpdateLoop.Chunks{TUpdate, V}"/>
    /// on the whole chunks from <paramref name="start"/> on; returns the index after the last.
    /// </summary>
    int Chunks<V>(System.Span<float> parameters, System.ReadOnlySpan<float> gradients, int start)
        where V : struct, ILanes<V>;
}
