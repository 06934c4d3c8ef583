using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RnnGen.Serialization;

/// <summary>
/// A safetensors file held in memory and fully validated: an 8-byte little-endian header length N, N bytes of
/// UTF-8 JSON (<c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, …, "__metadata__": {…}}</c>),
/// then the raw little-endian tensor data. Reads F32, F16, BF16 and F64 tensors as <see cref="float"/> and
/// writes F32. Works without a model; <see cref="RnnModelSerializer"/> and <see cref="KerasImport"/> build on it.
/// </summary>
/// <remarks>
/// <see cref="Read(Stream)"/> checks everything before it returns: the header length (at most
/// <see cref="MaxHeaderLength"/> and within the stream), valid UTF-8 and JSON, known dtypes, shape × dtype size
/// = end − begin for every tensor, unique names, string-valued metadata, and offsets that are sorted,
/// non-overlapping and cover the data region exactly (no gap, no trailing bytes). Any violation throws
/// <see cref="RnnFormatException"/>, never another exception type, and a file that claims a huge header or
/// tensor does not make it allocate more than the stream actually holds.
/// <para>The data region is held in chunks of 1 MiB, not in one array, so files above 2 GiB (models of more than
/// 536,870,911 float parameters) are read and written like small ones.</para>
/// </remarks>
public sealed class SafeTensorsFile
{
    /// <summary>The largest header accepted, in bytes (the limit of the reference implementation).</summary>
    public const int MaxHeaderLength = 100_000_000;

    private const int ChunkSize = FloatChunks.DefaultChunkBytes;

    private readonly SafeTensorInfo[] _tensors;
    private readonly Dictionary<string, SafeTensorInfo> _byName;

    /// <summary>The data region in order: every chunk holds <see cref="_chunkBytes"/> bytes but the last (fewer).</summary>
    private readonly byte[][] _chunks;
    private readonly int _chunkBytes;
    private readonly long _dataLength;

    private SafeTensorsFile(SafeTensorInfo[] tensors, Dictionary<string, string> metadata, byte[][] chunks, int chunkBytes, long dataLength, int headerLength)
    {
        _tensors = tensors;
        _byName = new Dictionary<string, SafeTensorInfo>(tensors.Length, StringComparer.Ordinal);
        foreach (var t in tensors) _byName.Add(t.Name, t);
        Metadata = metadata;
        _chunks = chunks;
        _chunkBytes = chunkBytes;
        _dataLength = dataLength;
        HeaderLength = headerLength;
    }

    /// <summary>The tensors in the order the header lists them.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors => _tensors;

    /// <summary>The <c>__metadata__</c> entries (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The length of the JSON header in bytes (N).</summary>
    public int HeaderLength { get; }

    /// <summary>The length of the data region in bytes.</summary>
    public long DataLength => _dataLength;

    /// <summary>Reads and validates a whole safetensors file from the current position of <paramref name="stream"/> to its end.</summary>
    /// <param name="stream">A readable stream; it is read to the end and not closed.</param>
    /// <returns>The validated file.</returns>
    /// <exception cref="RnnFormatException">The bytes are not a valid safetensors file; the message names the tensor (if any) and the problem.</exception>
    /// <exception cref="IOException">The stream itself failed.</exception>
    public static SafeTensorsFile Read(Stream stream) => Read(stream, ChunkSize);

    /// <summary><see cref="Read(Stream)"/> holding the data in chunks of <paramref name="chunkBytes"/> (tests use small ones).</summary>
    internal static SafeTensorsFile Read(Stream stream, int chunkBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        FloatChunks.CheckChunkSize(chunkBytes);
        if (!stream.CanRead) throw new ArgumentException("The stream is not readable.", nameof(stream));

        long available = stream.CanSeek ? Math.Max(0, stream.Length - stream.Position) : -1;

        Span<byte> prefix = stackalloc byte[8];
        int got = ReadAtMost(stream, prefix);
        if (got < 8)
            throw new RnnFormatException(null, ForeignFormat.TooShort(prefix[..got]));
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeaderLength || n < 2 || (available >= 0 && (long)n > available - 8))
        {
            // Not a plausible safetensors length: say what the file is if it is something else (text, zip, HDF5, pickle, …).
            string? foreign = ForeignFormat.Describe(ReadStart(stream, prefix));
            if (foreign is not null)
                throw new RnnFormatException(null, foreign);
        }

