using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace RnnGen.Benchmarks;

/// <summary>The configuration of every run: BenchmarkDotNet's defaults, MemoryDiagnoser, the work columns and a CSV in plain numbers.</summary>
public static class BenchmarkConfig
{
    /// <summary>
    /// The job of <c>--matrix</c>: one launch, 4 warmup and 12 measured iterations of 250 ms each. About 5.5 s per case
    /// on an idle 2-core machine (0.4 s process start and JIT, ~1 s pilot and overhead, 16 × 250 ms); enough for ±2–5 % on a quiet machine.
    /// </summary>
    public static Job MatrixJob { get; } = Job.Default
        .WithId("Matrix")
        .WithLaunchCount(1)
        .WithWarmupCount(4)
        .WithIterationCount(12)
        .WithIterationTime(TimeInterval.FromMilliseconds(250));

    /// <summary>
    /// The CSV that benchmarks/report.py reads: times in ns and sizes in bytes, without units in the cells
    /// (<c>BenchmarkDotNet.Artifacts/results/*-report.csv</c>).
    /// </summary>
    public static CsvExporter PlainCsv { get; } = new(CsvSeparator.Comma, new SummaryStyle(
        CultureInfo.InvariantCulture, printUnitsInHeader: true, sizeUnit: SizeUnit.B, timeUnit: TimeUnit.Nanosecond, printUnitsInContent: false));

    /// <summary>
    /// The category of construction benchmarks (<c>OrthogonalInitBenchmarks</c>), which <c>--matrix</c> runs leave out. Here,
    /// not in that class, because the peers project shares this file without the construction benchmarks.
    /// </summary>
    public const string ConstructionCategory = "Construction";

    /// <summary>The configuration; with <paramref name="matrixJob"/> every benchmark runs with <see cref="MatrixJob"/>.</summary>
    public static IConfig Create(bool matrixJob)
    {
        IConfig defaults = DefaultConfig.Instance;
        ManualConfig config = ManualConfig.CreateEmpty()
            .AddColumnProvider(defaults.GetColumnProviders().ToArray())
            .AddLogger(ConsoleLogger.Default)
            .AddAnalyser(defaults.GetAnalysers().ToArray())
            .AddValidator(defaults.GetValidators().ToArray())
            .AddExporter(MarkdownExporter.GitHub, PlainCsv)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(WorkColumns.StepFlops, WorkColumns.WeightBytes, WorkColumns.CallFlops)
            .WithArtifactsPath(defaults.ArtifactsPath)
            .WithOptions(defaults.Options)
            // BenchmarkDotNet builds this project again for its runs; with every matrix and list model in it, that build
            // took more than BenchmarkDotNet's default two minutes on a loaded 2-core machine and the run measured nothing.
            .WithBuildTimeout(System.TimeSpan.FromMinutes(15));
        if (matrixJob)
        {
            config.AddJob(MatrixJob);

            // Construction costs (OrthogonalInitBenchmarks) take minutes per call for the old baseline and have their own job.
            config.AddFilter(new BenchmarkDotNet.Filters.SimpleFilter(b =>
                !b.Descriptor.Categories.Contains(ConstructionCategory)));
        }

        // Variant matrices (e.g. LstmBf16Matrix) time only Step, its baseline, the many-agent step and the bound.
        config.AddFilter(new BenchmarkDotNet.Filters.SimpleFilter(b =>
            !b.Descriptor.Type.Name.Contains("Bf16", System.StringComparison.Ordinal)
            || b.Descriptor.Categories.Any(c => c is "Step" or "Agents1000" or "Bound")));

        return config;
    }
}
