using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RnnGen.Serialization;

/// <summary>
/// Parses and validates the JSON header of a safetensors file: valid UTF-8 and JSON, an object whose keys are
/// tensor names (plus an optional <c>__metadata__</c> object of strings), each with a known <c>dtype</c>, a
/// <c>shape</c> of non-negative integers and <c>data_offsets</c> [begin, end] whose length is exactly
/// shape × dtype size; names unique; offsets sorted, non-overlapping and tiling [0, data length) with no gap.
/// </summary>
internal static class SafeTensorsHeader
{
    public const string MetadataKey = "__metadata__";

    private static readonly JsonDocumentOptions Options = new()
    {
        MaxDepth = 8,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    /// <summary>Validates <paramref name="header"/> and returns its tensors (in header order), metadata and the length of the data region it describes.</summary>
    /// <exception cref="RnnFormatException">Anything is wrong.</exception>
    public static (SafeTensorInfo[] Tensors, Dictionary<string, string> Metadata, long DataLength) Parse(ReadOnlyMemory<byte> header)
    {
        ReadOnlySpan<byte> span = header.Span;
        if (span.Length == 0 || span[0] != (byte)'{')
            throw new RnnFormatException(null, "the header does not start with '{' (not a safetensors file, or a corrupt header length)");

        int invalid = FindInvalidUtf8(span);
        if (invalid >= 0)
            throw new RnnFormatException(null, $"the header is not valid UTF-8 (byte {invalid.ToString(CultureInfo.InvariantCulture)} of the header)");

        try
        {
            using var doc = JsonDocument.Parse(header, Options);
            return Validate(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new RnnFormatException(null, $"the header is not valid JSON ({e.Message.TrimEnd('.')})", e);
        }
        catch (InvalidOperationException e)
        {
            // JsonElement.GetString on an escaped lone surrogate, for example.
            throw new RnnFormatException(null, $"the header holds a string that is not valid text ({e.Message.TrimEnd('.')})", e);
        }
    }

    private static (SafeTensorInfo[], Dictionary<string, string>, long) Validate(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new RnnFormatException(null, $"the header is a JSON {Kind(root.ValueKind)}, not an object");

        var tensors = new List<SafeTensorInfo>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        Dictionary<string, string>? metadata = null;

        foreach (var property in root.EnumerateObject())
        {
            string name = property.Name;
            if (!names.Add(name))
                throw new RnnFormatException(name, "appears more than once in the header");

            if (name == MetadataKey)
            {
                metadata = ParseMetadata(property.Value);
                continue;
            }

            tensors.Add(ParseTensor(name, property.Value));
        }

        long dataLength = CheckOffsets(tensors);
        return (tensors.ToArray(), metadata ?? new Dictionary<string, string>(StringComparer.Ordinal), dataLength);
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new RnnFormatException(null, $"'{MetadataKey}' is a JSON {Kind(value.ValueKind)}, not an object of strings");

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new RnnFormatException(null, $"metadata entry '{entry.Name}' is a JSON {Kind(entry.Value.ValueKind)}; safetensors metadata values must be strings");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw new RnnFormatException(null, $"metadata entry '{entry.Name}' appears more than once");
        }

        return metadata;
    }

    private static SafeTensorInfo ParseTensor(string name, JsonElement value)
    {
        if (name.Length == 0)
            throw new RnnFormatException(null, "a tensor has an empty name");
        if (value.ValueKind != JsonValueKind.Object)
            throw new RnnFormatException(name, $"its header entry is a JSON {Kind(value.ValueKind)}, not an object with dtype, shape and data_offsets");

        JsonElement? dtypeElement = null, shapeElement = null, offsetsElement = null;
        foreach (var field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype": Once(ref dtypeElement, field); break;
                case "shape": Once(ref shapeElement, field); break;
                case "data_offsets": Once(ref offsetsElement, field); break;
                default: throw new RnnFormatException(name, $"unknown header field '{field.Name}' (expected dtype, shape and data_offsets)");
            }
        }

        void Once(ref JsonElement? slot, JsonProperty field)
        {
            if (slot is not null)
                throw new RnnFormatException(name, $"the field '{field.Name}' appears more than once");
            slot = field.Value;
        }

        if (dtypeElement is not { } dtypeValue) throw new RnnFormatException(name, "the header entry has no 'dtype'");
        if (shapeElement is not { } shapeValue) throw new RnnFormatException(name, "the header entry has no 'shape'");
        if (offsetsElement is not { } offsetsValue) throw new RnnFormatException(name, "the header entry has no 'data_offsets'");

        if (dtypeValue.ValueKind != JsonValueKind.String)
            throw new RnnFormatException(name, $"'dtype' is a JSON {Kind(dtypeValue.ValueKind)}, not a string");
        string dtypeName = dtypeValue.GetString()!;
        if (!SafeTensorsDTypes.TryParse(dtypeName, out var dtype))
            throw new RnnFormatException(name, $"unknown dtype '{Truncate(dtypeName)}' (known: {SafeTensorsDTypes.KnownNames})");

        long[] shape = ReadIntegers(name, shapeValue, "shape", expectedCount: -1);
        long[] offsets = ReadIntegers(name, offsetsValue, "data_offsets", expectedCount: 2);
        long begin = offsets[0], end = offsets[1];
        if (end < begin)
            throw new RnnFormatException(name, $"data_offsets [{begin}, {end}] end before they begin");

        long elements = 1;
        long bytes;
        try
        {
            foreach (long d in shape)
                elements = checked(elements * d);
            bytes = checked(elements * SafeTensorsDTypes.SizeOf(dtype));
        }
        catch (OverflowException e)
        {
            throw new RnnFormatException(name, $"shape {SafeTensorInfo.FormatShape(shape)} of {dtypeName} is larger than 2^63 bytes", e);
        }

        if (end - begin != bytes)
            throw new RnnFormatException(name,
                $"data_offsets [{begin}, {end}] hold {end - begin} bytes but shape {SafeTensorInfo.FormatShape(shape)} of {dtypeName} needs {bytes}");

        return new SafeTensorInfo(name, dtype, dtypeName, shape, elements, begin, end);
    }

