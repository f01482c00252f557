"""Load a user's data file (CSV, NPY, NPZ, MNIST IDX, ZIP of images) into a Dataset, recognized by content.

The readers, one per kind of file: table (CSV text), arrays (NPY, IDX), archive (ZIP, NPZ), images (a ZIP of
PNG/JPEG), gz (gzip). common holds the limits and the error handling they share; vae_core.sources reads the
path, bytes or stream. Nothing is ever unpickled, and every refusal is an InputError.
"""

from __future__ import annotations

import codecs
import io
from pathlib import PurePosixPath

from .. import sources
from ..dataset import Dataset
from ..errors import InputError, quoted
from . import common
from .archive import load_zip
from .arrays import array_dataset, parse_idx, read_npy
from .common import ACCEPTED
from .gz import gunzip
from .table import load_csv

__all__ = ["ACCEPTED", "load_file"]

# Byte-order marks, longest first: UTF-32 LE's mark begins with UTF-16 LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def load_file(path_or_file, filename: str | None = None, on_progress=None) -> Dataset:
    """Load a path, raw bytes or binary file-like object; the format is sniffed from its first bytes.

    filename is only a hint for the Dataset name and error messages. Never unpickles; raises InputError.
    on_progress(done, total), if given, is called now and then while a ZIP of images loads (the slow case: about
    12 s for 200,000 small PNGs); an exception it raises stops the load.
    """
    raw, hint = sources.read(path_or_file, common.MAX_FILE_BYTES, "the file", filename)
    shown = quoted(hint) if hint else "the uploaded file"
    return _load_bytes(raw, shown, _dataset_name(hint) if hint else "mine", nested=False, on_progress=on_progress)


def _load_bytes(raw: bytes, name: str, label: str, nested: bool, on_progress=None) -> Dataset:
    if not raw:
        raise InputError(f"{name} is empty. {ACCEPTED}")
    if raw.startswith(b"\x93NUMPY"):
        with common.guard(f"{name} (NPY)"):
            return array_dataset(read_npy(io.BytesIO(raw), name, raw=raw), None, label)
    if raw.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # the second is an empty archive, e.g. np.savez(f)
        return load_zip(raw, name, label, on_progress)
    if raw.startswith(b"\x1f\x8b") and not nested:
        return _load_bytes(gunzip(raw, name), name, label, nested=True, on_progress=on_progress)
    encoding = _wide_text(raw)
    if encoding is not None:
        return _as_csv(_to_utf8(raw, encoding, name), name, label)
    if raw.startswith(b"\x00\x00"):  # IDX; no UTF-8 text or other accepted format starts with two zero bytes
        return array_dataset(parse_idx(raw, name, want_images=True), None, label)
    if raw.startswith((b"\x89PNG", b"\xff\xd8\xff")):
        raise InputError(f"{name} is a single image, not a data set; accepted: a ZIP of same-sized PNG/JPEG images.")
    head = codecs.getincrementaldecoder("utf-8")()
    try:
        head.decode(raw[:4096], final=len(raw) <= 4096)
        text = b"\x00" not in raw
    except UnicodeDecodeError:
        text = False
    if not text:
        if _extension(name) in (".csv", ".txt", ".tsv"):
            raise InputError(
                f"{name} is named {_extension(name)} but is not UTF-8 text: unrecognized file format (first bytes "
                f"{raw[:8]!r}). {ACCEPTED}"
            )
        if len(raw) > 9 and raw[8:9] == b"{" and int.from_bytes(raw[:8], "little") < len(raw):
            raise InputError(
                f"{name} is a safetensors file (a model checkpoint), not a data set: load it as a checkpoint. "
                f"{ACCEPTED}"
            )
        raise InputError(f"{name}: unrecognized file format (first bytes {raw[:8]!r}). {ACCEPTED}")
    return _as_csv(raw, name, label)


def _extension(name: str) -> str:
    """The file's extension from its shown (quoted) name, lower case: "`a.NPY`" -> ".npy"; "" without one."""
    base = PurePosixPath(name.strip("`").replace("\\", "/")).name.lower()
    return base[base.rfind(".") :] if "." in base else ""


def _as_csv(raw: bytes, name: str, label: str) -> Dataset:
    """Text read as CSV. A text file named as another format (.npy, .npz, .zip, ...) says so first, then what
    the CSV reader found: "`x.npy` is named .npy but holds text; read as CSV: line 2: ..."."""
    ext = _extension(name)
    if ext in ("", ".csv", ".txt", ".tsv", ".dat"):
        return load_csv(raw, name, label)
    try:
        return load_csv(raw, name, label)
    except InputError as e:
        msg = str(e)
        detail = msg[len(name) :].lstrip(" ,:") if msg.startswith(name) else msg
        raise InputError(f"{name} is named {ext} but holds text; read as CSV: {detail}") from None


def _wide_text(raw: bytes) -> str | None:
    """The codec of UTF-16/32 text, by its byte-order mark or, without one, by where ASCII text has zeros."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return codec
    h = raw[:4]
    if len(h) < 4 or not any(0x09 <= c < 0x80 for c in h):
        return None
    patterns = {
        "utf-32-be": h[:3] == b"\0\0\0",
        "utf-32-le": h[1:] == b"\0\0\0",
        "utf-16-be": h[0] == 0 and h[2] == 0 and h[1] and h[3],
        "utf-16-le": h[1] == 0 and h[3] == 0 and h[0] and h[2],
    }
    return next((codec for codec, hit in patterns.items() if hit), None)


def _to_utf8(raw: bytes, codec: str, name: str) -> bytes:
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as e:
        raise InputError(f"{name} looks like {codec.upper()} text but is not valid ({e.reason}). {ACCEPTED}") from None
    if "\x00" in text:
        raise InputError(f"{name} looks like {codec.upper()} text but holds NUL characters. {ACCEPTED}")
    return text.encode("utf-8")


def _dataset_name(name: str) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name
    for ext in (".gz", ".csv", ".npy", ".npz", ".zip"):
        base = base[: -len(ext)] if base.lower().endswith(ext) else base
    return base or "mine"
