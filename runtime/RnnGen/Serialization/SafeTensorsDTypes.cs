using System;
using System.Buffers.Binary;

namespace RnnGen.Serialization;

/// <summary>Names, sizes and float conversion of the safetensors element types.</summary>
internal static class SafeTensorsDTypes
{
    /// <summary>The names the format defines, for messages.</summary>
    public const string KnownNames = "BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64";

    public static bool TryParse(string name, out SafeTensorsDType dtype)
    {
        switch (name)
        {
            case "BOOL": dtype = SafeTensorsDType.Bool; return true;
            case "U8": dtype = SafeTensorsDType.UInt8; return true;
            case "I8": dtype = SafeTensorsDType.Int8; return true;
            case "F8_E5M2": dtype = SafeTensorsDType.Float8E5M2; return true;
            case "F8_E4M3": dtype = SafeTensorsDType.Float8E4M3; return true;
            case "I16": dtype = SafeTensorsDType.Int16; return true;
            case "U16": dtype = SafeTensorsDType.UInt16; return true;
            case "F16": dtype = SafeTensorsDType.Float16; return true;
            case "BF16": dtype = SafeTensorsDType.BFloat16; return true;
            case "I32": dtype = SafeTensorsDType.Int32; return true;
            case "U32": dtype = SafeTensorsDType.UInt32; return true;
            case "F32": dtype = SafeTensorsDType.Float32; return true;
            case "F64": dtype = SafeTensorsDType.Float64; return true;
            case "I64": dtype = SafeTensorsDType.Int64; return true;
            case "U64": dtype = SafeTensorsDType.UInt64; return true;
            default: dtype = default; return false;
        }
    }

    public static int SizeOf(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.Bool or SafeTensorsDType.UInt8 or SafeTensorsDType.Int8
            or SafeTensorsDType.Float8E5M2 or SafeTensorsDType.Float8E4M3 => 1,
        SafeTensorsDType.Int16 or SafeTensorsDType.UInt16 or SafeTensorsDType.Float16 or SafeTensorsDType.BFloat16 => 2,
        SafeTensorsDType.Int32 or SafeTensorsDType.UInt32 or SafeTensorsDType.Float32 => 4,
        SafeTensorsDType.Float64 or SafeTensorsDType.Int64 or SafeTensorsDType.UInt64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>Converts little-endian F32/F16/BF16/F64 bytes to floats (F64 values beyond the float range become ±∞).</summary>
    public static void ToFloats(SafeTensorsDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case SafeTensorsDType.Float32 when BitConverter.IsLittleEndian:
                source.Slice(0, destination.Length * 4).CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination));
                break;
            case SafeTensorsDType.Float32:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(i * 4, 4));
                break;
            case SafeTensorsDType.Float16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source.Slice(i * 2, 2));
                break;
            case SafeTensorsDType.BFloat16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(i * 2, 2)) << 16);
                break;
            case SafeTensorsDType.Float64:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source.Slice(i * 8, 8));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a floating-point dtype.");
        }
    }
}
