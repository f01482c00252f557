"""The authoritative, server-decoded output as HTML: a crisp image, or bars in data units."""

from __future__ import annotations

import base64
import html
import io
import json

import numpy as np

from .payload import as_array


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
    model_name: str | None = None,
    beta: float | None = None,
) -> str:
    """HTML for the authoritative, server-decoded output, in <div data-testid="decoded-image">.

    x: (input_dim,) decoded mean; image_shape (h, w) draws it as a crisp grey image (scale: integer
    magnification, default to about size_px wide; cmap "gray" (1 = white) or "gray_r"). Without an image
    shape, x is a point of the data space, shown as numbers and bars in data units after data_transform =
    (mean, scale). The caption names the model (model_name, and its KL weight beta when given), z, the device
    and the time; seq, z, model_name and beta are also written as data-seq / data-z / data-model / data-beta
    attributes (the browser tests read them). Show it with st.html(...)."""
    x = as_array(x).reshape(-1)
    dev = html.escape(str(device))
    attrs = f'data-testid="decoded-image" data-device="{dev}" data-ms="{ms:.3f}"'
    if seq is not None:
        attrs += f' data-seq="{int(seq)}"'
    if z is not None:
        attrs += f' data-z="{html.escape(json.dumps([round(float(v), 6) for v in np.asarray(z).reshape(-1)]))}"'
    if model_name is not None:
        attrs += f' data-model="{html.escape(model_name)}"'
    if beta is not None:
        attrs += f' data-beta="{float(beta):g}"'
    who = ""
    if model_name is not None:
        who = f"<br>by <b>{html.escape(model_name)}</b>" + (f" (β = {float(beta):g})" if beta is not None else "")
    ztxt = ""
    if z is not None:
        zz = np.asarray(z, dtype=float).reshape(-1)
        ztxt = "z = (" + ", ".join(f"{v:.2f}" for v in zz[:4]) + (", …" if zz.size > 4 else "") + ")"
    cap = (
        f'<div style="font-size:0.8rem;opacity:0.8;margin-top:4px;line-height:1.35">{html.escape(title)} on '
        f"<b>{dev}</b> in <b>{ms:.2f} ms</b>{f' · #{int(seq)}' if seq is not None else ''}{who}"
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
            f'height="{h * k}" style="image-rendering:pixelated;display:block;max-width:100%;height:auto">'
        )
    else:
        vals = x.astype(np.float64)
        if data_transform is not None:
            mean, sc = (as_array(a).reshape(-1) for a in data_transform)
            vals = vals * sc + mean
        names = list(out_names) if out_names is not None else [f"x{i + 1}" for i in range(vals.size)]
        m = float(np.max(np.abs(vals))) or 1.0
        rows = []
        for nm, val in zip(names, vals):
            pct = 50.0 * abs(val) / m
            left = 50.0 if val >= 0 else 50.0 - pct
            rows.append(
                f'<div style="display:flex;align-items:center;gap:6px;font-size:0.85rem">'
                f'<span style="min-width:2.5em;white-space:nowrap;font-family:monospace">{html.escape(str(nm))}</span>'
                f'<span style="position:relative;flex:1;height:12px;background:#f0f2f6;border-radius:3px">'
                f'<span style="position:absolute;left:{left:.1f}%;width:{pct:.1f}%;top:0;bottom:0;'
                f'background:#636efa;border-radius:3px"></span></span>'
                f'<span style="width:4.5em;text-align:right;font-family:monospace">{val:.3g}</span></div>'
            )
        body = f'<div style="width:100%">{"".join(rows)}</div>'
    return f'<div {attrs}><div style="{box}">{body}</div>{cap}</div>'
