using System;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Running;

namespace RnnGen.Benchmarks.Peers;

/// <summary>
/// Entry point of the peers benchmark. First export the models: <c>/usr/bin/python3 benchmarks/peers/export_onnx.py</c>.
/// <c>dotnet run -c Release -- --verify</c> checks that RnnGen, the TensorPrimitives baseline, TorchSharp and
/// ONNX Runtime compute the same outputs for every cell and size; <c>--matrix</c> runs <see cref="PeerStepBenchmarks"/>
/// and the FMA peak with the matrix job; other arguments go to BenchmarkDotNet. See docs/benchmarks.md.
/// </summary>
public static class Program
{
    /// <summary>Runs the mode or the benchmarks selected by <paramref name="args"/>.</summary>
    public static int Main(string[] args)
    {
        if (args.Contains("--verify"))
        {
            return Verify();
        }

        bool matrix = args.Contains("--matrix");
        string[] rest = args.Where(a => a != "--matrix").ToArray();
        if (matrix && !rest.Any(a => a is "--filter" or "-f"))
        {
            rest = [.. rest, "--filter", "*"];
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, BenchmarkConfig.Create(matrix));
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }

    private static int Verify()
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"models from {PeerModels.Directory}");
        Console.WriteLine("cell   hidden | max |Δ| from RnnGen over 16 steps: runtime-sized  TorchSharp  ONNX Runtime");
        int failures = 0;
        foreach (RnnCell cell in Models.Cells)
        {
            foreach (int hidden in Models.Hiddens)
            {
                try
                {
                    using var set = new PeerSet(cell, hidden);
                    var (b, t, o) = set.Check(Models.RandomArray(16 * Models.Input, seed: 2));
                    Console.WriteLine(string.Format(inv, "{0,-6} {1,6} | {2,44:E1}  {3,10:E1}  {4,12:E1}", cell, hidden, b, t, o));
                }
                catch (InvalidOperationException e)
                {
                    failures++;
                    Console.WriteLine($"{cell} {hidden}: FAILED: {e.Message}");
                }
            }
        }

        Console.WriteLine(failures == 0
            ? "verify: RnnGen, the runtime-sized baseline, TorchSharp and ONNX Runtime compute the same outputs."
            : $"verify: {failures} model(s) FAILED.");
        return failures == 0 ? 0 : 1;
    }
}
