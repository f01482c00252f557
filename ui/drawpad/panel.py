"""The "draw your own" panel: the pad, and beside it what the model makes of the drawing.

Beside the pad: the reconstruction (decoded posterior mean), the ELBO with its reconstruction and KL terms
in nats (an autoencoder has none), and the nearest training images. The page gets back a `Drawn` (the
image and its q(z|x)) to put on the latent canvas in the drawing's own colour, and the drawing is kept in
session state for the ELBO page ("my drawing").
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from ui import keys
from ui.drawpad import draw_pad
from vae_core import Dataset, InputError, drawing, export, objectives

COLOR = "#e6007e"  # the drawing's colour on the canvas: a magenta no digit class uses
LABEL = "my drawing"
ELBO_SAMPLES = 256  # Monte Carlo draws of z for the reconstruction term; its standard error is shown
SAVED = keys.MY_DRAWING  # session_state: {"dataset": name, "x": (d,) float32} for the ELBO page


@dataclass(frozen=True)
class Drawn:
    """A drawing as the model sees it: x (d,) in [0, 1]; mu (k,); logvar (k,) or None for an autoencoder."""

    x: np.ndarray
    mu: np.ndarray
    logvar: np.ndarray | None


@torch.no_grad()
def encode_each(models, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """q(z|x) of one input under each model (e.g. every stop of the KL-weight grid, so the canvas can move
    the drawing's point with the slider without asking the server): mu (n_models, k), logvar the same or
    None when any model is an autoencoder."""
    mus, logvars = [], []
    for m in models:
        mu, logvar = m.encode(torch.from_numpy(np.asarray(x, np.float32)[None]).to(m.device))
        mus.append(mu.cpu().numpy()[0])
        logvars.append(None if logvar is None else logvar.cpu().numpy()[0])
    lv = None if any(v is None for v in logvars) else np.stack(logvars)
    return np.stack(mus), lv


def saved_drawing(dataset_name: str) -> np.ndarray | None:
    """The last drawing made on this data set in this session, as a model input (d,), or None."""
    d = st.session_state.get(SAVED)
    return d["x"] if d and d["dataset"] == dataset_name else None


def image_html(x, image_shape, size_px: int, caption: str, testid: str, attrs: str = "") -> str:
    """One image as a crisp PNG (ink dark on white, as the pad draws), with a caption."""
    h = int(image_shape[0])
    png = export.images_png(np.asarray(x, np.float32)[None], image_shape, 1, scale=max(1, size_px // h), invert=True)
    src = "data:image/png;base64," + base64.b64encode(png).decode()
    return (
        f'<div data-testid="{testid}" {attrs}><img alt="{html.escape(caption)}" src="{src}" '
        f'style="image-rendering:pixelated;width:{size_px}px;border:1px solid rgba(49,51,63,0.2);border-radius:6px">'
        f'<div style="font-size:0.8rem;opacity:0.8">{html.escape(caption)}</div></div>'
    )


def _elbo_terms(model, x: np.ndarray) -> tuple[float, float, float, float]:
    """(ELBO, E_q[log p(x|z)], KL(q(z|x) || p(z)), standard error of the first two), nats, beta = 1:
    objectives.elbo_estimate over ELBO_SAMPLES draws of z with a fixed seed, so the numbers do not flicker
    between reruns."""
    g = torch.Generator(device=model.device).manual_seed(0)
    e = objectives.elbo_estimate(model, x, k=ELBO_SAMPLES, generator=g)
    return e["elbo"], e["recon"], e["kl"], e["elbo_se"]


def drawing_panel(model, ds: Dataset, dataset_name: str, key: str = "drawpad", n_near: int = 6) -> Drawn | None:
    """Draw the panel; returns the encoded drawing, or None while the pad is empty."""
    # Fixed widths in one wrapping row: in proportional columns a narrow window squeezed the 190 px pad over its
    # neighbours; here a part that does not fit moves to the next line.
    row = st.container(horizontal=True, gap="medium")
    cols = [row.container(width=w) for w in (200, 120, 230, 170)]
    with cols[0]:
        strokes = draw_pad(ds.image_shape, key=key, size_px=190)
    if not strokes:
        cols[1].caption("Draw a digit on the pad: the model encodes it when you lift the pen.")
        return None
    try:
        x = drawing.to_image(strokes, ds.image_shape)
    except InputError as e:
        cols[1].error(str(e))
        return None
    st.session_state[SAVED] = {"dataset": dataset_name, "x": x}
    with torch.no_grad():
        mu, logvar = model.encode(torch.from_numpy(x[None]).to(model.device))
        recon = model.decode(mu).cpu().numpy()[0]
    drawn = Drawn(x, mu.cpu().numpy()[0], None if logvar is None else logvar.cpu().numpy()[0])
    code = ", ".join(f"{v:.2f}" for v in drawn.mu[:4]) + (", ..." if drawn.mu.size > 4 else "")
    mu_attr = html.escape(repr([float(v) for v in drawn.mu]))
    cols[1].html(
        image_html(recon, ds.image_shape, 96, f"reconstruction from mu = ({code})", "drawing-recon")
        + f'<span data-testid="drawing-code" data-mu="{mu_attr}" data-strokes="{len(strokes)}" hidden></span>'
    )
    with cols[2]:
        if drawn.logvar is None:
            st.markdown("**No ELBO**: an autoencoder has no q(z|x), so no KL term and no bound on log p(x).")
        else:
            elbo, rec, kl, se = _elbo_terms(model, x)
            bern = model.config.likelihood == "bernoulli"
            st.markdown(
                f"**ELBO = {elbo:.1f} nats**  \n"
                f"= E_q[log p(x|z)] {rec:.1f} (± {se:.1f})  \n"
                f"− KL(q(z|x) ‖ p(z)) {kl:.2f}"
            )
            if bern:
                st.caption("beta = 1. Grey levels under a Bernoulli: the first term is a cross-entropy, not a density.")
            else:
                st.caption("beta = 1.")
    with cols[3]:
        idx = drawing.nearest(ds.x, x, n_near)
        labels = "" if ds.y is None else " (" + ", ".join(str(int(ds.y[i])) for i in idx) + ")"
        png = export.images_png(ds.x[idx], ds.image_shape, 3, scale=max(1, 48 // ds.image_shape[0]), gap=3, invert=True)
        st.html(
            '<div data-testid="drawing-nearest"><img alt="nearest training images" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode()}" style="image-rendering:pixelated;'
            f'max-width:100%"><div style="font-size:0.8rem;opacity:0.8">nearest training images (pixel '
            f"distance){labels}</div></div>"
        )
    return drawn
