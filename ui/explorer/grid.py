"""The KL-weight grid as the explorer shows it: the canvas's beta grid (every model's files, aligned), the
stop on screen, and the torch model of a stop for server decoding and the panels.

Which model is shown is decided in one place (`current_view`): the sidebar's model, unless the canvas's
slider and switch (reported by the browser, ui.canvas.widget.take_canvas_view) chose another, in which case the
sidebar follows (`follow_canvas`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from ui import cache, state
from ui.canvas.grid import Grid, GridStop, decoder_layout
from vae_core.model import VAE

VIEW_KEY = "ex_view"  # session_state: {"index": slider stop, "kl_on": bool} the page shows


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


def current_view(bg: BetaGrid, sel) -> tuple[int, bool, int]:
    """(slider stop, KL on, stop shown): the remembered view when it shows the sidebar's model, else the
    sidebar's model itself (the person picked it there)."""
    own = bg.betas.index(float(sel.beta)) if sel.beta is not None and float(sel.beta) in bg.betas else 0
    _take_link(bg, own)
    view = st.session_state.get(VIEW_KEY)
    if view is not None and _shown(bg, view["index"], view["kl_on"]) == own and view["index"] < len(bg.stops):
        return view["index"], view["kl_on"], own
    st.session_state[VIEW_KEY] = {"index": own, "kl_on": True}
    return own, True, own


def _take_link(bg: BetaGrid, own: int) -> None:
    """A shared link's beta and KL switch (ui.links.explorer_beta leaves them in ex_beta / ex_kl_on) become the
    view; when it shows another model than the sidebar's, the sidebar follows and the app reruns."""
    beta, kl_on = st.session_state.pop("ex_beta", None), st.session_state.pop("ex_kl_on", None)
    if beta is None and kl_on is None:
        return
    index = bg.betas.index(beta) if beta in bg.betas else own
    view = {"index": index, "kl_on": True if kl_on is None else bool(kl_on)}
    st.session_state[VIEW_KEY] = view
    shown = _shown(bg, view["index"], view["kl_on"])
    if shown != own:
        st.session_state["pending_sel_model"] = bg.entries[shown]["key"]
        st.rerun(scope="app")


def _shown(bg: BetaGrid, index: int, kl_on: bool) -> int:
    return index if kl_on or bg.off_index is None else bg.off_index


def follow_canvas(bg: BetaGrid, reported: dict | None, shown: int) -> None:
    """The browser reported a new view: remember it and, when it shows another model, point the sidebar at
    that model and rerun the app (one run, after the slider rests)."""
    if reported is None:
        return
    view = {"index": reported["index"], "kl_on": reported["kl_on"]}
    if st.session_state.get(VIEW_KEY) == view:
        return
    st.session_state[VIEW_KEY] = view
    new = _shown(bg, view["index"], view["kl_on"])
    if new != shown:
        st.session_state["pending_sel_model"] = bg.entries[new]["key"]
    st.rerun(scope="app")


def model_at(bg: BetaGrid, i: int, sel) -> VAE:
    """The torch model of stop i in the grid's aligned latent coordinates (as the browser draws it)."""
    model = state.resolve_model(bg.entries[i]["key"], str(sel.device))
    return cache.aligned_model(model, tuple(map(tuple, np.asarray(bg.stops[i].perm).tolist())))


def canvas_grid(bg: BetaGrid, index: int, kl_on: bool, sel) -> Grid:
    cfg = sel.model.config
    name = f"{sel.dataset_name}|{cfg.to_dict()}"
    return Grid(stops=bg.stops, index=index, kl_on=kl_on, off_index=bg.off_index, name=name)