        if (n > MaxHeaderLength)
            throw new RnnFormatException(null, $"the header length is {n.ToString(CultureInfo.InvariantCulture)} bytes, more than the {MaxHeaderLength.ToString(CultureInfo.InvariantCulture)} allowed");
        if (n < 2)
            throw new RnnFormatException(null, $"the header length is {n.ToString(CultureInfo.InvariantCulture)} bytes; the header is a JSON object of at least 2 bytes");
        if (available >= 0 && (long)n > available - 8)
            throw new RnnFormatException(null, $"the header length is {n.ToString(CultureInfo.InvariantCulture)} bytes but only {available - 8} bytes follow it (truncated file or corrupt header length)");

        int headerLength = (int)n;
        bool lengthKnown = available >= 0; // then every length below was checked against the stream before allocating
        byte[] header = ReadExactly(stream, headerLength, "the header", lengthKnown);
        var (tensors, metadata, dataLength) = SafeTensorsHeader.Parse(header);

        if (available >= 0)
        {
            long present = available - 8 - headerLength;
            if (present < dataLength)
                throw new RnnFormatException(null, $"the header describes {dataLength} bytes of tensor data but the file has only {present} (truncated)");
            if (present > dataLength)
                throw new RnnFormatException(null, $"{present - dataLength} bytes follow the last tensor's data (the header describes {dataLength}); tensors must cover the data exactly");
        }

        byte[][] chunks = ReadChunks(stream, dataLength, chunkBytes);
        if (available < 0 && stream.ReadByte() >= 0)
            throw new RnnFormatException(null, $"bytes follow the last tensor's data (the header describes {dataLength}); tensors must cover the data exactly");

