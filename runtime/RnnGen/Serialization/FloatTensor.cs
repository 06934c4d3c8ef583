using System;
using System.Collections.Generic;

namespace RnnGen.Serialization;

/// <summary>A float32 tensor to write with <see cref="SafeTensorsFile.Write(System.IO.Stream, IEnumerable{KeyValuePair{string, FloatTensor}}, IEnumerable{KeyValuePair{string, string}}?)"/>: values in row-major order and a shape.</summary>
public sealed class FloatTensor
{
    private readonly int[] _shape;

    /// <summary>Creates a tensor.</summary>
    /// <param name="values">The elements in row-major order (not copied: keep them unchanged until written).</param>
    /// <param name="shape">The dimensions, outermost first; their product must equal the number of values (empty = a scalar of one value).</param>
    /// <exception cref="ArgumentException">A dimension is negative or the product of the dimensions is not <c>values.Length</c>.</exception>
    public FloatTensor(ReadOnlyMemory<float> values, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long product = 1;
        foreach (int d in shape)
        {
            if (d < 0)
                throw new ArgumentException($"Shape [{string.Join(", ", shape)}] has a negative dimension.", nameof(shape));
            product *= d; // at most 2^31 per factor; stops growing past values.Length below
            if (product > values.Length) break;
        }

        if (product != values.Length)
            throw new ArgumentException($"Shape [{string.Join(", ", shape)}] does not hold {values.Length} values.", nameof(shape));

        Values = values;
        _shape = (int[])shape.Clone();
    }

    /// <summary>The elements in row-major order.</summary>
    public ReadOnlyMemory<float> Values { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<int> Shape => _shape;
}
