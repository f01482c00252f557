"""The KL-weight grid as the explorer shows it: the canvas's beta grid (every model's files, aligned) and
the torch model of a stop for server decoding and the panels. Which stop is on screen is the explorer's view
(ui.view)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from ui import cache, state
from ui.canvas.grid import Grid, GridStop, decoder_layout
from ui.canvas.payload import view_limit
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


def canvas_grid(bg: BetaGrid, index: int, kl_on: bool, sel, dims: tuple = (0, 1)) -> Grid:
    cfg = sel.model.config
    name = f"{sel.dataset_name}|{cfg.to_dict()}"
    limits = stop_limits(tuple((str(s.layout), _stamp(s.layout), _perm_key(s.perm)) for s in bg.stops), tuple(dims))
    return Grid(stops=bg.stops, index=index, kl_on=kl_on, off_index=bg.off_index, name=name, limits=limits)


def _perm_key(perm) -> tuple:
    return tuple(map(tuple, np.asarray(perm).tolist()))


@st.cache_data(show_spinner=False, max_entries=64)
def stop_limits(stops: tuple, dims: tuple) -> tuple:
    """Per stop ((layout path, stamp, perm), ...): the visible square's half-width (payload.view_limit) of its
    aligned codes in the plotted dims, as the canvas draws it."""
    return tuple(
        view_limit((cache.read_layout(path, stamp).mu @ np.asarray(perm))[:, list(dims)]) for path, stamp, perm in stops
    )
