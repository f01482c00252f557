"""Broken and hostile files raise InputError, with a useful message, in bounded memory, never unpickling.

Time is not asserted here (tests never assert wall-clock times): bench/bench_refusals.py measures the cost of
refusing full-size hostile files, each in a fresh process. It is a corpus, one case per line, so it is long.
"""

import gzip
import io
import struct
import tracemalloc
import zipfile
import zlib

import filemakers as fm
import numpy as np
import pytest

from vae_core import files
from vae_core.errors import InputError
from vae_core.files import common

_npy, _npz, _idx, _png, _zip = fm.npy, fm.npz, fm.idx, fm.image, fm.zip_of

MAX_PEAK_BYTES = 64 * 2**20  # what the loader may allocate for any of these files (most are declared huge)


def _npy_header_only(shape, descr="<f4") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue() + b"\0" * 64


def _bomb_png(width: int, height: int) -> bytes:
    """A 1-bit PNG whose header declares width x height pixels; tiny on disk, as a decompression bomb is."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 4096)  # never decoded: the header alone must get the file refused
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _forged_zip_size(archive: bytes, size: int) -> bytes:
    """Rewrite every member's declared uncompressed size (local header and central directory)."""
    out = bytearray(archive)
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = out.find(sig)
        while at >= 0:
            out[at + offset : at + offset + 4] = struct.pack("<I", size)
            at = out.find(sig, at + 4)
    return bytes(out)


def _corrupt(archive: bytes) -> bytes:
    """Flip bytes in the middle of the (only) member's compressed data."""
    out = bytearray(archive)
    data = out.find(b"PK\x03\x04") + 30 + len("a.png")
    out[data + 4 : data + 12] = b"\xff" * 8  # the LZMA properties, after its 4-byte version header
    return bytes(out)


def _nul_name(archive: bytes) -> bytes:
    """Turn the one-letter member name into a NUL byte, which zipfile reads back as an empty name."""
    out = bytearray(archive)
    for sig, offset in ((b"PK\x03\x04", 30), (b"PK\x01\x02", 46)):
        out[out.find(sig) + offset] = 0
    return bytes(out)


def _npy_raw_header(header: bytes) -> bytes:
    """NPY version 1.0 with a hand-written header dict (numpy falls back to a tokenizer on odd ones)."""
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + b"\0" * 64


