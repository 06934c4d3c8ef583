namespace RnnGen.Generator.Planning;

/// <summary>
/// How the backward pass computes <c>target += Σ_c δ_c · Wᵀ[c, :]</c> over the rows of a transposed weight copy
/// (dL/dh_{t−1} += W_hhᵀ·δ, dL/dx_t += W_ihᵀ·δ) at one vector width: the output row of <see cref="RowLength"/> floats is
/// cut into <see cref="Blocks"/> blocks of <see cref="VectorsPerBlock"/> vectors that stay in registers while the
/// <see cref="Columns"/> δ values are broadcast into them, in <see cref="KSplit"/> partial sums, <see cref="Unroll"/>
/// columns per loop iteration (all of them when <see cref="Unroll"/> = <see cref="Columns"/>).
/// </summary>
internal sealed record ProductPlan(int Columns, int RowLength, int VectorsPerBlock, int Blocks, int KSplit, int Unroll);
