namespace RnnGen.Benchmarks;

/// <summary>
/// The sizes of one generated model and the least work a batch-1 step must do, from which the report takes each
/// step's bound: max(<see cref="StepFlops"/> / FMA peak, time to read <see cref="WeightBytes"/> bytes); and the work
/// of a training window, from which the report takes TrainStep's bound (window W, FMA peak and sweeps from the same run):
/// W · max(<see cref="StepFlops"/> / peak, read <see cref="WeightBytes"/>) forward
/// + W · max(<see cref="BackwardFlops"/> / peak, read <see cref="BackwardBytes"/>) backward
/// + <see cref="GradientFlops"/>(W) / peak for the weight gradients
/// + one streaming pass of <see cref="OptimizerBytes"/> (<see cref="OptimizerSweep"/>) for Adam.
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

    /// <summary>
    /// Bytes the backward pass must read per step: the transposed recurrent weights W_hhᵀ, 4 · G·H·H. The generated
    /// backward kernel of a one-layer model reads only this matrix per step (dh_{t−1} += W_hhᵀ·δ_t, from the copy the
    /// window rebuilds once); W_ih is not needed because no gradient flows to the inputs, and the head's O·H weights are
    /// left out as negligible, so the term stays a lower bound.
    /// </summary>
    public long BackwardBytes => 4L * Gates * Hidden * Hidden;

    /// <summary>FLOPs of one backward step's W_hhᵀ·δ product: 2·G·H·H.</summary>
    public long BackwardFlops => 2L * Gates * Hidden * Hidden;

    /// <summary>
    /// FLOPs of a window's weight gradients, computed once per window: 2 × window × rows × cols for each weight matrix,
    /// W_ih (G·H × I), W_hh (G·H × H) and the head (O × H), i.e. <paramref name="window"/> × <see cref="StepFlops"/>
    /// (bias sums are additions only and left out).
    /// </summary>
    /// <param name="window">Steps in the window.</param>
    public long GradientFlops(int window) => window * StepFlops;

    /// <summary>
    /// Bytes of the optimizer's streaming pass with Adam: parameters, gradients and both moments read, parameters and
    /// both moments written, 4 bytes each over the whole buffer: 28 · <see cref="ParameterCount"/>.
    /// </summary>
    public long OptimizerBytes => 28L * ParameterCount;

    /// <summary>The facts of the generated model <typeparamref name="TModel"/>.</summary>
    public static ModelFacts Of<TModel>()
        where TModel : IRnnModel
        => new(TModel.Cell, Models.Gates(TModel.Cell), TModel.InputSize, TModel.HiddenSize, TModel.OutputSize, TModel.ParameterCount, TModel.TrainableParameterCount);
}
