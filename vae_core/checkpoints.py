"""Checkpoints: one .safetensors file with the weights and, in its header metadata, JSON describing the model.

The header is parsed and validated (format version, known keys, a config whose parameter count is sane, each
metadata field's type and range, tensor names, dtypes and shapes) before any tensor is allocated; save refuses
what load would refuse. Nothing is ever unpickled.
"""

from __future__ import annotations

import json
import math
import os
import struct
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from . import sources
from .checks import check_float, check_int, short
from .config import MAX_INPUT_DIM, MAX_LATENT_DIM, ModelConfig, TrainConfig
from .devices import pick_device
from .errors import InputError
from .model import VAE, empty

FORMAT_VERSION = 1
META_KEY = "vae_core"
MAX_HEADER_BYTES = 1_000_000
MAX_FILE_BYTES = 256 * 1024 * 1024
KNOWN_META_KEYS = {"format_version", "model", "train", "dataset", "metrics", "epochs_done", "extra"}


def to_bytes(model: VAE, meta: dict | None = None) -> bytes:
    """Serialize a model (weights + JSON metadata) to safetensors bytes; refuses what load would refuse."""
    info = dict(model.info)
    record = {
        "format_version": FORMAT_VERSION,
        "model": model.config.to_dict(),
        "train": info.get("train"),
        "dataset": info.get("dataset"),
        "metrics": info.get("metrics"),
        "epochs_done": info.get("epochs_done"),
        "extra": dict(meta or {}),
    }
    try:
        # ensure_ascii=False: safetensors escapes the metadata string once more, and escaping twice turned
        # every emoji into 13 characters.
        text = json.dumps(record, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError) as e:
        raise InputError(f"checkpoint metadata must be JSON-serializable finite values: {e}") from e
    _check_record(json.loads(text))
    tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items()}
    blob = st_save(tensors, metadata={META_KEY: text})
    (hlen,) = struct.unpack("<Q", blob[:8])
    if hlen > MAX_HEADER_BYTES:
        raise InputError(
            f"the checkpoint's header would be {hlen:,} bytes, over the limit of {MAX_HEADER_BYTES:,} that "
            "loading allows; store less in meta."
        )
    return blob


