namespace RnnGen.Benchmarks;

/// <summary>The benchmark matrix of the generated Gru models (see <see cref="MatrixBenchmarks"/>).</summary>
public class GruMatrix : MatrixBenchmarks
{
    /// <inheritdoc/>
    public override RnnCell Cell => RnnCell.Gru;
}
