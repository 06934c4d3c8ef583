using System.Collections.Generic;

namespace RnnGen.Serialization;

/// <summary>One tensor listed in the header of a <see cref="SafeTensorsFile"/> (already validated).</summary>
public sealed class SafeTensorInfo
{
    private readonly long[] _shape;

    internal SafeTensorInfo(string name, SafeTensorsDType dtype, string dtypeName, long[] shape, long elementCount, long begin, long end)
    {
        Name = name;
        DType = dtype;
        DTypeName = dtypeName;
        _shape = shape;
        ElementCount = elementCount;
        Begin = begin;
        End = end;
    }

    /// <summary>The tensor's name (the header key), e.g. <c>rnn.weight_ih_l0</c>.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public SafeTensorsDType DType { get; }

    /// <summary>The element type as written in the header (<c>F32</c>, <c>BF16</c>, …).</summary>
    public string DTypeName { get; }

    /// <summary>The shape, outermost dimension first (row-major); empty for a scalar.</summary>
    public IReadOnlyList<long> Shape => _shape;

    /// <summary>The number of elements (the product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>Offset of the first byte in the data region (after the header), as in the header's <c>data_offsets</c>.</summary>
    public long Begin { get; }

    /// <summary>Offset one past the last byte in the data region.</summary>
    public long End { get; }

    /// <summary>Size of the tensor's data in bytes (<see cref="End"/> − <see cref="Begin"/>).</summary>
    public long ByteLength => End - Begin;

    /// <summary>Whether <see cref="SafeTensorsFile.ReadFloats(string)"/> can convert this tensor (F32, F16, BF16, F64).</summary>
    public bool IsFloatingPoint => DType is SafeTensorsDType.Float32 or SafeTensorsDType.Float16 or SafeTensorsDType.BFloat16 or SafeTensorsDType.Float64;

    /// <summary>Formats a shape as <c>[4, 3]</c>.</summary>
    internal static string FormatShape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";

    /// <inheritdoc />
    public override string ToString() => $"{Name} {DTypeName} {FormatShape(_shape)} @ [{Begin}, {End})";
}
