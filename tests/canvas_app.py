"""A tiny Streamlit app around ui.canvas, for tests/test_browser_canvas.py and bench/bench_explorer.py.

Settings come from query parameters, else environment variables:
  model / LC_MODEL      checkpoint path (default models/digits-vae-beta1.safetensors)
  dataset / LC_DATASET  built-in data set (default digits)
  n / LC_N              tile the encoded points (with a little jitter) to this many; 0 keeps the data set
  browser / LC_BROWSER  "0" forces the server-side hover fallback
  overlays / LC_OVERLAYS  "1" adds ellipses, prior contours, density and prior samples
  gauss / LC_GAUSS      "1" adds one extra Gaussian (the overlay hook) at mu (1, -0.5), sd (0.5, 1)
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import streamlit as st  # noqa: E402
import torch  # noqa: E402

from ui.canvas.events import server_decode  # noqa: E402
from ui.canvas.image import decoded_image_html  # noqa: E402
from ui.canvas.widget import Gaussian, Output, Overlays, Points, View, latent_canvas  # noqa: E402
from vae_core import checkpoints, data  # noqa: E402

st.set_page_config(page_title="latent canvas test", layout="wide")


def setting(name: str, env: str, default: str) -> str:
    return st.query_params.get(name) or os.environ.get(env) or default


MODEL = setting("model", "LC_MODEL", str(ROOT / "models" / "digits-vae-beta1.safetensors"))
DATASET = setting("dataset", "LC_DATASET", "digits")
N = int(setting("n", "LC_N", "0"))
BROWSER = setting("browser", "LC_BROWSER", "1") != "0"
OVERLAYS = setting("overlays", "LC_OVERLAYS", "0") == "1"
GAUSS = setting("gauss", "LC_GAUSS", "0") == "1"


@st.cache_resource
def load(model_path: str, dataset: str, n: int):
    model, _ = checkpoints.load(model_path)
    for p in model.parameters():
        p.requires_grad_(False)
    ds = data.load(dataset)
    with torch.no_grad():
        mu, logvar = model.encode(ds.x)
    mu, sig = mu.numpy(), (logvar.mul(0.5).exp().numpy() if logvar is not None else None)
    y = ds.y if ds.y is not None else ds.color
    if n > len(mu):
        rng = np.random.default_rng(0)
        idx = rng.integers(0, len(mu), n)
        mu = mu[idx] + rng.normal(0, 0.05, (n, mu.shape[1])).astype(np.float32)
        y = None if y is None else y[idx]
        sig = None if sig is None else sig[idx]
    return model, ds, mu, sig, y


@st.cache_resource
def overlays(model_path: str, dataset: str, n: int):
    _, _, mu, sig, y = load(model_path, dataset, n)
    out = {"prior_contours": True, "extra_points": np.random.default_rng(1).normal(size=(20, 2))}
    if sig is not None:
        out["ellipses"] = np.concatenate([mu[:150, :2], sig[:150, :2]], axis=1)
        out["ellipse_labels"] = None if y is None else y[:150]
    g = np.linspace(-4, 4, 80)
    d2 = (g[None, :, None] - mu[None, None, :500, 0]) ** 2 + (g[:, None, None] - mu[None, None, :500, 1]) ** 2
    out["density"] = (g, g, np.exp(-d2 / 0.1).mean(-1))
    return out


model, ds, mu, sig, y = load(MODEL, DATASET, N)
st.markdown(f"**{len(mu):,} points** · model `{Path(MODEL).name}`")
transform = None if ds.mean is None else (ds.mean, ds.scale)


@st.fragment
def canvas():
    t0 = time.perf_counter()
    left, right = st.columns([4, 1])
    extra = dict(overlays(MODEL, DATASET, N)) if OVERLAYS else {}
    extra["prior_contours"] = st.checkbox("Prior contours", value=OVERLAYS, key="prior")
    if GAUSS:
        extra["gaussians"] = (Gaussian([1.0, -0.5], np.log([0.25, 1.0]), "#e6007e", "test gaussian"),)
    with left:
        ev = latent_canvas(
            model,
            Points(mu[:, :2], labels=None if ds.y is None else y, color=y if ds.y is None else None),
            key="canvas",
            overlays=Overlays(**extra),
            output=Output(image_shape=ds.image_shape, data_transform=transform),
            view=View(device_label=str(model.device), browser_decode=BROWSER),
        )
    with right:
        if ev is None:
            st.caption("Click the plot to decode with torch.")
        else:
            x, ms = server_decode(model, ev["z"])
            st.html(
                decoded_image_html(
                    x, ds.image_shape, model.device, ms, seq=ev["seq"], z=ev["z"], data_transform=transform
                )
            )
    if os.environ.get("LC_TIMING"):
        print(f"fragment run {1000 * (time.perf_counter() - t0):.1f} ms", flush=True)


canvas()
