namespace RnnGen;

/// <summary>
/// One optimizer's element-wise update at one width: a <c>ref struct</c> holding refs to the spans it reads and
/// writes (parameters, gradients, moments) and this step's scalars (learning rate, betas, bias corrections, …)
/// already broadcast to the width, as TensorPrimitives broadcasts a scalar operand once before its loop.
/// </summary>
internal interface IUpdateOperator
{
    /// <summary>Updates the elements from <paramref name="index"/> on, as many as the operator's width holds.</summary>
    void Invoke(nuint index);
}
