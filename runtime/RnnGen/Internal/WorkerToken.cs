using System.ComponentModel;

namespace RnnGen.Internal;

/// <summary>Selects a generated model's private worker constructor (used by <c>TrainBatch</c>). Not for user code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct WorkerToken
{
}
