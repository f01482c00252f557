"""Good user files load: CSV, NPY, NPZ, MNIST IDX (plain, .gz, ZIP), ZIPs of images; from paths, bytes, streams."""

import gzip
import io

import filemakers as fm
import numpy as np
import pytest

from vae_core import data, files
from vae_core.data import Dataset


def _npz(**arrays) -> bytes:
    return fm.npz(compressed=True, **arrays)


_npy, _idx, _image, _zip = fm.npy, fm.idx, fm.image, fm.zip_of


RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, size=(6, 5, 4), dtype=np.uint8)  # 6 images of 5 rows x 4 columns
LABELS = np.array([0, 1, 2, 0, 1, 2], dtype=np.uint8)


def test_csv_with_header_and_label_column(tmp_path):
    p = tmp_path / "points.csv"
    p.write_text("a,label,b\n1.5,0,2\n3,1,4e1\n-5,2,6\n7,1,8\n")
    ds = files.load_file(p)
    assert isinstance(ds, Dataset) and ds.name == "points"
    assert ds.x.shape == (4, 2) and ds.x.dtype == np.float32
    assert ds.y.tolist() == [0, 1, 2, 1] and ds.y.dtype == np.int64
    # standardized, and the transform recovers the data's own units
    np.testing.assert_allclose(ds.to_data_units(ds.x), [[1.5, 2], [3, 40], [-5, 6], [7, 8]], rtol=1e-5)
    assert ds.image_shape is None


def test_csv_without_header_blank_lines_bom_and_semicolons(tmp_path):
    ds = files.load_file(b"1,2,3\n\n4,5,6\r\n7,8,9\n")
    assert ds.x.shape == (3, 3) and ds.y is None
    ds = files.load_file("\ufeffx;y\n1.5;2\n3;4\n".encode(), filename="semi.csv")
    np.testing.assert_allclose(ds.to_data_units(ds.x), [[1.5, 2], [3, 4]])
    assert ds.name == "semi"


def test_gzipped_csv_and_npy_are_recognized_after_decompression():
    assert files.load_file(gzip.compress(b"1,2\n3,4\n5,6\n"), filename="t.csv.gz").x.shape == (3, 2)
    assert files.load_file(gzip.compress(_npy(np.ones((4, 3))))).x.shape == (4, 3)


def test_csv_header_without_label_has_no_y():
    ds = files.load_file(b"f1,f2\n1,2\n3,4\n5,6\n")
    assert ds.y is None and ds.x.shape == (3, 2)


def test_npy_2d_rows(tmp_path):
    x = RNG.normal(size=(10, 3))
    p = tmp_path / "rows.npy"
    p.write_bytes(_npy(x))
    ds = files.load_file(str(p))
    assert ds.x.shape == (10, 3) and ds.image_shape is None and ds.name == "rows"
    np.testing.assert_allclose(ds.to_data_units(ds.x), x, rtol=1e-5, atol=1e-6)


def test_npy_fortran_order_and_big_endian():
    x = np.asfortranarray(np.arange(12, dtype=">f8").reshape(4, 3))
    ds = files.load_file(_npy(x))
    np.testing.assert_allclose(ds.to_data_units(ds.x), np.arange(12).reshape(4, 3), atol=1e-5)


def test_npy_3d_image_stack_is_scaled_to_unit_interval():
    ds = files.load_file(_npy(IMAGES), filename="stack.npy")
    assert ds.image_shape == (5, 4) and ds.x.shape == (6, 20)
    np.testing.assert_allclose(ds.x, IMAGES.reshape(6, 20) / 255.0, atol=1e-6)
    assert ds.default_likelihood == "bernoulli"


def test_npz_x_and_y():
    x = RNG.normal(size=(8, 2))
    y = np.arange(8) % 3
    ds = files.load_file(_npz(x=x, y=y), filename="pair.npz")
    assert ds.x.shape == (8, 2) and ds.y.tolist() == y.tolist() and ds.name == "pair"


def test_npz_image_stack_without_y_ignores_extra_keys():
    ds = files.load_file(_npz(x=IMAGES, notes=np.zeros(3)))
    assert ds.image_shape == (5, 4) and ds.y is None


def test_idx_images_plain_and_gz(tmp_path):
    p = tmp_path / "train-images-idx3-ubyte"
    p.write_bytes(_idx(IMAGES))
    ds = files.load_file(p)
    assert ds.image_shape == (5, 4) and ds.y is None and ds.name == "train-images-idx3-ubyte"
    np.testing.assert_allclose(ds.x, IMAGES.reshape(6, -1) / 255.0, atol=1e-6)
    gz = tmp_path / "train-images-idx3-ubyte.gz"
    gz.write_bytes(gzip.compress(_idx(IMAGES)))
    ds_gz = files.load_file(gz)
    np.testing.assert_array_equal(ds_gz.x, ds.x)
    assert ds_gz.name == "train-images-idx3-ubyte"


def test_idx_zip_with_labels_plain_and_gz():
    for labels in (_idx(LABELS), gzip.compress(_idx(LABELS))):
        archive = _zip(
            {
                "mnist/README.txt": b"MNIST subset",
                "mnist/train-images.gz": gzip.compress(_idx(IMAGES)),
                "mnist/train-labels": labels,
            }
        )
        ds = files.load_file(archive, filename="mnist.zip")
        assert ds.image_shape == (5, 4) and ds.y.tolist() == LABELS.tolist() and ds.name == "mnist"