        return new SafeTensorsFile(tensors, metadata, chunks, chunkBytes, dataLength, headerLength);
    }

    /// <summary>Reads and validates the safetensors file at <paramref name="path"/>.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The validated file.</returns>
    /// <exception cref="RnnFormatException">The file is not a valid safetensors file.</exception>
    /// <exception cref="IOException">The file cannot be opened or read (for example <see cref="FileNotFoundException"/>).</exception>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return Read(stream);
    }

    /// <summary>Whether the file has a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Finds a tensor by name.</summary>
    /// <param name="name">The tensor's name.</param>
    /// <param name="tensor">The tensor, when found.</param>
    /// <returns>Whether the file has that tensor.</returns>
    public bool TryGetTensor(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafeTensorInfo? tensor) =>
        _byName.TryGetValue(name, out tensor);

    /// <summary>Finds a tensor by name.</summary>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name; the message lists the names it has.</exception>
    public SafeTensorInfo GetTensor(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_byName.TryGetValue(name, out var t)) return t;
        throw new KeyNotFoundException($"The file has no tensor named '{name}'. Its tensors are: {DescribeNames()}.");
    }

    /// <summary>The raw little-endian bytes of a tensor, whatever its dtype.</summary>
    /// <remarks>The data is held in chunks of 1 MiB: a tensor that spans chunks is copied into a new array.</remarks>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    /// <exception cref="NotSupportedException">The tensor has more bytes than one array holds (<see cref="Array.MaxLength"/>); read it with <see cref="ReadFloats(string, Span{float})"/>.</exception>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var t = GetTensor(name);
        if (t.ByteLength == 0) return ReadOnlySpan<byte>.Empty;
        var (chunk, at) = Locate(t.Begin);
        if (at + t.ByteLength <= _chunks[chunk].Length)
            return _chunks[chunk].AsSpan(at, (int)t.ByteLength);
        if (t.ByteLength > Array.MaxLength)
            throw new NotSupportedException($"Tensor '{name}' has {t.ByteLength} bytes, more than one array holds ({Array.MaxLength}); read it with ReadFloats.");
        var copy = new byte[t.ByteLength];
        CopyData(t.Begin, copy);
        return copy;
    }

    /// <summary>Reads a floating-point tensor (F32, F16, BF16 or F64) as floats, row-major.</summary>
    /// <param name="name">The tensor's name.</param>
    /// <returns>The values; F64 values beyond the float range become ±∞ (not checked here).</returns>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    /// <exception cref="RnnFormatException">The tensor's dtype is not a floating-point type.</exception>
    public float[] ReadFloats(string name)
    {
        var t = GetTensor(name);
        if (!t.IsFloatingPoint)
            throw new RnnFormatException(name, $"dtype {t.DTypeName} cannot be read as float (F32, F16, BF16 and F64 can)");
        if (t.ElementCount > Array.MaxLength)
            throw new RnnFormatException(name, $"{t.ElementCount} elements are more than one float array holds ({Array.MaxLength})");
        var values = new float[t.ElementCount];
        ReadFloats(name, values);
        return values;
    }

    /// <summary>Reads a floating-point tensor (F32, F16, BF16 or F64) as floats into <paramref name="destination"/>.</summary>
    /// <param name="name">The tensor's name.</param>
    /// <param name="destination">Exactly <see cref="SafeTensorInfo.ElementCount"/> floats.</param>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has the wrong length.</exception>
    /// <exception cref="RnnFormatException">The tensor's dtype is not a floating-point type.</exception>
    public void ReadFloats(string name, Span<float> destination)
    {
        var t = GetTensor(name);
        if (destination.Length != t.ElementCount)
            throw new ArgumentException($"Tensor '{name}' has {t.ElementCount} elements; the destination holds {destination.Length}.", nameof(destination));
        if (!t.IsFloatingPoint)
            throw new RnnFormatException(name, $"dtype {t.DTypeName} cannot be read as float (F32, F16, BF16 and F64 can)");
        // Whole elements straight from each chunk; an element split by a chunk boundary goes through a small buffer.
        int size = SafeTensorsDTypes.SizeOf(t.DType);
        Span<byte> split = stackalloc byte[8];
        long position = t.Begin;
        int done = 0;
        while (done < destination.Length)
        {
            var (chunk, at) = Locate(position);
            var available = _chunks[chunk].AsSpan(at);
            int n = Math.Min(available.Length / size, destination.Length - done);
            if (n > 0)
            {
                SafeTensorsDTypes.ToFloats(t.DType, available.Slice(0, n * size), destination.Slice(done, n));
            }
            else
            {
                n = 1;
                CopyData(position, split.Slice(0, size));
                SafeTensorsDTypes.ToFloats(t.DType, split.Slice(0, size), destination.Slice(done, 1));
            }

            done += n;
            position += (long)n * size;
        }
    }

    /// <summary>
    /// Writes named float32 tensors and metadata as a safetensors file: the header lists <c>__metadata__</c> first,
    /// then the tensors in the order given, is padded with spaces to a multiple of 8 bytes (so the data is
    /// aligned), and the data follows in the same order, little-endian F32.
    /// </summary>
    /// <param name="destination">A writable stream; written from its current position, flushed, not closed.</param>
    /// <param name="tensors">Name → tensor, in the order to write (a dictionary works).</param>
    /// <param name="metadata">Entries of <c>__metadata__</c>, or null for none.</param>
    /// <exception cref="ArgumentException">A name is empty, repeated, or <c>__metadata__</c>; a metadata key is repeated.</exception>
    public static void Write(Stream destination, IEnumerable<KeyValuePair<string, FloatTensor>> tensors, IEnumerable<KeyValuePair<string, string>>? metadata = null) =>
        Write(destination, tensors, metadata, ChunkSize);

    /// <summary><see cref="Write(Stream, IEnumerable{KeyValuePair{string, FloatTensor}}, IEnumerable{KeyValuePair{string, string}}?)"/> writing the data in chunks of <paramref name="chunkBytes"/> (tests use small ones).</summary>
    internal static void Write(Stream destination, IEnumerable<KeyValuePair<string, FloatTensor>> tensors, IEnumerable<KeyValuePair<string, string>>? metadata, int chunkBytes)
    {
        ArgumentNullException.ThrowIfNull(destination);
        FloatChunks.CheckChunkSize(chunkBytes);
        ArgumentNullException.ThrowIfNull(tensors);
        if (!destination.CanWrite) throw new ArgumentException("The stream is not writable.", nameof(destination));

        var list = new List<KeyValuePair<string, FloatTensor>>(tensors);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in list)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("A tensor name is null or empty.", nameof(tensors));
            if (name == SafeTensorsHeader.MetadataKey) throw new ArgumentException($"'{SafeTensorsHeader.MetadataKey}' is reserved and cannot name a tensor.", nameof(tensors));
            if (!seen.Add(name)) throw new ArgumentException($"The tensor name '{name}' appears twice.", nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
        }

        byte[] header = BuildHeader(list, metadata);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        destination.Write(prefix);
        destination.Write(header);

        // In bounded chunks (views of the floats on little-endian machines): the data may exceed 2 GiB.
        foreach (var (_, tensor) in list)
            FloatChunks.ForEachChunk(tensor.Values.Span, chunkBytes, destination.Write);

        destination.Flush();
    }

    /// <summary>Writes a safetensors file atomically: a temporary file in the same folder, flushed to disk, then renamed over <paramref name="path"/>; on failure the old file is left as it was.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="tensors">Name → tensor, in the order to write.</param>
    /// <param name="metadata">Entries of <c>__metadata__</c>, or null for none.</param>
    /// <exception cref="ArgumentException">A name is empty, repeated or reserved.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, FloatTensor>> tensors, IEnumerable<KeyValuePair<string, string>>? metadata = null) =>
        AtomicFile.Write(path, stream => Write(stream, tensors, metadata), wrap: null);

    private static byte[] BuildHeader(List<KeyValuePair<string, FloatTensor>> tensors, IEnumerable<KeyValuePair<string, string>>? metadata)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false }))
        {
            json.WriteStartObject();
            if (metadata is not null)
            {
                var keys = new HashSet<string>(StringComparer.Ordinal);
                json.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    ArgumentNullException.ThrowIfNull(key, nameof(metadata));
                    ArgumentNullException.ThrowIfNull(value, nameof(metadata));
                    if (!keys.Add(key)) throw new ArgumentException($"The metadata key '{key}' appears twice.", nameof(metadata));
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in tensor.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                long end = offset + 4L * tensor.Values.Length;
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }

            json.WriteEndObject();
        }

        int length = output.WrittenCount;
        int padded = (length + 7) & ~7;
        if (padded > MaxHeaderLength)
            throw new ArgumentException($"The header would be {padded} bytes, more than the {MaxHeaderLength} a reader accepts.", nameof(tensors));
        var header = new byte[padded];
        output.WrittenSpan.CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }

    /// <summary>The 8 bytes already read and up to <see cref="ForeignFormat.SniffLength"/> − 8 more (fewer at the end of the stream).</summary>
    private static byte[] ReadStart(Stream stream, ReadOnlySpan<byte> prefix)
    {
        var start = new byte[ForeignFormat.SniffLength];
        prefix.CopyTo(start);
        int more = ReadAtMost(stream, start.AsSpan(prefix.Length));
        return start[..(prefix.Length + more)];
    }

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes; fewer only at the end of the stream.</summary>
    private static int ReadAtMost(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer.Slice(total));
            if (n <= 0) break;
            total += n;
        }

        return total;
    }

    /// <summary>
    /// Reads exactly <paramref name="length"/> bytes. Unless the length was already checked against the stream
    /// (<paramref name="lengthKnown"/>), the buffer grows in chunks as bytes actually arrive, so a length claimed by
    /// a corrupt header costs no more memory than the stream really holds.
    /// </summary>
    private static byte[] ReadExactly(Stream stream, int length, string what, bool lengthKnown)
    {
        var buffer = new byte[lengthKnown ? length : Math.Min(length, ChunkSize)];
        int total = 0;
        while (total < length)
        {
            if (total == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(length, Math.Max((long)buffer.Length * 2, ChunkSize)));
            int n = stream.Read(buffer, total, buffer.Length - total);
            if (n <= 0)
                throw new RnnFormatException(null, $"the file ends after {total} of the {length} bytes of {what} (truncated)");
            total += n;
        }

        return buffer;
    }

    private string DescribeNames()
    {
        if (_tensors.Length == 0) return "(none)";
        const int Max = 12;
        var names = new List<string>();
        for (int i = 0; i < _tensors.Length && i < Max; i++) names.Add(_tensors[i].Name);
        return string.Join(", ", names) + (_tensors.Length > Max ? $", … ({_tensors.Length} in all)" : "");
    }

    /// <summary>
    /// Reads the <paramref name="length"/> bytes of the data region into chunks of <paramref name="chunkBytes"/>. A chunk
    /// is allocated only when the previous one is full, so a length claimed by a corrupt header costs at most one chunk
    /// more than the stream really holds (the length was checked against a seekable stream before).
    /// </summary>
    private static byte[][] ReadChunks(Stream stream, long length, int chunkBytes)
    {
        var chunks = new List<byte[]>();
        long total = 0;
        while (total < length)
        {
            var chunk = new byte[(int)Math.Min(chunkBytes, length - total)];
            int filled = ReadAtMost(stream, chunk);
            total += filled;
            if (filled < chunk.Length)
                throw new RnnFormatException(null, $"the file ends after {total} of the {length} bytes of the tensor data (truncated)");
            chunks.Add(chunk);
        }

        return chunks.ToArray();
    }

    /// <summary>The chunk holding data offset <paramref name="position"/> and the offset within it.</summary>
    private (int Chunk, int At) Locate(long position) => ((int)(position / _chunkBytes), (int)(position % _chunkBytes));

    /// <summary>Copies the data bytes from <paramref name="position"/> on into <paramref name="destination"/>, across chunks.</summary>
    private void CopyData(long position, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            var (chunk, at) = Locate(position);
            var source = _chunks[chunk].AsSpan(at);
            int n = Math.Min(source.Length, destination.Length);
            source.Slice(0, n).CopyTo(destination);
            destination = destination.Slice(n);
            position += n;
        }
    }

    /// <summary>Lower-case hex SHA-256 of the whole data region (every tensor's bytes, in file order), hashed chunk by chunk.</summary>
    internal string DataSha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var chunk in _chunks) hash.AppendData(chunk);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>A short list of the file's tensor names for messages.</summary>
    internal string DescribeTensorNames() => DescribeNames();
}
