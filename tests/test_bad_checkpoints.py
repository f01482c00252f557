"""Bad-input corpus for checkpoints.load: every file below is refused with an InputError, quickly and without
allocating the model it describes; and a valid checkpoint round-trips exactly from a path, bytes and a file.
It is a corpus, one case per line, so it is long.
"""

from __future__ import annotations

import io
import json
import pickle
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save as st_save

from vae_core import InputError, ModelConfig, TrainConfig, checkpoints, data, train
from vae_core.model import VAE, init_parameters

TINY = ModelConfig(kind="vae", input_dim=6, latent_dim=2, hidden=(8,), likelihood="gaussian")


def _tiny_model(cfg: ModelConfig = TINY, seed: int = 0) -> VAE:
    model = VAE(cfg)
    init_parameters(model, torch.Generator().manual_seed(seed))
    return model


def _tensors(model: VAE) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}


def _record(model: VAE) -> dict:
    """The record of a tiny model that carries every field (as a trained model does)."""
    model.info = {
        "train": TrainConfig().to_dict(),
        "dataset": data.from_array(np.random.default_rng(0).normal(size=(4, 6))).describe(),
        "metrics": {"elbo": -1.0, "recon": 0.5, "kl": 0.5, "kl_per_dim": [0.25, 0.25]},
        "epochs_done": 3,
    }
    return checkpoints.read_header(checkpoints.to_bytes(model))[1]


def _with_record(change) -> bytes:
    """A real tiny checkpoint whose vae_core metadata record went through `change(record)`."""
    model = _tiny_model()
    rec = _record(model)
    change(rec)
    return st_save(_tensors(model), metadata={checkpoints.META_KEY: json.dumps(rec)})


def _with_text(change) -> bytes:
    """A real tiny checkpoint whose metadata JSON text went through `change(text)`."""
    model = _tiny_model()
    text = change(json.dumps(_record(model)))
    return st_save(_tensors(model), metadata={checkpoints.META_KEY: text})


def _with_tensors(change) -> bytes:
    """A real tiny checkpoint whose tensor dict went through `change(tensors)`."""
    model = _tiny_model()
    tensors = _tensors(model)
    change(tensors)
    return st_save(tensors, metadata={checkpoints.META_KEY: json.dumps(_record(model))})


def _raw(header, body: bytes = b"") -> bytes:
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # safetensors pads its header to 8 bytes; keep the rest of the file valid
    return struct.pack("<Q", len(text)) + text + body


def _with_header(change) -> bytes:
    """A real tiny checkpoint whose parsed safetensors header went through `change(header)`; data kept."""
    blob = checkpoints.to_bytes(_tiny_model())
    (hlen,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + hlen])
    change(header)
    return _raw(header, blob[8 + hlen :])


class _Payload:
    """Unpickling this creates the marker file: proof that a loader ran code from the file."""

    marker: Path

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _pop(d: dict, key: str) -> None:
    d.pop(key)


def _set(d: dict, key: str, value) -> None:
    d[key] = value


def _legacy_torch_save(tensors) -> bytes:
    buf = io.BytesIO()
    torch.save(tensors, buf, _use_new_zipfile_serialization=False)
    return buf.getvalue()


def _torch_save(tensors) -> bytes:
    buf = io.BytesIO()
    torch.save(tensors, buf)
    return buf.getvalue()


NOT_OURS = "not a vae_core checkpoint"

