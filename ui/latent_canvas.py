"""The latent canvas: a 2-D latent plot that decodes in the browser as the mouse moves.

`latent_canvas(...)` draws the latent scatter (plotly.js, WebGL) with optional posterior ellipses, prior
contours, aggregate-posterior density, an interpolation path and extra points, plus one slider per latent
dimension. It holds the model's decoder weights in the page, so hover and slider drags decode at display
rate in the browser (an exact re-implementation of the MLP decoder). A click, or a slider release, sends
z back to Python and the function returns it; the page then decodes with torch on the chosen device and
shows the authoritative image with `decoded_image_html(...)`.

Cost of a click. When the component's value changes, Streamlit reruns the script (or the enclosing
`st.fragment`) and sends the element with all its arguments again. So the heavy data (points, overlays,
decoder weights) travels once per browser session, keyed by a content hash: the page keeps it in a
page-wide store, and every later render sends only the hashes (a few hundred bytes). If the page lacks a
hash (it was reloaded into an old session, or evicted an old model) it asks for it, and the next run
resends it. The JavaScript and plotly.js are files served over HTTP (cached by the browser); only a
one-line loader is inlined. A click therefore costs the same with 1,797 points or 70,000.

Typical page code (put the canvas and the decoded image in one fragment so a click reruns only them):

    @st.fragment
    def explore():
        left, right = st.columns([4, 1])
        with left:
            ev = latent_canvas(model, mu[:, :2], labels=ds.y, image_shape=ds.image_shape,
                               key="explorer", device_label=str(device))
        with right:
            if ev is not None:
                x, ms = server_decode(model, ev["z"])
                st.html(decoded_image_html(x, ds.image_shape, device, ms, seq=ev["seq"], z=ev["z"]))
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import io
import json
import math
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st
import torch
from torch import nn

STATIC_DIR = Path(__file__).resolve().parent / "latent_canvas_static"
COMPONENT_NAME = "vae_latent_canvas"
# Decoders up to this many parameters run in the browser (a 2-512-784 MLP has about 0.4 M).
MAX_BROWSER_PARAMS = 3_000_000
HOVER_INTERVAL_MS = 150  # server-side hover decoding (fallback) is throttled to about 7 per second
_SS = "_latent_canvas"  # session_state prefix

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


# --------------------------------------------------------------------------------------------- assets
@functools.lru_cache(maxsize=1)
def _plotly_dir() -> Path:
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data"


@functools.lru_cache(maxsize=8)
def _file_version(path: str, mtime_ns: int) -> str:
    return hashlib.blake2b(Path(path).read_bytes(), digest_size=6).hexdigest()


def _version(path: Path) -> str:
    return _file_version(str(path), path.stat().st_mtime_ns)


def _asset_urls() -> dict[str, str]:
    """Serve the JS/CSS folder and plotly's package_data folder through Streamlit's static component route
    (/component/<name>/<file>, the route custom components use), and return the URLs the page loads."""
    from streamlit import config
    from streamlit.runtime import Runtime

    assets, plotly_name = f"{__name__}.assets", f"{__name__}.plotlyjs"
    if Runtime.exists():
        from streamlit.components.v1.custom_component import CustomComponent

        registry = Runtime.instance().component_registry
        for name, folder in ((assets, STATIC_DIR), (plotly_name, _plotly_dir())):
            if registry.get_component_path(name) != str(folder):
                registry.register_component(CustomComponent(name=name, path=str(folder), module_name=__name__))
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    root = f"/{base}/component" if base else "/component"
    return {
        "module_url": f"{root}/{assets}/canvas.js?v={_version(STATIC_DIR / 'canvas.js')}",
        "css_url": f"{root}/{assets}/canvas.css?v={_version(STATIC_DIR / 'canvas.css')}",
        "plotly_url": f"{root}/{plotly_name}/plotly.min.js?v={_version(_plotly_dir() / 'plotly.min.js')}",
    }


# --------------------------------------------------------------------------------------- array helpers
def _np(a, dtype=np.float32) -> np.ndarray | None:
    if a is None:
        return None
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    return np.ascontiguousarray(np.asarray(a, dtype=dtype))


def _b64(a: np.ndarray | None) -> str | None:
    if a is None:
        return None
    return base64.b64encode(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<"), copy=False).tobytes()).decode()


def _digest(*parts) -> str:
    h = hashlib.blake2b(digest_size=12)
    for p in parts:
        if isinstance(p, np.ndarray):
            h.update(f"{p.dtype.str}{p.shape}".encode())
            h.update(memoryview(np.ascontiguousarray(p)).cast("B"))
        else:
            h.update(json.dumps(p, sort_keys=True, default=str).encode())
        h.update(b"|")
    return h.hexdigest()


# ----------------------------------------------------------------------------------- decoder payload
def _decoder_layers(model) -> tuple[list[nn.Linear], str | None, str | None]:
    """The decoder's Linear layers and activation, or a reason the browser cannot run it."""
    dec = getattr(model, "decoder", None)
    if not isinstance(dec, nn.Sequential):
        return [], None, "the decoder is not an nn.Sequential MLP"
    linears, acts = [], set()
    for i, m in enumerate(dec):
        expect_linear = i % 2 == 0
        if expect_linear and isinstance(m, nn.Linear):
            linears.append(m)
        elif not expect_linear and isinstance(m, (nn.ReLU, nn.Tanh)):
            acts.add("relu" if isinstance(m, nn.ReLU) else "tanh")
        else:
            return [], None, f"layer {i} ({type(m).__name__}) is not a Linear/ReLU/Tanh MLP layer"
    if not linears or len(dec) % 2 == 0 or len(acts) > 1:
        return [], None, "the decoder is not an alternating Linear / activation stack"
    return linears, (acts.pop() if acts else "relu"), None


