using System;

namespace RnnGen;

/// <summary>
/// What one update needs besides its spans (for an optimizer step: the optimizer, and scalars such as the bias
/// corrections of step t), able to build its <see cref="IUpdateOperator"/> at any width for <see cref="UpdateLoop"/>.
/// </summary>
internal interface IUpdateStep
{
    /// <summary>
    /// Builds the update of <paramref name="target"/> (reading <paramref name="source"/>) at width
    /// <typeparamref name="V"/> and runs it with <see cref="UpdateLoop.Chunks{TUpdate, V}"/> on the whole chunks from
    /// <paramref name="start"/> on; returns the index after the last.
    /// </summary>
    int Chunks<V>(Span<float> target, ReadOnlySpan<float> source, int start)
        where V : struct, ILanes<V>;
}
