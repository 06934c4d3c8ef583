#!/usr/bin/env python3
"""Let TorchSharp's libLibTorchSharp.so load with the libstdc++ of Debian 12.

TorchSharp 0.107's native shim was linked against GCC 13's libstdc++ and so asks for the symbol version
GLIBCXX_3.4.32; Debian 12 ships GCC 12's libstdc++ (up to GLIBCXX_3.4.30), and the dynamic loader refuses the
library. The only symbol of that version it names is std::ios_base_library_init(), which GCC 13's <iostream>
references to pull in the stream initializer and which nothing calls (no relocation uses it); libtorch's own
objects initialize the standard streams.

This script marks each version the shim needs from libstdc++.so.6 but the system's libstdc++ does not define as a
*weak* version need (VER_FLG_WEAK in its Vernaux entry): the loader then skips it silently. It refuses when any
relocation would bind a symbol of such a version (that symbol would really be missing). It edits the given files in
place (the copies in a build output, never the NuGet cache) and does nothing to a file already patched.

    python3 benchmarks/peers/weak_glibcxx.py path/to/libLibTorchSharp.so [...]

benchmarks/RnnGen.Benchmarks.Peers/Directory.Build.targets runs it after every build of the peers project (and of
the project BenchmarkDotNet generates under its bin folder).
"""
import glob
import os
import re
import struct
import sys

SHT_RELA = 4
SHT_DYNSYM = 11
SHT_GNU_VERNEED = 0x6FFFFFFE
SHT_GNU_VERSYM = 0x6FFFFFFF
VER_FLG_WEAK = 0x2
LIBSTDCXX = "libstdc++.so.6"


def system_libstdcxx_versions():
    """The GLIBCXX_/CXXABI_ version names the system's libstdc++.so.6 defines."""
    candidates = glob.glob("/usr/lib/x86_64-linux-gnu/libstdc++.so.6") + glob.glob("/usr/lib*/libstdc++.so.6") \
        + glob.glob("/lib/x86_64-linux-gnu/libstdc++.so.6") + glob.glob("/usr/lib/*-linux-gnu/libstdc++.so.6")
    if not candidates:
        raise SystemExit("weak_glibcxx: no system libstdc++.so.6 found")
    with open(candidates[0], "rb") as f:
        data = f.read()
    return {m.decode() for m in re.findall(rb"(?:GLIBCXX|CXXABI)_[0-9][0-9.]*(?=\x00)", data)}


def sections(data):
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    result = []
    for i in range(shnum):
        name, stype, flags, addr, offset, size, link, info, align, entsize = struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
        result.append({"type": stype, "offset": offset, "size": size, "link": link, "entsize": entsize})
    return result


def cstring(data, offset):
    return data[offset:data.index(b"\x00", offset)].decode()


def patch(path, available):
    with open(path, "rb") as f:
        data = bytearray(f.read())
    secs = sections(data)
    verneed = next((s for s in secs if s["type"] == SHT_GNU_VERNEED), None)
    versym = next((s for s in secs if s["type"] == SHT_GNU_VERSYM), None)
    if verneed is None or versym is None:
        print(f"{path}: no symbol versioning, nothing to do")
        return
    strtab = secs[verneed["link"]]["offset"]

    # versions needed from libstdc++ that the system does not define: their Vernaux offsets by version index
    missing = {}
    offset = verneed["offset"]
    while True:
        vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, offset)
        aux = offset + vn_aux
        for _ in range(vn_cnt):
            vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
            name = cstring(data, strtab + vna_name)
            if cstring(data, strtab + vn_file) == LIBSTDCXX and name not in available:
                missing[vna_other] = (aux, name, vna_flags)
            if vna_next == 0:
                break
            aux += vna_next
        if vn_next == 0:
            break
        offset += vn_next
    if not missing:
        print(f"{path}: every libstdc++ version it needs is defined here, nothing to do")
        return

    # no relocation may bind a symbol of such a version
    count = versym["size"] // 2
    indices = struct.unpack_from(f"<{count}H", data, versym["offset"])
    for rela in (s for s in secs if s["type"] == SHT_RELA):
        for k in range(rela["size"] // 24):
            r_offset, r_info, r_addend = struct.unpack_from("<QQq", data, rela["offset"] + 24 * k)
            sym = r_info >> 32
            if sym and sym < count and (indices[sym] & 0x7FFF) in missing:
                raise SystemExit(f"weak_glibcxx: {path}: a relocation uses a symbol of {missing[indices[sym] & 0x7FFF][1]}; "
                                 "the library really needs a newer libstdc++")

    changed = []
    for aux, name, flags in missing.values():
        if not flags & VER_FLG_WEAK:
            struct.pack_into("<H", data, aux + 4, flags | VER_FLG_WEAK)
            changed.append(name)
    if changed:
        tmp = path + ".weak-glibcxx.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.chmod(tmp, os.stat(path).st_mode)
        os.replace(tmp, path)
        print(f"{path}: marked weak: {', '.join(changed)}")
    else:
        print(f"{path}: already patched ({', '.join(n for _, n, _ in missing.values())} weak)")


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    available = system_libstdcxx_versions()
    for path in argv:
        patch(path, available)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
