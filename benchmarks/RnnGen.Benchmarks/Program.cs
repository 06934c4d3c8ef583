using System;
using System.Linq;
using BenchmarkDotNet.Running;

namespace RnnGen.Benchmarks;

/// <summary>
/// Entry point. <c>dotnet run -c Release -- --matrix</c> runs the whole matrix with <see cref="BenchmarkConfig.MatrixJob"/>
/// (add <c>--filter '*Lstm*'</c> to run part of it); any other arguments go to BenchmarkDotNet
/// (<c>--filter '*' --job short</c>, <c>--list flat</c>, <c>--job dry</c>). Two modes that time nothing:
/// <c>--verify</c> checks every baseline against its generated model, <c>--jit-check</c> exercises every model for
/// benchmarks/jit-check.sh. See docs/benchmarks.md.
/// </summary>
public static class Program
{
    /// <summary>Runs the mode or the benchmarks selected by <paramref name="args"/>.</summary>
    public static int Main(string[] args)
    {
        if (args.Contains("--verify"))
        {
            return Verification.Run();
        }

        if (args.Contains("--jit-check"))
        {
            return JitCheck.Run();
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
}
