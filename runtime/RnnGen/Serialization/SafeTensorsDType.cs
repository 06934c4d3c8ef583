namespace RnnGen.Serialization;

/// <summary>
/// The element types of the safetensors format. <see cref="SafeTensorsFile.ReadFloats(string)"/> converts
/// <see cref="Float32"/>, <see cref="Float16"/>, <see cref="BFloat16"/> and <see cref="Float64"/> to
/// <see cref="float"/>; the other types can be listed and read as raw bytes.
/// </summary>
public enum SafeTensorsDType
{
    /// <summary><c>BOOL</c>: one byte per element.</summary>
    Bool,

    /// <summary><c>U8</c>: unsigned 8-bit integer.</summary>
    UInt8,

    /// <summary><c>I8</c>: signed 8-bit integer.</summary>
    Int8,

    /// <summary><c>F8_E5M2</c>: 8-bit float, 5 exponent bits.</summary>
    Float8E5M2,

    /// <summary><c>F8_E4M3</c>: 8-bit float, 4 exponent bits.</summary>
    Float8E4M3,

    /// <summary><c>I16</c>: signed 16-bit integer.</summary>
    Int16,

    /// <summary><c>U16</c>: unsigned 16-bit integer.</summary>
    UInt16,

    /// <summary><c>F16</c>: IEEE 754 half precision.</summary>
    Float16,

    /// <summary><c>BF16</c>: bfloat16 (the upper half of a float32).</summary>
    BFloat16,

    /// <summary><c>I32</c>: signed 32-bit integer.</summary>
    Int32,

    /// <summary><c>U32</c>: unsigned 32-bit integer.</summary>
    UInt32,

    /// <summary><c>F32</c>: IEEE 754 single precision.</summary>
    Float32,

    /// <summary><c>F64</c>: IEEE 754 double precision.</summary>
    Float64,

    /// <summary><c>I64</c>: signed 64-bit integer.</summary>
    Int64,

    /// <summary><c>U64</c>: unsigned 64-bit integer.</summary>
    UInt64,
}
