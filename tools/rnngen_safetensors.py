"""A small, dependency-light reader/writer of the safetensors format (numpy only).

RnnGen's tools use it so that neither the `safetensors` package nor a recent torch is needed
(Debian's torch 1.13 has no safetensors support). The format:

    8 bytes   N, little-endian unsigned 64-bit: length of the header
    N bytes   UTF-8 JSON: {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
                           "__metadata__": {"key": "value", ...}}   (padded with spaces to a multiple of 8)
    rest      the raw little-endian tensor data; data_offsets are relative to its start

Functions:
    save(path, tensors, metadata=None, dtype="F32", sort_data=False, data_hash=False)
                                                      tensors: {name: numpy array or torch tensor}
    load(path) -> (tensors as float32 numpy arrays, metadata)
    load_raw(path) -> (header dict, data bytes)
    round_to(values, dtype)   float32 values as they come back after storing them as dtype
"""
import hashlib
import json
import os
import struct
import tempfile

import numpy as np

MAX_HEADER = 100_000_000
_NUMPY = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
          "U8": "u1", "U16": "<u2", "U32": "<u4", "U64": "<u8", "BOOL": "?"}
_SIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "U16": 2,
         "U32": 4, "U64": 8, "BOOL": 1, "F8_E5M2": 1, "F8_E4M3": 1}
FLOAT_DTYPES = ("F32", "F16", "BF16", "F64")


def _to_numpy(value):
    """A numpy array from a numpy array, a torch tensor (any device, with or without grad) or a list."""
    if hasattr(value, "detach"):
        value = value.detach().cpu()
        if str(value.dtype) == "torch.bfloat16":
            value = value.float()
        value = value.numpy()
    return np.asarray(value)


def _bf16_bits(values):
    """float32 -> bfloat16 bit patterns (uint16), rounding to nearest even like torch's .to(torch.bfloat16)."""
    bits = np.ascontiguousarray(values, dtype="<f4").view("<u4").astype(np.uint64)
    nan = np.isnan(np.ascontiguousarray(values, dtype=np.float32))
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    rounded[nan] = 0x7FC0
    return rounded


def encode(values, dtype):
    """Little-endian bytes of float values stored as dtype (F32, F16, BF16 or F64)."""
    a = np.asarray(values, dtype=np.float64 if dtype == "F64" else np.float32)
    if dtype == "BF16":
        return _bf16_bits(a).astype("<u2").tobytes()
    if dtype not in ("F32", "F16", "F64"):
        raise ValueError(f"cannot write floats as {dtype}")
    return np.ascontiguousarray(a.astype(_NUMPY[dtype])).tobytes()


def decode(raw, dtype, shape):
    """float32 numpy array from little-endian bytes of dtype."""
    if dtype == "BF16":
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        out = bits.view(np.float32)
    elif dtype in ("F32", "F16", "F64"):
        out = np.frombuffer(raw, dtype=_NUMPY[dtype]).astype(np.float32)
    else:
        raise ValueError(f"dtype {dtype} is not a floating-point type")
    return out.reshape(shape)


def round_to(values, dtype):
    """What float32 values become after a trip through dtype."""
    a = np.asarray(values, dtype=np.float32)
    return decode(encode(a, dtype), dtype, a.shape)


def dumps(tensors, metadata=None, dtype="F32", sort_data=False, data_hash=False):
    """The bytes of a safetensors file. tensors: {name: array}; all floats are stored as dtype.

    sort_data=True stores the data in name order (as the reference implementation does) instead of
    the dict's order; the header lists tensors in the dict's order either way. data_hash=True adds
    metadata "data_sha256" (hex SHA-256 of the data region), which RnnGen checks when the metadata
    also says "format": "rnngen"."""
    arrays = {name: _to_numpy(v) for name, v in tensors.items()}
    names = sorted(arrays) if sort_data else list(arrays)
    offsets, blobs, offset = {}, [], 0
    for name in names:
        blob = encode(arrays[name], dtype)
        offsets[name] = (offset, offset + len(blob))
        offset += len(blob)
        blobs.append(blob)
    header = {}
    metadata = dict(metadata or {})
    if data_hash:
        metadata["data_sha256"] = hashlib.sha256(b"".join(blobs)).hexdigest()
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, a in arrays.items():
        header[name] = {"dtype": dtype, "shape": [int(d) for d in a.shape], "data_offsets": list(offsets[name])}
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def save(path, tensors, metadata=None, dtype="F32", sort_data=False, data_hash=False):
    """Writes a safetensors file atomically (temporary file in the same folder, fsync, rename)."""
    data = dumps(tensors, metadata, dtype, sort_data, data_hash)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load_raw(path):
    """(header dict without __metadata__, metadata dict, data bytes), with the format's checks."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: {len(blob)} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > MAX_HEADER or 8 + n > len(blob):
        raise ValueError(f"{path}: header length {n} is too large for a {len(blob)}-byte file")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {}) or {}
    data = blob[8 + n:]
    end = 0
    for name, info in sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        begin, stop = info["data_offsets"]
        count = int(np.prod(info["shape"], dtype=np.int64)) if info["shape"] else 1
        if begin != end or stop - begin != count * _SIZE[info["dtype"]]:
            raise ValueError(f"{path}: tensor {name!r} has bad data_offsets {info['data_offsets']}")
        end = stop
    if end != len(data):
        raise ValueError(f"{path}: the tensors cover {end} of {len(data)} data bytes")
    return header, metadata, data


def load(path):
    """({name: float32 numpy array}, metadata) of a file whose tensors are all floating point."""
    header, metadata, data = load_raw(path)
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        tensors[name] = decode(data[begin:end], info["dtype"], info["shape"])
    return tensors, metadata