def test_zip_of_pngs_with_label_folders():
    members = {f"digits/{lab}/img{k}.png": _image(IMAGES[k]) for k, lab in enumerate(LABELS)}
    members["__MACOSX/digits/0/._img0.png"] = b"resource fork junk"
    ds = files.load_file(_zip(members))
    assert ds.image_shape == (5, 4) and ds.n == 6
    order = sorted(range(6), key=lambda k: f"digits/{LABELS[k]}/img{k}.png")  # members are read sorted by name
    assert ds.y.tolist() == [int(LABELS[k]) for k in order]
    np.testing.assert_allclose(ds.x, IMAGES[order].reshape(6, -1) / 255.0, atol=1e-6)


def test_zip_of_rgb_jpegs_and_16bit_pngs_without_labels():
    rgb = RNG.integers(0, 256, size=(3, 8, 8, 3), dtype=np.uint8)
    ds = files.load_file(_zip({f"img{k}.jpg": _image(rgb[k], "JPEG") for k in range(3)}))
    assert ds.image_shape == (8, 8) and ds.y is None and 0 <= ds.x.min() and ds.x.max() <= 1
    deep = np.full((2, 4, 4), 65535, dtype=np.uint16)
    ds16 = files.load_file(_zip({f"{k}.png": _image(deep[k]) for k in range(2)}))
    np.testing.assert_allclose(ds16.x, 1.0)
    assert ds16.y is None  # top-level files: no folder, no labels


@pytest.mark.parametrize("kind", ["str", "path", "bytes", "bytearray", "bytesio", "read_already", "stream"])
def test_input_kinds(tmp_path, kind):
    raw = b"a,b\n1,2\n3,4\n5,7\n"
    p = tmp_path / "kinds.csv"
    p.write_bytes(raw)

    class Stream:  # a non-seekable binary stream, like a socket or a pipe
        name = "stream.csv"

        def __init__(self):
            self.buf = io.BytesIO(raw)

        def read(self, n=-1):
            return self.buf.read(min(n, 3))  # short reads, as pipes do

    src = {
        "str": str(p),
        "path": p,
        "bytes": raw,
        "bytearray": bytearray(raw),
        "bytesio": io.BytesIO(raw),
        "stream": Stream(),
    }.get(kind)
    if kind == "read_already":  # e.g. an UploadedFile read on a previous app rerun
        src = io.BytesIO(raw)
        src.read()
    ds = files.load_file(src)
    assert ds.x.shape == (3, 2)
    assert ds.name == {"str": "kinds", "path": "kinds", "stream": "stream"}.get(kind, "mine")


def test_file_like_name_and_hint():
    f = io.BytesIO(_npy(np.ones((3, 2))))
    f.name = "uploads/ones.npy"  # Streamlit's UploadedFile carries .name
    assert files.load_file(f).name == "ones"
    assert files.load_file(f, filename="hint.npy").name == "hint"


def test_data_load_file_delegates():
    ds = data.load_file(b"1,2\n3,4\n", filename="d.csv")
    assert ds.x.shape == (2, 2) and ds.name == "d"


def test_streamlit_uploaded_file_read_on_a_previous_rerun():
    uploaded = pytest.importorskip("streamlit.runtime.uploaded_file_manager")
    rec = uploaded.UploadedFileRec(
        file_id="1", name="upload.npz", type="application/octet-stream", data=_npz(x=IMAGES, y=LABELS)
    )
    f = uploaded.UploadedFile(rec, None)
    f.read()
    ds = files.load_file(f)
    assert ds.name == "upload" and ds.image_shape == (5, 4) and ds.y.tolist() == LABELS.tolist()


# ---- round two (issue 12): valid files that were refused or misread ----


@pytest.mark.parametrize("codec", ["utf-32", "utf-32-le", "utf-32-be", "utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_and_utf32_csv_load_with_or_without_a_byte_order_mark(codec):
    ds = files.load_file("x,label\n1.5,0\n2,1\n-3,1\n".encode(codec), filename="wide.csv")
    assert ds.y.tolist() == [0, 1, 1]
    np.testing.assert_allclose(ds.to_data_units(ds.x).ravel(), [1.5, 2, -3], rtol=1e-6)


def test_exif_rotated_jpeg_is_turned_upright():
    # A phone stores a portrait photo as landscape pixels plus "rotate 90 degrees clockwise" (orientation 6).
    upright = np.zeros((8, 4), dtype=np.uint8)
    upright[:2] = 255  # a bright band at the top
    stored = np.rot90(upright, k=1)  # what the sensor wrote: 4 rows x 8 columns
    archive = _zip({"a.jpg": _image(upright, "JPEG"), "b.jpg": fm.exif_rotated_jpeg(stored, 6)})
    ds = files.load_file(archive)
    assert ds.image_shape == (8, 4)
    b = ds.x[1].reshape(8, 4)
    assert b[:2].mean() > 0.9 and b[2:].mean() < 0.1  # the band is at the top once turned


def test_multi_member_gzip_with_zero_padding_loads():
    raw = fm.gzip_members([b"1,2\n", b"3,4\n", b"5,6\n"]) + b"\0" * 64
    assert files.load_file(raw).x.shape == (3, 2)


def test_quoted_csv_and_labels_at_the_int32_edge():
    ds = files.load_file(b'"a","label"\n"1",2147483647\n"2",-2147483648\n', filename="q.csv")
    assert ds.y.tolist() == [2**31 - 1, -(2**31)]
