"""The ELBO page's reconstruction-term demos: how far the Bernoulli formula is from a density on grey levels,
and the decoder variance c and beta as one water level in the optimal linear Gaussian VAE (vae_core.theory)."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from ui.elbo.common import Q_COLOR
from ui.figures import LEGEND_BELOW
from vae_core import Dataset, densities, theory
from vae_core.rate_distortion import covariance_spectrum


def bernoulli_mass() -> None:
    """A slider for the Bernoulli mean s and the mass of the Bernoulli formula over x in [0, 1]."""
    s_demo = st.slider("Bernoulli mean s", 0.01, 0.99, 0.9, 0.01, key="elbo_bern_s")
    mass = float(torch.exp(-densities.cb_log_normalizer(torch.logit(torch.tensor(s_demo, dtype=torch.float64)))))
    st.caption(
        f"The Bernoulli formula integrated over grey levels x in [0, 1] at s = {s_demo:.2f}: {mass:.3f}, "
        f"not 1. The continuous Bernoulli's C(s) = {1 / mass:.3f} makes it a density."
    )


@st.fragment
def c_panel(ds: Dataset) -> None:
    """Reverse water-filling on ds's covariance spectrum at the chosen c and beta."""
    lam = covariance_spectrum(ds.x) if ds.dim <= 1024 else None
    if lam is None:
        st.info("This dataset has too many features for the closed-form demo.")
        return
    a, b = st.columns(2)
    c = a.select_slider("decoder variance c", [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 1.0], 0.1, key="elbo_c")
    beta = b.select_slider("KL weight beta", [0.1, 0.25, 0.5, 1.0, 2.0, 4.0], 1.0, key="elbo_c_beta")
    cur = theory.rate_distortion_curve(lam, c, [beta])
    shown = lam[: min(20, lam.size)]
    fig = go.Figure(
        go.Bar(x=np.arange(1, shown.size + 1), y=shown, name="eigenvalues of the data", marker_color="#bbb")
    )
    fig.add_trace(
        go.Bar(
            x=np.arange(1, shown.size + 1), y=np.minimum(shown, beta * c), name="left unexplained", marker_color=Q_COLOR
        )
    )
    fig.add_hline(
        y=beta * c, line=dict(color="black", dash="dash"), annotation_text=f"water level c·beta = {beta * c:g}"
    )
    fig.update_layout(barmode="overlay", height=340, margin=dict(l=10, r=10, t=10, b=10), legend=LEGEND_BELOW)
    fig.update_xaxes(title_text="principal direction of the data")
    fig.update_yaxes(title_text="variance", type="log", dtick=1)
    st.plotly_chart(fig, key="elbo_c_fig")
    st.caption(
        f"The optimal linear Gaussian VAE with one latent per feature on this data (reverse water-filling, "
        f"vae_core.theory): directions with "
        f"variance above c·beta are coded, the rest are dropped. Here {int(cur['n_active'][0])} directions are "
        f"coded, rate (KL) {cur['rate'][0]:.2f} nats, squared error {cur['distortion'][0]:.3f}. Halve c and "
        "double beta: the level, and so the model, does not move."
    )
