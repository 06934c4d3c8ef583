using System;
using System.IO;

namespace AmpModel;

/// <summary>Output shared by the training run and <c>--nam</c>.</summary>
public static class Report
{
    /// <summary>Exit code when Step allocated.</summary>
    public const int AllocatedExitCode = 3;

    /// <summary>Prints the rough per-sample cost and the allocation check; returns 0, or <see cref="AllocatedExitCode"/> when Step allocated.</summary>
    public static int Inference(PlayStats stats)
    {
        const double SampleNanoseconds = 1e9 / GuitarSignal.SampleRate;
        double ns = stats.NanosecondsPerSample;
        Console.WriteLine($"inference: {stats.Samples:N0} Step calls in {stats.Elapsed.TotalMilliseconds:F0} ms, about {ns:F0} ns per sample " +
                          $"({100 * ns / SampleNanoseconds:F1} % of the {SampleNanoseconds:F0} ns a sample lasts at {GuitarSignal.SampleRate} Hz)");
        Console.WriteLine($"           (a rough Stopwatch figure from one pass, {Simd()} path, {Environment.ProcessorCount} cores: not a benchmark)");
        if (stats.AllocatedBytes != 0)
        {
            Console.Error.WriteLine($"FAIL: Step allocated {stats.AllocatedBytes} bytes over {stats.Samples:N0} calls; it must allocate nothing");
            return AllocatedExitCode;
        }

        Console.WriteLine($"allocations: 0 bytes in those {stats.Samples:N0} Step calls (GC.GetAllocatedBytesForCurrentThread)");
        return 0;
    }

    /// <summary>The widest vectors the JIT uses on this machine, which the generated kernels follow.</summary>
    private static string Simd() =>
        System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "Vector512" :
        System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "Vector256" :
        System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? "Vector128" : "scalar";

    /// <summary>Runs <paramref name="save"/>, which writes <paramref name="path"/>, and says what happened.</summary>
    public static bool TrySave(Action save, string path)
    {
        try
        {
            save();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot write {path}: {e.Message}");
            return false;
        }

        Console.WriteLine($"weights: saved to {path} ({new FileInfo(path).Length:N0} bytes, safetensors)");
        return true;
    }
}