# (id, builder(tmp_path) -> bytes, match)
CORPUS = [
    ("empty-file", lambda tmp: b"", "too short"),
    ("seven-bytes", lambda tmp: b"\x01" * 7, "too short"),
    ("random-bytes", lambda tmp: np.random.default_rng(0).bytes(4096), "header claims|not valid JSON"),
    ("torch-save-zip", lambda tmp: _torch_save(_tiny_model().state_dict()), NOT_OURS),
    ("torch-save-legacy-pickle", lambda tmp: _legacy_torch_save(_tiny_model().state_dict()), NOT_OURS),
    ("header-length-beyond-file", lambda tmp: struct.pack("<Q", 1000) + b"{}", "claims 1,000 bytes"),
    ("header-length-zero", lambda tmp: struct.pack("<Q", 0) + b"{}", "claims 0 bytes"),
    ("header-length-huge", lambda tmp: struct.pack("<Q", 2**63) + b"{}", "header claims"),
    ("header-not-json", lambda tmp: _raw(b"{this is not json"), "not valid JSON"),
    ("header-not-utf8", lambda tmp: _raw(b"\xff\xfe{}"), "not valid JSON"),
    ("header-deeply-nested", lambda tmp: _raw(b"[" * 200_000), "not valid JSON"),
    ("header-json-array", lambda tmp: _raw([1, 2, 3]), "not a JSON object"),
    ("safetensors-without-metadata", lambda tmp: st_save(_tensors(_tiny_model())), "no vae_core metadata"),
    (
        "safetensors-foreign-metadata",
        lambda tmp: st_save(_tensors(_tiny_model()), metadata={"format": "pt"}),
        "no vae_core metadata",
    ),
    (
        "metadata-json-malformed",
        lambda tmp: st_save(_tensors(_tiny_model()), metadata={"vae_core": '{"format_version": 1,'}),
        "metadata is not valid JSON",
    ),
    (
        "metadata-json-deeply-nested",
        lambda tmp: st_save(_tensors(_tiny_model()), metadata={"vae_core": "[" * 100_000}),
        "metadata is not valid JSON",
    ),
    (
        "metadata-not-object",
        lambda tmp: st_save(_tensors(_tiny_model()), metadata={"vae_core": "[1, 2]"}),
        "must be a JSON object",
    ),
    (
        "metadata-value-not-string",
        lambda tmp: _with_header(lambda h: _set(h, "__metadata__", {"vae_core": 5})),
        "metadata is not valid JSON",
    ),
    (
        "metadata-unknown-key",
        lambda tmp: _with_record(lambda r: _set(r, "optimizer_state", {})),
        "unknown checkpoint metadata key.*optimizer_state",
    ),
    ("format-version-2", lambda tmp: _with_record(lambda r: _set(r, "format_version", 2)), "format version 2"),
    ("format-version-missing", lambda tmp: _with_record(lambda r: _pop(r, "format_version")), "format version None"),
    ("format-version-string", lambda tmp: _with_record(lambda r: _set(r, "format_version", "1")), "format version '1'"),
    ("model-config-missing", lambda tmp: _with_record(lambda r: _pop(r, "model")), "no model config"),
    ("model-config-not-mapping", lambda tmp: _with_record(lambda r: _set(r, "model", [1, 2])), "must be a mapping"),
    (
        "config-unknown-key",
        lambda tmp: _with_record(lambda r: _set(r["model"], "dropout", 0.5)),
        "no setting.*'dropout'",
    ),
    ("config-bad-kind", lambda tmp: _with_record(lambda r: _set(r["model"], "kind", "gan")), "kind='gan'"),
    (
        "config-latent-as-string",
        lambda tmp: _with_record(lambda r: _set(r["model"], "latent_dim", "2")),
        "latent_dim must be an integer",
    ),
    (
        "config-negative-obs-var",
        lambda tmp: _with_record(lambda r: _set(r["model"], "obs_var", -1.0)),
        "obs_var=-1.0 is out of range",
    ),
    (
        "config-too-many-layers",
        lambda tmp: _with_record(lambda r: _set(r["model"], "hidden", [4] * 9)),
        "at most 8 layer widths",
    ),
    (
        "nan-weights",
        lambda tmp: _with_tensors(lambda t: t["encoder.0.weight"].__setitem__((0, 0), float("nan"))),
        "'encoder.0.weight' contains NaN",
    ),
    (
        "inf-bias",
        lambda tmp: _with_tensors(lambda t: t["decoder.2.bias"].fill_(float("inf"))),
        "'decoder.2.bias' contains NaN or infinite",
    ),
    (
        "shape-disagrees-with-config",
        lambda tmp: _with_tensors(lambda t: _set(t, "encoder.0.weight", torch.zeros(8, 7))),
        r"'encoder.0.weight' should be float32 with shape \(8, 6\)",
    ),
    (
        "transposed-weight",
        lambda tmp: _with_tensors(lambda t: _set(t, "decoder.2.weight", t["decoder.2.weight"].t().contiguous())),
        "'decoder.2.weight' should be float32",
    ),
    ("missing-tensor", lambda tmp: _with_tensors(lambda t: _pop(t, "decoder.0.bias")), r"missing \['decoder.0.bias'\]"),
    (
        "unexpected-tensor",
        lambda tmp: _with_tensors(lambda t: _set(t, "encoder.4.weight", torch.zeros(2, 2))),
        r"unexpected \['encoder.4.weight'\]",
    ),
    (
        "dtype-f64",
        lambda tmp: _with_tensors(lambda t: _set(t, "encoder.0.bias", t["encoder.0.bias"].double())),
        "should be float32.*F64",
    ),
    (
        "dtype-f16",
        lambda tmp: _with_tensors(lambda t: _set(t, "encoder.0.bias", t["encoder.0.bias"].half())),
        "should be float32.*F16",
    ),
    (
        "shape-not-a-list",
        lambda tmp: _with_header(lambda h: _set(h["encoder.0.bias"], "shape", 8)),
        "should be float32 with shape",
    ),
    (
        "tensor-entry-not-object",
        lambda tmp: _with_header(lambda h: _set(h, "encoder.0.bias", "F32")),
        "should be float32",
    ),
    (
        "data-offsets-past-end",
        lambda tmp: _with_header(lambda h: _set(h["encoder.0.bias"], "data_offsets", [0, 10**9])),
        "tensor data is corrupt",
    ),
    ("tensor-data-truncated", lambda tmp: checkpoints.to_bytes(_tiny_model())[:-16], "tensor data is corrupt"),
    # ---- round two (issue 12): metadata values are type- and range-checked, field by field ----
    ("dataset-a-string", lambda tmp: _with_record(lambda r: _set(r, "dataset", "digits")), "'dataset': must be a JSON"),
    ("train-beta-text", lambda tmp: _with_record(lambda r: _set(r["train"], "beta", "lots")), "'train': beta must be"),
    ("train-unknown", lambda tmp: _with_record(lambda r: _set(r["train"], "momentum", 0.9)), "'train'.*'momentum'"),
    ("metrics-nan", lambda tmp: _with_record(lambda r: _set(r["metrics"], "elbo", float("nan"))), "NaN is not allowed"),
    ("metrics-inf", lambda tmp: _with_record(lambda r: _set(r["metrics"], "kl", float("inf"))), "Infinity is not"),
    ("metrics-text", lambda tmp: _with_record(lambda r: _set(r["metrics"], "elbo", "-3")), "'elbo' must be a finite"),
    ("obs-var-denormal", lambda tmp: _with_record(lambda r: _set(r["model"], "obs_var", 5e-324)), "obs_var=5e-324"),
    ("obs-var-huge-int", lambda tmp: _with_record(lambda r: _set(r["model"], "obs_var", 10**400)), "about 400 digits"),
    (
        "json-5000-digits",
        lambda tmp: _with_text(lambda t: t.replace('"extra": {}', '"extra": ' + "9" * 5000)),
        "not valid JSON",
    ),
    ("format-version-true", lambda tmp: _with_record(lambda r: _set(r, "format_version", True)), "version True"),
    ("epochs-negative", lambda tmp: _with_record(lambda r: _set(r, "epochs_done", -1)), "'epochs_done'.*out of range"),
    ("extra-a-list", lambda tmp: _with_record(lambda r: _set(r, "extra", [1])), "'extra' must be a JSON object"),
    ("dataset-dim", lambda tmp: _with_record(lambda r: _set(r["dataset"], "dim", 7)), "dim=7 does not match"),
    ("dataset-key", lambda tmp: _with_record(lambda r: _set(r["dataset"], "path", "/x")), "unknown key.*'path'"),
    ("dataset-shape", lambda tmp: _with_record(lambda r: _set(r["dataset"], "image_shape", [2, 2])), "4 pixels"),
    ("dataset-scale", lambda tmp: _with_record(lambda r: _set(r["dataset"], "scale", [1.0] * 5 + [0])), r"scale\[5\]"),
    (
        "header-over-limit-complete",
        lambda tmp: st_save(_tensors(_tiny_model()), metadata={"vae_core": "x" * 1_100_000}),
        "over the header limit of 1,000,000 bytes",
    ),
    (
        "header-cut-short",
        lambda tmp: checkpoints.to_bytes(_tiny_model())[:200],
        "the file is truncated: the header claims",
    ),
]


