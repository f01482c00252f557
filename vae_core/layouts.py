"""Encoded layouts: a model's posterior means and log-variances of its data set, with the data's labels and the
model's summary metrics, the holes map of a 2-D latent space and what its decoded prior draws look like against
the data, stored in a small safetensors file (shipped ones in models/layouts/, beside the checkpoints, with one
classifier per labelled data set), so a viewer can draw a model's latent space and its scores without loading
the data or running the encoder.

A layout names the checkpoint it was made from by a digest of the checkpoint file; `load` returns None for a
missing or stale layout (the checkpoint changed), and the caller computes a fresh one with `build`.
Reading needs numpy and safetensors only; building needs torch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import arrayfiles
from .errors import InputError

FORMAT_VERSION = 2
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


# The summary's numbers beyond SUMMARY_KEYS (format 2): standard errors, the worst path, the data-space check
# and the holes map's extent; see compact_summary and build.
HOLES_KEYS = ("holes_share", "holes_log_ratio")


@dataclass(frozen=True)
class Layout:
    """mu, logvar: float32 (n, latent_dim) (logvar None for an autoencoder); labels: int32 (n,) or None;
    color: float32 (n,) or None; summary: compact metrics (see compact_summary and build); checkpoint: its
    digest. holes_share, holes_log_ratio: float32 (cells, cells), row index = z2, column = z1, over
    summary["holes_extent"] (see vae_core.coverage.holes_map); None unless latent_dim == 2 (and for an AE)."""

    mu: np.ndarray
    logvar: np.ndarray | None
    labels: np.ndarray | None
    color: np.ndarray | None
    summary: dict
    checkpoint: str
    holes_share: np.ndarray | None = None
    holes_log_ratio: np.ndarray | None = None


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
    them) with their standard errors "continuity_se" and "completeness_se", "worst_pair" ([[z...], [z...]],
    the endpoints of the lowest-scoring continuity path), "mi_se" and "mi_growth" (see metrics.summary),
    completeness's precision and quantile, and the collapse message."""
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
    out["continuity_se"] = _num(cont.get("se"))
    out["completeness_se"] = _num(comp.get("se"))
    pair = cont.get("worst_pair")
    out["worst_pair"] = None if pair is None else [[float(v) for v in end] for end in pair]
    for k in ("precision", "quantile"):
        out[k] = None if comp.get(k) is None else float(comp[k])
    out["mi_se"] = _num(s.get("mi_se"))
    out["mi_growth"] = _num(s.get("mi_growth"))
    out["rows_used"] = None if s.get("rows_used") is None else int(s["rows_used"])
    return out


def _num(v) -> float | None:
    return None if v is None else float(v)


def build(model, ds, classifier="auto") -> tuple[np.ndarray, np.ndarray | None, dict, dict | None]:
    """Encode ds.x with the model and measure it: (mu, logvar, summary, holes). Needs torch.

    summary: compact_summary(metrics.summary(model, ds.x)) and, from vae_core.samples.data_space (2,000 decoded
    prior draws), "class_mix" (fraction of the draws per class, in the order of "classes"; None without
    labels), "data_class_mix", "classes", "classifier_accuracy" (held-out), "sample_precision",
    "sample_recall" (Kynkaanniemi et al. 2019, k = 3, against held-out rows); and "holes_extent" [-e, e],
    "holes_log_ratio_clip", "holes_mean" and "holes_mean_se" (the holes share's prior-weighted mean, which is
    the completeness score, see vae_core.coverage.holes_map), None unless latent_dim == 2.
    holes: {"holes_share", "holes_log_ratio"} float32 (48, 48) arrays, or None. classifier: a
    samples.Classifier, None for no class mix, or "auto" (samples.classifier_for: the shipped one when it was
    fitted on these rows, else one fitted now)."""
    import torch

    from . import coverage, metrics, samples
    from .model_checks import as_rows

    with torch.no_grad():
        mu, logvar = metrics.encode_rows(model, as_rows(model, ds.x))
    summary = compact_summary(metrics.summary(model, ds.x, seed=0))
    clf = samples.classifier_for(ds) if classifier == "auto" else classifier
    space = samples.data_space(model, ds, clf, seed=0)
    for k in ("class_mix", "data_class_mix", "classes", "classifier_accuracy", "sample_precision", "sample_recall"):
        summary[k] = space[k]
    holes = None
    summary.update(holes_extent=None, holes_log_ratio_clip=None, holes_mean=None, holes_mean_se=None)
    if logvar is not None and mu.shape[1] == 2:
        gen = torch.Generator().manual_seed(0)
        rows = metrics.subsample(mu.shape[0], metrics.SUMMARY_MAX_ROWS, gen)  # every row, up to the summary's cap
        hm = coverage.holes_map(mu[rows], logvar[rows], gen)
        holes = {"holes_share": hm["share"], "holes_log_ratio": hm["log_ratio"]}
        summary.update(
            holes_extent=[-hm["extent"], hm["extent"]],
            holes_log_ratio_clip=hm["clip"],
            holes_mean=hm["mean"],
            holes_mean_se=hm["se"],
        )
    mu = mu.cpu().numpy().astype(np.float32)
    logvar = None if logvar is None else logvar.cpu().numpy().astype(np.float32)
    return mu, logvar, summary, holes


