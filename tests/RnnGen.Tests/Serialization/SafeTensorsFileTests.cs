using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using RnnGen.Serialization;
using Xunit;
using static RnnGen.Tests.Serialization.SerializationTestKit;

namespace RnnGen.Tests.Serialization;

/// <summary>The standalone safetensors reader/writer: layout, dtypes, streams, and the writer's argument checks.</summary>
public class SafeTensorsFileTests
{
    [Fact]
    public void WriteThenReadGivesNamesShapesMetadataAndValues()
    {
        var a = new float[] { 1, -2.5f, 3e-30f, float.MaxValue, -0f, 6 };
        var scalar = new float[] { 42 };
        using var stream = new MemoryStream();
        SafeTensorsFile.Write(stream,
            Tensors(("b.matrix", a, new[] { 2, 3 }), ("a.scalar", scalar, Array.Empty<int>()), ("empty", Array.Empty<float>(), new[] { 0, 4 })),
            new Dictionary<string, string> { ["k"] = "v", ["unicode"] = "ä→✓" });
        stream.Position = 0;
        var file = SafeTensorsFile.Read(stream);

        Assert.Equal(new[] { "b.matrix", "a.scalar", "empty" }, file.Tensors.Select(t => t.Name));
        Assert.Equal(new long[] { 2, 3 }, file.GetTensor("b.matrix").Shape);
        Assert.Empty(file.GetTensor("a.scalar").Shape);
        Assert.Equal(1, file.GetTensor("a.scalar").ElementCount);
        Assert.Equal(0, file.GetTensor("empty").ElementCount);
        Assert.Equal(a, file.ReadFloats("b.matrix"));
        Assert.Equal(scalar, file.ReadFloats("a.scalar"));
        Assert.Empty(file.ReadFloats("empty"));
        Assert.Equal("v", file.Metadata["k"]);
        Assert.Equal("ä→✓", file.Metadata["unicode"]);
        Assert.Equal(28, file.DataLength);
        Assert.True(file.Contains("empty"));
        Assert.False(file.TryGetTensor("missing", out _));
        var e = Assert.Throws<KeyNotFoundException>(() => file.GetTensor("missing"));
        Assert.Contains("b.matrix", e.Message);
    }

    [Fact]
    public void HeaderIsPaddedToEightBytesAndDataIsLittleEndianF32()
    {
        using var stream = new MemoryStream();
        SafeTensorsFile.Write(stream, Tensors(("x", new float[] { 1.5f, -2f }, new[] { 2 })));
        byte[] bytes = stream.ToArray();
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, n % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.Equal("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", header.TrimEnd(' '));
        Assert.Equal(8 + (int)n + 8, bytes.Length);
        Assert.Equal(1.5f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + (int)n)));
        Assert.Equal(-2f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(12 + (int)n)));
    }

    [Fact]
    public void ConvertsF16BF16AndF64ToFloat()
    {
        var data = new List<byte>();
        void U16(ushort v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); data.AddRange(b); }
        void F64(double v) { var b = new byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(b, v); data.AddRange(b); }
        // F16: 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal)
        U16(0x3C00); U16(0xC000); U16(0x7BFF); U16(0x0001);
        // BF16: 1.5, -1/3 rounded (0xBEAB), +inf
        U16(0x3FC0); U16(0xBEAB); U16(0x7F80);
        // F64: 0.1 (rounds to float 0.1f), 1e300 (beyond float: +inf), -0.0
        F64(0.1); F64(1e300); F64(-0.0);
        string header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]}," +
                        "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[8,14]}," +
                        "\"d\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[14,38]}}";
        var file = SafeTensorsFile.Read(new MemoryStream(Join(header, data.ToArray())));

        Assert.Equal(new[] { 1f, -2f, 65504f, MathF.Pow(2, -24) }, file.ReadFloats("h"));
        Assert.Equal(new[] { 1.5f, BitConverter.Int32BitsToSingle(unchecked((int)0xBEAB0000)), float.PositiveInfinity }, file.ReadFloats("b"));
        var d = file.ReadFloats("d");
        Assert.Equal(0.1f, d[0]);
        Assert.Equal(float.PositiveInfinity, d[1]);
        Assert.True(float.IsNegative(d[2]) && d[2] == 0);
        Assert.Equal(SafeTensorsDType.BFloat16, file.GetTensor("b").DType);
        Assert.Equal("F64", file.GetTensor("d").DTypeName);
    }

    [Fact]
    public void NonFloatDTypesAreListedButNotReadAsFloat()
    {
        var data = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(data, 7);
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(8), -1);
        var file = SafeTensorsFile.Read(new MemoryStream(Join("{\"steps\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", data)));
        var t = file.GetTensor("steps");
        Assert.Equal(SafeTensorsDType.Int64, t.DType);
        Assert.False(t.IsFloatingPoint);
        Assert.Equal(data, file.GetBytes("steps").ToArray());
        AssertFormatError(() => file.ReadFloats("steps"), "steps", "I64", "cannot be read as float");
    }

    [Fact]
    public void ReadsNonSeekableStreamsWithShortReads()
    {
        byte[] bytes = SaveToBytes(RandomModel<RnnGen.Tests.Models.Lstm5x3x2>(1));
        var file = SafeTensorsFile.Read(new NonSeekableStream(new MemoryStream(bytes)));
        Assert.Equal(6, file.Tensors.Count);

        var trailing = bytes.Concat(new byte[] { 0 }).ToArray();
        AssertFormatError(() => SafeTensorsFile.Read(new NonSeekableStream(new MemoryStream(trailing))), null, "follow the last tensor");
        AssertFormatError(() => SafeTensorsFile.Read(new NonSeekableStream(new MemoryStream(bytes[..^1]))), null, "truncated");
    }

    [Fact]
    public void ReadsFromTheStreamsCurrentPosition()
    {
        byte[] bytes = SaveToBytes(RandomModel<RnnGen.Tests.Models.Gru5x3x2>(1));
        var stream = new MemoryStream(new byte[] { 1, 2, 3 }.Concat(bytes).ToArray()) { Position = 3 };
        Assert.Equal(6, SafeTensorsFile.Read(stream).Tensors.Count);
    }

    [Fact]
    public void WriterRejectsBadArguments()
    {
        using var s = new MemoryStream();
        var one = new float[] { 1 };
        Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(s, Tensors(("a", one, new[] { 1 }), ("a", one, new[] { 1 }))));
        Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(s, Tensors(("__metadata__", one, new[] { 1 }))));
        Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(s, Tensors(("", one, new[] { 1 }))));
        Assert.Throws<ArgumentException>(() => new FloatTensor(new float[6], 4, 2));
        Assert.Throws<ArgumentException>(() => new FloatTensor(new float[6], -2, -3));
        Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(s, Tensors(("a", one, new[] { 1 })),
            new[] { new KeyValuePair<string, string>("k", "1"), new KeyValuePair<string, string>("k", "2") }));
    }

    [Fact]
    public void PathWriteIsReadBack()
    {
        string dir = TempDirectory();
        try
        {
            string path = Path.Combine(dir, "t.safetensors");
            SafeTensorsFile.Write(path, Tensors(("w", new float[] { 1, 2, 3, 4 }, new[] { 2, 2 })), new Dictionary<string, string> { ["a"] = "b" });
            var file = SafeTensorsFile.Read(path);
            Assert.Equal(new float[] { 1, 2, 3, 4 }, file.ReadFloats("w"));
            Assert.Equal("b", file.Metadata["a"]);
            Assert.Throws<FileNotFoundException>(() => SafeTensorsFile.Read(Path.Combine(dir, "missing.safetensors")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