@pytest.mark.parametrize(("builder", "match"), [pytest.param(b, m, id=i) for i, b, m in CORPUS])
def test_bad_checkpoint_is_refused(tmp_path, builder, match):
    blob = builder(tmp_path)
    path = tmp_path / "bad.safetensors"
    path.write_bytes(blob)
    with pytest.raises(InputError, match=match):
        checkpoints.load(path)
    with pytest.raises(InputError, match=match):
        checkpoints.load(blob)
    with pytest.raises(InputError, match=match):
        checkpoints.load(io.BytesIO(blob))


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_pickle_payload_is_never_unpickled(tmp_path, protocol):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.safetensors"
    path.write_bytes(pickle.dumps({"state_dict": _Payload(marker)}, protocol=protocol))
    with pytest.raises(InputError, match=NOT_OURS):
        checkpoints.load(path)
    assert not marker.exists()
    pickle.loads(path.read_bytes())["state_dict"].close()  # the corpus file is live: unpickling runs open()
    assert marker.exists()


def test_absurd_config_is_refused_before_allocation():
    # 8 layers of 8192 units on 100,000 inputs: ~2 billion parameters (8 GB), with a header that declares them.
    cfg = {
        "kind": "vae",
        "input_dim": 100_000,
        "latent_dim": 2,
        "hidden": [8192] * 8,
        "likelihood": "bernoulli",
        "obs_var": 1.0,
        "activation": "relu",
    }
    rec = {
        "format_version": checkpoints.FORMAT_VERSION,
        "model": cfg,
        "train": None,
        "dataset": None,
        "metrics": None,
        "epochs_done": None,
        "extra": {},
    }
    sizes = [100_000, *cfg["hidden"], 4]
    header = {"__metadata__": {"vae_core": json.dumps(rec)}}
    offset = 0
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        for name, shape in ((f"encoder.{2 * i}.weight", [b, a]), (f"encoder.{2 * i}.bias", [b])):
            n = 4 * int(np.prod(shape))
            header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + n]}
            offset += n
    blob = _raw(header, b"\0" * 64)
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="parameters; the limit is"):
            checkpoints.load(blob)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, f"refusing the file allocated {peak:,} bytes"