def save(model: VAE, path, meta: dict | None = None) -> Path:
    """Write atomically: a temporary file in the same folder, fsync, then os.replace over `path`.

    A crash at any point leaves either the old file or the new one, never a torn one."""
    path = Path(path)
    blob = to_bytes(model, meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp creates 0600; checkpoints are meant to be shared and shipped
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return path


_NOT_OURS = (
    "This is not a vae_core checkpoint (.safetensors file written by vae_core). "
    "PyTorch .pt/.pth/pickle files are refused on purpose: they can run code when loaded."
)


def read_meta(src) -> dict:
    """The validated vae_core metadata record of a checkpoint (a path, bytes or binary file).

    From a path only the header is read, not the weights. Raises InputError as load does."""
    if isinstance(src, (str, os.PathLike)):
        with sources.open_path(src, "the checkpoint") as (f, size):
            head = f.read(8)
            blob = head + f.read(_header_length(head, size))
        return read_header(blob, size)[1]
    return read_header(sources.read(src, MAX_FILE_BYTES, "the checkpoint")[0])[1]


def looks_like(head: bytes) -> str:
    """What a file that is not a safetensors checkpoint seems to be, from its first bytes (for a refusal)."""
    kinds = (
        (b"PK\x03\x04", "a ZIP archive (PyTorch .pt/.pth files are ZIP archives of pickles)"),
        (b"\x80", "a Python pickle"),
        (b"\x93NUMPY", "a NumPy .npy array"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"\x1f\x8b", "a gzip file"),
        (b"%PDF", "a PDF document"),
    )
    for magic, kind in kinds:
        if head.startswith(magic):
            return kind
    try:
        text = head[:64].decode("utf-8")
    except UnicodeDecodeError:
        return "binary data of an unknown kind"
    return "text" if text.isprintable() or text.strip() else "binary data of an unknown kind"


def _header_length(head: bytes, size: int) -> int:
    # Say first what the file is, then what in it is wrong: a student who picked the wrong file learns more from
    # "not a safetensors file: it is a PNG image" than from the length a PNG's first bytes would declare.
    if size < 8:
        raise InputError(f"not a safetensors file: it is {size} bytes, too short for a safetensors header. {_NOT_OURS}")
    (hlen,) = struct.unpack("<Q", head[:8])
    kind = looks_like(head)
    if hlen == 0:
        raise InputError(f"not a safetensors file: it looks like {kind}; the header claims 0 bytes. {_NOT_OURS}")
    if hlen > MAX_HEADER_BYTES:
        raise InputError(
            f"not a safetensors file: it looks like {kind}. Read as safetensors, its first 8 bytes say the header "
            f"claims {hlen:,} bytes, over the header limit of {MAX_HEADER_BYTES:,} bytes. {_NOT_OURS}"
        )
    if hlen > size - 8:
        raise InputError(
            f"not a complete safetensors file: the file is truncated: the header claims {hlen:,} bytes but the "
            f"file holds {size - 8:,} after the length field. Upload the complete file. {_NOT_OURS}"
        )
    return hlen


def _no_constants(name: str):
    raise ValueError(f"{name} is not allowed")


def _json(text, what: str):
    try:
        return json.loads(text, parse_constant=_no_constants)  # NaN and Infinity are not JSON
    except (UnicodeDecodeError, TypeError, ValueError, RecursionError) as e:  # ValueError: 4,300+ digit integers
        reason = str(e)[:120] if isinstance(e, ValueError) else type(e).__name__
        raise InputError(f"{what} is not valid JSON ({reason}).") from None


def read_header(blob: bytes, size: int | None = None) -> tuple[dict, dict]:
    """Parse and validate the safetensors header: returns (tensor table, vae_core metadata). Raises InputError.

    size: the whole file's size when blob holds only its start (the length field and the header)."""
    hlen = _header_length(blob, len(blob) if size is None else size)
    header = _json(blob[8 : 8 + hlen], f"not a valid safetensors file: the header ({_NOT_OURS})")
    if not isinstance(header, dict):
        raise InputError(f"the safetensors header is not a JSON object. {_NOT_OURS}")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or META_KEY not in meta:
        raise InputError(
            "this safetensors file has no vae_core metadata (model config); only checkpoints saved "
            "by vae_core (the Train page or `python -m vae_core train`) can be loaded."
        )
    record = _json(meta[META_KEY], "the checkpoint's vae_core metadata")
    _check_record(record)
    return header, record


def _check_record(record) -> ModelConfig:
    if not isinstance(record, dict):
        raise InputError("the checkpoint's vae_core metadata must be a JSON object.")
    unknown = sorted(set(record) - KNOWN_META_KEYS)
    if unknown:
        raise InputError(f"unknown checkpoint metadata key(s) {unknown}; known keys: {sorted(KNOWN_META_KEYS)}.")
    version = record.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:  # not True, not 1.0
        raise InputError(
            f"checkpoint format version {version!r} is not supported; this "
            f"version of vae_core reads version {FORMAT_VERSION}."
        )
    if "model" not in record:
        raise InputError("the checkpoint metadata has no model config ('model').")
    cfg = ModelConfig.from_dict(record["model"])  # validates kinds, sizes and the parameter count
    check_meta(record, cfg)
    return cfg


def _expected_shapes(cfg: ModelConfig) -> dict[str, tuple[int, ...]]:
    shapes = {}
    for prefix, sizes in zip(("encoder", "decoder"), cfg.layer_sizes()):
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            shapes[f"{prefix}.{2 * i}.weight"] = (b, a)
            shapes[f"{prefix}.{2 * i}.bias"] = (b,)
    return shapes


def load(src, device="cpu") -> tuple[VAE, dict]:
    """Load a checkpoint from a path, bytes or binary file: returns (model in eval mode, metadata dict).

    Raises InputError for anything that is not a valid vae_core checkpoint, before allocating a model."""
    blob, _ = sources.read(src, MAX_FILE_BYTES, "the checkpoint")
    header, record = read_header(blob)
    cfg = ModelConfig.from_dict(record["model"])
    expected = _expected_shapes(cfg)
    if set(header) != set(expected):
        missing, extra = sorted(set(expected) - set(header)), sorted(set(header) - set(expected))
        raise InputError(f"the weights do not match the config: missing {missing[:4]}, unexpected {extra[:4]}.")
    for name, shape in expected.items():
        entry = header[name]
        if not isinstance(entry, dict) or entry.get("dtype") != "F32" or entry.get("shape") != list(shape):
            raise InputError(
                f"tensor {name!r} should be float32 with shape {shape}; the file has "
                f"{entry.get('dtype') if isinstance(entry, dict) else entry!r} "
                f"{entry.get('shape') if isinstance(entry, dict) else ''}."
            )
    try:
        tensors = st_load(blob)
    except Exception as e:  # safetensors raises its own error types for corrupt offsets
        raise InputError(f"the checkpoint's tensor data is corrupt: {e}") from None
    for name, t in tensors.items():
        if not torch.isfinite(t).all():
            raise InputError(f"tensor {name!r} contains NaN or infinite values; this checkpoint is unusable.")

    model = empty(cfg)  # no throwaway initialisation (it would draw from the global RNG)
    model.load_state_dict(tensors)

    model = model.to(pick_device(device)).eval()
    model.info = {k: record.get(k) for k in ("train", "dataset", "metrics", "epochs_done")}
    return model, record


# ---- the rest of a checkpoint's metadata: each field's type and range ----

MAX_NAME_CHARS = 200
MAX_SAMPLES = 2**31 - 1


def check_meta(record: dict, cfg: ModelConfig) -> None:
    """Validate the fields of a checkpoint record other than the model config (which made `cfg`).

    train: TrainConfig settings; dataset: Dataset.describe() of data with cfg.input_dim features; metrics:
    finite numbers (or lists of them) by name; epochs_done: a count; extra: a JSON object. Each may be null."""
    train = record.get("train")
    if train is not None:
        _in_field("train", lambda: TrainConfig.from_dict(train))
    if record.get("dataset") is not None:
        _in_field("dataset", lambda: _check_dataset(record["dataset"], cfg.input_dim))
    if record.get("metrics") is not None:
        _in_field("metrics", lambda: _check_metrics(record["metrics"]))
    if record.get("epochs_done") is not None:
        _in_field("epochs_done", lambda: check_int("epochs_done", record["epochs_done"], 0, 100_000))
    if record.get("extra") is not None and not isinstance(record["extra"], dict):
        raise InputError(f"checkpoint metadata 'extra' must be a JSON object, got {type(record['extra']).__name__}.")


def _in_field(field: str, check) -> None:
    try:
        check()
    except InputError as e:
        raise InputError(f"checkpoint metadata {field!r}: {e}") from None


def _check_dataset(d: Any, dim: int) -> None:
    keys = {"name", "n", "dim", "image_shape", "standardized", "mean", "scale"}
    if not isinstance(d, dict):
        raise InputError(f"must be a JSON object with keys {sorted(keys)}, got {type(d).__name__}.")
    unknown = sorted(set(d) - keys)
    if unknown:
        raise InputError(f"unknown key(s) {unknown}; known keys: {sorted(keys)}.")
    name = d.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > MAX_NAME_CHARS):
        raise InputError(f"name must be text of at most {MAX_NAME_CHARS} characters.")
    if d.get("n") is not None:
        check_int("n", d["n"], 0, MAX_SAMPLES)
    if d.get("dim", dim) != dim:
        raise InputError(f"dim={short(d['dim'])} does not match the model's input_dim={dim}.")
    shape = d.get("image_shape")
    if shape is not None:
        if not isinstance(shape, list) or len(shape) != 2:
            raise InputError(f"image_shape must be [height, width], got {short(shape)}.")
        h, w = (check_int(f"image_shape[{i}]", v, 1, MAX_INPUT_DIM) for i, v in enumerate(shape))
        if h * w != dim:
            raise InputError(f"image_shape {shape} has {h * w} pixels but the model has input_dim={dim}.")
    if not isinstance(d.get("standardized", False), bool):
        raise InputError(f"standardized must be true or false, got {short(d['standardized'])}.")
    for key, lo in (("mean", -3.4e38), ("scale", 1e-38)):
        values = d.get(key)
        if values is None:
            continue
        if not isinstance(values, list) or len(values) != dim:
            raise InputError(f"{key} must be a list of {dim} numbers (one per feature).")
        for i, v in enumerate(values):
            check_float(f"{key}[{i}]", v, lo, 3.4e38)


def _check_metrics(d: Any) -> None:
    if not isinstance(d, dict):
        raise InputError(f"must be a JSON object of named numbers, got {type(d).__name__}.")
    for key, value in d.items():
        values = value if isinstance(value, list) else [value]
        if len(values) > MAX_LATENT_DIM:
            raise InputError(f"{key!r} holds {len(values)} values; at most {MAX_LATENT_DIM} (one per latent).")
        for v in values:
            if v is not None:
                check_float(repr(key), v, -math.inf, math.inf)
