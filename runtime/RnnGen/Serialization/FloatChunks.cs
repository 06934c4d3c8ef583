using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace RnnGen.Serialization;

/// <summary>
/// Float data as little-endian F32 bytes in bounded chunks: what Save writes and hashes. A model may hold more than
/// 2 GiB of parameters (the generator allows up to about 2^30 floats), more bytes than one span or array can
/// address, so the bytes are never formed as one span.
/// </summary>
internal static class FloatChunks
{
    /// <summary>The chunk size Save, Load and the data hash use: 1 MiB.</summary>
    public const int DefaultChunkBytes = 1 << 20;

    /// <summary>The largest chunk accepted (so a chunk's float range, rounded up, still fits an int).</summary>
    public const int MaxChunkBytes = 1 << 30;

    /// <summary>Receives one chunk of bytes.</summary>
    public delegate void ByteSink(ReadOnlySpan<byte> bytes);

    /// <summary>Throws unless 1 ≤ <paramref name="chunkBytes"/> ≤ <see cref="MaxChunkBytes"/>.</summary>
    public static void CheckChunkSize(int chunkBytes)
    {
        if (chunkBytes < 1 || chunkBytes > MaxChunkBytes)
            throw new ArgumentOutOfRangeException(nameof(chunkBytes), chunkBytes, $"A chunk holds 1 to {MaxChunkBytes} bytes.");
    }

    /// <summary>
    /// Passes the little-endian F32 bytes of <paramref name="values"/> to <paramref name="sink"/>, in order, in pieces of
    /// at most <paramref name="chunkBytes"/> bytes. On little-endian machines the pieces are views of the floats (no
    /// copy) cut every <paramref name="chunkBytes"/> bytes, so a piece boundary may split a float.
    /// </summary>
    public static void ForEachChunk(ReadOnlySpan<float> values, int chunkBytes, ByteSink sink)
    {
        CheckChunkSize(chunkBytes);
        long total = 4L * values.Length;
        if (BitConverter.IsLittleEndian)
        {
            for (long offset = 0; offset < total; offset += chunkBytes)
            {
                int length = (int)Math.Min(chunkBytes, total - offset);
                int first = (int)(offset >> 2);
                int skip = (int)(offset & 3);
                int floats = (skip + length + 3) >> 2; // ≤ MaxChunkBytes / 4 + 2: no overflow
                sink(MemoryMarshal.AsBytes(values.Slice(first, floats)).Slice(skip, length));
            }

            return;
        }

        int perChunk = Math.Max(1, chunkBytes / 4);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(perChunk * 4);
        try
        {
            for (int start = 0; start < values.Length; start += perChunk)
            {
                var chunk = values.Slice(start, Math.Min(perChunk, values.Length - start));
                for (int i = 0; i < chunk.Length; i++)
                    BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4, 4), chunk[i]);
                sink(buffer.AsSpan(0, chunk.Length * 4));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Lower-case hex SHA-256 of the little-endian F32 bytes of <paramref name="parts"/>, one after the other, hashed in chunks.</summary>
    public static string Sha256(IReadOnlyList<ReadOnlyMemory<float>> parts, int chunkBytes)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in parts)
            ForEachChunk(part.Span, chunkBytes, hash.AppendData);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
