"""A tiny Streamlit app around ui.latent_canvas, for tests/test_browser_canvas.py and bench/bench_explorer.py.

Environment: LC_MODEL (checkpoint path, default models/digits-vae-beta1.safetensors), LC_DATASET (default
digits), LC_N (tile the encoded points, with jitter, to this many; 0 keeps the data set), LC_BROWSER_DECODE
("0" forces the server-side hover fallback), LC_OVERLAYS ("1" adds ellipses, prior contours and density).
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import streamlit as st  # noqa: E402
import torch  # noqa: E402

from ui.latent_canvas import decoded_image_html, latent_canvas, server_decode  # noqa: E402
from vae_core import checkpoints, data  # noqa: E402

MODEL = os.environ.get("LC_MODEL", str(ROOT / "models" / "digits-vae-beta1.safetensors"))
DATASET = os.environ.get("LC_DATASET", "digits")
N = int(os.environ.get("LC_N", "0"))
BROWSER = os.environ.get("LC_BROWSER_DECODE", "1") != "0"
OVERLAYS = os.environ.get("LC_OVERLAYS", "0") == "1"

st.set_page_config(page_title="latent canvas test", layout="wide")


@st.cache_resource
def load():
    model, _ = checkpoints.load(MODEL)
    for p in model.parameters():
        p.requires_grad_(False)
    ds = data.load(DATASET)
    with torch.no_grad():
        mu, logvar = model.encode(ds.x)
    mu, sig = mu.numpy(), (logvar.mul(0.5).exp().numpy() if logvar is not None else None)
    y = ds.y
    if N > len(mu):
        rng = np.random.default_rng(0)
        idx = rng.integers(0, len(mu), N)
        mu = mu[idx] + rng.normal(0, 0.05, (N, mu.shape[1])).astype(np.float32)
        y = None if y is None else y[idx]
    return model, ds, mu, sig, y


model, ds, mu, sig, y = load()
st.markdown(f"**{len(mu):,} points** · model `{Path(MODEL).name}`")


@st.fragment
def canvas():
    left, right = st.columns([4, 1])
    extra = {}
    if OVERLAYS and sig is not None:
        k = 150
        extra["ellipses"] = np.concatenate([mu[:k, :2], sig[:k, :2]], axis=1)
        extra["ellipse_labels"] = None if y is None else y[:k]
        extra["prior_contours"] = True
        g = np.linspace(-4, 4, 80)
        gx, gy = np.meshgrid(g, g)
        d2 = ((gx[..., None] - mu[None, None, :400, 0]) ** 2 + (gy[..., None] - mu[None, None, :400, 1]) ** 2)
        extra["density"] = (g, g, np.exp(-d2 / 0.1).mean(-1))
        extra["extra_points"] = np.random.default_rng(1).normal(size=(20, 2))
    with left:
        ev = latent_canvas(model, mu[:, :2], labels=y, image_shape=ds.image_shape, key="canvas",
                           device_label="cpu", browser_decode=BROWSER,
                           data_transform=None if ds.mean is None else (ds.mean, ds.scale), **extra)
    with right:
        if ev is None:
            st.caption("Click the plot to decode with torch.")
        else:
            x, ms = server_decode(model, ev["z"])
            st.html(decoded_image_html(x, ds.image_shape, "cpu", ms, seq=ev["seq"], z=ev["z"],
                                       data_transform=None if ds.mean is None else (ds.mean, ds.scale)))


canvas()
