using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using System.Text;
using System.Text.RegularExpressions;

namespace RnnGen.Benchmarks.Peers;

/// <summary>
/// Lets TorchSharp's native shim load with the libstdc++ of Debian 12. TorchSharp 0.107's libLibTorchSharp.so was
/// linked against GCC 13's libstdc++ and asks for the symbol version GLIBCXX_3.4.32; Debian 12 ships GCC 12's
/// (up to GLIBCXX_3.4.30), so the loader refuses it. The only symbol of that version it names is
/// <c>std::ios_base_library_init()</c>, which GCC 13's &lt;iostream&gt; references to pull in the stream initializer
/// and which nothing calls (no relocation uses it); libtorch's own objects initialize the standard streams.
/// </summary>
/// <remarks>
/// <see cref="EnsureLoadable"/> runs before the first TorchSharp call of every process (the peers program and each
/// process BenchmarkDotNet starts). It marks each version the shim needs from libstdc++.so.6 that the system's
/// libstdc++ does not define as a weak version need (VER_FLG_WEAK in its Vernaux entry), which the loader then skips,
/// in the copies under this program's folder only (never the NuGet cache); it refuses when a relocation would bind a
/// symbol of such a version, and leaves an already patched file alone.
/// </remarks>
public static class LibTorchSharpPatch
{
    private const uint ShtRela = 4;
    private const uint ShtGnuVerneed = 0x6FFFFFFE;
    private const uint ShtGnuVersym = 0x6FFFFFFF;
    private const ushort VerFlagWeak = 0x2;
    private const string LibStdCxx = "libstdc++.so.6";

    private static readonly object Gate = new();
    private static bool _done;

    /// <summary>Patches every libLibTorchSharp.so under this program's folder if needed (Linux only; once per process).</summary>
    public static void EnsureLoadable()
    {
        lock (Gate)
        {
            if (_done || !OperatingSystem.IsLinux())
            {
                return;
            }

            HashSet<string>? available = SystemVersions();
            if (available is not null)
            {
                foreach (string path in Directory.EnumerateFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories))
                {
                    Patch(path, available);
                }
            }

            _done = true;
        }
    }

    /// <summary>The GLIBCXX_/CXXABI_ version names the system's libstdc++.so.6 defines; null when it cannot be found.</summary>
    private static HashSet<string>? SystemVersions()
    {
        string[] candidates = ["/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"];
        string? path = candidates.Select(d => Path.Combine(d, LibStdCxx)).FirstOrDefault(File.Exists);
        if (path is null)
        {
            return null;
        }

        string text = Encoding.Latin1.GetString(File.ReadAllBytes(path));
        return Regex.Matches(text, @"(?:GLIBCXX|CXXABI)_[0-9][0-9.]*(?=\x00)").Select(m => m.Value).ToHashSet();
    }

    [SupportedOSPlatform("linux")]
    private static void Patch(string path, HashSet<string> available)
    {
        byte[] data = File.ReadAllBytes(path);
        if (data.Length < 64 || data[0] != 0x7F || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F' || data[4] != 2 || data[5] != 1)
        {
            return;   // not a 64-bit little-endian ELF file
        }

        var sections = new List<(uint Type, long Offset, long Size, uint Link)>();
        long shoff = (long)U64(data, 0x28);
        int shentsize = U16(data, 0x3A), shnum = U16(data, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            long s = shoff + (long)i * shentsize;
            sections.Add((U32(data, s + 4), (long)U64(data, s + 24), (long)U64(data, s + 32), U32(data, s + 40)));
        }

        var verneed = sections.FirstOrDefault(s => s.Type == ShtGnuVerneed);
        var versym = sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        if (verneed.Type == 0 || versym.Type == 0)
        {
            return;
        }

        // versions needed from libstdc++ that the system does not define: version index → Vernaux offset
        long strtab = sections[(int)verneed.Link].Offset;
        var missing = new Dictionary<int, (long Aux, string Name)>();
        long offset = verneed.Offset;
        while (true)
        {
            int count = U16(data, offset + 2);
            string file = CString(data, strtab + U32(data, offset + 4));
            long aux = offset + U32(data, offset + 8);
            for (int k = 0; k < count; k++)
            {
                string name = CString(data, strtab + U32(data, aux + 8));
                if (file == LibStdCxx && !available.Contains(name))
                {
                    missing[U16(data, aux + 6)] = (aux, name);
                }

                uint next = U32(data, aux + 12);
                if (next == 0)
                {
                    break;
                }

                aux += next;
            }

            uint nextNeed = U32(data, offset + 12);
            if (nextNeed == 0)
            {
                break;
            }

            offset += nextNeed;
        }

        if (missing.Count == 0)
        {
            return;
        }

        // no relocation may bind a symbol of such a version
        long symbols = versym.Size / 2;
        foreach (var rela in sections.Where(s => s.Type == ShtRela))
        {
            for (long r = rela.Offset; r + 24 <= rela.Offset + rela.Size; r += 24)
            {
                long symbol = (long)(U64(data, r + 8) >> 32);
                if (symbol > 0 && symbol < symbols && missing.TryGetValue(U16(data, versym.Offset + 2 * symbol) & 0x7FFF, out var version))
                {
                    throw new InvalidOperationException($"{path} binds a symbol of {version.Name}: it really needs a newer libstdc++ than this system's.");
                }
            }
        }

        bool changed = false;
        foreach (var (aux, _) in missing.Values)
        {
            ushort flags = U16(data, aux + 4);
            if ((flags & VerFlagWeak) == 0)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan((int)aux + 4), (ushort)(flags | VerFlagWeak));
                changed = true;
            }
        }

        if (changed)
        {
            string temporary = path + ".patch.tmp";
            File.WriteAllBytes(temporary, data);
            File.SetUnixFileMode(temporary, File.GetUnixFileMode(path));
            File.Move(temporary, path, overwrite: true);
            Console.Error.WriteLine($"// {path}: marked the libstdc++ version(s) {string.Join(", ", missing.Values.Select(v => v.Name))} weak (see LibTorchSharpPatch).");
        }
    }

    private static ushort U16(byte[] data, long offset) => BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan((int)offset));

    private static uint U32(byte[] data, long offset) => BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan((int)offset));

    private static ulong U64(byte[] data, long offset) => BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan((int)offset));

    private static string CString(byte[] data, long offset)
    {
        int end = Array.IndexOf(data, (byte)0, (int)offset);
        return Encoding.ASCII.GetString(data, (int)offset, end - (int)offset);
    }
}
