"""The beta grid in the browser: what the canvas needs to switch between models that differ only in beta.

Every grid model's checkpoint and encoded layout (vae_core.layouts) are files the page fetches once, in
binary, and the browser caches (assets.file_url); the component itself carries only a small manifest:
per stop the beta, the two file URLs, the signed permutation that aligns its latent axes with its
neighbours (applied in the browser to the layout and to the decoder's first layer, exactly as
vae_core.align.apply_signed_permutation does to the torch model), and its summary metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ui import scores
from vae_core.model import decoder_ops

from . import assets, payload


@dataclass(frozen=True)
class GridStop:
    """One model of the grid: beta; checkpoint and layout files; perm (k, k) signed permutation (aligned
    coordinates z' = z P); summary: vae_core.layouts.compact_summary of the model (in its own axes)."""

    beta: float
    checkpoint: Path
    layout: Path
    perm: np.ndarray
    summary: dict


@dataclass(frozen=True)
class Grid:
    """A KL-weight grid for the canvas. stops sorted by beta; index: the stop Python wants shown; kl_on: the
    KL switch (off shows the beta = 0 stop, off_index); name: what the grid is (dataset and architecture),
    for the page's store."""

    stops: tuple
    index: int
    kl_on: bool = True
    off_index: int | None = None
    name: str = "grid"
    limits: tuple = ()  # per stop, the visible square's half-width in the plotted dims (payload.view_limit)


def decoder_layout(cfg) -> dict:
    """How the browser finds and runs the decoder in a checkpoint: {"ops": vae_core.model.decoder_ops(cfg)
    (a linear op's "param" names the checkpoint's "<param>.weight" and "<param>.bias"), "out_dim",
    "latent_dim", "reason"}, reason saying why it cannot (payload.MAX_BROWSER_PARAMS), else None."""
    _, dec = cfg.layer_sizes()
    n_params = sum((a + 1) * b for a, b in zip(dec[:-1], dec[1:]))
    reason = None
    if n_params > payload.MAX_BROWSER_PARAMS:
        reason = f"{n_params / 1e6:.1f} M decoder parameters, more than a browser decodes per frame"
    return {"ops": decoder_ops(cfg), "out_dim": dec[-1], "latent_dim": dec[0], "reason": reason}


def _summary_in_aligned_axes(summary: dict, perm: np.ndarray, label_names: dict | None = None, beta=None) -> dict:
    """The summary in the grid's aligned axes, with its scores written as the Python panels write them
    (ui.scores) under "text", and the "This model" panel (ui.scores.panel) under "panel"."""
    out = dict(summary)
    out["kl_per_dim"] = (np.asarray(summary["kl_per_dim"], np.float64) @ np.abs(perm)).tolist()
    if summary.get("worst_pair") is not None:  # the continuity score's worst pair, as the slider's z' = z P
        out["worst_pair"] = (np.asarray(summary["worst_pair"], np.float64) @ perm).tolist()
    out["text"] = {
        **scores.texts(summary, label_names),
        "continuity_help": scores.CONTINUITY_HELP,
        "completeness_help": scores.COMPLETENESS_HELP,
    }
    out["panel"] = scores.panel(out, beta)
    return out


def grid_blob(grid: Grid, cfg, template: str | None = None, label_names=None, color_title=None, file_url=None):
    """(hash, build) of the grid manifest blob (kind "grid"); template, label_names, color_title style the
    points as payload.points_blob does. file_url(path): the name the page finds a stop's file by (default: a
    URL the server answers, assets.file_url; the standalone page names files it holds itself)."""
    file_url = file_url or assets.file_url
    dec = decoder_layout(cfg)
    names = None if label_names is None else {str(k): str(v) for k, v in dict(label_names).items()}
    stops = [
        {
            "beta": float(s.beta),
            "checkpoint": file_url(s.checkpoint),
            "layout": file_url(s.layout),
            "perm": np.asarray(s.perm, np.float64).tolist(),
            "summary": _summary_in_aligned_axes(s.summary, np.asarray(s.perm), names, s.beta),
        }
        for s in grid.stops
    ]
    h = "g" + payload.digest(grid.name, dec, stops, template, names, color_title)

    def build():
        style = {"template": payload.template_json(template), "label_names": names, "color_title": color_title}
        return {"kind": "grid", "hash": h, "name": grid.name, "decoder": dec, "stops": stops, "style": style}

    return h, build
