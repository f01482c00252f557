"""What the canvas sends to the browser: the decoder's weights, the points, the overlays.

Each heavy part is a blob with a content hash; the browser keeps blobs in a page-wide store, so a later
render sends only the hashes (a few hundred bytes) whatever the number of points. Arrays travel as base64
little-endian float32 / int32.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json

import numpy as np
import torch
from torch import nn

from vae_core.model import ACTIVATIONS, decoder_ops

# Decoders up to this many parameters run in the browser (a 2-512-784 MLP has about 0.4 M).
MAX_BROWSER_PARAMS = 3_000_000


def as_array(a, dtype=np.float32) -> np.ndarray | None:
    """A contiguous numpy array of dtype from a numpy array, list or torch tensor (None stays None)."""
    if a is None:
        return None
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    return np.ascontiguousarray(np.asarray(a, dtype=dtype))


def b64(a: np.ndarray | None) -> str | None:
    if a is None:
        return None
    return base64.b64encode(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<"), copy=False).tobytes()).decode()


def view_limit(points) -> float:
    """Half-width of the visible square of the latent plane: the prior's 3 sigma, or wider to hold 99.5% of the
    codes (the 0.995 quantile of |coordinate|, linearly interpolated, times 1.1). points: (n, 2) codes in the
    plotted dims. The one rule: the canvas draws the number Python sends, for a single model and per grid stop."""
    return float(max(3.0, np.quantile(np.abs(np.asarray(points, np.float64)), 0.995) * 1.1))


def digest(*parts) -> str:
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
def _mismatch(model, ops: list[dict]) -> str | None:
    """Why the model's decoder is not the stack its config describes (vae_core.model.decoder_ops), or None."""
    dec = getattr(model, "decoder", None)
    if not isinstance(dec, nn.Sequential) or len(dec) != len(ops) - 1:
        return "the decoder is not the Linear / activation stack its config describes"
    for i, (m, op) in enumerate(zip(dec, ops)):
        want = nn.Linear if op["op"] == "linear" else ACTIVATIONS.get(op["op"])
        if want is None or type(m) is not want:
            return f"layer {i} ({type(m).__name__}) is not the {op['op']} its config describes"
        if op["op"] == "linear" and (m.in_features, m.out_features) != (op["in"], op["out"]):
            return f"layer {i} is {m.in_features} -> {m.out_features}, not {op['in']} -> {op['out']}"
    return None


def decoder_payload_of(model) -> dict:
    """The decoder as the browser runs it: {"kind": "model", "supported", "reason", "ops", "out_dim",
    "latent_dim", "n_params", "hash"}. ops: vae_core.model.decoder_ops of the model's config, each linear op
    with "W" (base64 float32, row-major (out, in)) and "b"; the browser's MLP (static/data.js) executes them
    in order. Pages get it cached per model through ui.cache.decoder_payload; treat it as read-only."""
    cfg = model.config
    ops = decoder_ops(cfg)
    reason = _mismatch(model, ops)
    n_params = sum(p.numel() for p in model.decoder.parameters())
    if reason is None and n_params > MAX_BROWSER_PARAMS:
        reason = (
            f"{n_params / 1e6:.1f} M decoder parameters, more than the {MAX_BROWSER_PARAMS / 1e6:.0f} M "
            "a browser decodes per frame"
        )
    h = hashlib.blake2b(digest_size=12)
    h.update(json.dumps([ops, reason]).encode())
    wire = []
    with torch.no_grad():
        for op in ops:
            if op["op"] != "linear" or reason is not None:
                wire.append(dict(op))
                continue
            lin = model.get_submodule(op["param"])
            w = lin.weight.detach().to("cpu", torch.float32).contiguous().numpy()
            b = lin.bias.detach().to("cpu", torch.float32).contiguous().numpy()
            h.update(w.tobytes())
            h.update(b.tobytes())
            wire.append({**op, "W": b64(w), "b": b64(b)})
    return {
        "kind": "model",
        "supported": reason is None,
        "reason": reason,
        "ops": wire if reason is None else [],
        "out_dim": int(cfg.input_dim),
        "latent_dim": int(cfg.latent_dim),
        "n_params": int(n_params),
        "hash": "m" + h.hexdigest(),
    }


def server_only(payload: dict) -> dict:
    """The decoder payload without its weights: the browser then asks the server to decode hover positions."""
    out = {k: v for k, v in payload.items() if k != "ops"}
    out.update(supported=False, reason="browser decoding turned off", ops=[], hash=payload["hash"] + "-srv")
    return out


# ------------------------------------------------------------------------------------ points, overlays
@functools.lru_cache(maxsize=4)
def template_json(name: str | None) -> dict | None:
    if not name:
        return None
    import plotly.io as pio

    return pio.templates[name].to_plotly_json()


