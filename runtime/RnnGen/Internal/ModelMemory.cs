using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnGen.Internal;

/// <summary>
/// The memory a generated model allocates once, at construction: one pinned buffer for its parameters, gradients and
/// activations. Called by generated code in user assemblies; not meant for user code, and the signatures may change
/// between versions.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ModelMemory
{
    /// <summary>Allocates a pinned buffer holding <paramref name="length"/> floats from element <c>Offset</c> on, which starts on a 64-byte boundary.</summary>
    public static unsafe (float[] Array, int Offset) AllocateAligned(int length)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length));
        var array = GC.AllocateArray<float>(length + 16, pinned: true);
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        nuint misalignment = address & 63;
        int offset = misalignment == 0 ? 0 : (int)((64 - misalignment) / sizeof(float));
        return (array, offset);
    }
}
