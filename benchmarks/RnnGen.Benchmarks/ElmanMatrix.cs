namespace RnnGen.Benchmarks;

/// <summary>The benchmark matrix of the generated Elman models (see <see cref="MatrixBenchmarks"/>).</summary>
public class ElmanMatrix : MatrixBenchmarks
{
    /// <inheritdoc/>
    public override RnnCell Cell => RnnCell.Elman;
}