def points_blob(points, template: str | None):
    """(hash, build) for the scatter of posterior means; build() makes the payload only when it must travel.
    points: a widget.Points."""
    pts = as_array(points.xy)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2) (posterior means in the plotted dims); got {pts.shape}.")
    n = pts.shape[0]
    lab = None if points.labels is None else as_array(points.labels, np.int32).reshape(-1)
    col = None if points.color is None else as_array(points.color).reshape(-1)
    for name, arr in (("labels", lab), ("color", col)):
        if arr is not None and arr.shape[0] != n:
            raise ValueError(f"{name} must have one entry per point ({n}); got {arr.shape[0]}.")
    names = None if points.label_names is None else {str(k): str(v) for k, v in dict(points.label_names).items()}
    if points.key is not None:  # the caller vouches that this key changes whenever the points do
        h = "p" + digest(str(points.key), n, names, points.color_title, template, lab is None, col is None)
    else:
        h = "p" + digest(pts, lab, col, names, points.color_title, template)

    def build():
        return {
            "kind": "points",
            "n": int(n),
            "x": b64(np.ascontiguousarray(pts[:, 0])),
            "y": b64(np.ascontiguousarray(pts[:, 1])),
            "labels": b64(lab),
            "color": b64(col),
            "label_names": names,
            "color_title": points.color_title,
            "template": template_json(template),
            "hash": h,
        }

    return h, build


def _gaussians(items, dims: list[int]) -> list[dict]:
    """widget.Gaussian items -> [{"mu": (rows, 2) per stop, "sd": same or None, "color", "label"}] in the
    plotted dims (rows: 1, or one per grid stop)."""
    out = []
    for g in items:
        mu = as_array(g.mu, np.float64)
        mu = mu.reshape(1, -1) if mu.ndim == 1 else mu
        lv = None if g.logvar is None else as_array(g.logvar, np.float64).reshape(mu.shape)
        cols = list(dims) if mu.shape[1] > 2 or dims == [0, 1] else [0, 1]
        if mu.shape[1] < 2 or max(cols) >= mu.shape[1] or not np.isfinite(mu).all():
            raise ValueError(f"a Gaussian's mu must be finite with the plotted dims {dims}; got shape {mu.shape}.")
        sd = None if lv is None else np.exp(0.5 * lv[:, cols])
        out.append(
            {
                "mu": mu[:, cols].tolist(),
                "sd": None if sd is None else sd.tolist(),
                "color": str(g.color),
                "label": str(g.label),
            }
        )
    return out


def overlay_blob(ov, dims: list[int]):
    """(hash, build) for the overlays, or (None, None) when there are none. ov: a widget.Overlays; dims: the
    plotted latent dims."""
    ell = None if ov.ellipses is None else as_array(ov.ellipses)
    if ell is not None and (ell.ndim != 2 or ell.shape[1] != 4):
        raise ValueError(f"ellipses must have shape (m, 4) [mu_x, mu_y, sigma_x, sigma_y]; got {ell.shape}.")
    ell_lab = None if ov.ellipse_labels is None or ell is None else as_array(ov.ellipse_labels, np.int32).reshape(-1)
    pth = None if ov.path is None else as_array(ov.path)
    ext = None if ov.extra_points is None else as_array(ov.extra_points)
    for name, arr in (("path", pth), ("extra_points", ext)):
        if arr is not None and (arr.ndim != 2 or arr.shape[1] != 2):
            raise ValueError(f"{name} must have shape (k, 2); got {arr.shape}.")
    dens = None
    if ov.density is not None:
        xs, ys, zz = (as_array(a) for a in ov.density)
        xs, ys = xs.reshape(-1), ys.reshape(-1)
        if zz.shape != (ys.size, xs.size):
            raise ValueError(f"density zz must have shape (len(ys), len(xs)) = ({ys.size}, {xs.size}); got {zz.shape}.")
        dens = (xs, ys, zz)
    gauss = _gaussians(ov.gaussians, dims)
    if ell is None and pth is None and ext is None and dens is None and not gauss:
        return None, None
    h = "o" + digest(ell, ell_lab, pth, ext, *(dens or (None,)), ov.extra_name, ov.path_name, gauss)

    def build():
        return {
            "kind": "overlay",
            "ellipses": b64(ell),
            "ellipse_labels": b64(ell_lab),
            "path": b64(pth),
            "extra": b64(ext),
            "extra_name": ov.extra_name,
            "path_name": ov.path_name,
            "gaussians": gauss,
            "hash": h,
            "density": None
            if dens is None
            else {
                "nx": int(dens[0].size),
                "ny": int(dens[1].size),
                "xs": b64(dens[0]),
                "ys": b64(dens[1]),
                "z": b64(dens[2]),
            },
        }

    return h, build
