using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using RnnGen.Serialization;
using RnnGen.Tests.Generated;
using RnnGen.Tests.Models;
using Xunit;
using static RnnGen.Tests.Serialization.SerializationTestKit;

namespace RnnGen.Tests.Serialization;

/// <summary>
/// Save, Load and the data hash work on the data in bounded chunks (1 MiB), so that models of more than 2 GiB of
/// parameters save and load. A >2 GiB model is too slow for the suite, so these tests lower the chunk size (through
/// the internal overloads) until the small files here span many chunks, with boundaries that split floats.
/// </summary>
public class ChunkedDataTests
{
    /// <summary>Chunk sizes that split floats (1, 3, 5, 7, 13), align with them (4, 8), or exceed the data.</summary>
    public static TheoryData<int> ChunkSizes => new() { 1, 3, 4, 5, 7, 8, 13, 64, 1000, FloatChunks.DefaultChunkBytes };

    private static string OneShot(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string OneShot(float[] values) => OneShot(MemoryMarshal.AsBytes(values.AsSpan()));

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void ChunkedHash_EqualsSha256OfTheWholeBytes(int chunkBytes)
    {
        foreach (int length in new[] { 0, 1, 2, 5, 211 })
        {
            float[] values = TestData.Uniform(length + 3, length, 1.0);
            Assert.Equal(OneShot(values), RnnModelMetadata.DataHash(values, chunkBytes));
        }
    }

    [Fact]
    public void DefaultChunkedHash_EqualsSha256_OverManyChunks()
    {
        // 2.5 MiB: three default chunks, the last one partial.
        float[] values = TestData.Uniform(11, (5 << 20) / 8, 1.0);
        Assert.Equal(OneShot(values), RnnModelMetadata.DataHash(values));
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void ChunkedHash_OfSeveralParts_EqualsSha256OfTheirConcatenation(int chunkBytes)
    {
        float[] a = TestData.Uniform(1, 17, 1.0), b = TestData.Uniform(2, 0, 1.0), c = TestData.Uniform(3, 40, 1.0);
        Assert.Equal(OneShot(a.Concat(b).Concat(c).ToArray()), FloatChunks.Sha256(new ReadOnlyMemory<float>[] { a, b, c }, chunkBytes));
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Chunks_AreBoundedAndConcatenateToTheLittleEndianBytes(int chunkBytes)
    {
        float[] values = TestData.Uniform(5, 37, 1.0);
        var pieces = new List<byte[]>();
        FloatChunks.ForEachChunk(values, chunkBytes, bytes => pieces.Add(bytes.ToArray()));
        Assert.All(pieces, p => Assert.InRange(p.Length, 1, chunkBytes));
        Assert.Equal((values.Length * 4 + chunkBytes - 1) / chunkBytes, pieces.Count);
        var expected = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(expected.AsSpan(i * 4), values[i]);
        Assert.Equal(expected, pieces.SelectMany(p => p).ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(FloatChunks.MaxChunkBytes + 1)]
    public void ChunkSizeOutOfRange_IsRefused(int chunkBytes) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FloatChunks.ForEachChunk(new float[3], chunkBytes, _ => { }));

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Model_SaveLoad_RoundTripsBitExactly_AcrossChunkBoundaries(int chunkBytes)
    {
        var source = RandomModel<Lstm5x3x2>(seed: 21);
        byte[] reference = SaveToBytes(source);
        using var stream = new MemoryStream();
        RnnModelSerializer.Save(source, stream, chunkBytes);
        byte[] bytes = stream.ToArray();
        Assert.Equal(reference, bytes); // the chunk size changes nothing in the file

        // The recorded hash is SHA-256 of the data region (848 bytes: up to 848 chunks here).
        var (_, data) = Split(bytes);
        var file = SafeTensorsFile.Read(new MemoryStream(bytes), chunkBytes);
        Assert.Equal(OneShot(data), file.Metadata["data_sha256"]);
        Assert.Equal(OneShot(data), file.DataSha256());
        Assert.Equal(data.Length, file.DataLength);

        foreach (int loadChunk in new[] { chunkBytes, 7, FloatChunks.DefaultChunkBytes })
        {
            var target = Lstm5x3x2.CreateUninitialized();
            RnnModelSerializer.Load(target, new MemoryStream(bytes), strict: true, loadChunk);
            Assert.Equal(TestData.Bits(Canonical(source)), TestData.Bits(Canonical(target)));
            RnnModelSerializer.Load(target, new NonSeekableStream(new MemoryStream(bytes)), strict: true, loadChunk);
            Assert.Equal(TestData.Bits(Canonical(source)), TestData.Bits(Canonical(target)));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void Model_CorruptByteInALaterChunk_IsRefused_AndLeavesTheModelUnchanged(int chunkBytes)
    {
        byte[] bytes = SaveToBytes(RandomModel<Lstm5x3x2>(seed: 22));
        var (header, data) = Split(bytes);
        data[data.Length - 3] ^= 0x01; // a mantissa bit of head.bias: still finite, only the hash can tell
        byte[] corrupt = Join(header, data);

        var model = RandomModel<Lstm5x3x2>(seed: 23);
        int[] before = InternalBits(model);
        AssertFormatError(() => RnnModelSerializer.Load(model, new MemoryStream(corrupt), strict: true, chunkBytes), null, "data_sha256");
        Assert.Equal(before, InternalBits(model));
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void File_ReadsF16BF16F32AndF64_AcrossChunkBoundaries(int chunkBytes)
    {
        var data = new List<byte>();
        void U16(ushort v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); data.AddRange(b); }
        void F32(float v) { var b = new byte[4]; BinaryPrimitives.WriteSingleLittleEndian(b, v); data.AddRange(b); }
        void F64(double v) { var b = new byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(b, v); data.AddRange(b); }
        U16(0x3C00); U16(0xC000); U16(0x7BFF);           // F16 1, -2, 65504 @ [0, 6)
        U16(0x3FC0); U16(0xBEAB); U16(0x7F80);           // BF16 1.5, -0.333…, +inf @ [6, 12)
        F64(0.1); F64(-3.25); F64(1e300);                // F64 @ [12, 36)
        F32(1.25f); F32(-7f); F32(3.5e-38f); F32(42f);   // F32 @ [36, 52), not 4-aligned with odd chunks
        string header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]}," +
                        "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[6,12]}," +
                        "\"d\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[12,36]}," +
                        "\"f\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[36,52]}}";
        byte[] bytes = Join(header, data.ToArray());
        var reference = SafeTensorsFile.Read(new MemoryStream(bytes));
        var file = SafeTensorsFile.Read(new NonSeekableStream(new MemoryStream(bytes)), chunkBytes);

        foreach (var name in new[] { "h", "b", "d", "f" })
        {
            Assert.Equal(TestData.Bits(reference.ReadFloats(name)), TestData.Bits(file.ReadFloats(name)));
            Assert.Equal(reference.GetBytes(name).ToArray(), file.GetBytes(name).ToArray());
        }

        Assert.Equal(new[] { 1.25f, -7f, 3.5e-38f, 42f }, file.ReadFloats("f"));
        Assert.Equal(new[] { 0.1f, -3.25f, float.PositiveInfinity }, file.ReadFloats("d"));
        Assert.Equal(OneShot(data.ToArray()), file.DataSha256());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(13)]
    public void File_TruncatedInALaterChunk_IsRefused(int chunkBytes)
    {
        byte[] bytes = SaveToBytes(RandomModel<Lstm5x3x2>(seed: 24));
        byte[] truncated = bytes[..^10];
        var e = Assert.Throws<RnnFormatException>(() => SafeTensorsFile.Read(new NonSeekableStream(new MemoryStream(truncated)), chunkBytes));
        Assert.Contains("truncated", e.Message);
        Assert.Throws<RnnFormatException>(() => SafeTensorsFile.Read(new MemoryStream(truncated), chunkBytes));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void OptimizerState_SaveLoad_RoundTripsBitExactly_AcrossChunkBoundaries(int chunkBytes)
    {
        var model = new OptGru6x2(1);
        var optimizer = new Adam(OptGru6x2.ParameterCount, amsgrad: true);
        for (int k = 0; k < 3; k++)
            model.TrainStep(TestData.Uniform(100 + k, 5 * OptGru6x2.InputSize, 1.0), TestData.Uniform(200 + k, 5 * OptGru6x2.OutputSize, 0.8), optimizer);

        using var reference = new MemoryStream();
        OptimizerStateSerializer.Save<OptGru6x2>(optimizer, reference);
        using var stream = new MemoryStream();
        OptimizerStateSerializer.Save<OptGru6x2>(optimizer, stream, chunkBytes);
        byte[] bytes = stream.ToArray();
        Assert.Equal(reference.ToArray(), bytes);
        var (_, data) = Split(bytes);
        Assert.Equal(OneShot(data), SafeTensorsFile.Read(new MemoryStream(bytes), chunkBytes).Metadata["data_sha256"]);

        var other = new Adam(OptGru6x2.ParameterCount, amsgrad: true);
        OptimizerStateSerializer.Load<OptGru6x2>(other, new MemoryStream(bytes), chunkBytes);
        for (int s = 0; s < optimizer.StateNames.Count; s++)
            Assert.Equal(TestData.Bits(optimizer.GetState(s)), TestData.Bits(other.GetState(s)));
        Assert.Equal(optimizer.StepCount, other.StepCount);

        // A flipped bit in the last chunk: refused, the optimizer unchanged.
        var (header, corruptData) = Split(bytes);
        corruptData[^2] ^= 0x01;
        var third = new Adam(OptGru6x2.ParameterCount, amsgrad: true);
        third.GetState(1).Fill(0.5f);
        AssertFormatError(() => OptimizerStateSerializer.Load<OptGru6x2>(third, new MemoryStream(Join(header, corruptData)), chunkBytes), null, "data_sha256");
        Assert.All(third.GetState(1).ToArray(), v => Assert.Equal(0.5f, v));
        Assert.Equal(0, third.StepCount);
    }
}
