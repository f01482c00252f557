"""ZIP archives (NPZ, MNIST IDX files, images): members are checked (count, names, method, encryption,
declared sizes) before any is read, and no read goes past a member's declared size."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from ..dataset import MAX_ROWS, Dataset
from ..errors import InputError, quoted
from ..sources import mb
from . import common
from .arrays import array_dataset, parse_idx, read_npy
from .gz import gunzip
from .images import load_images

NPZ_ACCEPTED = "accepted keys: 'x' (required, 2-D or 3-D) and 'y' (optional integer labels)"
# Only these can be read within bounds: zipfile would inflate bzip2 and LZMA members without a size cap.
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
_METHOD_NAMES = {9: "Deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "xz", 98: "PPMd"}


def load_zip(raw: bytes, name: str, label: str, on_progress=None) -> Dataset:
    # zipfile builds an object per entry before we can look, so bound the entry count first (cheap C scan).
    if raw.count(b"PK\x01\x02") > MAX_ROWS + 100:
        raise InputError(f"{name} has more than {MAX_ROWS:,} entries; accepted: at most {MAX_ROWS:,} images.")
    with common.guard(f"{name} (ZIP)"), zipfile.ZipFile(io.BytesIO(raw)) as zf:
        members = _data_members(zf, name)
        if not members:
            raise InputError(
                f"{name} is an empty ZIP/NPZ archive (no arrays, no files); {NPZ_ACCEPTED}. {common.ACCEPTED}"
            )
        if any(m.filename.endswith(".npy") for m in members):
            return _load_npz(zf, members, name, label)
        if len(members) <= 8 and any(common.member(zf, m, 4).startswith((b"\x00\x00", b"\x1f\x8b")) for m in members):
            return _load_idx_zip(zf, members, name, label)
        return load_images(zf, sorted(members, key=lambda m: m.filename), name, label, on_progress)


def _data_members(zf: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    """The members that may hold data, after checking every entry's name, method, encryption and size."""
    members = []
    for m in zf.infolist():
        if not m.filename:
            raise InputError(f"{name} has an entry with an empty name; the archive is damaged. {common.ACCEPTED}")
        # macOS adds __MACOSX/ and dot files to archives; they are never data.
        if m.is_dir() or m.filename.startswith("__MACOSX/") or PurePosixPath(m.filename).name.startswith("."):
            continue
        what = f"{name}: {quoted(m.filename)}"
        if m.flag_bits & 0x1:
            raise InputError(f"{what} is encrypted (password-protected); accepted: archives without a password.")
        if m.compress_type not in _METHODS:
            method = _METHOD_NAMES.get(m.compress_type, f"method {m.compress_type}")
            raise InputError(
                f"{what} is compressed with {method}; accepted: stored or deflated members (what zip tools "
                "and numpy.savez write by default)."
            )
        members.append(m)
    total = sum(m.file_size for m in members)  # declared sizes; reads below never go past them
    if total > common.MAX_FILE_BYTES:
        raise InputError(
            f"{name} would decompress to {mb(total)}; accepted: at most {mb(common.MAX_FILE_BYTES)} "
            "of data once decompressed."
        )
    return members


def _load_npz(zf: zipfile.ZipFile, members: list[zipfile.ZipInfo], name: str, label: str) -> Dataset:
    arrays = {m.filename[:-4]: m for m in members if m.filename.endswith(".npy")}
    if "x" not in arrays:
        raise InputError(f"{name} (NPZ) has no array 'x' (arrays found: {common.listing(arrays)}); {NPZ_ACCEPTED}.")
    out = {}
    for key in ("x", "y"):
        if key in arrays:
            with common.guard(f"{name} (NPZ array {key!r})"), zf.open(arrays[key]) as f:
                out[key] = read_npy(f, f"{name}: array {key!r}", labels=key == "y")
    return array_dataset(out["x"], out.get("y"), label)


def _load_idx_zip(zf: zipfile.ZipFile, members, name: str, label: str) -> Dataset:
    found: dict[int, list[tuple[str, object]]] = {1: [], 3: []}
    used = 0  # the cap holds for all members together, not each
    for m in members:
        what = f"{name}: {quoted(m.filename)}"
        with common.guard(what):
            raw = common.member(zf, m)
        if raw.startswith(b"\x1f\x8b"):
            raw = gunzip(raw, what, limit=max(common.MAX_FILE_BYTES - used, 0))
        used += len(raw)
        if raw.startswith(b"\x00\x00"):  # other members (a README) are ignored
            arr = parse_idx(raw, what, want_images=False)
            found[arr.ndim].append((m.filename, arr))
    if len(found[3]) != 1 or len(found[1]) > 1:
        names = [f for f, _ in found[3] + found[1]]
        raise InputError(
            f"{name} holds {len(found[3])} IDX image file(s) and {len(found[1])} label file(s) "
            f"({common.listing(names)}); accepted: exactly one images file and at most one labels file."
        )
    images = found[3][0][1]
    labels = found[1][0][1] if found[1] else None
    if labels is not None and len(labels) != len(images):
        raise InputError(
            f"{name}: the labels file has {len(labels):,} labels for {len(images):,} images; "
            "accepted: one label per image."
        )
    return array_dataset(images, labels, label)
