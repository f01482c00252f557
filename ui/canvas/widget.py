"""The latent canvas element: `latent_canvas(model, Points(...), key=...)` draws the latent plane and returns
the browser's last click or slider release.

It draws the latent scatter (plotly.js, WebGL) with optional overlays, plus one slider per latent
dimension. It holds the model's decoder weights in the page, so hover and slider drags decode at display
rate in the browser (an exact re-implementation of the MLP decoder). A click, or a slider release, sends
z back to Python and the function returns it; the page then decodes with torch (`events.server_decode`)
and shows the authoritative image (`image.decoded_image_html`).

Cost of a click. When the component's value changes, Streamlit reruns the script (or the enclosing
`st.fragment`) and sends the element with all its arguments again. So the heavy data travels once per
browser session, keyed by a content hash (payload.py): later renders send only the hashes. If the page lacks
a hash (it was reloaded into an old session, or evicted an old model) it asks for it, and the next run
resends it. The JavaScript and plotly.js are files served over HTTP (assets.py); only a one-line loader is
inlined. A click therefore costs the same with 1,797 points or 70,000.

Typical page code (put the canvas and the decoded image in one fragment so a click reruns only them):

    @st.fragment
    def explore():
        left, right = st.columns([4, 1])
        with left:
            ev = latent_canvas(model, Points(mu[:, :2], labels=ds.y), output=Output(image_shape=ds.image_shape),
                               key="explorer")
        with right:
            if ev is not None:
                x, ms = server_decode(model, ev["z"])
                st.html(decoded_image_html(x, ds.image_shape, model.device, ms, seq=ev["seq"], z=ev["z"]))

Latency: Streamlit runs gc.collect() after every script or fragment run (runner.postScriptGC, on by
default) while holding the GIL, so the messages of a click wait for it: about 200 ms with torch loaded.
`[runner] postScriptGC = false` in .streamlit/config.toml gives click-to-image times near 50-100 ms.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from ui import cache, keys

from . import assets, events, payload
from .grid import Grid, GridStop, grid_blob

__all__ = ["Gaussian", "Grid", "GridStop", "Output", "Overlays", "Points", "View", "latent_canvas", "take_canvas_event"]

log = logging.getLogger(__name__)
COMPONENT_NAME = "vae_latent_canvas"
HOVER_INTERVAL_MS = 150  # server-side hover decoding (fallback) is throttled to about 7 per second
MAX_SENT = 12  # hashes remembered as delivered per session (the page's store keeps 12 blobs)

# The inline part is a one-line loader: the real module is a static file, so each rerun ships ~300 bytes
# of JavaScript instead of the whole widget.
_BOOT_JS = """
export default async function (component) {
  const d = component.data;
  if (!d || !d.module_url) return;
  const mod = await import(new URL(d.module_url, window.location.href).href);
  return mod.mount(component);
}
"""

_component = st.components.v2.component(COMPONENT_NAME, js=_BOOT_JS, isolate_styles=False)


@dataclass(frozen=True)
class Points:
    """The scatter: xy (n, 2) posterior means in the plotted dims; labels (n,) ints (categorical colours and
    a legend entry per class, named by label_names) or color (n,) floats (a colour scale titled
    color_title). key: optional string that identifies xy + labels + color (e.g. dataset, model key, dims);
    given, the arrays are not hashed on each rerun (about 1 ms per 70,000 points otherwise)."""

    xy: Any
    labels: Any = None
    color: Any = None
    label_names: dict | None = None
    color_title: str | None = None
    key: str | None = None


@dataclass(frozen=True)
class Gaussian:
    """An extra Gaussian on the plane (the overlay hook other panels use, e.g. a drawing's q(z|x)): a point
    at mu with its 1- and 2-sigma ellipses, in colour, named label in the legend.

    mu, logvar: (latent_dim,) in the model's latent coordinates (the plotted dims are taken from them), or
    (2,) already in the plotted dims; logvar None draws the point only (an autoencoder's code). In a beta
    grid (the explorer's KL slider), pass one row per grid stop, (n_stops, latent_dim), each encoded by that
    stop's model: the canvas shows the row of the stop on screen."""

    mu: Any
    logvar: Any = None
    color: str = "#e6007e"
    label: str = "extra"


@dataclass(frozen=True)
class Overlays:
    """Drawn over (density: under) the points. ellipses (m, 4) [mu_x, mu_y, sigma_x, sigma_y] at 1 and 2
    sigma, coloured by ellipse_labels; prior_contours: N(0, I) at 1, 2, 3 sigma; density (xs, ys, zz) with zz
    (len(ys), len(xs)), filled; path (k, 2) named path_name; extra_points (m, 2) named extra_name;
    gaussians: Gaussian(mu, logvar, color, label) items, each a point with 1- and 2-sigma ellipses.
    With a beta grid the browser has every model's layout and draws three things itself: ellipse_count
    inputs' ellipses (evenly spaced rows), with browser_density the aggregate posterior, and with holes each
    stop's stored holes map (grid only)."""

    ellipses: Any = None
    ellipse_labels: Any = None
    ellipse_count: int = 0
    prior_contours: bool = False
    density: tuple | None = None
    browser_density: bool = False
    holes: bool = False
    path: Any = None
    extra_points: Any = None
    extra_name: str = "prior samples"
    path_name: str = "interpolation"
    gaussians: tuple = ()


@dataclass(frozen=True)
class Output:
    """How a decoding is shown: image_shape (h, w) as a grey image (cmap "gray": 1 = white, or "gray_r"),
    else as bars in data units after data_transform = (mean, scale), named out_names."""

    image_shape: tuple | None = None
    cmap: str = "gray"
    data_transform: tuple | None = None
    out_names: list | None = None


@dataclass(frozen=True)
class View:
    """dims: the two latent dimensions plotted; z_base (latent_dim,): the other dimensions' values and the
    sliders' start (zeros by default); slider_range; dim_names (default z1, z2, ...); template: a plotly.py
    template name or None; browser_decode=False forces the server fallback that decoders the browser cannot
    run use; device_label: where the server decodes, for the captions.

    epoch: the page's view number. z_base as the pin (and a grid's index and kl_on) is the page's view; the
    canvas adopts it when epoch differs from the one it holds, and otherwise keeps what the person did since
    (a page bumps epoch when it changes the view itself; ui.view explains). limit: the visible square's
    half-width (payload.view_limit of the codes in dims), None to let the plot fit the points; with a grid,
    Grid.limits gives one per stop."""

    dims: tuple = (0, 1)
    z_base: Any = None
    height: int = 520
    slider_range: tuple = (-4.0, 4.0)
    dim_names: list | None = None
    template: str | None = "plotly"
    browser_decode: bool = True
    device_label: str = "cpu"
    epoch: int = 0
    limit: float | None = None


def _state(key: str) -> dict:
    fresh = {"last": None, "need": False, "hover": None, "news": None}
    return st.session_state.setdefault(keys.canvas_state(key), fresh)


def take_canvas_event(key: str) -> dict | None:
    """What the browser sent canvas `key` since the last call, once, or None: a click or slider release
    {"z", "source", "seq", "epoch"} and, with a beta grid, the KL slider's stop and switch {"index", "kl_on",
    "epoch"} (reported with a click, or once the slider rests: beta.js SYNC_MS), merged, newest last.
    Call it before the canvas is drawn in the run (the component's callbacks have stored it by then)."""
    state = _state(key)
    news, state["news"] = state["news"], None
    return news


def _note(key: str, news: dict) -> None:
    state = _state(key)
    state["news"] = {**(state["news"] or {}), **news}


def _on_event(key: str, latent_dim: int, n_stops: int) -> None:
    value = st.session_state.get(key)
    ev = events.read_event(value.get("event") if hasattr(value, "get") else None, latent_dim, n_stops)
    if ev is not None:
        _state(key)["last"] = ev
        _note(key, ev)


def _on_view(key: str, n_stops: int) -> None:
    value = st.session_state.get(key)
    view = value.get("view") if hasattr(value, "get") else None
    if not isinstance(view, dict):
        return
    index, kl_on, epoch = view.get("index"), view.get("kl_on"), view.get("epoch")
    if not (isinstance(index, int) and 0 <= index < n_stops and isinstance(kl_on, bool) and isinstance(epoch, int)):
        log.warning("canvas view ignored: %r", view)
        return
    _note(key, {"index": index, "kl_on": kl_on, "epoch": epoch})


def _sent() -> list:
    return st.session_state.setdefault(keys.CANVAS_SENT, [])


def _on_need(key: str) -> None:
    _state(key)["need"] = True


def _on_hover(key: str, model) -> None:
    value = st.session_state.get(key)
    request = value.get("hover") if hasattr(value, "get") else None
    answer = events.hover_answer(request, model)
    if answer is not None:
        _state(key)["hover"] = answer


def _light(view: View, output: Output, overlays: Overlays, latent_dim: int, dims: list, zb: np.ndarray) -> dict:
    names = list(view.dim_names) if view.dim_names is not None else [f"z{i + 1}" for i in range(latent_dim)]
    lo, hi = (float(v) for v in view.slider_range)
    lo, hi = min(lo, math.floor(float(zb.min()))), max(hi, math.ceil(float(zb.max())))  # z_base always fits
    mean = scale = None
    if output.image_shape is None and output.data_transform is not None:
        mean, scale = ([float(v) for v in payload.as_array(a).reshape(-1)] for a in output.data_transform)
    return {
        "latent_dim": latent_dim,
        "dims": dims,
        "z_base": [float(v) for v in zb],
        "dim_names": names,
        "axis_titles": [names[dims[0]], names[dims[1]]],
        "image_shape": None if output.image_shape is None else [int(v) for v in output.image_shape],
        "cmap": output.cmap,
        "prior": bool(overlays.prior_contours),
        "height": int(view.height),
        "slider_range": [lo, hi],
        "device_label": str(view.device_label),
        "out_mean": mean,
        "out_scale": scale,
        "out_names": None if output.out_names is None else [str(v) for v in output.out_names],
        "hover_interval_ms": HOVER_INTERVAL_MS,
        "epoch": int(view.epoch),
        "view_limit": None if view.limit is None else float(view.limit),
    }


def _browser_side(ov: Overlays) -> Overlays:
    """With a grid the browser computes ellipses and density from each stop's layout: send neither."""
    import dataclasses

    return dataclasses.replace(ov, ellipses=None, ellipse_labels=None, density=None)


def latent_canvas(
    model,
    points: Points,
    *,
    key: str = "latent_canvas",
    overlays: Overlays = Overlays(),
    output: Output = Output(),
    view: View = View(),
    grid: Grid | None = None,
) -> dict | None:
    """Draw the latent canvas and return the last event from the browser, or None.

    Returns {"z": [latent_dim floats], "source": "click" | "slider", "seq": int, "epoch": int}: the latent
    vector a click (the plotted dims replaced in the pin) or a slider release chose. seq counts the events of
    this canvas; the same event is returned on later reruns until a new one arrives. With a grid the event
    also has "index" (the KL slider's stop when it was sent) and "kl_on".

    grid: a beta grid (grid.Grid). The canvas then shows its own KL-weight slider and KL switch and switches
    models in the browser; model and points.xy are not used for drawing (points gives the legend's names),
    and take_canvas_event(key) tells which stop the person chose."""
    latent_dim = events.model_latent_dim(model)
    dims = [int(d) for d in view.dims]
    if len(dims) != 2 or dims[0] == dims[1] or not all(0 <= d < latent_dim for d in dims):
        raise ValueError(f"dims must be two different latent dimensions in [0, {latent_dim}); got {dims}.")
    zb = np.zeros(latent_dim) if view.z_base is None else payload.as_array(view.z_base, np.float64).reshape(-1)
    if zb.size != latent_dim or not np.all(np.isfinite(zb)):
        raise ValueError(f"z_base must be {latent_dim} finite numbers; got shape {zb.shape}.")

    if grid is not None:
        mp = {"hash": None, "supported": True}
        p_hash = p_build = None
        g_hash, g_build = grid_blob(grid, model.config, view.template, points.label_names, points.color_title)
        o_hash, o_build = payload.overlay_blob(_browser_side(overlays), dims)
    else:
        mp = cache.decoder_payload(model)
        if not view.browser_decode and mp["supported"]:
            mp = payload.server_only(mp)
        p_hash, p_build = payload.points_blob(points, view.template)
        g_hash = g_build = None
        o_hash, o_build = payload.overlay_blob(overlays, dims)

    state = _state(key)
    sent = _sent()
    if state["need"]:  # the page asked for data it does not have: resend everything this canvas uses
        state["need"] = False
        sent[:] = [h for h in sent if h not in (mp["hash"], p_hash, o_hash, g_hash)]
    payloads = {}
    for h, build in ((mp["hash"], lambda: mp), (p_hash, p_build), (o_hash, o_build), (g_hash, g_build)):
        if h is not None and h not in sent:
            payloads[h] = build()
    data = {
        "key": key,
        **assets.asset_urls(),
        "blobs": {"model": mp["hash"], "points": p_hash, "overlay": o_hash, "grid": g_hash},
        "payloads": payloads,
        **_light(view, output, overlays, latent_dim, dims, zb),
        "server_hover": state["hover"] if not mp["supported"] else None,
    }
    if grid is not None:
        data["grid"] = {
            "index": int(grid.index),
            "kl_on": bool(grid.kl_on),
            "off_index": grid.off_index,
            "limits": [float(v) for v in grid.limits],
        }
        data["ellipse_n"] = int(overlays.ellipse_count)
        data["density"] = bool(overlays.browser_density)
        data["holes"] = bool(overlays.holes)  # the holes layer of each stop's layout (static/holes.js)
    n_stops = len(grid.stops) if grid is not None else 0
    _component(
        key=key,
        data=data,
        height="content",
        on_event_change=functools.partial(_on_event, key, latent_dim, n_stops),
        on_need_change=functools.partial(_on_need, key),
        on_hover_change=functools.partial(_on_hover, key, model),
        on_view_change=functools.partial(_on_view, key, n_stops),
    )
    for h in payloads:  # delivered with this render; later renders send the hash only
        if h in sent:
            sent.remove(h)
        sent.append(h)
    del sent[:-MAX_SENT]
    return state["last"]
