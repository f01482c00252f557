"""Read what a user hands over (a path, bytes or an open binary file) into bytes, within a size limit.

Shared by the data-file readers and checkpoints, so both refuse folders, pipes, devices, NUL bytes in paths,
text-mode and closed files alike, rewind a stream that was read before, and never read past their limit.
"""

from __future__ import annotations

import io
import os
import stat
from typing import BinaryIO

from .errors import InputError, quoted

_CHUNK = 1 << 20


def mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB" if n >= 10 * 2**20 else f"{n / 2**20:.2g} MB"


def too_large(what: str, size: int, limit: int) -> InputError:
    return InputError(f"{what} is {mb(size)}; accepted: at most {mb(limit)}.")


def read(src, limit: int, what: str = "the file", filename: str | None = None) -> tuple[bytes, str | None]:
    """Return (the bytes, a name for messages or None). Raises InputError; reads at most limit + 1 bytes.

    what: how messages name the source when it has no name ("the file", "the checkpoint")."""
    if isinstance(src, (bytes, bytearray, memoryview)):
        raw = bytes(src)
    elif isinstance(src, (str, os.PathLike)):
        with open_path(src, what) as (f, size):
            filename = filename or os.path.basename(os.fspath(src))
            if size > limit:
                raise too_large(quoted(filename), size, limit)
            raw = _read_all(f, size, limit, quoted(filename))
    elif hasattr(src, "read"):
        name = getattr(src, "name", None)
        filename = filename or (name if isinstance(name, str) else None)
        raw = _read_stream(src, limit, quoted(filename) if filename else what)
    else:
        raise InputError(f"expected a file path, bytes or an open binary file, got {type(src).__name__}.")
    if len(raw) > limit:
        raise too_large(quoted(filename) if filename else what, len(raw), limit)
    return raw, filename


class open_path:
    """`with open_path(path, what) as (f, size):` a regular file opened for binary reading, or an InputError.

    O_NONBLOCK makes opening a named pipe return at once (a plain open would wait for a writer for ever);
    fstat then refuses anything that is not a regular file before a byte is read."""

    def __init__(self, path, what: str):
        try:
            text = os.fspath(path)
        except TypeError:
            raise InputError(f"expected a file path, got {type(path).__name__}.") from None
        shown = quoted(text)
        if "\x00" in str(text):
            raise InputError(f"the path {shown} contains a NUL byte; give a plain file path.")
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(text, flags)
        except FileNotFoundError:
            raise InputError(f"{what} {shown} does not exist.") from None
        except IsADirectoryError:
            raise InputError(f"{shown} is a folder, not a file; choose a file inside it.") from None
        except OSError as e:
            raise InputError(f"cannot open {shown}: {e.strerror or e}.") from None
        mode, self.size = os.fstat(fd).st_mode, os.fstat(fd).st_size
        if not stat.S_ISREG(mode):
            os.close(fd)
            if stat.S_ISDIR(mode):
                raise InputError(f"{shown} is a folder, not a file; choose a file inside it.")
            raise InputError(
                f"{shown} is not a regular file (it is a pipe, socket or device); accepted: a file on disk."
            )
        self.file = os.fdopen(fd, "rb")
        self.shown = shown

    def __enter__(self) -> tuple[BinaryIO, int]:
        return self.file, self.size

    def __exit__(self, kind, value, tb) -> None:
        self.file.close()
        if kind is not None and issubclass(kind, OSError):
            raise InputError(f"cannot read {self.shown}: {value.strerror or value}.") from None


def _read_all(f, size: int, limit: int, shown: str) -> bytes:
    # read(size + 1), not read(limit + 1): buffered readers allocate the size asked for. A file holding more
    # than its st_size said (one that grows, or /proc with st_size 0) is read on in chunks up to the limit.
    parts = [f.read(size + 1)]
    total = len(parts[0])
    while size < total <= limit and parts[-1]:
        parts.append(f.read(_CHUNK))
        total += len(parts[-1])
    return b"".join(parts)


def _read_stream(f, limit: int, shown: str) -> bytes:
    if isinstance(f, io.TextIOBase):
        raise InputError(f"{shown} was opened in text mode; open it in binary mode ('rb').")
    if getattr(f, "closed", False) is True:
        raise InputError(f"{shown} is already closed; pass an open file.")
    try:
        # Uploaded files are often re-read on each app rerun, so start from the beginning when possible.
        if getattr(f, "seekable", lambda: False)():
            f.seek(0)
            size = f.seek(0, io.SEEK_END)
            f.seek(0)
            if size > limit:
                raise too_large(shown, size, limit)
            first = f.read(size + 1)
        else:
            first = f.read(_CHUNK)
        parts = [_check_chunk(first, shown)]
        total = len(parts[0])
        while total <= limit and parts[-1]:
            parts.append(_check_chunk(f.read(_CHUNK), shown))
            total += len(parts[-1])
    except InputError:
        raise
    except (OSError, ValueError) as e:  # ValueError: I/O on a closed or detached file
        raise InputError(f"cannot read {shown}: {getattr(e, 'strerror', None) or e}.") from None
    return b"".join(parts)


def _check_chunk(chunk, shown: str) -> bytes:
    if isinstance(chunk, str):
        raise InputError(f"{shown} was opened in text mode; open it in binary mode ('rb').")
    if chunk is None:  # a non-blocking stream with no data ready
        raise InputError(f"{shown} has no data ready to read (a non-blocking stream); pass the bytes instead.")
    if not isinstance(chunk, (bytes, bytearray, memoryview)):
        raise InputError(f"{shown}.read() returned {type(chunk).__name__}, not bytes; open it in binary mode.")
    return bytes(chunk)
