"""NPY arrays and MNIST IDX files: headers validated (dtype, shape, length) before any data is touched."""

from __future__ import annotations

import struct
from math import prod

import numpy as np

from ..dataset import MAX_ROWS, Dataset, check_size, from_array
from ..errors import InputError

IDX_ACCEPTED = "accepted: MNIST IDX with magic 0x00000803 (uint8 images) or 0x00000801 (uint8 labels)"


def read_npy(f, what: str, labels: bool = False, raw: bytes | None = None) -> np.ndarray:
    """Read one NPY array from f; object arrays are never unpickled.

    raw: the whole file when f reads from it, so the data is viewed in place rather than copied."""
    shape, fortran, dtype = _npy_header(f, what, labels)
    count = prod(shape)
    nbytes = count * dtype.itemsize
    body = f.read(nbytes) if raw is None else memoryview(raw)[f.tell() : f.tell() + nbytes]
    if len(body) < nbytes:
        raise InputError(
            f"{what} is truncated: its header declares shape {shape} of {dtype} "
            f"({nbytes:,} bytes of data) but only {len(body):,} bytes follow."
        )
    return np.frombuffer(body, dtype=dtype, count=count).reshape(shape, order="F" if fortran else "C")


def _npy_header(f, what: str, labels: bool):
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise InputError(
            f"{what}: NPY format version {version} is not supported; accepted: versions 1.0 and 2.0 "
            "(what numpy.save writes for numeric arrays)."
        )
    if dtype.hasobject or dtype.kind not in "biuf":
        kind = {
            "O": "object (pickled Python objects)",
            "c": "complex",
            "V": "structured",
            "U": "text",
            "S": "bytes",
        }.get(dtype.kind, str(dtype))
        raise InputError(
            f"{what} holds {kind} values; accepted: integer, float or bool arrays "
            "(object arrays are refused because loading them would run pickled code)."
        )
    if any(d < 0 for d in shape):
        raise InputError(f"{what} has a malformed header (shape {shape}).")
    if labels:
        if len(shape) != 1 or shape[0] > MAX_ROWS:
            raise InputError(f"{what}: labels must be 1-D with at most {MAX_ROWS:,} values; got shape {shape}.")
    elif len(shape) == 2:
        check_size(shape[0], shape[1], what)
    elif len(shape) == 3:
        check_size(shape[0], shape[1] * shape[2], what)
    else:
        raise InputError(
            f"{what} is {len(shape)}-D with shape {shape}; accepted: 2-D (samples x features) "
            "or 3-D (a stack of images)."
        )
    return shape, fortran, dtype


def parse_idx(raw: bytes, what: str, want_images: bool) -> np.ndarray:
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08" or raw[3] not in (1, 3):
        magic = int.from_bytes(raw[:4].ljust(4, b"\0"), "big")
        raise InputError(f"{what}: IDX magic number 0x{magic:08X} is not supported; {IDX_ACCEPTED}.")
    ndim = raw[3]
    if want_images and ndim == 1:
        raise InputError(
            f"{what} is an IDX labels file (no images); upload the images file, or a ZIP holding "
            "both the images and the labels file."
        )
    if len(raw) < 4 + 4 * ndim:
        raise InputError(f"{what} is truncated: the IDX header is incomplete.")
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    if ndim == 3:
        check_size(dims[0], dims[1] * dims[2], what)
    elif dims[0] > MAX_ROWS:
        raise InputError(f"{what} declares {dims[0]:,} labels; accepted: at most {MAX_ROWS:,}.")
    need = 4 + 4 * ndim + prod(dims)
    if len(raw) != need:
        state = "truncated" if len(raw) < need else "longer than its header says"
        raise InputError(
            f"{what} is {state}: dimensions {dims} need {need:,} bytes but the file has {len(raw):,}; {IDX_ACCEPTED}."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def array_dataset(x: np.ndarray, y: np.ndarray | None, label: str) -> Dataset:
    # IDX/image stacks are uint8 0..255; scale here so an all-dark stack (max <= 1) is not taken as [0, 1].
    if x.ndim == 3 and x.dtype == np.uint8:
        x = x.astype(np.float32)
        x /= 255.0
    return from_array(x, y=y, name=label)
