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
    /// <summary>Floats past the requested length that let the buffer start on a 64-byte boundary.</summary>
    public const int AlignmentSlack = 16;

    /// <summary>The largest length <see cref="AllocateAligned"/> takes: a float array's largest length less <see cref="AlignmentSlack"/>. The generator refuses bigger models (RNNG014).</summary>
    public static int MaxLength => Array.MaxLength - AlignmentSlack;

    /// <summary>Allocates a pinned buffer holding <paramref name="length"/> floats from element <c>Offset</c> on, which starts on a 64-byte boundary.</summary>
    public static unsafe (float[] Array, int Offset) AllocateAligned(int length)
    {
        if ((uint)length > (uint)MaxLength)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"a model's buffer holds 0 to {MaxLength:N0} floats");
        var array = GC.AllocateArray<float>(length + AlignmentSlack, pinned: true);
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        nuint misalignment = address & 63;
        int offset = misalignment == 0 ? 0 : (int)((64 - misalignment) / sizeof(float));
        return (array, offset);
    }
}