def _fingerprint(model) -> tuple:
    """Cheap and stable identity of a model's decoder weights: object id, storage, in-place version counter,
    and a strided sample of the values (so a new model at a recycled address is not mistaken for an old one)."""
    parts: list[Any] = [id(model), getattr(getattr(model, "config", None), "likelihood", None)]
    with torch.no_grad():
        for p in model.decoder.parameters():
            flat = p.detach().reshape(-1)
            sample = float(flat[:: max(1, flat.numel() // 61)].double().sum())
            parts.append((p.data_ptr(), p._version, tuple(p.shape), str(p.dtype), str(p.device), sample))
    return tuple(parts)


@st.cache_resource(show_spinner=False, max_entries=32)
def _decoder_payload_cached(fingerprint: tuple, _model) -> dict:
    model = _model
    cfg = getattr(model, "config", None)
    likelihood = getattr(cfg, "likelihood", "bernoulli")
    linears, activation, reason = _decoder_layers(model)
    n_params = sum(p.numel() for p in model.decoder.parameters())
    link = "sigmoid" if likelihood == "bernoulli" else "identity"
    if reason is None and n_params > MAX_BROWSER_PARAMS:
        reason = (
            f"{n_params / 1e6:.1f} M decoder parameters, more than the {MAX_BROWSER_PARAMS / 1e6:.0f} M "
            "a browser decodes per frame"
        )
    if reason is None and likelihood not in ("bernoulli", "gaussian"):
        reason = f"unknown likelihood {likelihood!r}"
    out_dim = linears[-1].out_features if linears else int(getattr(cfg, "input_dim", 0))
    latent_dim = linears[0].in_features if linears else int(getattr(cfg, "latent_dim", 0))
    payload: dict[str, Any] = {
        "kind": "model",
        "supported": reason is None,
        "reason": reason,
        "link": link,
        "activation": activation,
        "out_dim": out_dim,
        "latent_dim": latent_dim,
        "n_params": int(n_params),
        "layers": [],
    }
    h = hashlib.blake2b(digest_size=12)
    h.update(json.dumps([link, activation, reason]).encode())
    with torch.no_grad():
        for lin in linears:
            w = lin.weight.detach().to("cpu", torch.float32).contiguous().numpy()
            b = lin.bias.detach().to("cpu", torch.float32).contiguous().numpy()
            h.update(w.tobytes())
            h.update(b.tobytes())
            if reason is None:
                payload["layers"].append({"in": int(w.shape[1]), "out": int(w.shape[0]), "W": _b64(w), "b": _b64(b)})
    payload["hash"] = "m" + h.hexdigest()
    return payload


_PAYLOAD_MEMO: dict[tuple, dict] = {}
_MEMO_LOCK = threading.Lock()


def decoder_payload(model) -> dict:
    """The decoder as the browser runs it: {"kind": "model", "supported", "reason", "link" ("sigmoid" for a
    Bernoulli model, "identity" for a Gaussian one), "activation" ("relu" | "tanh"), "out_dim",
    "latent_dim", "n_params", "layers": [{"in", "out", "W" (base64 float32, row-major (out, in)),
    "b"}], "hash"}. Cached per model (id + storage + version counters + a sample of the weights), so a
    rerun costs microseconds; training a model in place changes the key. Treat the result as read-only."""
    fp = _fingerprint(model)
    payload = _PAYLOAD_MEMO.get(fp)
    if payload is None:  # st.cache_resource is the store; the dict only skips its per-call argument hashing
        payload = _decoder_payload_cached(fp, model)
        with _MEMO_LOCK:
            _PAYLOAD_MEMO[fp] = payload
            while len(_PAYLOAD_MEMO) > 16:
                _PAYLOAD_MEMO.pop(next(iter(_PAYLOAD_MEMO)))
    return payload


# ------------------------------------------------------------------------------ server-side decoding
def server_decode(model, z) -> tuple[np.ndarray, float]:
    """Decode one latent vector with torch on the model's device: (x as float32 numpy (input_dim,), ms).
    The time covers the decode, a device sync and the copy back."""
    t0 = time.perf_counter()
    with torch.inference_mode():
        zt = torch.as_tensor(np.asarray(z, dtype=np.float32).reshape(1, -1), device=model.device)
        x = model.decode(zt)
        if x.device.type == "cuda":
            torch.cuda.synchronize(x.device)
        out = x[0].to("cpu").numpy()
    return out, (time.perf_counter() - t0) * 1000.0


def _png_b64(img: np.ndarray) -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", compress_level=1)
    return base64.b64encode(buf.getvalue()).decode()


def decoded_image_html(
    x,
    image_shape,
    device,
    ms: float,
    scale: int | None = None,
    *,
    seq: int | None = None,
    z=None,
    cmap: str = "gray",
    data_transform=None,
    size_px: int = 232,
    title: str = "torch decode",
    out_names=None,
) -> str:
    """HTML for the authoritative, server-decoded output, in <div data-testid="decoded-image">.

    x: (input_dim,) decoded mean; image_shape (h, w) draws it as a crisp grey image (scale: integer
    magnification, default to about size_px wide; cmap "gray" (1 = white) or "gray_r"). Without an image
    shape, x is a point of the data space, shown as numbers and bars in data units after data_transform =
    (mean, scale). The caption names the device and the time; seq and z are written as data-seq / data-z
    attributes (the browser tests read them). Show it with st.html(...)."""
    x = _np(x).reshape(-1)
    dev = html.escape(str(device))
    attrs = f'data-testid="decoded-image" data-device="{dev}" data-ms="{ms:.3f}"'
    if seq is not None:
        attrs += f' data-seq="{int(seq)}"'
    if z is not None:
        attrs += f' data-z="{html.escape(json.dumps([round(float(v), 6) for v in np.asarray(z).reshape(-1)]))}"'
    ztxt = ""
    if z is not None:
        zz = np.asarray(z, dtype=float).reshape(-1)
        ztxt = "z = (" + ", ".join(f"{v:.2f}" for v in zz[:4]) + (", …" if zz.size > 4 else "") + ")"
    cap = (
        f'<div style="font-size:0.8rem;opacity:0.8;margin-top:4px;line-height:1.35">{html.escape(title)} on '
        f"<b>{dev}</b> in <b>{ms:.2f} ms</b>{f' · #{int(seq)}' if seq is not None else ''}"
        f'<br><span style="font-family:monospace">{html.escape(ztxt)}</span></div>'
    )
    box = (
        "border:1px solid rgba(49,51,63,0.2);border-radius:6px;padding:6px;background:#fff;"
        "display:flex;justify-content:center"
    )
    if image_shape is not None:
        h, w = (int(v) for v in image_shape)
        v = np.clip(x[: h * w].reshape(h, w), 0.0, 1.0)
        if cmap == "gray_r":
            v = 1.0 - v
        img = np.rint(v * 255).astype(np.uint8)
        k = int(scale) if scale else max(1, size_px // max(h, w))
        img = np.repeat(np.repeat(img, k, axis=0), k, axis=1)  # nearest-neighbour: crisp in every browser
        body = (
            f'<img alt="decoded image" src="data:image/png;base64,{_png_b64(img)}" width="{w * k}" '
            f'height="{h * k}" style="image-rendering:pixelated;display:block;max-width:100%">'
        )
    else:
        vals = x.astype(np.float64)
        if data_transform is not None:
            mean, sc = (_np(a).reshape(-1) for a in data_transform)
            vals = vals * sc + mean
        names = list(out_names) if out_names is not None else [f"x{i + 1}" for i in range(vals.size)]
        m = float(np.max(np.abs(vals))) or 1.0
        rows = []
        for nm, val in zip(names, vals):
            pct = 50.0 * abs(val) / m
            left = 50.0 if val >= 0 else 50.0 - pct
            rows.append(
                f'<div style="display:flex;align-items:center;gap:6px;font-size:0.85rem">'
                f'<span style="width:2.5em;font-family:monospace">{html.escape(str(nm))}</span>'
                f'<span style="position:relative;flex:1;height:12px;background:#f0f2f6;border-radius:3px">'
                f'<span style="position:absolute;left:{left:.1f}%;width:{pct:.1f}%;top:0;bottom:0;'
                f'background:#636efa;border-radius:3px"></span></span>'
                f'<span style="width:4.5em;text-align:right;font-family:monospace">{val:.3g}</span></div>'
            )
        body = f'<div style="width:100%">{"".join(rows)}</div>'
    return f'<div {attrs}><div style="{box}">{body}</div>{cap}</div>'


# ------------------------------------------------------------------------------------ the component
def _state(key: str) -> dict:
    return st.session_state.setdefault(f"{_SS}:{key}", {"last": None, "need": False, "hover": None})


def _sent() -> list:
    return st.session_state.setdefault(f"{_SS}:sent", [])


def _on_need(key: str) -> None:
    _state(key)["need"] = True


def _on_hover(key: str, model) -> None:
    """Fallback path: the browser cannot run this decoder, so decode its (throttled) hover position here."""
    try:
        req = st.session_state[key].get("hover")
    except (KeyError, AttributeError):
        return
    z = _valid_z(req.get("z") if isinstance(req, dict) else None, model_latent_dim(model))
    if z is None:
        return
    x, ms = server_decode(model, z)
    _state(key)["hover"] = {"hseq": int(req.get("hseq", 0)), "z": z, "x": _b64(x.astype(np.float32)), "ms": ms}


def model_latent_dim(model) -> int:
    cfg = getattr(model, "config", None)
    if cfg is not None and getattr(cfg, "latent_dim", None):
        return int(cfg.latent_dim)
    return int(next(m for m in model.decoder if isinstance(m, nn.Linear)).in_features)


def _valid_z(z, latent_dim: int) -> list[float] | None:
    if not isinstance(z, list) or len(z) != latent_dim:
        return None
    try:
        out = [float(v) for v in z]
    except (TypeError, ValueError):
        return None
    return out if all(math.isfinite(v) for v in out) else None


@functools.lru_cache(maxsize=4)
def _template(name: str | None) -> dict | None:
    if not name:
        return None
    import plotly.io as pio

    return pio.templates[name].to_plotly_json()


def _points_blob(points, labels, color, label_names, color_title, template, points_key) -> tuple[str, Any]:
    pts = _np(points)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2) (posterior means in the plotted dims); got {pts.shape}.")
    n = pts.shape[0]
    lab = None if labels is None else _np(labels, np.int32).reshape(-1)
    col = None if color is None else _np(color).reshape(-1)
    for name, arr in (("labels", lab), ("color", col)):
        if arr is not None and arr.shape[0] != n:
            raise ValueError(f"{name} must have one entry per point ({n}); got {arr.shape[0]}.")
    names = None if label_names is None else {str(k): str(v) for k, v in dict(label_names).items()}
    if points_key is not None:  # the caller vouches that this key changes whenever the points do
        h = "p" + _digest(str(points_key), n, names, color_title, template, lab is None, col is None)
    else:
        h = "p" + _digest(pts, lab, col, names, color_title, template)

    def build():
        return {
            "kind": "points",
            "n": int(n),
            "x": _b64(np.ascontiguousarray(pts[:, 0])),
            "y": _b64(np.ascontiguousarray(pts[:, 1])),
            "labels": _b64(lab),
            "color": _b64(col),
            "label_names": names,
            "color_title": color_title,
            "template": _template(template),
            "hash": h,
        }

    return h, build


def _overlay_blob(ellipses, ellipse_labels, density, path, extra_points, extra_name, path_name):
    ell = None if ellipses is None else _np(ellipses)
    if ell is not None and (ell.ndim != 2 or ell.shape[1] != 4):
        raise ValueError(f"ellipses must have shape (m, 4) [mu_x, mu_y, sigma_x, sigma_y]; got {ell.shape}.")
    ell_lab = None if ellipse_labels is None or ell is None else _np(ellipse_labels, np.int32).reshape(-1)
    pth = None if path is None else _np(path)
    ext = None if extra_points is None else _np(extra_points)
    for name, arr in (("path", pth), ("extra_points", ext)):
        if arr is not None and (arr.ndim != 2 or arr.shape[1] != 2):
            raise ValueError(f"{name} must have shape (k, 2); got {arr.shape}.")
    dens = None
    if density is not None:
        xs, ys, zz = (_np(a) for a in density)
        xs, ys = xs.reshape(-1), ys.reshape(-1)
        if zz.shape != (ys.size, xs.size):
            raise ValueError(f"density zz must have shape (len(ys), len(xs)) = ({ys.size}, {xs.size}); got {zz.shape}.")
        dens = (xs, ys, zz)
    if ell is None and pth is None and ext is None and dens is None:
        return None, None
    h = "o" + _digest(ell, ell_lab, pth, ext, *(dens or (None,)), extra_name, path_name)

    def build():
        return {
            "kind": "overlay",
            "ellipses": _b64(ell),
            "ellipse_labels": _b64(ell_lab),
            "path": _b64(pth),
            "extra": _b64(ext),
            "extra_name": extra_name,
            "path_name": path_name,
            "hash": h,
            "density": None
            if dens is None
            else {
                "nx": int(dens[0].size),
                "ny": int(dens[1].size),
                "xs": _b64(dens[0]),
                "ys": _b64(dens[1]),
                "z": _b64(dens[2]),
            },
        }

    return h, build


def latent_canvas(
    model,
    points,
    *,
    labels=None,
    color=None,
    dims=(0, 1),
    z_base=None,
    image_shape=None,
    data_transform=None,
    ellipses=None,
    prior_contours=False,
    density=None,
    path=None,
    extra_points=None,
    height=520,
    key="latent_canvas",
    device_label="cpu",
    cmap: str = "gray",
    label_names=None,
    color_title=None,
    ellipse_labels=None,
    extra_name: str = "prior samples",
    path_name: str = "interpolation",
    slider_range=(-4.0, 4.0),
    dim_names=None,
    out_names=None,
    template: str | None = "plotly",
    browser_decode: bool = True,
    points_key: str | None = None,
) -> dict | None:
    """Draw the latent canvas and return the last event from the browser, or None.

    Returns {"z": [latent_dim floats], "source": "click" | "slider", "seq": int}: the latent vector a click
    (dims replaced in z_base) or a slider release chose. seq counts the events of this canvas; the same
    event is returned on later reruns until a new one arrives.

    points (n, 2) posterior means in the plotted dims; labels (n,) ints (categorical colours, legend per
    class; label_names maps a label to its legend text) or color (n,) floats (continuous, color_title);
    dims: the two latent dimensions plotted; z_base (latent_dim,) the values of the other dimensions and the
    sliders' start (zeros by default); image_shape (h, w) for images, else the decoded point is drawn as
    bars in data units after data_transform = (mean, scale); ellipses (m, 4) [mu_x, mu_y, sigma_x, sigma_y]
    drawn at 1 and 2 sigma (ellipse_labels colours them); prior_contours: N(0, I) at 1, 2, 3 sigma;
    density (xs, ys, zz) with zz (len(ys), len(xs)) drawn filled under the points; path (k, 2); extra_points
    (m, 2) named extra_name. All points are drawn (WebGL), none thinned. browser_decode=False forces the
    server fallback (throttled server decoding on hover) that decoders the browser cannot run use.
    template: a plotly.py template name ("plotly", the default of the app's other figures) or None.
    points_key: optional string that identifies points + labels + color (e.g. model name, dataset, dims);
    given, the arrays are not hashed on each rerun (about 1 ms per 70,000 points otherwise).

    Latency: Streamlit runs gc.collect() after every script or fragment run (runner.postScriptGC, on by
    default) while holding the GIL, so the messages of a click wait for it: about 200 ms with torch loaded.
    Set `[runner] postScriptGC = false` in .streamlit/config.toml for click-to-image times near 50-100 ms.
    """
    latent_dim = model_latent_dim(model)
    dims = [int(d) for d in dims]
    if len(dims) != 2 or dims[0] == dims[1] or not all(0 <= d < latent_dim for d in dims):
        raise ValueError(f"dims must be two different latent dimensions in [0, {latent_dim}); got {dims}.")
    zb = np.zeros(latent_dim, np.float64) if z_base is None else _np(z_base, np.float64).reshape(-1)
    if zb.size != latent_dim or not np.all(np.isfinite(zb)):
        raise ValueError(f"z_base must be {latent_dim} finite numbers; got shape {zb.shape}.")
    names = list(dim_names) if dim_names is not None else [f"z{i + 1}" for i in range(latent_dim)]

    mp = dict(decoder_payload(model))
    if not browser_decode and mp["supported"]:
        mp = {k: v for k, v in mp.items() if k != "layers"}
        mp.update(supported=False, reason="browser decoding turned off", layers=[], hash=mp["hash"] + "-srv")
    p_hash, p_build = _points_blob(points, labels, color, label_names, color_title, template, points_key)
    o_hash, o_build = _overlay_blob(ellipses, ellipse_labels, density, path, extra_points, extra_name, path_name)

    state = _state(key)
    sent = _sent()
    if state["need"]:  # the page asked for data it does not have: resend everything this canvas uses
        state["need"] = False
        sent[:] = [h for h in sent if h not in (mp["hash"], p_hash, o_hash)]
    payloads = {}
    for h, build in ((mp["hash"], lambda: mp), (p_hash, p_build), (o_hash, o_build)):
        if h is not None and h not in sent:
            payloads[h] = build()
    lo, hi = (float(v) for v in slider_range)
    lo, hi = min(lo, math.floor(float(zb.min()))), max(hi, math.ceil(float(zb.max())))  # z_base always fits
    mean = scale = None
    if image_shape is None and data_transform is not None:
        mean, scale = ([float(v) for v in _np(a).reshape(-1)] for a in data_transform)
    data = {
        "key": key,
        **_asset_urls(),
        "blobs": {"model": mp["hash"], "points": p_hash, "overlay": o_hash},
        "payloads": payloads,
        "latent_dim": latent_dim,
        "dims": dims,
        "z_base": [float(v) for v in zb],
        "dim_names": names,
        "axis_titles": [names[dims[0]], names[dims[1]]],
        "image_shape": None if image_shape is None else [int(v) for v in image_shape],
        "cmap": cmap,
        "prior": bool(prior_contours),
        "height": int(height),
        "slider_range": [lo, hi],
        "device_label": str(device_label),
        "out_mean": mean,
        "out_scale": scale,
        "out_names": None if out_names is None else [str(v) for v in out_names],
        "hover_interval_ms": HOVER_INTERVAL_MS,
        "server_hover": state["hover"] if not mp["supported"] else None,
    }
    result = _component(
        key=key,
        data=data,
        height="content",
        on_event_change=lambda: None,
        on_need_change=functools.partial(_on_need, key),
        on_hover_change=functools.partial(_on_hover, key, model),
    )
    for h in payloads:  # delivered with this render; later renders send the hash only
        if h in sent:
            sent.remove(h)
        sent.append(h)
    del sent[:-12]

    ev = getattr(result, "event", None)
    if isinstance(ev, dict):
        z = _valid_z(ev.get("z"), latent_dim)
        src = ev.get("source")
        seq = ev.get("seq")
        if z is not None and src in ("click", "slider") and isinstance(seq, int):
            state["last"] = {"z": z, "source": src, "seq": seq}
    return state["last"]


__all__ = ["latent_canvas", "decoded_image_html", "decoder_payload", "server_decode"]
