using System;
using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace RnnGen.Benchmarks;

/// <summary>
/// Custom columns written into every report (and so into the CSV that benchmarks/report.py reads):
/// <c>StepFlops</c> and <c>WeightBytes</c> of the case's model (classes implementing <see cref="IModelWork"/>), and
/// <c>CallFlops</c>, the FLOPs of one <see cref="FmaPeakBenchmarks.FmaPeak"/> call on this machine.
/// </summary>
public sealed class WorkColumns : IColumn
{
    private readonly Func<BenchmarkCase, long?> _value;

    private WorkColumns(string name, string legend, Func<BenchmarkCase, long?> value)
    {
        ColumnName = name;
        Legend = legend;
        _value = value;
    }

    /// <summary>FLOPs of one batch-1 step of the case's model (multiply-adds only: 2·G·H·(I+H) + 2·O·H).</summary>
    public static IColumn StepFlops { get; } = new WorkColumns("StepFlops", "FLOPs of one batch-1 step of the model (2 per weight of the cell and the head)",
        c => FactsOf(c) is { } w ? w.Facts.StepFlops : null);

    /// <summary>Bytes of weights one step of the case's model reads.</summary>
    public static IColumn WeightBytes { get; } = new WorkColumns("WeightBytes", "Bytes of weights one step of the model reads (the size ReadWeights sweeps)",
        c => FactsOf(c)?.WeightBytes);

    /// <summary>FLOPs of one FmaPeak call.</summary>
    public static IColumn CallFlops { get; } = new WorkColumns("CallFlops", "FLOPs of one FmaPeak call on this machine",
        c => c.Descriptor.Type == typeof(FmaPeakBenchmarks) ? FmaPeakBenchmarks.FlopsPerCall : null);

    /// <inheritdoc/>
    public string Id => nameof(WorkColumns) + "." + ColumnName;

    /// <inheritdoc/>
    public string ColumnName { get; }

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => 0;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend { get; }

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        _value(benchmarkCase)?.ToString(CultureInfo.InvariantCulture) ?? "-";

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc/>
    public override string ToString() => ColumnName;

    /// <summary>A fresh instance of the case's class with the case's parameters set, if the class implements <see cref="IModelWork"/>.</summary>
    private static IModelWork? FactsOf(BenchmarkCase benchmarkCase)
    {
        Type type = benchmarkCase.Descriptor.Type;
        if (!typeof(IModelWork).IsAssignableFrom(type) || type.IsAbstract)
        {
            return null;
        }

        object instance = Activator.CreateInstance(type)!;
        foreach (var parameter in benchmarkCase.Parameters.Items)
        {
            type.GetProperty(parameter.Name)?.SetValue(instance, parameter.Value);
        }

        return (IModelWork)instance;
    }
}