    private static long[] ReadIntegers(string name, JsonElement value, string field, int expectedCount)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw new RnnFormatException(name, $"'{field}' is a JSON {Kind(value.ValueKind)}, not a list of integers");
        int count = value.GetArrayLength();
        if (expectedCount >= 0 && count != expectedCount)
            throw new RnnFormatException(name, $"'{field}' has {count} entries; expected {expectedCount}");

        var result = new long[count];
        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0)
                throw new RnnFormatException(name, $"'{field}' entry {i} ({Truncate(item.GetRawText())}) is not a non-negative integer below 2^63");
            result[i++] = v;
        }

        return result;
    }

    /// <summary>Sorts by offset and checks that the tensors tile [0, data length) exactly; returns that length.</summary>
    private static long CheckOffsets(List<SafeTensorInfo> tensors)
    {
        var sorted = tensors.ToArray();
        Array.Sort(sorted, static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        SafeTensorInfo? previous = null;
        foreach (var t in sorted)
        {
            if (t.Begin < expected)
                throw new RnnFormatException(t.Name, $"data_offsets [{t.Begin}, {t.End}] overlap tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]");
            if (t.Begin > expected)
                throw new RnnFormatException(t.Name,
                    previous is null
                        ? $"data_offsets [{t.Begin}, {t.End}] leave bytes [0, {t.Begin}) of the data region unused (tensors must cover the data exactly, starting at 0)"
                        : $"data_offsets [{t.Begin}, {t.End}] leave a gap of {t.Begin - expected} bytes after tensor '{previous.Name}' (tensors must cover the data exactly)");
            expected = t.End;
            previous = t;
        }

        return expected;
    }

    /// <summary>The offset of the first byte that does not start a valid UTF-8 sequence, or −1.</summary>
    private static int FindInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return -1;
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes.Slice(offset), out _, out int consumed) != System.Buffers.OperationStatus.Done)
                return offset;
            offset += consumed;
        }

        return -1;
    }

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value",
    };

    internal static string Truncate(string s) => s.Length <= 40 ? s : s.Substring(0, 40) + "…";
}
