using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using RnnGen.Serialization;
using RnnGen.Tests.Generated;
using Xunit;

namespace RnnGen.Tests.Serialization;

/// <summary>Helpers shared by the serialization tests: models with random weights, files as bytes, hand-edited headers.</summary>
internal static class SerializationTestKit
{
    /// <summary>A model with seeded random parameters in PyTorch's init range.</summary>
    public static TModel RandomModel<TModel>(int seed) where TModel : class, IRnnModel, new()
    {
        var model = new TModel();
        model.CopyParametersFrom(TestData.Uniform(seed, TModel.TrainableParameterCount, 1.0 / Math.Sqrt(TModel.HiddenSize)));
        return model;
    }

    public static float[] Canonical<TModel>(TModel model) where TModel : IRnnModel
    {
        var values = new float[TModel.TrainableParameterCount];
        model.CopyParametersTo(values);
        return values;
    }

    /// <summary>Bits of the whole internal buffer (padding included), so "unchanged" means bit-identical.</summary>
    public static int[] InternalBits<TModel>(TModel model) where TModel : IRnnModel => TestData.Bits(model.Parameters);

    public static byte[] SaveToBytes<TModel>(TModel model) where TModel : IRnnModel
    {
        using var stream = new MemoryStream();
        RnnModelSerializer.Save(model, stream);
        return stream.ToArray();
    }

    /// <summary>The header text and the data bytes of a safetensors file.</summary>
    public static (string Header, byte[] Data) Split(byte[] file)
    {
        int n = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file));
        return (Encoding.UTF8.GetString(file, 8, n), file.AsSpan(8 + n).ToArray());
    }

    /// <summary>A file from header text and data, with the length prefix computed from the header.</summary>
    public static byte[] Join(string header, byte[] data) => Join(Encoding.UTF8.GetBytes(header), data);

    public static byte[] Join(byte[] header, byte[] data)
    {
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary>Applies <paramref name="edit"/> to the header text and rebuilds the file.</summary>
    public static byte[] EditHeader(byte[] file, Func<string, string> edit)
    {
        var (header, data) = Split(file);
        string edited = edit(header);
        Assert.NotEqual(header, edited); // the edit must have found its target
        return Join(edited, data);
    }

    /// <summary>The header without its <c>data_sha256</c> entry (as a file written by another tool).</summary>
    public static string WithoutDataHash(string header)
    {
        string edited = System.Text.RegularExpressions.Regex.Replace(header, ",\"data_sha256\":\"[0-9a-f]{64}\"", "");
        Assert.NotEqual(header, edited);
        return edited;
    }

    /// <summary>Asserts that <paramref name="action"/> throws exactly <see cref="RnnFormatException"/> whose message contains every fragment.</summary>
    public static RnnFormatException AssertFormatError(Action action, string? tensor, params string[] fragments)
    {
        var e = Assert.Throws<RnnFormatException>(action);
        Assert.Equal(tensor, e.TensorName);
        if (tensor is not null) Assert.Contains($"'{tensor}'", e.Message);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
        return e;
    }

    /// <summary>Loads <paramref name="file"/> into a random model and asserts the RnnFormatException and that the model is bit-identical afterwards.</summary>
    public static RnnFormatException AssertRejected<TModel>(byte[] file, string? tensor, params string[] fragments) where TModel : class, IRnnModel, new()
    {
        var model = RandomModel<TModel>(seed: 99);
        var before = InternalBits(model);
        var e = AssertFormatError(() => RnnModelSerializer.Load(model, new MemoryStream(file)), tensor, fragments);
        Assert.Equal(before, InternalBits(model));
        return e;
    }

    /// <summary>The folder <c>tests/fixtures</c> of the source tree (the test project copies only the JSON files to its output).</summary>
    public static string FixturesDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "fixtures");
            if (Directory.Exists(Path.Combine(candidate, "safetensors"))) return candidate;
        }

        throw new DirectoryNotFoundException($"tests/fixtures/safetensors not found above {AppContext.BaseDirectory}.");
    }

    public static string TempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "rnngen-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static IEnumerable<KeyValuePair<string, FloatTensor>> Tensors(params (string Name, float[] Values, int[] Shape)[] tensors) =>
        tensors.Select(t => new KeyValuePair<string, FloatTensor>(t.Name, new FloatTensor(t.Values, t.Shape)));
}

/// <summary>A read-only stream that cannot seek (a network stream, a pipe).</summary>
internal sealed class NonSeekableStream : Stream
{
    private readonly Stream _inner;

    public NonSeekableStream(Stream inner) => _inner = inner;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7)); // short reads too
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A write-through stream that throws an <see cref="IOException"/> once <c>failAfter</c> bytes have been written (a full disk, a pulled cable).</summary>
internal sealed class FailingStream : Stream
{
    private readonly Stream _inner;
    private readonly long _failAfter;
    private long _written;

    public FailingStream(Stream inner, long failAfter)
    {
        _inner = inner;
        _failAfter = failAfter;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => _inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        long room = _failAfter - _written;
        if (buffer.Length > room)
        {
            _inner.Write(buffer.Slice(0, (int)Math.Max(0, room)));
            _written = _failAfter;
            throw new IOException($"Simulated failure after {_failAfter} bytes.");
        }

        _inner.Write(buffer);
        _written += buffer.Length;
    }
}