def test_oversized_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.safetensors"
    checkpoints.save(_tiny_model(), path)
    monkeypatch.setattr(checkpoints, "MAX_FILE_BYTES", 100)
    with pytest.raises(InputError, match=r"`big.safetensors` is 0.0015 MB; accepted: at most 9.5e-05 MB"):
        checkpoints.load(path)
    with pytest.raises(InputError, match=r"the checkpoint is 0.0015 MB; accepted: at most 9.5e-05 MB"):
        checkpoints.load(io.BytesIO(path.read_bytes()))


def test_other_sources_are_refused(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        checkpoints.load(tmp_path / "nope.safetensors")
    with pytest.raises(InputError, match="is a folder, not a file"):
        checkpoints.load(tmp_path)
    path = tmp_path / "m.safetensors"
    checkpoints.save(_tiny_model(), path)
    with open(path, encoding="latin-1") as text_file, pytest.raises(InputError, match="binary mode"):
        checkpoints.load(text_file)
    with pytest.raises(InputError, match="expected a file path, bytes or an open binary file, got int"):
        checkpoints.load(12345)


# ---- round trip ----


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(0)
    ds = data.from_array(rng.normal(size=(64, 5)), name="blob")
    out = {}
    for kind in ("vae", "ae"):
        cfg = ModelConfig(kind=kind, input_dim=5, latent_dim=2, hidden=(7, 3), likelihood="gaussian", obs_var=0.5)
        out[kind] = train.fit(ds, cfg, TrainConfig(beta=0.5, epochs=2, batch_size=16), device="cpu")[0]
    return out


@pytest.mark.parametrize("kind", ["vae", "ae"])
@pytest.mark.parametrize("source", ["path", "str", "bytes", "bytearray", "BytesIO", "open-file"])
def test_round_trip_is_exact(tmp_path, trained, kind, source):
    model = trained[kind]
    meta = {"note": "round trip", "nested": {"values": [1, 2.5, None]}}
    path = checkpoints.save(model, tmp_path / "sub" / "m.safetensors", meta=meta)
    blob = path.read_bytes()
    if source == "open-file":
        with open(path, "rb") as f:
            loaded, rec = checkpoints.load(f)
    else:
        src = {
            "path": path,
            "str": str(path),
            "bytes": blob,
            "bytearray": bytearray(blob),
            "BytesIO": io.BytesIO(blob),
        }[source]
        loaded, rec = checkpoints.load(src)
    assert loaded.config == model.config
    assert not loaded.training
    want, got = model.state_dict(), loaded.state_dict()
    assert list(got) == list(want)
    for name in want:
        assert got[name].dtype == torch.float32
        assert torch.equal(got[name], want[name].cpu()), name
    assert rec["format_version"] == checkpoints.FORMAT_VERSION
    assert rec["model"] == model.config.to_dict()
    assert rec["extra"] == meta
    for key in ("train", "dataset", "metrics", "epochs_done"):
        assert rec[key] == model.info[key]
        assert loaded.info[key] == model.info[key]
    assert loaded.info["train"]["beta"] == 0.5
    # Serialization is deterministic: saving the loaded model again gives the same bytes.
    assert checkpoints.to_bytes(loaded, meta) == blob


def test_to_bytes_refuses_unserializable_meta():
    with pytest.raises(InputError, match="JSON-serializable"):
        checkpoints.to_bytes(_tiny_model(), meta={"bad": float("nan")})
    with pytest.raises(InputError, match="JSON-serializable"):
        checkpoints.to_bytes(_tiny_model(), meta={"bad": object()})


# ---- save refuses what load refuses; streams, folders and read errors ----


def test_save_refuses_metadata_over_the_header_limit_and_does_not_double_escape(tmp_path):
    with pytest.raises(InputError, match=r"header would be [\d,]+ bytes, over the limit of 1,000,000"):
        checkpoints.save(_tiny_model(), tmp_path / "big.safetensors", meta={"notes": "x" * 1_000_000})
    assert not (tmp_path / "big.safetensors").exists()
    emoji = "\U0001f600" * 200_000  # 800 KB of UTF-8: 4.2 MB once escaped twice
    path = checkpoints.save(_tiny_model(), tmp_path / "emoji.safetensors", meta={"notes": emoji})
    (hlen,) = struct.unpack("<Q", path.read_bytes()[:8])
    assert hlen < 810_000
    assert checkpoints.load(path)[1]["extra"]["notes"] == emoji


@pytest.mark.parametrize(
    ("info", "match"),
    [
        ({"dataset": "digits"}, "'dataset': must be a JSON object"),
        ({"train": {"beta": "lots"}}, "'train': beta must be a finite number"),
        ({"metrics": {"elbo": float("nan")}}, "finite values"),
    ],
)
def test_save_refuses_what_load_would_refuse(tmp_path, info, match):
    model = _tiny_model()
    model.info = info
    with pytest.raises(InputError, match=match):
        checkpoints.save(model, tmp_path / "m.safetensors")


def test_load_and_read_meta_rewind_a_stream_read_before(tmp_path):
    blob = checkpoints.to_bytes(_tiny_model(), meta={"k": 1})
    f = io.BytesIO(blob)
    first = checkpoints.load(f)[1]
    assert checkpoints.load(f)[1] == first  # the second read of the same upload
    assert checkpoints.read_meta(f) == first


def test_read_meta_reads_only_the_header(tmp_path):
    path = tmp_path / "m.safetensors"
    blob = checkpoints.to_bytes(_tiny_model(), meta={"k": 1})
    (hlen,) = struct.unpack("<Q", blob[:8])
    path.write_bytes(blob[: 8 + hlen])  # weights cut off: the header alone is still readable
    assert checkpoints.read_meta(path)["extra"] == {"k": 1}
    assert checkpoints.read_meta(str(path)) == checkpoints.read_meta(blob)
    with pytest.raises(InputError, match="tensor data is corrupt"):
        checkpoints.load(path)


def test_checkpoint_read_errors_become_input_errors(tmp_path):
    import os

    class Failing(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, b):
            raise OSError(5, "Input/output error")

    with pytest.raises(InputError, match="cannot read the checkpoint: Input/output error"):
        checkpoints.load(Failing())
    fifo = tmp_path / "m.safetensors"
    os.mkfifo(fifo)
    for read in (checkpoints.load, checkpoints.read_meta):
        with pytest.raises(InputError, match="is not a regular file"):
            read(fifo)
        with pytest.raises(InputError, match="is a folder, not a file"):
            read(tmp_path)
        with pytest.raises(InputError, match="contains a NUL byte"):
            read(str(tmp_path / "a\0b"))


@pytest.mark.parametrize(
    "raw,kind",
    [
        (b"x,y\n" + b"1,2\n" * 50, "text"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "a PNG image"),
        (b"\x80\x04\x95" + bytes(64), "a Python pickle"),
        (b"\x93NUMPY\x01\x00" + bytes(100), "a NumPy .npy array"),
    ],
)
def test_a_refusal_says_first_that_the_file_is_not_safetensors_and_what_it_looks_like(raw, kind):
    with pytest.raises(InputError) as e:
        checkpoints.load(raw)
    assert str(e.value).startswith(f"not a safetensors file: it looks like {kind}."), str(e.value)
