"""Gzip decompression with caps on the output size and on the number of members (gzip bombs, member floods)."""

from __future__ import annotations

import re
import zlib

from ..errors import InputError
from ..sources import mb
from . import common

# A multi-member gzip is legitimate (concatenated files, bgzip's 64 KB blocks: 3,200 members for 200 MB), but
# each member costs a decompressor; 100,000 empty members would otherwise cost seconds for a 2 MB upload.
MAX_MEMBERS = 10_000
# Real data (CSV, IDX) deflates 3 to 20 times; a bomb of blank lines or zeros, 1,000 times. Past the first
# 16 MB of output, more than 100 bytes out per byte in is refused, so a bomb costs 16 MB of work, not 200.
MAX_RATIO, RATIO_FREE = 100, 16 * 2**20
# Compressed bytes handed to zlib at a time, so what it hands back unused stays small.
_FEED = 1 << 16
_OUT = 1 << 20
_NONZERO = re.compile(rb"[^\x00]")


def gunzip(raw: bytes, name: str, limit: int | None = None) -> bytearray:
    """Decompress (possibly multi-member) gzip; refuse past `limit` output bytes (default MAX_FILE_BYTES)."""
    limit = common.MAX_FILE_BYTES if limit is None else limit
    view = memoryview(raw)
    out, total, pos, members = bytearray(), 0, 0, 0  # grown in place: a list joined at the end costs twice
    while pos < len(raw):
        members += 1
        if members > MAX_MEMBERS:
            raise InputError(
                f"{name} holds more than {MAX_MEMBERS:,} gzip members; accepted: at most {MAX_MEMBERS:,} "
                "(a gzip file is normally one member)."
            )
        d = zlib.decompressobj(wbits=31)
        while not d.eof and pos < len(raw):
            chunk = view[pos : pos + _FEED]
            data = chunk
            while True:  # at most _OUT bytes out per call, so the checks below run every megabyte
                cap = min(limit + 1 - total, _OUT)
                with common.guard(f"{name} (gzip)"):
                    part = d.decompress(data, cap)
                out += part
                total += len(part)
                _check_output(name, total, limit, pos + len(chunk) - len(d.unconsumed_tail))
                if d.eof or (not d.unconsumed_tail and len(part) < cap):  # a full buffer may leave more inside
                    break
                data = d.unconsumed_tail
            pos += len(chunk) - len(d.unused_data) - len(d.unconsumed_tail)
        if not d.eof:
            raise InputError(f"{name} is a truncated gzip file; upload the complete file. {common.ACCEPTED}")
        nonzero = _NONZERO.search(raw, pos)  # gzip allows zero padding after a member (Python's gzip skips it)
        if nonzero is None:
            break
        pos = nonzero.start()
    return out


def _check_output(name: str, total: int, limit: int, consumed: int) -> None:
    if total > limit:
        raise InputError(
            f"{name} decompresses to more than {mb(limit)}; accepted: at most "
            f"{mb(common.MAX_FILE_BYTES)} of data once decompressed."
        )
    if total > RATIO_FREE and total > MAX_RATIO * consumed:
        raise InputError(
            f"{name} decompresses to more than {MAX_RATIO} times its size (a gzip bomb); accepted: "
            f"gzip files that expand at most {MAX_RATIO}-fold beyond their first {mb(RATIO_FREE)}."
        )
