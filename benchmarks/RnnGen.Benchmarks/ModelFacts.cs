namespace RnnGen.Benchmarks;

/// <summary>
/// The sizes of one generated model and the least work a batch-1 step must do, from which the report takes each
/// step's bound: max(<see cref="StepFlops"/> / FMA peak, time to read <see cref="WeightBytes"/> bytes).
/// </summary>
/// <param name="Cell">The recurrent cell.</param>
/// <param name="Gates">Weight rows per hidden unit: 1 (Elman), 4 (LSTM), 3 (GRU).</param>
/// <param name="Input">Input features per step (I).</param>
/// <param name="Hidden">Hidden units (H).</param>
/// <param name="Output">Outputs per step (O).</param>
/// <param name="ParameterCount">Floats of the generated parameter buffer (PyTorch's count plus SIMD padding): what a step streams.</param>
/// <param name="TrainableParameterCount">Parameters as PyTorch counts them: G·H·(I+H+2) + O·H + O.</param>
public sealed record ModelFacts(RnnCell Cell, int Gates, int Input, int Hidden, int Output, int ParameterCount, int TrainableParameterCount)
{
    /// <summary>
    /// FLOPs of one step counting the multiply-adds only (2 per weight): 2·G·H·(I+H) for the cell and 2·O·H for the
    /// head. Bias adds and activations are left out, so the FMA bound is a true lower bound.
    /// </summary>
    public long StepFlops => 2L * Gates * Hidden * (Input + Hidden) + 2L * Output * Hidden;

    /// <summary>Bytes of float32 weights a step reads: 4 · <see cref="ParameterCount"/> (the generated buffer, padding included).</summary>
    public long WeightBytes => 4L * ParameterCount;

    /// <summary>The facts of the generated model <typeparamref name="TModel"/>.</summary>
    public static ModelFacts Of<TModel>()
        where TModel : IRnnModel
        => new(TModel.Cell, Models.Gates(TModel.Cell), TModel.InputSize, TModel.HiddenSize, TModel.OutputSize, TModel.ParameterCount, TModel.TrainableParameterCount);
}
