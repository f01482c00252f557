"""CSV text: checked on the raw bytes at C speed (line count, line lengths, column counts, characters) before
numpy's C parser reads the numbers, so a bad file is refused without being parsed row by row in Python.

Only the few lines a check points at are parsed in Python, to say exactly which cell is wrong and why.
"""

from __future__ import annotations

import csv
import re

import numpy as np

from ..dataset import LABEL_MAX, LABEL_MIN, MAX_FEATURES, MAX_ROWS, Dataset, check_size, first_bad, from_array
from ..errors import InputError, quoted
from . import common

# 64 characters per value is more than any number needs ("-1.2345678901234567e-308" is 24).
MAX_LINE_BYTES = 64 * (MAX_FEATURES + 1)
# Blank lines count too, or a file of nothing but newlines would be surveyed line by line for ever.
MAX_LINES = 2 * MAX_ROWS + 1
_NONBLANK = re.compile(rb"[^ \t\r\n\f\v]")
_NUMBER = re.compile(r"[ \t]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[ \t]*")
_F32_MAX = float(np.finfo(np.float32).max)
_SHAPES = bytes.maketrans(b"123456789E-", b"000000000e+")


def load_csv(raw: bytes, name: str, label: str) -> Dataset:
    """raw: UTF-8 text (a byte-order mark is allowed)."""
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    n_lines = raw.count(b"\n", start) + 1
    if n_lines > MAX_LINES:
        raise InputError(
            f"{name} has {n_lines:,} lines; accepted: at most {MAX_ROWS:,} rows of data and "
            f"{MAX_LINES:,} lines counting blank ones."
        )
    t = _Text(raw, start, name)
    first = t.next_nonblank(start)
    if first is None:
        raise InputError(f"{name} is blank (text with no data). {common.ACCEPTED}")
    if t.end(first) - first > MAX_LINE_BYTES:  # before splitting it: one 150 MB line would be 1.4 GB of cells
        t.refuse_long(first, t.end(first))
    first_line = t.decode(first)
    # The delimiter is whichever of , ; tab the first line uses most (spreadsheets in some locales use ;).
    delim = max(",;\t", key=first_line.count) if any(c in first_line for c in ",;\t") else ","
    with common.guard(f"{name} (CSV)"):
        head = next(csv.reader([first_line], delimiter=delim), [""])
    ncols = len(head)
    if ncols > MAX_FEATURES + 1:
        raise InputError(
            f"{name} has {ncols:,} columns; accepted: at most {MAX_FEATURES:,} features "
            "(plus an optional 'label' column)."
        )
    header = None if all(map(_is_number, head)) else [c.strip() for c in head]
    t.delim, t.ncols, t.header = delim, ncols, header
    data_start = first if header is None else t.end(first)
    n_rows = t.survey(data_start)
    if n_rows == 0:
        raise InputError(f"{name} has a header but no data rows; accepted: at least 2 rows of numbers.")
    check_size(max(n_rows, 2), ncols - any(h.lower() == "label" for h in header or []), name)
    t.check_characters(data_start)
    t.check_shapes(data_start)
    arr = t.parse(data_start, n_rows)
    return _to_dataset(arr, t, data_start, name, label)


