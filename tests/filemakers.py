"""Builders of file bytes shared by the good-file and bad-file tests (numpy, IDX, images, ZIP archives)."""

from __future__ import annotations

import io
import struct
import zipfile

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
