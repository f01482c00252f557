"""What the latent explorer shows, owned in one place: `read` makes the view, `publish` shows it.

The view (ExplorerView) is the data set, the model on screen, the KL-weight slider's beta, the KL switch, the
pinned z and an epoch. Three things change it, and `read` applies them in this order of precedence:

1. the canvas (the browser): a click or a latent-slider release pins z; the KL slider and switch, once they
   rest (or with a click), pick another model of the beta grid. The newest thing the person did: it wins.
2. the URL: a shared link's beta, kl and z, once, on the session's first visit to the explorer (its dataset
   and model already chose the sidebar's, ui.links.restore).
3. the sidebar's Model box: the standing choice. When it names another model than the view shows, the person
   picked it there (or on another page): the view moves to it, keeping the pin when it still fits.

`publish` shows the view everywhere: the URL names it; the sidebar's Model box shows its model (when it
shows another, publish points the box at it and reruns the app, since the sidebar is drawn first); and it
returns what the canvas is told (CanvasState).

The epoch counts the changes the server made (2 and 3). The canvas adopts the server's slider, switch and
pin only when the epoch is new to it, and reports with the epoch it has: a render carrying a view the
browser has already moved past does not pull it back, and a report made before a server change is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import streamlit as st

from ui import keys, links
from ui.share import LinkView

PIN_SOURCES = ("click", "slider", "link")


@dataclass(frozen=True)
class Pin:
    """The pinned latent point: z (latent_dim,), what pinned it (PIN_SOURCES) and the canvas event's number."""

    z: tuple[float, ...]
    source: str = "click"
    seq: int = 0


@dataclass(frozen=True)
class ExplorerView:
    """dataset: its name; model: the model on screen (a ui.state.model_choices key); beta: the KL-weight
    slider's beta, None without a beta grid; kl_on: the KL switch (off shows the grid's beta = 0 model);
    pin: the pinned z, None before any click or link; epoch: changes made by the server (see above)."""

    dataset: str
    model: str | None
    beta: float | None = None
    kl_on: bool = True
    pin: Pin | None = None
    epoch: int = 0


@dataclass(frozen=True)
class CanvasState:
    """What the canvas is told: index (the slider's stop) and kl_on, or None without a grid; z: the pin to
    start from (zeros when nothing is pinned); epoch."""

    index: int | None
    kl_on: bool
    z: tuple[float, ...]
    epoch: int


def model_name(key: str | None) -> str:
    """A model's short name for captions: a shipped checkpoint's file stem, or this session's name."""
    kind, _, ref = (key or "").partition(":")
    return Path(ref).stem if kind == "shipped" else ref


def shown_stop(entries: list[dict], beta: float, kl_on: bool) -> int:
    """The stop of the grid on screen: the slider's, or the beta = 0 model's when the KL switch is off."""
    betas = [e["beta"] for e in entries]
    return betas.index(0.0) if not kl_on and 0.0 in betas else betas.index(beta)


def read(sel, entries: list[dict], event: dict | None = None) -> ExplorerView:
    """The explorer's view for this run: the stored view, then the sidebar, the URL and the canvas's event
    applied (so that the canvas wins, then the URL, then the sidebar); stored for the next run.

    sel: the sidebar's ui.state.Selection; entries: the beta grid (ui.state.beta_grid rows) when the canvas
    shows a KL slider, else []; event: the canvas's newest event (ui.canvas.widget.take_canvas_event),
    already validated: {"index", "kl_on"} (grid only), "epoch", and for a pin "z", "source", "seq"."""
    k = sel.model.config.latent_dim
    old = st.session_state.get(keys.EXPLORER_VIEW)
    view = old
    if old is None or old.dataset != sel.dataset_name or old.model != sel.model_key:
        pin = old.pin if old is not None and old.dataset == sel.dataset_name and _fits(old.pin, k) else None
        own = float(sel.beta) if entries and sel.beta is not None else None
        view = ExplorerView(sel.dataset_name, sel.model_key, own, True, pin, (old.epoch + 1) if old else 1)
    link = links.take_explorer_link()
    if link is not None:
        view = replace(_with_link(view, link, entries, k), epoch=view.epoch + 1)
    if event is not None and event.get("epoch") == view.epoch:  # older: made before a server change
        view = _with_event(view, event, entries)
    st.session_state[keys.EXPLORER_VIEW] = view
    return view


def _fits(pin: Pin | None, k: int) -> bool:
    return pin is not None and len(pin.z) == k


def _with_link(view: ExplorerView, link: LinkView, entries: list[dict], k: int) -> ExplorerView:
    betas = [e["beta"] for e in entries]
    beta, kl_on, pin = view.beta, view.kl_on, view.pin
    if link.beta is not None:
        if link.beta in betas:
            beta = link.beta
        else:
            st.toast("The link's beta is not one of this model grid's KL weights; showing the default.")
    if link.kl is not None and 0.0 in betas:
        kl_on = link.kl
    if link.z is not None:
        if len(link.z) == k:
            pin = Pin(tuple(float(v) for v in link.z), "link", 0)
        else:
            st.toast(f"The link's z has {len(link.z)} values but this model has {k} latent dimensions.")
    model = entries[shown_stop(entries, beta, kl_on)]["key"] if entries else view.model
    return replace(view, model=model, beta=beta, kl_on=kl_on, pin=pin)


def _with_event(view: ExplorerView, event: dict, entries: list[dict]) -> ExplorerView:
    if entries and "index" in event:
        beta, kl_on = entries[event["index"]]["beta"], event["kl_on"]
        view = replace(view, beta=beta, kl_on=kl_on, model=entries[shown_stop(entries, beta, kl_on)]["key"])
    if "z" in event:
        view = replace(view, pin=Pin(tuple(event["z"]), event["source"], event["seq"]))
    return view


def publish(view: ExplorerView, sel, entries: list[dict]) -> CanvasState:
    """Show the view: the URL names its beta, KL switch and pin (app.py names the data set and model); the
    sidebar's Model box shows its model, or the app reruns with the box pointed at it; returns the canvas's
    part."""
    links.publish(
        LinkView(
            beta=view.beta,
            kl=view.kl_on if view.beta is not None else None,
            z=view.pin.z if view.pin is not None else None,
        ),
        keys=("beta", "kl", "z"),
    )
    if view.model != sel.model_key:
        st.session_state[keys.PENDING_MODEL] = view.model
        st.rerun(scope="app")
    k = sel.model.config.latent_dim
    z = view.pin.z if view.pin is not None else (0.0,) * k
    index = [e["beta"] for e in entries].index(view.beta) if entries else None
    return CanvasState(index, view.kl_on, z, view.epoch)