class _Text:
    """The bytes of a CSV and the line-level checks on them; line numbers count from 1, blank lines included."""

    def __init__(self, raw: bytes, start: int, name: str):
        self.raw, self.start, self.name = raw, start, name
        self.delim, self.ncols, self.header = ",", 0, None

    def end(self, pos: int) -> int:
        return self.raw.find(b"\n", pos) + 1 or len(self.raw)

    def line_no(self, pos: int) -> int:
        return self.raw.count(b"\n", self.start, pos) + 1

    def next_nonblank(self, pos: int) -> int | None:
        m = _NONBLANK.search(self.raw, pos)
        return None if m is None else self.raw.rfind(b"\n", 0, m.start()) + 1

    def decode(self, pos: int) -> str:
        try:
            return self.raw[pos : self.end(pos)].decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(
                f"{self.name}, line {self.line_no(pos):,} is not UTF-8 text; save the file as UTF-8 (or UTF-16/32) CSV."
            ) from None

    def data_lines(self, pos: int):
        """(offset, end) of every non-blank line from pos on."""
        raw = self.raw
        while pos < len(raw):
            end = raw.find(b"\n", pos) + 1 or len(raw)
            if _NONBLANK.search(raw, pos, end):
                yield pos, end
            pos = end

    def refuse_long(self, pos: int, end: int) -> None:
        raise InputError(
            f"{self.name}, line {self.line_no(pos):,} is {end - pos:,} bytes long; accepted: at most "
            f"{MAX_LINE_BYTES:,} bytes per line ({MAX_FEATURES:,} numbers)."
        )

    def survey(self, pos: int) -> int:
        """Count the data rows, refusing over-long lines and rows with a wrong number of delimiters.
        At most MAX_LINES iterations: the lines were counted before."""
        raw, sep, n_rows = self.raw, self.delim.encode(), 0
        while pos < len(raw):
            end = raw.find(b"\n", pos) + 1 or len(raw)
            if end - pos > MAX_LINE_BYTES:
                self.refuse_long(pos, end)
            if _NONBLANK.search(raw, pos, end):
                n_rows += 1
                if raw.count(sep, pos, end) + 1 != self.ncols and raw.find(b'"', pos, end) < 0:
                    self.refuse_line(pos)
            pos = end
        return n_rows

    def check_characters(self, pos: int) -> None:
        """Numbers use only digits, signs, points, e/E, spaces and the delimiter: any other byte (letters of
        nan, inf or text, non-ASCII) marks a line to look at. A single C-speed search over the bytes."""
        odd = re.compile(rb'[^0-9eE+\-. \t\r\n"' + re.escape(self.delim.encode()) + rb"]")
        while (m := odd.search(self.raw, pos)) is not None:
            line = self.raw.rfind(b"\n", 0, m.start()) + 1
            self.refuse_line(line, must=False)
            pos = self.end(line)

    def check_shapes(self, pos: int) -> None:
        """Malformed numbers made of allowed characters (1..2, 1e, 3-4, an empty cell) found at C speed too:
        with digits mapped to 0 and signs to +, they show as a few fixed byte pairs; with the digits and
        spaces deleted, 1.2.3 and 1e2e3 show as .. and ee. Only the lines found are parsed in Python. What
        this misses, numpy's parser still refuses, after reading the whole file."""
        sep = self.delim.encode()
        mapped = self.raw.translate(_SHAPES)
        pairs = [b"0+", b".+", b"e.", b"..", b"ee", b"++", b"\n" + sep, sep + sep, sep + b"\n", sep + b"\r"]
        pairs += [a + b for a in (b"e", b"+") for b in (sep, b"\n", b"\r", b" ", b"\t")]
        for pair in pairs:
            at = mapped.find(pair, pos)
            while at >= 0:
                line = self.raw.rfind(b"\n", 0, at + 1 if pair.startswith(b"\n") else at) + 1
                self.refuse_line(line, must=False)  # raises: every pair above is a malformed number
                at = mapped.find(pair, self.end(line))
        squeezed = mapped.translate(None, b"0 \t\r")  # lines keep their newlines, so line numbers hold
        header_lines = self.raw.count(b"\n", 0, pos)
        start = 0
        for _ in range(header_lines):
            start = squeezed.find(b"\n", start) + 1
        for pair in (b"..", b"ee", b"e."):
            at = squeezed.find(pair, start)
            while at >= 0:
                line = self._line_start(squeezed.count(b"\n", 0, at))
                self.refuse_line(line, must=False)
                at = squeezed.find(pair, (squeezed.find(b"\n", at) + 1) or len(squeezed))
        if sep.strip() and self.raw.rstrip().endswith(sep):  # an empty last cell at the very end
            self.refuse_line(self.raw.rfind(b"\n", 0, len(self.raw.rstrip())) + 1, must=False)

    def _line_start(self, index: int) -> int:
        """Offset of the line with this 0-based index, counting every line from the start of the bytes."""
        pos = 0
        for _ in range(index):
            pos = self.raw.find(b"\n", pos) + 1
        return pos

    def refuse_line(self, pos: int, must: bool = True) -> None:
        """Raise the InputError that says what is wrong with the line at pos (if must, something is)."""
        where = f"{self.name}, line {self.line_no(pos):,}"
        with common.guard(f"{self.name} (CSV)"):
            row = next(csv.reader([self.decode(pos)], delimiter=self.delim), [])
        if len(row) != self.ncols:
            raise InputError(
                f"{where}: {len(row)} values but the first row has {self.ncols}; accepted: the same number "
                "of comma-separated values on every row."
            )
        for i, cell in enumerate(row):
            if not _is_number(cell):
                raise InputError(
                    f"{where}, column {self.col(i)}: {quoted(cell)} is not a number; accepted: numbers only "
                    "(an optional header as the first row)."
                )
            if not abs(float(cell)) <= _F32_MAX:
                raise InputError(
                    f"{where}, column {self.col(i)}: {float(cell):g} is NaN, infinite or beyond float32 "
                    "(about ±3.4e38); accepted: finite numbers."
                )
        if must:
            raise InputError(f"{where} could not be read as numbers. {common.ACCEPTED}")

    def col(self, i: int) -> str:
        h = self.header
        return f"{i + 1} ({quoted(h[i])})" if h and i < len(h) and h[i] else str(i + 1)

    def parse(self, pos: int, n_rows: int) -> np.ndarray:
        lines = (self.raw[a:b].decode("ascii") for a, b in self.data_lines(pos))  # checked: ASCII only
        try:
            arr = np.loadtxt(lines, delimiter=self.delim, dtype=np.float64, ndmin=2, comments=None, quotechar='"')
        except ValueError as e:
            # numpy names the row (0- or 1-based, depending on the error): look at the rows around it.
            hint = re.search(r"at row (\d+)", str(e))
            k = int(hint.group(1)) if hint else 0
            rows = list(self.data_lines(pos))
            for r in range(max(k - 1, 0), min(k + 2, len(rows))):
                self.refuse_line(rows[r][0], must=False)
            raise InputError(f"{self.name} (CSV) could not be read as numbers ({e}). {common.ACCEPTED}") from None
        if arr.shape != (n_rows, self.ncols):
            raise InputError(f"{self.name} (CSV) could not be read as a table of {self.ncols} columns.")
        return arr


