"""Builders of file bytes shared by the good-file and bad-file tests (numpy, IDX, images, ZIP archives)."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib

import numpy as np
from PIL import Image


def npy(arr: np.ndarray) -> bytes:
    """NPY bytes; object arrays are pickled, which is what the hostile-file tests need."""
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def npz(compressed: bool = False, **arrays) -> bytes:
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, allow_pickle=True, **arrays)
    return buf.getvalue()


def idx(arr: np.ndarray, magic: int | None = None) -> bytes:
    """MNIST IDX bytes (uint8); magic defaults to the right one for arr's number of dimensions."""
    magic = 0x800 + arr.ndim if magic is None else magic
    return struct.pack(">I", magic) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.astype(np.uint8).tobytes()


def image(arr: np.ndarray, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt)
    return buf.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def zip_with(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A ZIP whose members all use one compression method (bzip2 and LZMA are what the loader must refuse)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def encrypted(archive: bytes) -> bytes:
    """Set the 'encrypted' flag bit on every member (local headers and central directory), as zip -e does."""
    out = bytearray(archive)
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = out.find(sig)
        while at >= 0:
            out[at + offset] |= 0x1
            at = out.find(sig, at + 4)
    return bytes(out)


def png_chunks(arr: np.ndarray, n_empty: int) -> bytes:
    """A valid PNG with n_empty empty ancillary chunks before its image data (Pillow parses each in Python)."""
    png = image(arr)
    chunk = struct.pack(">I", 0) + b"abCd" + struct.pack(">I", zlib.crc32(b"abCd"))
    at = png.find(b"IDAT") - 4
    return png[:at] + chunk * n_empty + png[at:]


def jpeg_segments(arr: np.ndarray, n_empty: int) -> bytes:
    """A valid JPEG with n_empty empty APP15 segments after its start marker."""
    jpg = image(arr, "JPEG")
    return jpg[:2] + b"\xff\xef\x00\x02" * n_empty + jpg[2:]


def exif_rotated_jpeg(arr: np.ndarray, orientation: int) -> bytes:
    """JPEG bytes of arr with an EXIF Orientation tag (6: shown turned 90 degrees clockwise), as phones write."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", exif=exif.tobytes(), quality=100, subsampling=0)
    return buf.getvalue()


def gzip_members(payloads: list[bytes]) -> bytes:
    """A multi-member gzip: one member per payload, concatenated."""
    return b"".join(gzip.compress(p, compresslevel=1) for p in payloads)