def make(model, ds, path, checkpoint: str, classifier="auto") -> Path:
    """build, then save to path (checkpoint: file_digest of the model's checkpoint). Returns the path."""
    mu, logvar, summary, holes = build(model, ds, classifier)
    return save(path, checkpoint, mu, logvar, summary, ds.y, ds.color, holes=holes)


def save(path, checkpoint: str, mu, logvar, summary: dict, labels=None, color=None, holes=None) -> Path:
    """Write a layout file (atomically). checkpoint: file_digest of the checkpoint it belongs to; holes: None or
    a dict of HOLES_KEYS arrays (build's)."""
    tensors = {"mu": np.ascontiguousarray(mu, np.float32)}
    if logvar is not None:
        tensors["logvar"] = np.ascontiguousarray(logvar, np.float32)
    if labels is not None:
        tensors["labels"] = np.ascontiguousarray(labels, np.int32)
    if color is not None:
        tensors["color"] = np.ascontiguousarray(color, np.float32)
    for k, v in (holes or {}).items():
        if k not in HOLES_KEYS:
            raise InputError(f"unknown layout array {k!r}; expected {', '.join(HOLES_KEYS)}.")
        tensors[k] = np.ascontiguousarray(v, np.float32)
    meta = {"format_version": FORMAT_VERSION, "checkpoint": checkpoint, "summary": summary}
    return arrayfiles.write(path, tensors, META_KEY, meta)


def read(path) -> Layout:
    """Read a layout file. Raises InputError if it is not one."""
    meta, arrays = arrayfiles.read(path, META_KEY, "layout file")
    if meta.get("format_version") != FORMAT_VERSION or "mu" not in arrays:
        raise InputError(f"{path} has layout format {meta.get('format_version')!r}; expected {FORMAT_VERSION}.")
    return Layout(
        mu=arrays["mu"],
        logvar=arrays.get("logvar"),
        labels=arrays.get("labels"),
        color=arrays.get("color"),
        summary=meta["summary"],
        checkpoint=meta["checkpoint"],
        holes_share=arrays.get("holes_share"),
        holes_log_ratio=arrays.get("holes_log_ratio"),
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
    after `pretrain`), and the classifier of each labelled data set they use (models_dir/layouts/
    <dataset>-classifier.safetensors). Returns the files written."""
    from . import checkpoints, data, samples

    written, datasets, classifiers = [], {}, {}
    folder = Path(models_dir) / DIR_NAME
    for ck in sorted(Path(models_dir).glob("*.safetensors")):
        model, meta = checkpoints.load(ck)
        if model.config.kind not in kinds:
            continue
        name = (meta.get("dataset") or {}).get("name")
        ds = datasets.get(name) or datasets.setdefault(name, data.load(name))
        if name not in classifiers:
            classifiers[name] = samples.classifier_for(ds, folder)
            if classifiers[name] is not None:
                written.append(samples.save_classifier(samples.classifier_path(folder, name), classifiers[name]))
        written.append(make(model, ds, path_for(ck), file_digest(ck), classifiers[name]))
    return written
