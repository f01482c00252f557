"""A ZIP of same-sized PNG/JPEG images, optionally in folders named by their integer label.

Pillow parses PNG chunks and JPEG marker segments one by one in Python, so a small archive of images made of
millions of empty chunks would take minutes; they are counted (cheaply) against a budget before Pillow sees
them. The pixel limit is checked from the header, before Pillow allocates the pixels.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import PurePosixPath

import numpy as np
from PIL import Image, ImageOps

from ..dataset import LABEL_MAX, MAX_FEATURES, MAX_ROWS, Dataset, check_size, from_array
from ..errors import InputError, quoted
from . import common

IMAGES_ACCEPTED = "Accepted: a ZIP holding only same-sized PNG/JPEG images."
# Chunks (PNG) or marker segments (JPEG) all images may hold together: a real image has about 5 to 15.
PARTS_PER_IMAGE = 16
PARTS_SPARE = 1024
_PNG = b"\x89PNG\r\n\x1a\n"


PROGRESS_EVERY = 2000  # images between two on_progress calls


def load_images(zf: zipfile.ZipFile, members, name: str, label: str, on_progress=None) -> Dataset:
    """on_progress(done, total): called every PROGRESS_EVERY images of each pass (total = 2 x images: the check
    of every member, then the decoding); an exception it raises stops the load."""
    if len(members) > MAX_ROWS:
        raise InputError(f"{name} holds {len(members):,} files; accepted: at most {MAX_ROWS:,} images.")
    # Pass 1, cheap, over every member: read it, walk its chunks or segments, check it is complete. A broken
    # member anywhere is refused before any image is decoded (decoding costs far more per image).
    budget = PARTS_SPARE + PARTS_PER_IMAGE * len(members)
    blobs, total = [], 2 * len(members)
    for i, m in enumerate(members):
        if on_progress is not None and i % PROGRESS_EVERY == 0:
            on_progress(i, total)
        what = f"{name}: {quoted(m.filename)}"
        with common.guard(what, IMAGES_ACCEPTED):
            blob = common.member(zf, m)
        parts, problem = scan(blob, budget)
        budget -= parts
        if budget < 0:
            raise InputError(
                f"{what}: the images hold too many PNG chunks or JPEG segments ({PARTS_PER_IMAGE} per image "
                "are allowed, on average); accepted: plain PNG/JPEG images."
            )
        if problem:
            raise InputError(f"{what} {problem}. {IMAGES_ACCEPTED}")
        blobs.append(blob)
    # Pass 2: decode.
    x, first = None, None
    for k, (m, blob) in enumerate(zip(members, blobs)):
        if on_progress is not None and k % PROGRESS_EVERY == 0:
            on_progress(len(members) + k, total)
        what = f"{name}: {quoted(m.filename)}"
        with common.guard(what, IMAGES_ACCEPTED):
            pixels, (w, h) = _decode(blob, what)
        size = (pixels.shape[1], pixels.shape[0])
        if first is None:
            first = (m.filename, size)
            check_size(len(members), w * h, name)
            x = np.empty((len(members), *pixels.shape), dtype=np.float32)
        elif size != first[1]:
            upright = " once turned upright (EXIF)" if size != (w, h) else ""
            raise InputError(
                f"{name}: images differ in size: {quoted(first[0])} is {first[1][0]}x{first[1][1]} but "
                f"{quoted(m.filename)} is {size[0]}x{size[1]}{upright}; accepted: all images the same size."
            )
        x[k] = pixels
    return from_array(x, y=_folder_labels(members, name), name=label)


def _decode(blob: bytes, what: str) -> tuple[np.ndarray, tuple[int, int]]:
    """Gray pixels in [0, 1] (h, w), upright, and the stored (width, height)."""
    with Image.open(io.BytesIO(blob), formats=("PNG", "JPEG")) as img:
        w, h = img.size  # known from the header: checked here, before load() allocates the pixels
        if w * h > MAX_FEATURES:
            raise InputError(
                f"{what} is {w}x{h} = {w * h:,} pixels, too large; accepted: at most "
                f"{MAX_FEATURES:,} pixels per image (e.g. 64x64)."
            )
        img.load()
        if "exif" in img.info:  # a phone's JPEG is stored sideways and tagged to be turned
            img = ImageOps.exif_transpose(img)
        if img.mode in ("I", "I;16", "I;16B", "I;16L"):  # 16-bit grayscale: "L" would clip it
            return np.clip(np.asarray(img, dtype=np.float32) / 65535.0, 0.0, 1.0), (w, h)
        gray = img if img.mode == "L" else img.convert("L")
        return np.asarray(gray, dtype=np.float32) / 255.0, (w, h)


def _folder_labels(members, name: str) -> np.ndarray | None:
    """Labels from the folder holding each image (e.g. 3/img.png), if every folder is a whole number."""
    folders = [PurePosixPath(m.filename).parent.name for m in members]
    if not all(f.isascii() and f.isdigit() for f in folders):
        return None
    for f, m in zip(folders, members):
        if len(f) > 10 or int(f) > LABEL_MAX:  # int() of a 5,000-digit name would itself fail
            raise InputError(
                f"{name}: the folder {quoted(f, 20)} of {quoted(m.filename)} is too large for a label; "
                f"accepted: folder names from 0 to {LABEL_MAX:,}."
            )
    return np.array([int(f) for f in folders], dtype=np.int64)


def scan(blob: bytes, limit: int) -> tuple[int, str | None]:
    """Walk a PNG's chunks or a JPEG's marker segments (up to its image data), counting at most about `limit`.

    Returns (the count, what is wrong or None): not PNG/JPEG, or cut short (no IEND chunk, no end marker)."""
    n = 0
    if blob.startswith(_PNG):
        pos = len(_PNG)
        while pos + 8 <= len(blob) and n <= limit:
            length, kind = struct.unpack_from(">I4s", blob, pos)
            n += 1
            pos += 12 + length
            if kind == b"IEND":
                return n, None if pos <= len(blob) else "is truncated (its last PNG chunk is cut short)"
        return n, None if n > limit else "is truncated (no PNG end chunk)"
    if blob.startswith(b"\xff\xd8"):
        pos = 2
        while pos + 4 <= len(blob) and n <= limit and blob[pos] == 0xFF:
            marker = blob[pos + 1]
            n += 1
            if marker == 0xDA:  # start of scan: libjpeg decodes the rest in C; it must end with an end marker
                return n, None if blob.rfind(b"\xff\xd9") > pos else "is truncated (no JPEG end marker)"
            if marker == 0xD9:
                return n, "has no image data (a JPEG end marker before any scan)"
            if marker == 0xFF or 0xD0 <= marker <= 0xD7 or marker == 0x01:  # fill byte or marker without length
                pos += 1 if marker == 0xFF else 2
                continue
            pos += 2 + struct.unpack_from(">H", blob, pos + 2)[0]
        return n, None if n > limit else "is truncated or damaged (its JPEG segments do not reach the image data)"
    return n, "is not a PNG or JPEG image (cannot identify image file)"
