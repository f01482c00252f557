"""q's four numbers on the ELBO page: sliders for its mean and log sigma, kept inside what the posterior grid
resolves, and the buttons that put q at the encoder's answer or at the best Gaussian."""

import numpy as np
import streamlit as st

from ui.cache import best_q
from vae_core import posterior as post
from vae_core.model import VAE


def set_q(mu, logvar) -> None:
    """Put q's sliders at (mu, logvar), clamped to what the grid resolves."""
    b = st.session_state["elbo_bounds"]
    m = np.clip(mu, b["mean_lo"], b["mean_hi"])
    ls = np.clip(0.5 * np.asarray(logvar), np.log(b["sd_lo"]), np.log(b["sd_hi"]))
    for j in range(2):
        st.session_state[f"elbo_m{j + 1}"] = float(m[j])
        st.session_state[f"elbo_ls{j + 1}"] = float(ls[j])


def use_best(model: VAE, x: np.ndarray) -> None:
    st.session_state["elbo_best"] = best_q(model, x)
    set_q(*st.session_state["elbo_best"])


def q_controls(
    grid: post.PosteriorGrid, bounds: dict, model: VAE, x: np.ndarray, enc: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The sliders and buttons, in the current container; returns q's mean (2,) and sigma (2,)."""
    c1, c2 = st.columns(2)
    step_m = float(f"{grid.spacing.min() / 2:.1g}")
    m1 = c1.slider(
        "q mean, z1",
        float(bounds["mean_lo"][0]),
        float(bounds["mean_hi"][0]),
        step=step_m,
        format="%.3f",
        key="elbo_m1",
    )
    m2 = c2.slider(
        "q mean, z2",
        float(bounds["mean_lo"][1]),
        float(bounds["mean_hi"][1]),
        step=step_m,
        format="%.3f",
        key="elbo_m2",
    )
    sd_lo, sd_hi = np.log(bounds["sd_lo"]), np.log(bounds["sd_hi"])
    ls1 = c1.slider("q log sigma, z1", float(sd_lo[0]), float(sd_hi[0]), step=0.01, format="%.2f", key="elbo_ls1")
    ls2 = c2.slider("q log sigma, z2", float(sd_lo[1]), float(sd_hi[1]), step=0.01, format="%.2f", key="elbo_ls2")
    b1, b2 = st.columns(2)
    b1.button(
        "Reset to encoder",
        key="elbo_reset",
        on_click=set_q,
        args=enc,
        width="stretch",
        help="Put q back where the encoder puts it for this input.",
    )
    b2.button(
        "Best Gaussian q",
        key="elbo_best_btn",
        on_click=use_best,
        args=(model, x),
        width="stretch",
        help="Maximize the ELBO over q's four numbers on the grid: the smallest KL any diagonal Gaussian can reach.",
    )
    return np.array([m1, m2]), np.exp(np.array([ls1, ls2]))
