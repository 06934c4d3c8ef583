namespace RnnGen.Benchmarks;

/// <summary>The bfloat16 twins of the Elman matrix models: Step (against the TensorPrimitives baseline), 1,000 agents and the bound at the bytes its step reads (16-bit, or float32 where the twin runs the float32 kernels).</summary>
public class ElmanBf16Matrix : MatrixBenchmarks
{
    /// <inheritdoc/>
    public override RnnCell Cell => RnnCell.Elman;

    /// <inheritdoc/>
    public override long WeightBytes => BFloat16Models.StepBytes(Facts);

    /// <inheritdoc/>
    protected override IRnnModel CreateModel(int seed) => BFloat16Models.CreateBFloat16(Cell, Hidden, seed);
}

/// <summary>The bfloat16 twins of the Lstm matrix models: Step (against the TensorPrimitives baseline), 1,000 agents and the bound at the bytes its step reads (16-bit, or float32 where the twin runs the float32 kernels).</summary>
public class LstmBf16Matrix : MatrixBenchmarks
{
    /// <inheritdoc/>
    public override RnnCell Cell => RnnCell.Lstm;

    /// <inheritdoc/>
    public override long WeightBytes => BFloat16Models.StepBytes(Facts);

    /// <inheritdoc/>
    protected override IRnnModel CreateModel(int seed) => BFloat16Models.CreateBFloat16(Cell, Hidden, seed);
}

/// <summary>The bfloat16 twins of the Gru matrix models: Step (against the TensorPrimitives baseline), 1,000 agents and the bound at the bytes its step reads (16-bit, or float32 where the twin runs the float32 kernels).</summary>
public class GruBf16Matrix : MatrixBenchmarks
{
    /// <inheritdoc/>
    public override RnnCell Cell => RnnCell.Gru;

    /// <inheritdoc/>
    public override long WeightBytes => BFloat16Models.StepBytes(Facts);

    /// <inheritdoc/>
    protected override IRnnModel CreateModel(int seed) => BFloat16Models.CreateBFloat16(Cell, Hidden, seed);
}
