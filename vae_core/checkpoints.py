"""Checkpoints: one .safetensors file with the weights and, in its header metadata, JSON describing the model.

The header is parsed and validated (format version, known keys, a config whose parameter count is sane,
tensor names, dtypes and shapes) before any tensor is allocated. Nothing is ever unpickled.
"""

from __future__ import annotations

import io
import json
import os
import struct
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from .config import ModelConfig
from .errors import InputError
from .model import VAE

FORMAT_VERSION = 1
META_KEY = "vae_core"
MAX_HEADER_BYTES = 1_000_000
MAX_FILE_BYTES = 256 * 1024 * 1024
KNOWN_META_KEYS = {"format_version", "model", "train", "dataset", "metrics", "epochs_done", "extra"}


def to_bytes(model: VAE, meta: dict | None = None) -> bytes:
    """Serialize a model (weights + JSON metadata) to safetensors bytes."""
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
        text = json.dumps(record, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise InputError(f"checkpoint metadata must be JSON-serializable finite values: {e}") from e
    tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items()}
    return st_save(tensors, metadata={META_KEY: text})


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


def _read_bytes(src) -> bytes:
    if isinstance(src, (bytes, bytearray, memoryview)):
        blob = bytes(src)
    elif isinstance(src, (str, os.PathLike)):
        p = Path(src)
        if not p.is_file():
            raise InputError(f"checkpoint file {str(p)!r} does not exist.")
        if p.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"checkpoint is {p.stat().st_size:,} bytes; the limit is {MAX_FILE_BYTES:,}.")
        blob = p.read_bytes()
    elif hasattr(src, "read"):
        blob = src.read(MAX_FILE_BYTES + 1)
        if isinstance(src, io.TextIOBase) or not isinstance(blob, (bytes, bytearray)):
            raise InputError("open the checkpoint in binary mode.")
    else:
        raise InputError(f"cannot read a checkpoint from a {type(src).__name__}; give a path, bytes or a file.")
    if len(blob) > MAX_FILE_BYTES:
        raise InputError(f"checkpoint is larger than the limit of {MAX_FILE_BYTES:,} bytes.")
    return blob


def read_header(blob: bytes) -> tuple[dict, dict]:
    """Parse the safetensors header: returns (tensor table, vae_core metadata). Raises InputError."""
    not_ours = (
        "this is not a vae_core checkpoint (.safetensors file written by vae_core). "
        "PyTorch .pt/.pth/pickle files are refused on purpose: they can run code when loaded."
    )
    if len(blob) < 8:
        raise InputError(f"the file is {len(blob)} bytes: too short for a safetensors header. {not_ours}")
    (hlen,) = struct.unpack("<Q", blob[:8])
    if hlen == 0 or hlen > MAX_HEADER_BYTES or hlen > len(blob) - 8:
        raise InputError(
            f"the header claims {hlen:,} bytes but the file holds {len(blob) - 8:,} after the length field. {not_ours}"
        )
    try:
        header = json.loads(blob[8 : 8 + hlen].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # RecursionError: absurdly nested JSON
        raise InputError(f"the safetensors header is not valid JSON. {not_ours}") from None
    if not isinstance(header, dict):
        raise InputError(f"the safetensors header is not a JSON object. {not_ours}")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or META_KEY not in meta:
        raise InputError(
            "this safetensors file has no vae_core metadata (model config); only checkpoints saved "
            "by vae_core (the Train page or `python -m vae_core train`) can be loaded."
        )
    try:
        record = json.loads(meta[META_KEY])
    except (TypeError, json.JSONDecodeError, RecursionError):
        raise InputError("the checkpoint's vae_core metadata is not valid JSON.") from None
    if not isinstance(record, dict):
        raise InputError("the checkpoint's vae_core metadata must be a JSON object.")
    unknown = sorted(set(record) - KNOWN_META_KEYS)
    if unknown:
        raise InputError(f"unknown checkpoint metadata key(s) {unknown}; known keys: {sorted(KNOWN_META_KEYS)}.")
    if record.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"checkpoint format version {record.get('format_version')!r} is not supported; this "
            f"version of vae_core reads version {FORMAT_VERSION}."
        )
    if "model" not in record:
        raise InputError("the checkpoint metadata has no model config ('model').")
    return header, record


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
    blob = _read_bytes(src)
    header, record = read_header(blob)
    cfg = ModelConfig.from_dict(record["model"])  # validates kinds, sizes and the parameter count
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
    from .train import _blank_model, pick_device

    model = _blank_model(cfg)  # no throwaway initialisation (it would draw from the global RNG)
    model.load_state_dict(tensors)

    model = model.to(pick_device(device)).eval()
    model.info = {k: record.get(k) for k in ("train", "dataset", "metrics", "epochs_done")}
    return model, record
