using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen;

/// <summary>
/// The one loop every optimizer's <see cref="IOptimizer.Step"/> (and gradient clipping's scaling) runs, as
/// TensorPrimitives runs its operators: whole vectors at the widest accelerated width that fits, then the remaining
/// elements one at a time, each width with its operator built once (its scalars broadcast before the loop).
/// </summary>
/// <remarks>
/// Two choices keep each width's loop as fast as the hand-written copies it replaces, whatever calls <see cref="Run"/>:
/// <list type="bullet">
/// <item><see cref="Chunks{TUpdate, V}"/> is never inlined, so the JIT compiles each width's loop as a method of its
/// own, with the update and every lane operation inlined. Inlined into a small caller (<c>Adam.Step</c> inlined
/// into its caller), the whole chain exceeded that caller's inlining budget and left calls to the lane operations in
/// the loop: 13 times slower.</item>
/// <item>It copies the operator into a local, so that its refs and broadcast scalars stay in registers; read
/// through the parameter, fully optimized code without dynamic PGO (as under NativeAOT) loaded them again on every
/// iteration, and SGD was 20–35 % slower.</item>
/// </list>
/// It is left to tiered compilation on purpose: dynamic PGO moves the branches an optimizer never takes (no weight
/// decay, no momentum) out of the loop, which made SGD's memory-bound loop about 3 % faster than compiling it fully
/// optimized up front (<c>AggressiveOptimization</c>). The price is the warm-up: until tier 1 arrives, a loop that
/// reached on-stack replacement keeps the operator in memory and can take up to twice as long.
/// </remarks>
internal static class UpdateLoop
{
    /// <summary>
    /// Runs <paramref name="step"/>'s update over every element of <paramref name="target"/>, reading
    /// <paramref name="source"/> alongside (the gradients of an optimizer step; empty for an update of one span).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TStep>(in TStep step, Span<float> target, ReadOnlySpan<float> source)
        where TStep : struct, IUpdateStep
    {
        int length = target.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count)
        {
            i = step.Chunks<Lanes.V512>(target, source, i);
        }
        else if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
        {
            i = step.Chunks<Lanes.V256>(target, source, i);
        }
        else if (Vector128.IsHardwareAccelerated && length >= Vector128<float>.Count)
        {
            i = step.Chunks<Lanes.V128>(target, source, i);
        }

        if (i < length)
        {
            step.Chunks<Lanes.Scalar>(target, source, i);
        }
    }

    /// <summary>
    /// Runs <paramref name="update"/> on whole chunks of <c>V.Count</c> of the <paramref name="length"/> elements from
    /// <paramref name="start"/> on; returns the index after the last.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Chunks<TUpdate, V>(scoped in TUpdate update, int start, int length)
        where TUpdate : IUpdateOperator, allows ref struct
        where V : struct, ILanes<V>
    {
        TUpdate local = update;
        int i = start;
        for (; i <= length - V.Count; i += V.Count)
        {
            local.Invoke((nuint)i);
        }

        return i;
    }
}
