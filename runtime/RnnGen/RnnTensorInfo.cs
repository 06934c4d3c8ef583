using System;
using System.Collections.Generic;

namespace RnnGen;

/// <summary>One named tensor of a model in PyTorch's <c>state_dict</c> layout (row-major).</summary>
/// <param name="Name">The PyTorch name, e.g. <c>rnn.weight_ih_l0</c> or <c>head.bias</c>.</param>
/// <param name="Rows">First dimension (for a vector: its length).</param>
/// <param name="Columns">Second dimension; 0 for a vector.</param>
/// <param name="Offset">Offset of the tensor in the canonical (PyTorch-order) flat vector.</param>
public sealed record RnnTensorInfo(string Name, int Rows, int Columns, int Offset)
{
    /// <summary>Number of elements.</summary>
    public int Length => Columns == 0 ? Rows : Rows * Columns;

    /// <summary>The shape as PyTorch reports it: <c>[Rows]</c> or <c>[Rows, Columns]</c>.</summary>
    public IReadOnlyList<int> Shape => Columns == 0 ? new[] { Rows } : new[] { Rows, Columns };

    /// <inheritdoc />
    public override string ToString() =>
        Columns == 0 ? $"{Name} [{Rows}] @ {Offset}" : $"{Name} [{Rows}, {Columns}] @ {Offset}";
}