def _to_dataset(arr: np.ndarray, t: _Text, data_start: int, name: str, label: str) -> Dataset:
    at = first_bad(arr)  # numbers like 1e400 pass the character check and parse to inf
    if at is not None:
        r, c = at
        raise InputError(
            f"{name}, line {_line_of_row(t, data_start, r):,}, column {t.col(c)}: {arr[r, c]:g} is NaN, infinite "
            "or beyond float32 (about ±3.4e38); accepted: finite numbers."
        )
    lab = [i for i, h in enumerate(t.header or []) if h.lower() == "label"]
    if lab:
        y = arr[:, lab[0]]
        for bad, why in (
            (y != np.round(y), "is not a whole number"),
            ((y < LABEL_MIN) | (y > LABEL_MAX), f"is out of range (from {LABEL_MIN:,} to {LABEL_MAX:,})"),
        ):
            if bad.any():
                r = int(np.argmax(bad))
                raise InputError(
                    f"{name}, line {_line_of_row(t, data_start, r):,}: label {y[r]:g} {why}; accepted: integer "
                    "class labels in the 'label' column."
                )
        arr = np.delete(arr, lab[0], axis=1)
        return from_array(arr, y=y.astype(np.int64), name=label, feature_names=_names(t, lab[0]))
    return from_array(arr, name=label, feature_names=_names(t, None))


def _names(t: _Text, label_col: int | None) -> tuple[str, ...] | None:
    """The header's names of the feature columns, when every one is a usable name (else the app numbers them)."""
    if t.header is None:
        return None
    names = [h for i, h in enumerate(t.header) if i != label_col]
    if len(set(names)) != len(names) or any(not h or len(h) > 40 for h in names):
        return None
    return tuple(names)


def _is_number(cell: str) -> bool:
    """A number as numpy reads it; NaN and infinities count (they are refused later, with their line)."""
    return bool(_NUMBER.fullmatch(cell)) or cell.strip().lower().lstrip("+-") in ("nan", "inf", "infinity")


def _line_of_row(t: _Text, data_start: int, r: int) -> int:
    return t.line_no(next(p for i, (p, _) in enumerate(t.data_lines(data_start)) if i == r))
