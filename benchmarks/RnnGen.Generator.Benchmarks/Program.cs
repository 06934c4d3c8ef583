using System;
using BenchmarkDotNet.Running;

namespace RnnGen.Generator.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/RnnGen.Generator.Benchmarks -- --filter '*'</c> times the generator;
/// <c>-- --size</c> only prints how much source it writes for the matrix.
/// </summary>
public static class Program
{
    /// <summary>Runs the benchmarks, or prints the generated size with <c>--size</c>.</summary>
    public static int Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "--size")
        {
            var b = new GenerationBenchmarks();
            b.Setup();
            Console.WriteLine($"generated characters for the 15 matrix models: {b.GeneratedCharacters():N0}");
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
