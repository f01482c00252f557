"""Load a user's data file (CSV, NPY, NPZ, MNIST IDX, ZIP of images) into a Dataset, recognized by content."""

from __future__ import annotations

import csv
import io
import os
import struct
import zipfile
import zlib
from array import array
from contextlib import contextmanager
from math import prod
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image

from . import data
from .data import Dataset, check_size, from_array
from .errors import InputError

# Everything is read into memory once, so the upload itself is capped (Streamlit's own default is 200 MB too).
MAX_FILE_BYTES = 200 * 1024 * 1024
# PIL's bomb guard is process-wide; only ever lower it. Each image must fit data.MAX_FEATURES anyway.
_PIL_PIXEL_CAP = 4096 * 4096
Image.MAX_IMAGE_PIXELS = min(Image.MAX_IMAGE_PIXELS or _PIL_PIXEL_CAP, _PIL_PIXEL_CAP)

ACCEPTED = (
    "Accepted formats: CSV of numbers (optional header row, optional integer 'label' column), "
    "NPY (2-D rows or 3-D image stack), NPZ with array 'x' and optional 'y', MNIST IDX images "
    "(plain or .gz, or a ZIP with an images and a labels IDX file), or a ZIP of same-sized PNG/JPEG images."
)
_IDX_ACCEPTED = "accepted: MNIST IDX with magic 0x00000803 (uint8 images) or 0x00000801 (uint8 labels)"
_NPZ_ACCEPTED = "accepted keys: 'x' (required, 2-D or 3-D) and 'y' (optional integer labels)"
# Library exceptions that only ever mean "this file is damaged" once the bytes come from a user.
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    csv.Error,
    EOFError,
    OSError,
    ValueError,
    SyntaxError,
    RuntimeError,
    NotImplementedError,
    struct.error,
)


def load_file(path_or_file, filename: str | None = None) -> Dataset:
    """Load a path, raw bytes or binary file-like object; the format is sniffed from its first bytes.

    filename is only a hint for the Dataset name and error messages. Never unpickles; raises InputError.
    """
    raw, hint = _read_input(path_or_file, filename)
    return _load_bytes(raw, hint or "the uploaded file", _dataset_name(hint) if hint else "mine", nested=False)


@contextmanager
def _guard(what: str, accepted: str = ACCEPTED):
    """Turn a library's parse error on user bytes into an InputError; our own InputErrors pass through."""
    try:
        yield
    except InputError:
        raise
    except Image.DecompressionBombError:
        raise InputError(
            f"{what} declares far too many pixels (a decompression bomb); accepted: at most "
            f"{data.MAX_FEATURES:,} pixels per image."
        ) from None
    except _READ_ERRORS as e:
        reason = str(e).split(" <")[0] or type(e).__name__  # PIL appends the BytesIO repr; drop it
        raise InputError(f"{what} is damaged or not in the expected format ({reason}). {accepted}") from None


def _read_input(src, filename: str | None) -> tuple[bytes, str | None]:
    if isinstance(src, (bytes, bytearray, memoryview)):
        raw = bytes(src)
    elif isinstance(src, (str, os.PathLike)):
        path = Path(src)
        filename = filename or path.name
        try:
            size = path.stat().st_size
            raw = b"" if size > MAX_FILE_BYTES else path.read_bytes()  # refuse before reading a byte
        except OSError as e:
            raise InputError(f"cannot open {str(src)!r}: {e.strerror or e}.") from None
        if size > MAX_FILE_BYTES:
            raise InputError(_too_large(filename, size))
    elif hasattr(src, "read"):
        filename = filename or getattr(src, "name", None)
        raw = _read_stream(src, filename)
    else:
        raise InputError(f"expected a file path, bytes or an open binary file, got {type(src).__name__}.")
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(_too_large(filename, len(raw)))
    return raw, None if filename is None else str(filename)


def _read_stream(f, filename) -> bytes:
    # Uploaded files are often re-read on each app rerun, so start from the beginning when possible.
    if getattr(f, "seekable", lambda: False)():
        f.seek(0)
        size = f.seek(0, io.SEEK_END)
        f.seek(0)
        if size > MAX_FILE_BYTES:
            raise InputError(_too_large(filename, size))
        raw = f.read(size + 1)  # not read(MAX + 1): buffered readers preallocate the size asked for
    else:
        chunks, total = [], 0
        while total <= MAX_FILE_BYTES and (chunk := f.read(1 << 20)):
            chunks.append(chunk)
            total += len(chunk)
        raw = chunks[0][:0].join(chunks) if chunks else b""  # str chunks join to str, refused just below
    if isinstance(raw, str):
        raise InputError("the file was opened in text mode; open it in binary mode ('rb').")
    return bytes(raw)


