"""What every file reader shares: the limits on a file, the accepted formats, and parse errors made InputErrors."""

from __future__ import annotations

import csv
import lzma
import struct
import tokenize
import zipfile
import zlib
from contextlib import contextmanager

from PIL import Image

from ..dataset import MAX_FEATURES
from ..errors import InputError, quoted

# Everything is read into memory once, so the upload itself is capped (Streamlit's own default is 200 MB too),
# and so is what it decompresses to.
MAX_FILE_BYTES = 200 * 1024 * 1024

ACCEPTED = (
    "Accepted formats: CSV of numbers (UTF-8, -16 or -32 text; optional header row, optional integer 'label' "
    "column), NPY (2-D rows or 3-D image stack), NPZ with array 'x' and optional 'y', MNIST IDX images "
    "(plain or .gz, or a ZIP with an images and a labels IDX file), or a ZIP of same-sized PNG/JPEG images."
)
# Library exceptions that only ever mean "this file is damaged" once the bytes come from a user. IndexError,
# KeyError and OverflowError come from zipfile and PIL on malformed tables; TokenError from numpy's fallback
# parser for old NPY headers.
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    csv.Error,
    EOFError,
    OSError,
    ValueError,
    SyntaxError,
    RuntimeError,
    NotImplementedError,
    struct.error,
    IndexError,
    KeyError,
    OverflowError,
    tokenize.TokenError,
)


@contextmanager
def guard(what: str, accepted: str = ACCEPTED):
    """Turn a library's parse error on user bytes into an InputError; our own InputErrors pass through."""
    try:
        yield
    except InputError:
        raise
    except Image.DecompressionBombError:
        raise InputError(
            f"{what} declares far too many pixels (a decompression bomb); accepted: at most "
            f"{MAX_FEATURES:,} pixels per image."
        ) from None
    except _READ_ERRORS as e:
        reason = str(e).split(" <")[0] or type(e).__name__  # PIL appends the BytesIO repr; drop it
        if len(reason) > 200:
            reason = reason[:200] + "..."
        raise InputError(f"{what} is damaged or not in the expected format ({reason}). {accepted}") from None


def member(zf: zipfile.ZipFile, m: zipfile.ZipInfo, n: int | None = None) -> bytes:
    """Read at most the declared size of a ZIP member (zipfile then stops inflating: no bomb past the check)."""
    with zf.open(m) as f:
        return f.read(m.file_size if n is None else min(n, m.file_size))


def listing(names, limit: int = 10) -> str:
    """'a', 'b', ... and 19,990 more: a list of user-given names short enough for a message."""
    names = list(names)
    text = ", ".join(quoted(n) for n in names[:limit])
    return text + (f" and {len(names) - limit:,} more" if len(names) > limit else "") if names else "none"
