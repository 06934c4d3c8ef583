using System.ComponentModel;

namespace RnnGen.Internal;

/// <summary>
/// Selects a generated model's private constructor that allocates without initializing (behind <c>CreateUninitialized</c>
/// and <c>TrainBatch</c>'s worker models). Not for user code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct WorkerToken
{
}