def _too_large(name, size: int) -> str:
    return f"{name or 'the file'} is {_mb(size)}; accepted: at most {_mb(MAX_FILE_BYTES)}."


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB" if n >= 10 * 2**20 else f"{n / 2**20:.2g} MB"


def _load_bytes(raw: bytes, name: str, label: str, nested: bool) -> Dataset:
    if not raw:
        raise InputError(f"{name} is empty. {ACCEPTED}")
    if raw.startswith(b"\x93NUMPY"):
        with _guard(f"{name} (NPY)"):
            return _array_dataset(_read_npy(io.BytesIO(raw), name, raw=raw), None, label)
    if raw.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # the second is an empty archive, e.g. np.savez(f)
        return _load_zip(raw, name, label)
    if raw.startswith(b"\x1f\x8b") and not nested:
        return _load_bytes(_gunzip(raw, name), name, label, nested=True)
    if raw.startswith(b"\x00\x00"):  # IDX; no text or other accepted format starts with two zero bytes
        return _array_dataset(_parse_idx(raw, name, want_images=True), None, label)
    if raw.startswith((b"\x89PNG", b"\xff\xd8\xff")):
        raise InputError(f"{name} is a single image, not a data set; accepted: a ZIP of same-sized PNG/JPEG images.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        csv_hint = " It is named .csv but is not UTF-8 text." if name.lower().endswith(".csv") else ""
        raise InputError(f"{name}: unrecognized file format (first bytes {raw[:8]!r}).{csv_hint} {ACCEPTED}")
    return _load_csv(text, name, label)


def _dataset_name(name: str) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name
    for ext in (".gz", ".csv", ".npy", ".npz", ".zip"):
        base = base[: -len(ext)] if base.lower().endswith(ext) else base
    return base or "mine"


def _array_dataset(x: np.ndarray, y: np.ndarray | None, label: str) -> Dataset:
    # IDX/image stacks are uint8 0..255; scale here so an all-dark stack (max <= 1) is not taken as [0, 1].
    if x.ndim == 3 and x.dtype == np.uint8:
        x = x.astype(np.float32) / 255.0
    return from_array(x, y=y, name=label)


def _gunzip(raw: bytes, name: str, limit: int | None = None) -> bytes:
    """Decompress (possibly multi-member) gzip with a hard cap on the output, so a gzip bomb stops early."""
    limit = MAX_FILE_BYTES if limit is None else limit
    out, total = [], 0
    while raw:
        d = zlib.decompressobj(wbits=31)
        with _guard(f"{name} (gzip)"):
            chunk = d.decompress(raw, limit + 1 - total)
        total += len(chunk)
        out.append(chunk)
        if total > limit:
            raise InputError(
                f"{name} decompresses to more than {_mb(limit)}; accepted: at most "
                f"{_mb(MAX_FILE_BYTES)} of data once decompressed."
            )
        if not d.eof:
            raise InputError(f"{name} is a truncated gzip file; upload the complete file. {ACCEPTED}")
        raw = d.unused_data.lstrip(b"\x00")  # gzip allows zero padding after the last member
    return b"".join(out)


# ---- NPY / NPZ ----


def _read_npy(f, what: str, labels: bool = False, raw: bytes | None = None) -> np.ndarray:
    """Validate the header (dtype, shape, length) before touching the data; object arrays are never unpickled.

    raw: the whole file when f reads from it, so the data is viewed in place rather than copied.
    """
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


def _npy_header(f, what: str, labels: bool = False):
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
        if len(shape) != 1 or shape[0] > data.MAX_ROWS:
            raise InputError(f"{what}: labels must be 1-D with at most {data.MAX_ROWS:,} values; got shape {shape}.")
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


def _load_npz(zf: zipfile.ZipFile, members: list[zipfile.ZipInfo], name: str, label: str) -> Dataset:
    arrays = {m.filename[:-4]: m for m in members if m.filename.endswith(".npy")}
    if "x" not in arrays:
        found = ", ".join(repr(k) for k in arrays) or "none"
        raise InputError(f"{name} (NPZ) has no array 'x' (arrays found: {found}); {_NPZ_ACCEPTED}.")
    out = {}
    for key in ("x", "y"):
        if key in arrays:
            with _guard(f"{name} (NPZ array {key!r})"), zf.open(arrays[key]) as f:
                out[key] = _read_npy(f, f"{name}: array {key!r}", labels=key == "y")
    return _array_dataset(out["x"], out.get("y"), label)


# ---- ZIP archives: NPZ, MNIST IDX, images ----


def _load_zip(raw: bytes, name: str, label: str) -> Dataset:
    # zipfile builds an object per entry before we can look, so bound the entry count first (cheap C scan).
    if raw.count(b"PK\x01\x02") > data.MAX_ROWS + 100:
        raise InputError(f"{name} has more than {data.MAX_ROWS:,} entries; accepted: at most {data.MAX_ROWS:,} images.")
    with _guard(f"{name} (ZIP)"), zipfile.ZipFile(io.BytesIO(raw)) as zf:
        # macOS adds __MACOSX/ and dot files to archives; they are never data.
        members = [
            m
            for m in zf.infolist()
            if not m.is_dir()
            and not m.filename.startswith("__MACOSX/")
            and not PurePosixPath(m.filename).name.startswith(".")
        ]
        total = sum(m.file_size for m in members)  # declared sizes; reads below never go past them
        if total > MAX_FILE_BYTES:
            raise InputError(
                f"{name} would decompress to {_mb(total)}; accepted: at most {_mb(MAX_FILE_BYTES)} "
                "of data once decompressed."
            )
        if not members:
            raise InputError(f"{name} is an empty ZIP/NPZ archive (no arrays, no files); {_NPZ_ACCEPTED}. {ACCEPTED}")
        if any(m.filename.endswith(".npy") for m in members):
            return _load_npz(zf, members, name, label)
        if len(members) <= 8 and any(_member(zf, m, 4).startswith((b"\x00\x00", b"\x1f\x8b")) for m in members):
            return _load_idx_zip(zf, members, name, label)
        return _load_images(zf, sorted(members, key=lambda m: m.filename), name, label)


def _member(zf: zipfile.ZipFile, m: zipfile.ZipInfo, n: int | None = None) -> bytes:
    """Read at most the declared size of a member (zipfile then stops inflating: no bomb past the check)."""
    with zf.open(m) as f:
        return f.read(m.file_size if n is None else min(n, m.file_size))


def _parse_idx(raw: bytes, what: str, want_images: bool) -> np.ndarray:
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08" or raw[3] not in (1, 3):
        magic = int.from_bytes(raw[:4].ljust(4, b"\0"), "big")
        raise InputError(f"{what}: IDX magic number 0x{magic:08X} is not supported; {_IDX_ACCEPTED}.")
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
    elif dims[0] > data.MAX_ROWS:
        raise InputError(f"{what} declares {dims[0]:,} labels; accepted: at most {data.MAX_ROWS:,}.")
    need = 4 + 4 * ndim + prod(dims)
    if len(raw) != need:
        state = "truncated" if len(raw) < need else "longer than its header says"
        raise InputError(
            f"{what} is {state}: dimensions {dims} need {need:,} bytes but the file has {len(raw):,}; {_IDX_ACCEPTED}."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _load_idx_zip(zf: zipfile.ZipFile, members, name: str, label: str) -> Dataset:
    found: dict[int, list[tuple[str, np.ndarray]]] = {1: [], 3: []}
    used = 0  # the cap holds for all members together, not each
    for m in members:
        raw = _member(zf, m)
        if raw.startswith(b"\x1f\x8b"):
            raw = _gunzip(raw, f"{name}/{m.filename}", limit=max(MAX_FILE_BYTES - used, 0))
        used += len(raw)
        if raw.startswith(b"\x00\x00"):  # other members (a README) are ignored
            arr = _parse_idx(raw, f"{name}/{m.filename}", want_images=False)
            found[arr.ndim].append((m.filename, arr))
    if len(found[3]) != 1 or len(found[1]) > 1:
        names = [f for f, _ in found[3] + found[1]]
        raise InputError(
            f"{name} holds {len(found[3])} IDX image file(s) and {len(found[1])} label file(s) "
            f"({', '.join(names)}); accepted: exactly one images file and at most one labels file."
        )
    images = found[3][0][1]
    labels = found[1][0][1] if found[1] else None
    if labels is not None and len(labels) != len(images):
        raise InputError(
            f"{name}: the labels file has {len(labels):,} labels for {len(images):,} images; "
            "accepted: one label per image."
        )
    return _array_dataset(images, labels, label)


def _load_images(zf: zipfile.ZipFile, members, name: str, label: str) -> Dataset:
    if len(members) > data.MAX_ROWS:
        raise InputError(f"{name} holds {len(members):,} files; accepted: at most {data.MAX_ROWS:,} images.")
    x, first = None, None
    for k, m in enumerate(members):
        what = f"{name}: {m.filename}"
        with (
            _guard(what, "Accepted: a ZIP holding only same-sized PNG/JPEG images."),
            Image.open(io.BytesIO(_member(zf, m)), formats=("PNG", "JPEG")) as img,
        ):
            w, h = img.size  # known from the header: check before img.load() allocates the pixels
            if w * h > data.MAX_FEATURES:
                raise InputError(
                    f"{what} is {w}x{h} = {w * h:,} pixels, too large; accepted: at most "
                    f"{data.MAX_FEATURES:,} pixels per image (e.g. 64x64)."
                )
            if first is None:
                first = (m.filename, (w, h))
                check_size(len(members), w * h, name)
                x = np.empty((len(members), h, w), dtype=np.float32)
            elif (w, h) != first[1]:
                raise InputError(
                    f"{name}: images differ in size: {first[0]} is {first[1][0]}x{first[1][1]} but "
                    f"{m.filename} is {w}x{h}; accepted: all images the same size."
                )
            img.load()
            if img.mode in ("I", "I;16", "I;16B", "I;16L"):  # 16-bit grayscale: "L" would clip it
                x[k] = np.clip(np.asarray(img, dtype=np.float32) / 65535.0, 0.0, 1.0)
            else:
                x[k] = np.asarray(img.convert("L"), dtype=np.float32) / 255.0
    # Labels from the folder holding each image (e.g. 3/img.png), if every folder is a whole number.
    folders = [PurePosixPath(m.filename).parent.name for m in members]
    y = np.array([int(f) for f in folders]) if all(f.isascii() and f.isdigit() for f in folders) else None
    return from_array(x, y=y, name=label)


# ---- CSV ----


def _load_csv(text: str, name: str, label: str) -> Dataset:
    first = next((ln for ln in _lines(text) if ln.strip()), None)
    if first is None:
        raise InputError(f"{name} is blank (text with no data). {ACCEPTED}")
    # The delimiter is whichever of , ; tab the first line uses most (spreadsheets in some locales use ;).
    delim = max(",;\t", key=first.count) if any(c in first for c in ",;\t") else ","
    values, line_nos = array("d"), array("q")
    header, ncols = None, None
    reader = csv.reader(_lines(text), delimiter=delim)
    with _guard(f"{name} (CSV)"):
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):  # blank line
                continue
            if ncols is None:
                ncols = len(row)
                if ncols > data.MAX_FEATURES + 1:
                    raise InputError(
                        f"{name} has {ncols:,} columns; accepted: at most {data.MAX_FEATURES:,} "
                        "features (plus an optional 'label' column)."
                    )
                try:
                    [float(c) for c in row]
                except ValueError:
                    header = [c.strip() for c in row]  # a first row that is not all numbers is a header
                    continue
            if len(row) != ncols:
                raise InputError(
                    f"{name}, line {reader.line_num}: {len(row)} values but the first row has {ncols}; "
                    "accepted: the same number of comma-separated values on every row."
                )
            try:
                values.extend(map(float, row))
            except ValueError:
                col, cell = next((i, c) for i, c in enumerate(row) if not _is_float(c))
                raise InputError(
                    f"{name}, line {reader.line_num}, column {_col(col, header)}: {cell!r} is not "
                    "a number; accepted: numbers only (an optional header as the first row)."
                ) from None
            line_nos.append(reader.line_num)
            if len(line_nos) > data.MAX_ROWS:
                check_size(len(line_nos), ncols, name)
    if not line_nos:
        raise InputError(f"{name} has a header but no data rows; accepted: at least 2 rows of numbers.")
    arr = np.frombuffer(values, dtype=np.float64).reshape(len(line_nos), ncols)
    bad = ~np.isfinite(arr) | (np.abs(arr) > np.finfo(np.float32).max)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputError(
            f"{name}, line {line_nos[r]}, column {_col(c, header)}: {arr[r, c]:g} is NaN, infinite or "
            "beyond float32 (about ±3.4e38); accepted: finite numbers."
        )
    y = None
    lab = [i for i, h in enumerate(header or []) if h.lower() == "label"]
    if lab:
        y = arr[:, lab[0]]
        bad = (y != np.round(y)) | (np.abs(y) > 2**31)
        if bad.any():
            r = int(np.argmax(bad))
            raise InputError(
                f"{name}, line {line_nos[r]}: label {y[r]:g} is not a whole number; "
                "accepted: integer class labels in the 'label' column."
            )
        arr = np.delete(arr, lab[0], axis=1)
        y = y.astype(np.int64)
    return from_array(arr, y=y, name=label)


def _lines(text: str):
    """Yield lines lazily: splitlines() or StringIO would cost several times the text's size for a big file."""
    start = 0
    while start < len(text):
        end = text.find("\n", start) + 1 or len(text)
        yield text[start:end]
        start = end


def _is_float(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _col(i: int, header: list[str] | None) -> str:
    return f"{i + 1} ({header[i]!r})" if header and header[i] else str(i + 1)