class Payload:
    """Unpickling this opens (so creates) the marker file: proof that the loader ran pickled code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _evil(tmp_path) -> np.ndarray:
    arr = np.empty((2, 2), dtype=object)
    arr[:] = [[Payload(tmp_path / "PWNED"), 1], [2, 3]]
    return arr


RNG = np.random.default_rng(0)
IMG = RNG.integers(0, 256, size=(8, 8), dtype=np.uint8)
IMAGES = RNG.integers(0, 256, size=(4, 6, 6), dtype=np.uint8)

# (id, filename, builder(tmp_path) -> bytes, regex the message must match)
CASES = [
    ("empty", "empty.csv", lambda t: b"", r"empty"),
    ("blank csv", "blank.csv", lambda t: b"  \n\n", r"blank"),
    ("header only csv", "h.csv", lambda t: b"a,b,label\n", r"header but no data rows"),
    ("one row csv", "one.csv", lambda t: b"1,2\n", r"1 row\(s\).*at least 2 samples"),
    ("too many columns", "w.csv", lambda t: b"1," * 5000 + b"1\n", r"5,001 columns; accepted: at most 4,096"),
    ("ragged csv", "r.csv", lambda t: b"1,2,3\n4,5,6\n7,8\n", r"line 3: 2 values but the first row has 3"),
    ("text cell", "t.csv", lambda t: b"a,b\n1,2\n3,oops\n", r"line 3, column 2 \(`b`\): `oops` is not a number"),
    ("empty cell", "e.csv", lambda t: b"1,2\n3,\n", r"line 2, column 2: \"\" is not a number"),
    ("nan", "nan.csv", lambda t: b"1,2\n3,nan\n5,6\n", r"line 2, column 2: nan is NaN, infinite"),
    ("nan first row", "nan.csv", lambda t: b"nan,2\n3,4\n5,6\n", r"line 1, column 1: nan is NaN, infinite"),
    ("inf", "inf.csv", lambda t: b"x,y\n1,2\n-inf,4\n", r"line 3, column 1 \(`x`\): -inf is NaN, infinite"),
    ("1e400", "big.csv", lambda t: b"1,2\n1e400,3\n", r"line 2, column 1: inf .*beyond float32"),
    ("beyond float32", "f32.csv", lambda t: b"1,2\n3,1e39\n", r"line 2, column 2: 1e\+39 .*beyond float32"),
    ("fractional label", "l.csv", lambda t: b"a,label\n1,0\n2,0.5\n", r"line 3: label 0.5 is not a whole number"),
    ("garbage named csv", "g.csv", lambda t: b"\x80\x81" + RNG.bytes(500), r"not UTF-8 text.*Accepted formats"),
    ("garbage after BOM", "g.csv", lambda t: b"\xff\xfe" + RNG.bytes(500), r"looks like UTF-16 text but is not valid"),
    ("unknown format", "prog", lambda t: b"\x7fELF\x02\x01\x01\x00" + b"\0" * 64, r"unrecognized file format"),
    ("single png", "one.png", lambda t: _png(IMG), r"single image"),
    ("1-D npy", "a.npy", lambda t: _npy(np.arange(5.0)), r"1-D with shape \(5,\).*accepted: 2-D"),
    ("4-D npy", "a.npy", lambda t: _npy(np.zeros((2, 2, 2, 2))), r"4-D .*accepted: 2-D"),
    ("complex npy", "c.npy", lambda t: _npy(np.ones((3, 2), complex)), r"complex values; accepted: integer"),
    ("text npy", "s.npy", lambda t: _npy(np.array([["a", "b"], ["c", "d"]])), r"text values"),
    ("pickle npy", "p.npy", lambda t: _npy(_evil(t)), r"object .* refused"),
    ("pickle npz", "p.npz", lambda t: _npz(x=_evil(t)), r"array 'x'.* object .* refused"),
    ("pickle npz y", "p.npz", lambda t: _npz(x=np.ones((2, 2)), y=_evil(t)[:, 0]), r"array 'y'.* object"),
    ("huge npy shape", "h.npy", lambda t: _npy_header_only((10**9, 10**9)), r"too large: 1,000,000,000 samples"),
    ("huge npy image", "h.npy", lambda t: _npy_header_only((10, 10**5, 10**5)), r"too large"),
    ("truncated npy", "t.npy", lambda t: _npy(np.ones((100, 10)))[:300], r"truncated: .*shape \(100, 10\)"),
    ("bad npy version", "v.npy", lambda t: b"\x93NUMPY\x09\x00" + b"\0" * 64, r"NPY.*damaged|not supported"),
    ("npz no arrays", "n.npz", lambda t: _npz(), r"empty ZIP/NPZ.*accepted keys: 'x'"),
    (
        "npz without x",
        "n.npz",
        lambda t: _npz(a=np.ones((2, 2)), b=np.ones(2)),
        r"no array 'x' \(arrays found: `a`, `b`\); accepted keys: 'x'",
    ),
    ("npz y length", "n.npz", lambda t: _npz(x=np.ones((3, 2)), y=np.arange(2)), r"one value per sample"),
    ("npz 2-D y", "n.npz", lambda t: _npz(x=np.ones((3, 2)), y=np.ones((3, 2))), r"labels must be 1-D"),
    (
        "zip bomb (declared)",
        "b.zip",
        lambda t: _forged_zip_size(_zip({"a.png": _png(IMG)}), 0xFFFFFF00),
        r"would decompress to 4,096 MB; accepted: at most 200 MB",
    ),
    (
        "npz bomb (declared)",
        "b.npz",
        lambda t: _forged_zip_size(_npz(x=np.ones((4, 4))), 0xFFFFFF00),
        r"would decompress to",
    ),
    ("zip lying size", "l.zip", lambda t: _forged_zip_size(_zip({"a.png": b"\0" * 2**20}), 100), r"Bad CRC"),
    (
        "zip not an image",
        "z.zip",
        lambda t: _zip({"a.png": _png(IMG), "notes.txt": b"hello"}),
        r"`notes.txt` is not a PNG or JPEG image \(cannot identify image file\)\. .*PNG/JPEG",
    ),
    ("truncated png", "z.zip", lambda t: _zip({"a.png": _png(IMG), "b.png": _png(IMG)[:60]}), r"b.png.*truncated"),
    (
        "bomb png",
        "z.zip",
        lambda t: _zip({"a.png": _bomb_png(20000, 20000)}),
        r"`a.png` declares far too many pixels \(a decompression bomb\)",
    ),
    ("large png", "z.zip", lambda t: _zip({"a.png": _bomb_png(100, 100)}), r"100x100 = 10,000 pixels, too large"),
    (
        "mixed sizes",
        "z.zip",
        lambda t: _zip({"a.png": _png(IMG), "b.png": _png(IMG[:7, :5])}),
        r"images differ in size: `a.png` is 8x8 but `b.png` is 5x7",
    ),
    ("wrong idx magic", "i", lambda t: _idx(IMAGES, magic=0x802), r"IDX magic number 0x00000802 is not supported"),
    ("float idx", "i", lambda t: _idx(IMAGES, magic=0xD03), r"0x00000D03 is not supported"),
    ("truncated idx", "i", lambda t: _idx(IMAGES)[:-10], r"truncated: dimensions \(4, 6, 6\) need 160"),
    ("idx trailing bytes", "i", lambda t: _idx(IMAGES) + b"\0", r"longer than its header says"),
    ("idx header cut", "i", lambda t: _idx(IMAGES)[:9], r"truncated: the IDX header"),
    ("huge idx dims", "i", lambda t: struct.pack(">IIII", 0x803, 10**9, 10**4, 10**4), r"too large"),
    ("idx labels only", "l", lambda t: _idx(np.arange(5)), r"labels file \(no images\)"),
    ("truncated idx gz", "i.gz", lambda t: gzip.compress(_idx(IMAGES))[:-12], r"truncated gzip"),
    ("corrupt gz", "i.gz", lambda t: b"\x1f\x8b\x08\x00" + b"\xff" * 40, r"gzip.*damaged"),
    (
        "idx zip label count",
        "m.zip",
        lambda t: _zip({"i": _idx(IMAGES), "l": _idx(np.arange(3))}),
        r"3 labels for 4 images",
    ),
    # ---- round two (issue 12): each class of the second hostile corpus ----
    ("bzip2 member", "b.zip", lambda t: fm.zip_with({"x.npy": b"\0" * 10**5}, zipfile.ZIP_BZIP2), r"bzip2; accepted"),
    ("lzma npz", "l.npz", lambda t: fm.zip_with({"x.npy": _npy(np.ones((4, 4)))}, zipfile.ZIP_LZMA), r"LZMA"),
    ("corrupt lzma", "l.zip", lambda t: _corrupt(fm.zip_with({"a.png": b"\1" * 999}, zipfile.ZIP_LZMA)), r"LZMA"),
    ("encrypted member", "e.zip", lambda t: fm.encrypted(_zip({"a.png": _png(IMG)})), r"`a.png` is encrypted"),
    ("empty member name", "e.zip", lambda t: _nul_name(_zip({"Q": b"data"})), r"entry with an empty name"),
    ("npy header tokens", "t.npy", lambda t: _npy_raw_header(b"{'descr': '<f4', 'x': '''"), r"damaged"),
    ("npy header huge int", "t.npy", lambda t: _npy_raw_header(b"{'shape': (" + b"9" * 5000 + b",)}"), r"damaged"),
    ("csv one long line", "l.csv", lambda t: b"1," * 300_000 + b"1\n", r"line 1 is 600,002 bytes long"),
    ("csv long line later", "l.csv", lambda t: b"1,2\n" * 3 + b"3" * 300_000 + b"\n", r"line 4 is 300,001 bytes"),
    ("csv blank-line flood", "b.csv", lambda t: b"1,2\n3,4\n" + b"\n" * 500_000, r"500,003 lines; accepted"),
    ("gzip blank lines", "b.csv.gz", lambda t: gzip.compress(b"\n" * 10**6), r"1,000,001 lines"),
    ("gzip bomb ratio", "z.csv.gz", lambda t: gzip.compress(b"\n" * 40 * 2**20), r"more than 100 times its size"),
    ("gzip member flood", "m.gz", lambda t: fm.gzip_members([b""] * 20_000), r"more than 10,000 gzip members"),
    ("png chunk flood", "p.zip", lambda t: _zip({"a.png": fm.png_chunks(IMG, 100_000)}), r"too many PNG chunks"),
    ("jpeg segment flood", "j.zip", lambda t: _zip({"a.jpg": fm.jpeg_segments(IMG, 50_000)}), r"JPEG segments"),
    ("csv label 3e9", "l.csv", lambda t: b"a,label\n1,0\n2,3e9\n", r"line 3: label 3e\+09 is out of range"),
    ("csv text late", "t.csv", lambda t: b"1,2\n" * 5000 + b"3,four\n", r"line 5,001, column 2: `four` is not"),
    ("csv malformed number", "m.csv", lambda t: b"1,2\n" * 50 + b"3,1..2\n", r"line 51, column 2: `1\.\.2` is not"),
    ("csv ragged late", "r.csv", lambda t: b"1,2\n" * 50 + b"3,4,5\n", r"line 51: 3 values but the first row has 2"),
    (
        "csv markdown cell",
        "m.csv",
        lambda t: b"a,b\n1,[x](http://e.com)\n",
        r"column 2 \(`b`\): `\[x\]\(http://e\.com\)` is not",
    ),
    (
        "utf-32 garbage",
        "u.csv",
        lambda t: b"\xff\xfe\x00\x00" + b"\x00\x00\x11\x00" * 4,
        r"looks like UTF-32 text but is not valid",
    ),
    (
        "npz listing",
        "n.npz",
        lambda t: _npz(**{f"a{k}": np.zeros(1) for k in range(2000)}),
        r"arrays found: `a0`, .*`a9` and 1,990 more\); accepted",
    ),
    (
        "folder label too large",
        "f.zip",
        lambda t: _zip({f"{'9' * 30}/a.png": _png(IMG), "1/b.png": _png(IMG)}),
        r"folder `9{20}\.\.\.` of .* too large for a label",
    ),
    (
        "member name markdown",
        "m.zip",
        lambda t: _zip({"a.png": _png(IMG), "[x](http://e.com)\n\x1b[31m.png": b"not an image"}),
        r"`\[x\]\(http://e\.com\)\\n\\x1b\[31m\.png` is not a PNG",
    ),
    (
        "idx zip two image files",
        "m.zip",
        lambda t: _zip({"i": _idx(IMAGES), "j.gz": gzip.compress(_idx(IMAGES))}),
        r"2 IDX image file\(s\).*exactly one images file",
    ),
]


@pytest.mark.parametrize("filename, build, match", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_file_raises_input_error(tmp_path, filename, build, match):
    raw = build(tmp_path)
    path = tmp_path / filename
    path.write_bytes(raw)
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=match):
            files.load_file(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MAX_PEAK_BYTES, f"peak {peak / 2**20:.0f} MB"
    assert not (tmp_path / "PWNED").exists(), "the loader unpickled the payload"
    with pytest.raises(InputError, match=match):  # the same verdict for bytes as for a path
        files.load_file(raw, filename=filename)


def test_pickle_payload_is_live(tmp_path):
    """Control: the payload used above really does create the marker when unpickled, so its absence means something."""
    p = tmp_path / "p.npy"
    p.write_bytes(_npy(_evil(tmp_path)))
    loaded = np.load(p, allow_pickle=True)
    loaded[0, 0].close()
    assert (tmp_path / "PWNED").exists()


def test_gzip_bomb_stops_at_the_cap(monkeypatch):
    monkeypatch.setattr(common, "MAX_FILE_BYTES", 2**20)
    bomb = gzip.compress(b"\0" * 4 * 2**20, compresslevel=1)
    with pytest.raises(InputError, match=r"decompresses to more than 1 MB"):
        files.load_file(bomb, filename="bomb.gz")
    # inside a ZIP of IDX files the cap holds for all members together, not for each
    half = gzip.compress(_idx(np.zeros((700, 30, 30))), compresslevel=1)
    with pytest.raises(InputError, match=r"`m.zip`: `b.gz` decompresses to more than 0.\d+ MB"):
        files.load_file(_zip({"a.gz": half, "b.gz": half}), filename="m.zip")


def test_honest_zip_bomb_is_refused_by_declared_size(monkeypatch):
    monkeypatch.setattr(common, "MAX_FILE_BYTES", 2**20)
    bomb = _zip({"x.npy": b"\0" * 4 * 2**20})
    assert len(bomb) < 2**20
    with pytest.raises(InputError, match=r"would decompress to 4 MB; accepted: at most 1 MB"):
        files.load_file(bomb)


def test_oversized_upload_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "MAX_FILE_BYTES", 1000)
    p = tmp_path / "big.csv"
    p.write_bytes(b"1,2\n" * 1000)
    for src in (p, p.read_bytes(), io.BytesIO(p.read_bytes())):
        with pytest.raises(InputError, match=r"is 0.0038 MB; accepted: at most 0.00095 MB"):
            files.load_file(src)


def test_bad_arguments():
    with pytest.raises(InputError, match=r"`/nonexistent/data.csv` does not exist"):
        files.load_file("/nonexistent/data.csv")
    with pytest.raises(InputError, match=r"expected a file path, bytes or an open binary file"):
        files.load_file(12345)
    with pytest.raises(InputError, match=r"binary mode"):
        files.load_file(io.StringIO("1,2\n3,4\n"))

    class TextPipe:  # not seekable, and yields str
        def __init__(self):
            self.parts = ["1,2\n", "3,4\n", ""]

        def read(self, n=-1):
            return self.parts.pop(0)

    with pytest.raises(InputError, match=r"binary mode"):
        files.load_file(TextPipe())


def test_odd_sources_are_refused(tmp_path):
    import os

    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00\x001\x00\x00\x00")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for src, match in (
        ("/dev/zero", r"`/dev/zero` is not a regular file \(it is a pipe, socket or device\)"),
        (fifo, r"pipe.csv` is not a regular file"),  # opening it must not wait for a writer
        (tmp_path, r"is a folder, not a file"),
        ("data\x00.csv", r"`data\\x00.csv` contains a NUL byte"),
        (open(tmp_path / "bin.csv", encoding="utf-8"), r"opened in text mode"),  # noqa: SIM115 (closed below)
    ):
        with pytest.raises(InputError, match=match):
            files.load_file(src)
        if hasattr(src, "close"):
            src.close()
    closed = open(tmp_path / "bin.csv", "rb")  # noqa: SIM115
    closed.close()
    with pytest.raises(InputError, match=r"is already closed; pass an open file"):
        files.load_file(closed)

    class Failing(io.RawIOBase):  # a stream whose read fails, as a dropped network file does
        def readable(self):
            return True

        def readinto(self, b):
            raise OSError(5, "Input/output error")

    for stream in (Failing(), io.BufferedReader(Failing())):
        with pytest.raises(InputError, match=r"cannot read the file: Input/output error"):
            files.load_file(stream)


def test_from_array_refuses_labels_that_would_wrap():
    x = np.ones((3, 2))
    for y, shown in (
        (np.array([0, 1e300, 2]), "1e\\+300"),
        (np.array([0, 2**64 - 1, 2], dtype=np.uint64), "18446744073709551615"),
        (np.array([0, 3e9, 1]), "3e\\+09"),
        (np.array([0, -(2**40), 1], dtype=np.int64), "-1099511627776"),
    ):
        with pytest.raises(InputError, match=rf"label {shown} \(sample 2\) is out of range"):
            _from_array(x, y)
    with pytest.raises(InputError, match=r"label 0.5 \(sample 2\) is not a whole number"):
        _from_array(x, np.array([0, 0.5, 1]))


def _from_array(x, y):
    from vae_core import data

    return data.from_array(x, y=y)


@pytest.mark.parametrize("value", [3.0e38, -3.0e38, 1e20, 1e-30])
def test_standardization_is_computed_in_float64_and_checked(value):
    from vae_core import data

    x = np.array([[value, 1.0], [value / 3, 2.0], [-value / 2, 4.0]], dtype=np.float64)
    ds = data.from_array(x)
    assert np.isfinite(ds.x).all() and np.isfinite(ds.scale).all()
    np.testing.assert_allclose(ds.x.std(axis=0), 1.0, rtol=1e-5)  # not all zeros, not inf
    np.testing.assert_allclose(ds.to_data_units(ds.x), x, rtol=1e-5)


def test_features_beyond_float32_after_standardizing_are_refused():
    from vae_core import data

    with pytest.raises(InputError, match=r"NaN or infinite \(or too large\) values.*row 2, column 1: 1e\+39"):
        data.from_array(np.array([[1.0, 2.0], [1e39, 3.0]]))
    with pytest.raises(InputError, match=r"feature 1 cannot be standardized in float32"):
        data.from_array(np.array([[1e-50, 2.0], [2e-50, 3.0]]))


def test_csv_over_the_value_limit_is_refused_before_parsing(monkeypatch):
    from vae_core import dataset

    monkeypatch.setattr(dataset, "MAX_VALUES", 1000)

    def no_parse(*args, **kwargs):
        raise AssertionError("the CSV was parsed before its size was checked")

    monkeypatch.setattr(np, "loadtxt", no_parse)
    with pytest.raises(InputError, match=r"too large: 600 samples x 2 features"):
        files.load_file(b"1,2\n" * 600, filename="big.csv")


def test_a_broken_last_image_is_refused_before_any_image_is_decoded(monkeypatch):
    from vae_core.files import images

    def no_decode(*args):
        raise AssertionError("an image was decoded before every member was checked")

    monkeypatch.setattr(images, "_decode", no_decode)
    for broken, match in (
        (_png(IMG)[:-2], r"`9.png` is truncated \(its last PNG chunk is cut short\)"),
        (_png(IMG)[:40], r"`9.png` is truncated \(no PNG end chunk\)"),
        (fm.image(IMG, "JPEG")[:-4], r"`9.png` is truncated \(no JPEG end marker\)"),
        (b"GIF89a", r"`9.png` is not a PNG or JPEG image"),
    ):
        archive = _zip({**{f"{k}.png": _png(IMG) for k in range(9)}, "9.png": broken})
        with pytest.raises(InputError, match=match):
            files.load_file(archive)


def test_quoted_user_text_is_one_code_span():
    from vae_core.errors import quoted

    assert quoted("a.png") == "`a.png`"
    assert quoted("[x](http://e.com)\n\x1b[31m") == "`[x](http://e.com)\\n\\x1b[31m`"  # controls made visible
    assert quoted("a`b") == "``a`b``" and quoted("`x") == "`` `x ``"  # a fence longer than any run inside
    assert quoted("") == '""' and quoted("x" * 100).endswith("x...`")


@pytest.mark.parametrize(
    "cell, shown",
    [
        ("1..2", "`1\\.\\.2`"),
        ("1.2.3", "`1\\.2\\.3`"),
        ("3-4", "`3-4`"),
        ("1e", "`1e`"),
        ("2e5e1", "`2e5e1`"),
        ("", '""'),
    ],
)
def test_malformed_numbers_are_found_before_numpy_parses(monkeypatch, cell, shown):
    def no_parse(*args, **kwargs):
        raise AssertionError("numpy parsed the file: the byte checks missed the malformed number")

    monkeypatch.setattr(np, "loadtxt", no_parse)
    raw = b"a,b\n" + b"1,2\n" * 100 + b"3," + cell.encode() + b"\n" + b"5,6\n"
    with pytest.raises(InputError, match=rf"line 102, column 2 \(`b`\): {shown} is not a number"):
        files.load_file(raw)


@pytest.mark.parametrize(
    "filename,raw,start",
    [
        ("x.npy", b"1,2\n3\n", "`x.npy` is named .npy but holds text; read as CSV: line 2: 1 values"),
        ("x.zip", b"a,b\n1,2\n3,x\n", "`x.zip` is named .zip but holds text; read as CSV: line 3"),
        ("x.csv", b"\x81\x82\x83\x84" * 8, "`x.csv` is named .csv but is not UTF-8 text"),
        ("m.safetensors", None, "`m.safetensors` is a safetensors file (a model checkpoint), not a data set"),
    ],
)
def test_a_refusal_says_first_what_the_file_is(filename, raw, start):
    if raw is None:
        from vae_core import checkpoints
        from vae_core.config import ModelConfig
        from vae_core.model import VAE

        raw = checkpoints.to_bytes(VAE(ModelConfig(kind="vae", input_dim=4, latent_dim=2, hidden=(3,))))
    with pytest.raises(InputError) as e:
        files.load_file(raw, filename=filename)
    assert str(e.value).startswith(start), str(e.value)


def test_a_zip_of_images_reports_progress_and_stops_when_told():
    import zipfile as zf_mod

    buf = io.BytesIO()
    with zf_mod.ZipFile(buf, "w") as zf:
        for i in range(5):
            zf.writestr(f"{i}.png", _png(IMG))
    calls = []
    ds = files.load_file(buf.getvalue(), filename="five.zip", on_progress=lambda d, t: calls.append((d, t)))
    assert ds.n == 5 and calls == [(0, 10), (5, 10)]  # the check of every member, then the decoding

    class Stop(Exception):
        pass

    def stop(done, total):
        raise Stop

    with pytest.raises(Stop):
        files.load_file(buf.getvalue(), filename="five.zip", on_progress=stop)
