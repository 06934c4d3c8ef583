using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using RnnGen;

namespace AmpModel;

/// <summary>What <see cref="Player.Play"/> measured.</summary>
/// <param name="Samples">Samples stepped.</param>
/// <param name="Elapsed">Wall-clock time of the loop (Stopwatch).</param>
/// <param name="AllocatedBytes">Bytes the loop allocated on this thread (GC.GetAllocatedBytesForCurrentThread).</param>
public readonly record struct PlayStats(long Samples, TimeSpan Elapsed, long AllocatedBytes)
{
    /// <summary>Wall-clock nanoseconds per sample.</summary>
    public double NanosecondsPerSample => Elapsed.TotalNanoseconds / Samples;

    /// <summary>The two runs together.</summary>
    public static PlayStats operator +(PlayStats a, PlayStats b) =>
        new(a.Samples + b.Samples, a.Elapsed + b.Elapsed, a.AllocatedBytes + b.AllocatedBytes);
}

/// <summary>Runs a model over audio one sample at a time, as an audio callback would.</summary>
public static class Player
{
    /// <summary>
    /// Steps <paramref name="model"/> from its current state over <paramref name="inputs"/> (T × InputSize floats),
    /// writing the T × OutputSize outputs, and measures the loop's wall-clock time and allocations. The loop does
    /// nothing but call <c>Step</c>, so the figures are Step's own, give or take a few nanoseconds of loop and
    /// interface call.
    /// </summary>
    // Optimized from the first call: no tier-0 loop around the steps being timed.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static PlayStats Play<TModel>(TModel model, ReadOnlySpan<float> inputs, Span<float> outputs) where TModel : IRnnModel
    {
        int inputSize = TModel.InputSize, outputSize = TModel.OutputSize;
        int samples = inputs.Length / inputSize;
        long bytes = GC.GetAllocatedBytesForCurrentThread();
        long start = Stopwatch.GetTimestamp();
        for (int t = 0; t < samples; t++)
            model.Step(inputs.Slice(t * inputSize, inputSize), outputs.Slice(t * outputSize, outputSize));
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - bytes;
        return new PlayStats(samples, elapsed, allocated);
    }
}
