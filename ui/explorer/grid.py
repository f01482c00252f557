"""The KL-weight grid as the explorer shows it: the canvas's beta grid (every model's files, aligned) and
the torch model of a stop for server decoding and the panels. Which stop is on screen is the explorer's view
(ui.view)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ui import cache, state
from ui.canvas.grid import Grid, GridStop, decoder_layout
from vae_core.model import VAE


@dataclass(frozen=True)
class BetaGrid:
    """entries: state.beta_grid rows (beta, key, label); stops: the canvas's GridStops; report: alignment
    disparities per neighbour pair; off_index: the beta = 0 stop (KL off), or None."""

    entries: list
    stops: tuple
    report: list
    off_index: int | None

    @property
    def betas(self) -> list[float]:
        return [e["beta"] for e in self.entries]


def _stamp(path) -> tuple:
    s = Path(path).stat()
    return (s.st_size, s.st_mtime_ns)


def _files(entry: dict, sel) -> tuple[Path, Path]:
    kind, _, ref = entry["key"].partition(":")
    if kind == "shipped":
        return cache.shipped_files(ref, _stamp(ref), sel.dataset)
    return cache.model_files(state.session_models()[ref]["model"], sel.dataset)


def beta_grid(sel) -> BetaGrid | None:
    """The selected model's KL-weight grid for the canvas, or None (fewer than two models, or a decoder the
    browser cannot run)."""
    entries = state.beta_grid(sel)
    if len(entries) < 2 or decoder_layout(sel.model.config)["reason"] is not None:
        return None
    files = [_files(e, sel) for e in entries]
    betas = tuple(e["beta"] for e in entries)
    perms, report = cache.grid_alignment(tuple((str(lp), _stamp(lp)) for _, lp in files), betas)
    stops = tuple(
        GridStop(e["beta"], ck, lp, perm, cache.read_layout(str(lp), _stamp(lp)).summary)
        for e, (ck, lp), perm in zip(entries, files, perms)
    )
    return BetaGrid(entries, stops, report, betas.index(0.0) if 0.0 in betas else None)


def model_at(bg: BetaGrid, i: int, sel) -> VAE:
    """The torch model of stop i in the grid's aligned latent coordinates (as the browser draws it)."""
    model = state.resolve_model(bg.entries[i]["key"], str(sel.device))
    return cache.aligned_model(model, tuple(map(tuple, np.asarray(bg.stops[i].perm).tolist())))


def canvas_grid(bg: BetaGrid, index: int, kl_on: bool, sel) -> Grid:
    cfg = sel.model.config
    name = f"{sel.dataset_name}|{cfg.to_dict()}"
    return Grid(stops=bg.stops, index=index, kl_on=kl_on, off_index=bg.off_index, name=name)
