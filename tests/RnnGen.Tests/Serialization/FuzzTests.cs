using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using RnnGen.Serialization;
using RnnGen.Tests.Models;
using Xunit;
using Xunit.Abstractions;
using static RnnGen.Tests.Serialization.SerializationTestKit;

namespace RnnGen.Tests.Serialization;

/// <summary>
/// Seeded random damage to valid files (truncations, bit flips, header edits, length-prefix edits, dtype swaps,
/// appended bytes): each load either succeeds with finite parameters or throws <see cref="RnnFormatException"/>
/// with the model bit-identical; never another exception, a hang or a large allocation.
/// </summary>
public class FuzzTests
{
    private const int Iterations = 20000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(4);

    private readonly ITestOutputHelper _output;

    public FuzzTests(ITestOutputHelper output) => _output = output;

    private static readonly string[] Numbers =
    {
        "0", "1", "-1", "7", "240", "848", "2147483647", "2147483648", "4294967296", "1152921504606846976",
        "9223372036854775807", "9223372036854775808", "18446744073709551616", "1e3", "1.5", "-0", "99999999999999999999999",
    };

    private static readonly string[] Tokens = { "{", "}", "[", "]", "\"", ",", ":", " ", "\\", "null", "true", "\\u0000", "\\ud800", "é" };

    private static readonly string[] DTypes = { "F16", "BF16", "F64", "I32", "I64", "BOOL", "U8", "F8_E4M3", "F32 ", "f32", "" };

    [Fact]
    public void DamagedFilesLoadOrFailCleanly()
    {
        var lstm = RandomModel<Lstm2Layer5x3x2>(seed: 1);
        byte[] valid = SaveToBytes(lstm);
        var model = new Lstm2Layer5x3x2();
        var stopwatch = Stopwatch.StartNew();
        var counts = new Dictionary<string, int>();
        var loadedKinds = new Dictionary<string, int>();
        int loaded = 0, rejected = 0, done = 0;
        long maxAllocated = 0;
        TimeSpan slowest = TimeSpan.Zero;

        for (int i = 0; i < Iterations && stopwatch.Elapsed < Budget; i++, done++)
        {
            var rng = new Random(1000 + i);
            var (file, kind) = Mutate(valid, rng);
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
            bool nonSeekable = (i & 1) == 1;

            model.CopyParametersFrom(Canonical(lstm)); // a known starting point
            var before = InternalBits(model);
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var t0 = stopwatch.Elapsed;
            try
            {
                Stream stream = new MemoryStream(file, writable: false);
                if (nonSeekable) stream = new NonSeekableStream(stream);
                RnnModelSerializer.Load(model, stream, strict: (i & 2) == 0);
                loaded++;
                loadedKinds[kind] = loadedKinds.GetValueOrDefault(kind) + 1;
                var p = Canonical(model);
                Assert.All(p, v => Assert.True(float.IsFinite(v)));
            }
            catch (RnnFormatException e)
            {
                rejected++;
                Assert.False(string.IsNullOrWhiteSpace(e.Reason));
                Assert.Equal(before, InternalBits(model));
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i} ({kind}, {(nonSeekable ? "non-seekable" : "seekable")}): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }

            var took = stopwatch.Elapsed - t0;
            if (took > slowest) slowest = took;
            maxAllocated = Math.Max(maxAllocated, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
        }

        _output.WriteLine($"{done} damaged files in {stopwatch.Elapsed.TotalSeconds:F2} s: {loaded} loaded, {rejected} rejected; " +
                          $"slowest {slowest.TotalMilliseconds:F1} ms, most allocated by one load {maxAllocated / 1024} KiB; " +
                          string.Join(", ", counts) + "; loaded by kind: " + string.Join(", ", loadedKinds));
        Assert.True(done >= 1000, $"only {done} iterations ran in {Budget}");
        Assert.True(rejected > done / 2 && loaded > 0, $"loaded {loaded}, rejected {rejected}");
        Assert.InRange(maxAllocated, 0, 4L * 1024 * 1024);
        Assert.True(slowest < TimeSpan.FromSeconds(1), $"one load took {slowest}");
    }

    private static (byte[] File, string Kind) Mutate(byte[] valid, Random rng)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        switch (rng.Next(8))
        {
            case 0:
                return (valid[..rng.Next(valid.Length)], "truncate");
            case 1:
            {
                var f = (byte[])valid.Clone();
                for (int k = rng.Next(1, 5); k > 0; k--)
                {
                    int at = rng.Next(f.Length);
                    f[at] ^= (byte)(1 << rng.Next(8));
                }

                return (f, "bit flips");
            }
            case 2:
            {
                var f = (byte[])valid.Clone();
                int at = 8 + rng.Next(headerLength);
                f[at] ^= (byte)(1 << rng.Next(8));
                return (f, "header bit flip");
            }
            case 3:
                return (EditDigits(valid, rng), "number edit");
            case 4:
            {
                var (h, d) = Split(valid);
                int at = rng.Next(h.Length);
                string token = Tokens[rng.Next(Tokens.Length)];
                h = rng.Next(3) switch
                {
                    0 => h.Remove(at, 1),
                    1 => h.Insert(at, token),
                    _ => h.Remove(at, 1).Insert(at, token),
                };
                var f = Join(h, d);
                if (rng.Next(4) == 0) BinaryPrimitives.WriteUInt64LittleEndian(f, (ulong)headerLength); // stale length
                return (f, "token edit");
            }
            case 5:
            {
                var f = (byte[])valid.Clone();
                ulong n = rng.Next(4) switch
                {
                    0 => (ulong)rng.NextInt64(),
                    1 => (ulong)(headerLength + rng.Next(-16, 17)),
                    2 => 1UL << rng.Next(64),
                    _ => (ulong)rng.Next(100_000_001),
                };
                BinaryPrimitives.WriteUInt64LittleEndian(f, n);
                return (f, "length prefix");
            }
            case 6:
            {
                var (h, d) = Split(valid);
                int at = h.IndexOf("\"F32\"", rng.Next(h.Length / 2), StringComparison.Ordinal);
                if (at < 0) at = h.IndexOf("\"F32\"", StringComparison.Ordinal);
                h = h.Remove(at + 1, 3).Insert(at + 1, DTypes[rng.Next(DTypes.Length)]);
                return (Join(h, d), "dtype swap");
            }
            default:
            {
                var extra = new byte[rng.Next(1, 64)];
                rng.NextBytes(extra);
                var f = new byte[valid.Length + extra.Length];
                valid.CopyTo(f, 0);
                extra.CopyTo(f, valid.Length);
                return (f, "append");
            }
        }
    }

    /// <summary>Replaces one run of digits in the header (a shape, an offset, a metadata size) with another number.</summary>
    private static byte[] EditDigits(byte[] valid, Random rng)
    {
        var (h, d) = Split(valid);
        var runs = new List<(int Start, int Length)>();
        for (int i = 0; i < h.Length;)
        {
            if (char.IsAsciiDigit(h[i]))
            {
                int start = i;
                while (i < h.Length && char.IsAsciiDigit(h[i])) i++;
                runs.Add((start, i - start));
            }
            else
            {
                i++;
            }
        }

        var (s, l) = runs[rng.Next(runs.Count)];
        string replacement = rng.Next(2) == 0
            ? Numbers[rng.Next(Numbers.Length)]
            : rng.Next(0, 2000).ToString(CultureInfo.InvariantCulture);
        return Join(h.Remove(s, l).Insert(s, replacement), d);
    }
}
