"""The selected model's own q(z|x) for one input against the prior N(0, I): its KL per latent dimension."""

import math

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from plotly.subplots import make_subplots

from ui.figures import show_images
from ui.information.common import Q_COLOR, compact, fmt, legend_below
from ui.state import Selection
from vae_core import information, objectives


@st.fragment
def model_panel(sel: Selection, unit: str) -> None:
    """The KL of sel's model's q(z|x) for one input, per dimension and summed, in unit."""
    if sel.model is None:
        st.info("No model is selected for this dataset: train one on the Train page or pick another dataset.")
        return
    if not sel.model.is_vae:
        st.info(
            f"**{sel.model_name}** is a plain autoencoder: it maps each input to a single code z = e(x), not "
            "to a distribution, so there is no q(z|x) and no KL to the prior. Pick a VAE in the sidebar."
        )
        return
    ds = sel.dataset
    left, right = st.columns([1, 3], gap="large")
    with left:
        idx = st.number_input(f"Input index (0 to {ds.n - 1})", 0, ds.n - 1, 0, step=1, key="klm_index")
        x = np.array(ds.x[int(idx)])  # a copy: dataset arrays are read-only
        if ds.image_shape is not None:
            label = "" if ds.y is None else f" (label {ds.y[int(idx)]})"
            show_images(x[None], ds.image_shape, 1, px=160, caption="input" + label)
        else:
            st.caption("x = " + ", ".join(f"{v:.2f}" for v in ds.to_data_units(x[None])[0][:8]))
    with torch.no_grad():
        mu, logvar = sel.model.encode(x)
        per_dim = objectives.kl_per_dim(mu, logvar)[0].double().cpu().numpy()
    mu, sd = mu[0].double().cpu().numpy(), np.exp(0.5 * logvar[0].double().cpu().numpy())
    with right:
        names = [f"z{j + 1}" for j in range(len(per_dim))]
        fig = make_subplots(
            rows=1,
            cols=2,
            column_widths=[0.4, 0.6],
            subplot_titles=(f"KL per dimension ({unit})", "q(z_j | x) against the prior N(0, 1)"),
        )
        fig.update_annotations(font_size=13)
        fig.add_trace(
            go.Bar(
                x=names,
                y=information.in_units(per_dim, unit),
                marker_color=Q_COLOR,
                showlegend=False,
                text=[f"{information.in_units(v, unit):.2f}" for v in per_dim],
                textposition="outside",
            ),
            row=1,
            col=1,
        )
        lim = max(4.0, float(np.max(np.abs(mu) + 4 * sd)))
        zz = np.linspace(-lim, lim, 600)
        fig.add_trace(
            go.Scatter(
                x=zz,
                y=np.exp(-0.5 * zz**2) / math.sqrt(2 * math.pi),
                name="prior N(0, 1)",
                fill="tozeroy",
                line=dict(color="gray"),
            ),
            row=1,
            col=2,
        )
        for j in range(min(len(per_dim), 8)):
            dens = np.exp(-0.5 * ((zz - mu[j]) / sd[j]) ** 2) / (sd[j] * math.sqrt(2 * math.pi))
            fig.add_trace(go.Scatter(x=zz, y=dens, name=f"q(z{j + 1}|x)"), row=1, col=2)
        fig.update_yaxes(title_text="density", row=1, col=2)
        fig.update_xaxes(title_text="z_j", row=1, col=2)
        legend_below(compact(fig, 360))
        st.plotly_chart(fig, key="klm_fig")
        st.metric("KL(q(z|x) || N(0, I)), summed over dimensions", fmt(float(per_dim.sum()), unit))
    st.latex(
        r"\mathrm{KL}\big(q(z|x)\,\|\,\mathcal{N}(0, I)\big) = \sum_j \tfrac12\left(\mu_j^2 + \sigma_j^2 - 1 - "
        r"\log \sigma_j^2\right)"
    )
    st.caption(
        f"Model **{sel.model_name}**: the encoder gives mu = ({', '.join(f'{v:.3f}' for v in mu)}) and "
        f"sigma = ({', '.join(f'{v:.3f}' for v in sd)}). This KL is the price, per input, that the VAE's "
        "loss charges for moving the code away from the prior; with a large beta the model pays little of it "
        "(q sits on the prior), with beta = 0 it pays a lot."
    )
