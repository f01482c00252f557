"""q's four numbers on the ELBO page: sliders for its mean and log sigma, kept inside what the posterior grid
resolves, and the buttons that put q at the encoder's answer or at the best Gaussian."""

import numpy as np
import streamlit as st

from ui import keys
from ui.cache import best_q
from vae_core import posterior as post
from vae_core.model import VAE


def set_q(mu, logvar) -> None:
    """Put q's sliders at (mu, logvar), clamped to what the grid resolves."""
    b = st.session_state[keys.ELBO_BOUNDS]
    m = np.clip(mu, b["mean_lo"], b["mean_hi"])
    ls = np.clip(0.5 * np.asarray(logvar), np.log(b["sd_lo"]), np.log(b["sd_hi"]))
    for j in range(2):
        st.session_state[keys.elbo_mean(j)] = float(m[j])
        st.session_state[keys.elbo_log_sigma(j)] = float(ls[j])


def use_best(model: VAE, x: np.ndarray) -> None:
    st.session_state[keys.ELBO_BEST] = best_q(model, x)
    set_q(*st.session_state[keys.ELBO_BEST])


def q_controls(
    grid: post.PosteriorGrid, bounds: dict, model: VAE, x: np.ndarray, enc: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The sliders and buttons, in the current container; returns q's mean (2,) and sigma (2,)."""
    cols = st.columns(2)
    step_m = float(f"{grid.spacing.min() / 2:.1g}")
    lo, hi = np.log(bounds["sd_lo"]), np.log(bounds["sd_hi"])
    mean, log_sd = [], []
    for j, col in enumerate(cols):
        m_lo, m_hi = float(bounds["mean_lo"][j]), float(bounds["mean_hi"][j])
        mean.append(col.slider(f"q mean, z{j + 1}", m_lo, m_hi, step=step_m, format="%.3f", key=keys.elbo_mean(j)))
    for j, col in enumerate(cols):
        name, key = f"q log sigma, z{j + 1}", keys.elbo_log_sigma(j)
        log_sd.append(col.slider(name, float(lo[j]), float(hi[j]), step=0.01, format="%.2f", key=key))
    buttons = st.container(horizontal=True)  # side by side where they fit, else one under the other
    buttons.button(
        "Reset to encoder",
        key="elbo_reset",
        on_click=set_q,
        args=enc,
        width="content",
        help="Put q back where the encoder puts it for this input.",
    )
    buttons.button(
        "Best Gaussian q",
        key="elbo_best_btn",
        on_click=use_best,
        args=(model, x),
        width="content",
        help="Maximize the ELBO over q's four numbers on the grid: the smallest KL any diagonal Gaussian can reach.",
    )
    return np.array(mean), np.exp(np.array(log_sd))
