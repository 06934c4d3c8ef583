namespace RnnGen.Benchmarks;

/// <summary>The benchmark matrix of the generated Lstm models (see <see cref="MatrixBenchmarks"/>).</summary>
public class LstmMatrix : MatrixBenchmarks
{
    /// <inheritdoc/>
    public override RnnCell Cell => RnnCell.Lstm;
}
