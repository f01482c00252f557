"""Encoded layouts: a model's posterior means and log-variances of its data set, with the data's labels and the
model's summary metrics, stored in a small safetensors file (shipped ones in models/layouts/, beside the
checkpoints), so a viewer can draw a model's latent space without loading the data or running the encoder.

A layout names the checkpoint it was made from by a digest of the checkpoint file; `load` returns None for a
missing or stale layout (the checkpoint changed), and the caller computes a fresh one with `build`.
Reading needs numpy and safetensors only; building needs torch.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import InputError

FORMAT_VERSION = 1
DIR_NAME = "layouts"
META_KEY = "vae_core_layout"
# The per-model numbers a viewer shows beside the plot (metrics.summary keys; nested ones flattened).
SUMMARY_KEYS = (
    "kl",
    "kl_per_dim",
    "active_units",
    "mutual_information",
    "mi_upper_bound",
    "mi_saturated",
    "marginal_kl",
    "collapsed",
    "reconstruction",
    "reconstruction_is_cross_entropy",
)


@dataclass(frozen=True)
class Layout:
    """mu, logvar: float32 (n, latent_dim) (logvar None for an autoencoder); labels: int32 (n,) or None;
    color: float32 (n,) or None; summary: compact metrics (see compact_summary); checkpoint: its digest."""

    mu: np.ndarray
    logvar: np.ndarray | None
    labels: np.ndarray | None
    color: np.ndarray | None
    summary: dict
    checkpoint: str


def path_for(checkpoint_path) -> Path:
    """Where the layout of a checkpoint lives: <its folder>/layouts/<its name>."""
    p = Path(checkpoint_path)
    return p.parent / DIR_NAME / p.name


def file_digest(path) -> str:
    """blake2b-128 of a file's bytes (the identity of a checkpoint)."""
    return hashlib.blake2b(Path(path).read_bytes(), digest_size=16).hexdigest()


def compact_summary(s: dict) -> dict:
    """The numbers of metrics.summary a viewer shows, as plain JSON: SUMMARY_KEYS, the continuity and
    completeness scores (each in [0, 1], 1 = ideal; metrics.continuity and metrics.completeness define
    them), completeness's precision and quantile, and the collapse message."""
    out = {k: s.get(k) for k in SUMMARY_KEYS}
    out["kl_per_dim"] = [float(v) for v in np.asarray(out["kl_per_dim"]).reshape(-1)]
    for k in ("kl", "mutual_information", "mi_upper_bound", "marginal_kl", "reconstruction"):
        out[k] = None if out[k] is None else float(out[k])
    out["active_units"] = int(out["active_units"])
    for k in ("collapsed", "mi_saturated", "reconstruction_is_cross_entropy"):
        out[k] = bool(out[k])
    out["message"] = str(s.get("message", ""))
    cont, comp = s.get("continuity") or {}, s.get("completeness") or {}
    out["continuity"] = None if cont.get("score") is None else float(cont["score"])
    out["completeness"] = None if comp.get("score") is None else float(comp["score"])
    for k in ("precision", "quantile"):
        out[k] = None if comp.get(k) is None else float(comp[k])
    return out


def build(model, ds) -> tuple[np.ndarray, np.ndarray | None, dict]:
    """Encode ds.x with the model and measure it: (mu, logvar, compact summary). Needs torch."""
    import torch

    from . import metrics

    with torch.no_grad():
        mu, logvar = model.encode(ds.x)
    mu = mu.cpu().numpy().astype(np.float32)
    logvar = None if logvar is None else logvar.cpu().numpy().astype(np.float32)
    return mu, logvar, compact_summary(metrics.summary(model, ds.x, seed=0))


def save(path, checkpoint: str, mu, logvar, summary: dict, labels=None, color=None) -> Path:
    """Write a layout file (atomically). checkpoint: file_digest of the checkpoint it belongs to."""
    from safetensors.numpy import save_file

    tensors = {"mu": np.ascontiguousarray(mu, np.float32)}
    if logvar is not None:
        tensors["logvar"] = np.ascontiguousarray(logvar, np.float32)
    if labels is not None:
        tensors["labels"] = np.ascontiguousarray(labels, np.int32)
    if color is not None:
        tensors["color"] = np.ascontiguousarray(color, np.float32)
    meta = {"format_version": FORMAT_VERSION, "checkpoint": checkpoint, "summary": summary}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata={META_KEY: json.dumps(meta)})
    tmp.replace(path)
    return path


def read(path) -> Layout:
    """Read a layout file. Raises InputError if it is not one."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), "np") as f:
            meta = json.loads((f.metadata() or {})[META_KEY])
            arrays = {k: f.get_tensor(k) for k in f.keys()}
    except (OSError, KeyError, ValueError, json.JSONDecodeError) as e:
        raise InputError(f"{path} is not a layout file: {e}") from None
    if meta.get("format_version") != FORMAT_VERSION or "mu" not in arrays:
        raise InputError(f"{path} has layout format {meta.get('format_version')!r}; expected {FORMAT_VERSION}.")
    return Layout(
        mu=arrays["mu"],
        logvar=arrays.get("logvar"),
        labels=arrays.get("labels"),
        color=arrays.get("color"),
        summary=meta["summary"],
        checkpoint=meta["checkpoint"],
    )


def load(checkpoint_path, digest: str | None = None) -> Layout | None:
    """The stored layout of a checkpoint, or None when there is none or it was made from other weights."""
    p = path_for(checkpoint_path)
    if not p.is_file():
        return None
    try:
        lay = read(p)
    except InputError:
        return None
    return lay if lay.checkpoint == (digest or file_digest(checkpoint_path)) else None


def rebuild(models_dir, kinds=("vae",)) -> list[Path]:
    """Write the layout of every checkpoint of these kinds in models_dir (for `python -m vae_core layouts`,
    after `pretrain`). Returns the files written."""
    from . import checkpoints, data

    written, datasets = [], {}
    for ck in sorted(Path(models_dir).glob("*.safetensors")):
        model, meta = checkpoints.load(ck)
        if model.config.kind not in kinds:
            continue
        name = (meta.get("dataset") or {}).get("name")
        ds = datasets.get(name) or datasets.setdefault(name, data.load(name))
        mu, logvar, summary = build(model, ds)
        written.append(save(path_for(ck), file_digest(ck), mu, logvar, summary, ds.y, ds.color))
    return written
