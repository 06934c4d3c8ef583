using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using RnnGen.Serialization;
using RnnGen.Tests.Models;
using RnnGen.Tests.Models.Fixtures;
using RnnGen.Tests.Models.Serialization;
using Xunit;
using static RnnGen.Tests.Serialization.SerializationTestKit;

namespace RnnGen.Tests.Serialization;

/// <summary>
/// One case per validation rule: a valid file of <see cref="Lstm5x3x2"/> with one defect. Each load throws
/// <see cref="RnnFormatException"/> naming the tensor (when there is one) and the problem, and leaves the model
/// bit-identical.
/// </summary>
public class LoadBadInputTests
{
    // rnn.weight_ih_l0 [20,3] @0..240, rnn.weight_hh_l0 [20,5] @240..640, rnn.bias_ih_l0 [20] @640..720,
    // rnn.bias_hh_l0 [20] @720..800, head.weight [2,5] @800..840, head.bias [2] @840..848
    private static readonly byte[] Valid = SaveToBytes(RandomModel<Lstm5x3x2>(seed: 7));

    private static byte[] Prefix(byte[] file, ulong length)
    {
        var copy = (byte[])file.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy, length);
        return copy;
    }

    private static byte[] Header(Func<string, string> edit) => EditHeader(Valid, edit);

    /// <summary>Edits the data; the header keeps its data_sha256 only when <paramref name="keepHash"/> (otherwise the hash check would fire first).</summary>
    private static byte[] Data(Action<byte[]> edit, bool keepHash = false)
    {
        var (header, data) = Split(Valid);
        edit(data);
        return Join(keepHash ? header : WithoutDataHash(header), data);
    }

    private static byte[] Entry(string tensor, string from, string to) => Header(h =>
    {
        int start = h.IndexOf($"\"{tensor}\":{{", StringComparison.Ordinal);
        int end = h.IndexOf('}', start);
        string entry = h.Substring(start, end - start + 1);
        Assert.Contains(from, entry);
        return h.Remove(start, entry.Length).Insert(start, entry.Replace(from, to));
    });

    private sealed record Case(Func<byte[]> File, string? Tensor, string[] Fragments);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["empty file"] = new(() => Array.Empty<byte>(), null, new[] { "0 bytes long", "8-byte header length" }),
        ["shorter than the length prefix"] = new(() => Valid[..5], null, new[] { "5 bytes long" }),
        ["header length beyond the file"] = new(() => Prefix(Valid, (ulong)Valid.Length), null, new[] { $"header length is {Valid.Length} bytes but only {Valid.Length - 8} bytes follow" }),
        ["header length 0"] = new(() => Prefix(Valid, 0), null, new[] { "header length is 0 bytes" }),
        ["header length above the cap"] = new(() => Prefix(Valid, 100_000_001), null, new[] { "100000001", "more than the 100000000 allowed" }),
        ["header not starting with {"] = new(() => Header(h => " " + h.Substring(1)), null, new[] { "does not start with '{'" }),
        ["header not UTF-8"] = new(() =>
        {
            var (h, d) = Split(Valid);
            var bytes = Encoding.UTF8.GetBytes(h);
            int at = h.IndexOf("head.bias", StringComparison.Ordinal);
            bytes[at] = 0xFF;
            return Join(bytes, d);
        }, null, new[] { "not valid UTF-8", "byte " }),
        ["header not JSON"] = new(() => Header(h => h.TrimEnd(' ').TrimEnd('}') + "  "), null, new[] { "not valid JSON" }),
        ["header nested too deep"] = new(() => Header(h => "{\"x\":[[[[[[[[[[[[1]]]]]]]]]]]]," + h.Substring(1)), null, new[] { "not valid JSON" }),
        ["metadata not an object"] = new(() => Header(h => "{\"__metadata__\":[]," + h.Substring(h.IndexOf("},\"rnn.", StringComparison.Ordinal) + 2)), null, new[] { "'__metadata__' is a JSON array" }),
        ["metadata value not a string"] = new(() => Header(h => h.Replace("\"format\":\"rnngen\"", "\"format\":1")), null, new[] { "metadata entry 'format'", "must be strings" }),
        ["duplicate metadata key"] = new(() => Header(h => h.Replace("\"format\":\"rnngen\"", "\"format\":\"rnngen\",\"format\":\"x\"")), null, new[] { "'format' appears more than once" }),
        ["empty tensor name"] = new(() => Header(h => h.Replace("\"head.bias\":", "\"\":")), null, new[] { "empty name" }),
        ["duplicate tensor name"] = new(() => Header(h => h.Replace("\"head.bias\":", "\"head.weight\":")), "head.weight", new[] { "appears more than once" }),
        ["tensor entry not an object"] = new(() => Header(h => h.Replace("\"head.bias\":{", "\"x\":1,\"head.bias\":{")), "x", new[] { "is a JSON number, not an object" }),
        ["missing dtype"] = new(() => Entry("head.bias", "\"dtype\":\"F32\",", ""), "head.bias", new[] { "no 'dtype'" }),
        ["missing shape"] = new(() => Entry("head.bias", "\"shape\":[2],", ""), "head.bias", new[] { "no 'shape'" }),
        ["missing data_offsets"] = new(() => Entry("head.bias", ",\"data_offsets\":[840,848]", ""), "head.bias", new[] { "no 'data_offsets'" }),
        ["repeated field"] = new(() => Entry("head.bias", "\"dtype\":\"F32\"", "\"dtype\":\"F32\",\"dtype\":\"F32\""), "head.bias", new[] { "'dtype' appears more than once" }),
        ["unknown field"] = new(() => Entry("head.bias", "\"dtype\":\"F32\"", "\"dtype\":\"F32\",\"extra\":1"), "head.bias", new[] { "unknown header field 'extra'" }),
        ["dtype not a string"] = new(() => Entry("rnn.bias_ih_l0", "\"F32\"", "32"), "rnn.bias_ih_l0", new[] { "'dtype' is a JSON number" }),
        ["unknown dtype"] = new(() => Entry("rnn.bias_ih_l0", "\"F32\"", "\"F33\""), "rnn.bias_ih_l0", new[] { "unknown dtype 'F33'" }),
        ["integer dtype"] = new(() => Entry("rnn.bias_ih_l0", "\"F32\"", "\"I32\""), "rnn.bias_ih_l0", new[] { "dtype I32 is not a floating-point type" }),
        ["shape not a list"] = new(() => Entry("rnn.bias_ih_l0", "[20]", "20"), "rnn.bias_ih_l0", new[] { "'shape' is a JSON number" }),
        ["negative dimension"] = new(() => Entry("rnn.bias_ih_l0", "[20]", "[-20]"), "rnn.bias_ih_l0", new[] { "'shape' entry 0 (-20) is not a non-negative integer" }),
        ["fractional dimension"] = new(() => Entry("rnn.bias_ih_l0", "[20]", "[20.5]"), "rnn.bias_ih_l0", new[] { "'shape' entry 0 (20.5)" }),
        ["shape × dtype ≠ end − begin"] = new(() => Entry("rnn.bias_ih_l0", "[20]", "[21]"), "rnn.bias_ih_l0", new[] { "hold 80 bytes but shape [21] of F32 needs 84" }),
        ["shape overflows"] = new(() => Entry("rnn.bias_ih_l0", "[20]", "[4611686018427387904,4]"), "rnn.bias_ih_l0", new[] { "larger than 2^63 bytes" }),
        ["shape differs from the model"] = new(() => Entry("rnn.weight_ih_l0", "[20,3]", "[3,20]"), "rnn.weight_ih_l0", new[] { "shape [3, 20] does not match the model's [20, 3]" }),
        ["shape of another rank"] = new(() => Entry("rnn.weight_ih_l0", "[20,3]", "[60]"), "rnn.weight_ih_l0", new[] { "shape [60] does not match the model's [20, 3]" }),
        ["data_offsets with one entry"] = new(() => Entry("head.bias", "[840,848]", "[840]"), "head.bias", new[] { "'data_offsets' has 1 entries; expected 2" }),
        ["data_offsets reversed"] = new(() => Entry("head.bias", "[840,848]", "[848,840]"), "head.bias", new[] { "end before they begin" }),
        ["data_offsets beyond the data"] = new(() => Data(_ => { }) [..^4], null, new[] { "describes 848 bytes of tensor data but the file has only 844", "truncated" }),
        ["overlapping tensors"] = new(() => Entry("rnn.bias_hh_l0", "[720,800]", "[700,780]"), "rnn.bias_hh_l0", new[] { "overlap tensor 'rnn.bias_ih_l0'" }),
        ["gap between tensors"] = new(() => Entry("head.bias", "[840,848]", "[844,852]").Concat(new byte[4]).ToArray(), "head.bias", new[] { "gap of 4 bytes after tensor 'head.weight'" }),
        ["data not starting at 0"] = new(() => Header(h => h.Replace("[0,240]", "[4,244]").Replace("[240,640]", "[244,644]").Replace("[640,720]", "[644,724]")
            .Replace("[720,800]", "[724,804]").Replace("[800,840]", "[804,844]").Replace("[840,848]", "[844,852]")).Concat(new byte[4]).ToArray(),
            "rnn.weight_ih_l0", new[] { "leave bytes [0, 4) of the data region unused" }),
        ["bytes after the last tensor"] = new(() => Valid.Concat(new byte[4]).ToArray(), null, new[] { "4 bytes follow the last tensor's data" }),
        ["missing tensor"] = new(() => Header(h => h.Replace("\"head.bias\":", "\"head.b\":")), "head.bias", new[] { "the file does not have it", "head.b" }),
        ["NaN value"] = new(() => Data(d => BinaryPrimitives.WriteSingleLittleEndian(d.AsSpan(240 + 4 * 17), float.NaN)), "rnn.weight_hh_l0", new[] { "element [3, 2] is NaN" }),
        ["infinite value"] = new(() => Data(d => BinaryPrimitives.WriteSingleLittleEndian(d.AsSpan(720 + 4 * 19), float.NegativeInfinity)), "rnn.bias_hh_l0", new[] { "element [19] is −∞" }),
        ["data changed after saving"] = new(() => Data(d => d[500] ^= 4, keepHash: true), null, new[] { "does not match the SHA-256", "data_sha256" }),
        ["metadata of another size"] = new(() => Header(h => h.Replace("\"hidden\":\"5\"", "\"hidden\":\"64\"")), null, new[] { "different model than Lstm5x3x2", "hidden 64 ≠ 5" }),
        ["metadata size not a number"] = new(() => Header(h => h.Replace("\"layers\":\"1\"", "\"layers\":\"one\"")), null, new[] { "layers 'one' is not a non-negative integer" }),
        ["metadata of another cell"] = new(() => Header(h => h.Replace("\"cell\":\"lstm\"", "\"cell\":\"gru\"")), null, new[] { "cell 'gru' ≠ lstm" }),
    };

    public static TheoryData<string> CaseNames
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in Cases.Keys) data.Add(name);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void IsRejectedWithItsReasonAndTheModelIsUnchanged(string name)
    {
        var c = Cases[name];
        byte[] file = c.File();
        Assert.NotEqual(Valid, file);
        AssertRejected<Lstm5x3x2>(file, c.Tensor, c.Fragments);
    }

    [Fact]
    public void TheValidFileLoads()
    {
        var model = new Lstm5x3x2();
        RnnModelSerializer.Load(model, new MemoryStream(Valid));
        Assert.Equal(Canonical(RandomModel<Lstm5x3x2>(seed: 7)), Canonical(model));
    }

    [Fact]
    public void UnexpectedTensorIsAnErrorUnlessNotStrict()
    {
        var source = RandomModel<Lstm5x3x2>(seed: 8);
        var layout = Lstm5x3x2.ParameterLayout;
        var values = Canonical(source);
        var tensors = layout.Tensors.Select(t => (t.Name, values.AsSpan(t.Offset, t.Length).ToArray(), t.Shape.ToArray())).ToList();
        tensors.Insert(2, ("optimizer.step", new float[] { 12 }, new[] { 1 }));
        using var stream = new MemoryStream();
        SafeTensorsFile.Write(stream, Tensors(tensors.ToArray()));
        byte[] file = stream.ToArray();

        var e = AssertRejected<Lstm5x3x2>(file, "optimizer.step", "Lstm5x3x2 does not", "strict: false");
        Assert.Contains("rnn.weight_ih_l0", e.Message);

        var model = new Lstm5x3x2();
        RnnModelSerializer.Load(model, new MemoryStream(file), strict: false);
        Assert.Equal(values, Canonical(model));
    }

    [Fact]
    public void MetadataOfAnotherModelNamesEveryMismatch()
    {
        AssertRejected<Gru5x3x2>(SaveToBytes(RandomModel<Lstm5x3x2>(1)), null, "different model than Gru5x3x2", "cell 'lstm' ≠ gru");
        AssertRejected<Lstm2Layer5x3x2>(SaveToBytes(RandomModel<Lstm5x3x2>(1)), null, "layers 1 ≠ 2");
        AssertRejected<Lstm_4_5_2>(SaveToBytes(RandomModel<Lstm_3_5_2>(1)), null, "input 3 ≠ 4");
        AssertRejected<LstmNoHead>(SaveToBytes(RandomModel<Lstm5x3x2>(1)), null, "input 3 ≠ 4", "hidden 5 ≠ 9", "output 2 ≠ 0");
        // Same tensor shapes, different nonlinearity: only the metadata can tell.
        AssertRejected<ElmanRelu_3_5_2>(SaveToBytes(RandomModel<Elman_3_5_2>(1)), null, "activation 'tanh' ≠ relu");
    }

    [Fact]
    public void FilesWithoutRnnGenMetadataLoadByTheirTensors()
    {
        var source = RandomModel<ElmanRelu_3_5_2>(seed: 5);
        var layout = ElmanRelu_3_5_2.ParameterLayout;
        var values = Canonical(source);
        var tensors = Tensors(layout.Tensors.Select(t => (t.Name, values.AsSpan(t.Offset, t.Length).ToArray(), t.Shape.ToArray())).ToArray()).ToList();

        foreach (var metadata in new[] { null, new Dictionary<string, string> { ["format"] = "pt" } })
        {
            using var stream = new MemoryStream();
            SafeTensorsFile.Write(stream, tensors, metadata);
            var model = new Elman_3_5_2(); // tanh: nothing in a foreign file says otherwise
            RnnModelSerializer.Load(model, new MemoryStream(stream.ToArray()));
            Assert.Equal(values, Canonical(model));
        }
    }

    [Fact]
    public void HeaderClaimingTwoToTheSixtyBytesAllocatesNothingLarge()
    {
        byte[] file = Prefix(Valid, 1UL << 60);
        var model = new Lstm5x3x2();
        foreach (Func<Stream> open in new Func<Stream>[] { () => new MemoryStream(file), () => new NonSeekableStream(new MemoryStream(file)) })
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            AssertFormatError(() => RnnModelSerializer.Load(model, open()), null, "1152921504606846976");
            Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 256 * 1024);
        }
    }

    [Fact]
    public void TensorClaimingAGigabyteAllocatesOnlyWhatTheStreamHolds()
    {
        // A header just under the cap and a tensor of 2^28 floats (1 GiB) in a 150-byte stream.
        string header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[268435456],\"data_offsets\":[0,1073741824]}}";
        byte[] file = Join(header, new byte[64]);
        byte[] bigHeader = Prefix(file, 99_999_999);
        foreach (var bytes in new[] { file, bigHeader })
        {
            foreach (Func<Stream> open in new Func<Stream>[] { () => new MemoryStream(bytes), () => new NonSeekableStream(new MemoryStream(bytes)) })
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                Assert.Throws<RnnFormatException>(() => SafeTensorsFile.Read(open()));
                Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 3 * 1024 * 1024);
            }
        }
    }

    [Fact]
    public void MissingFileIsAnIOErrorNotAFormatError()
    {
        var e = Assert.Throws<FileNotFoundException>(() => RnnModelSerializer.Load(new Lstm5x3x2(), Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".safetensors")));
        Assert.IsNotType<RnnFormatException>(e);
    }
}
