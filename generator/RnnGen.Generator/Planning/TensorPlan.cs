namespace RnnGen.Generator.Planning;

/// <summary>One PyTorch tensor: its <c>state_dict</c> name, shape and offset in the canonical flat vector.</summary>
internal sealed record TensorPlan(string Name, int Rows, int Columns, int CanonicalOffset)
{
    public int Length => Columns == 0 ? Rows : Rows * Columns;
}
