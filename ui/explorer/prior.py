"""The Prior samples panel: decoded draws z ~ N(0, I), what the model generates."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
import torch

from ui import scores
from ui.explorer.plane import scatter_nd
from ui.figures import show_images
from vae_core import Dataset
from vae_core.model import VAE


def prior_tab(model: VAE, ds: Dataset, stored: dict | None = None) -> None:
    """Decoded prior draws; stored: the model's layout summary (vae_core.layouts), whose class mix, precision
    and recall say in words what the draws are."""
    c = st.columns([1, 1, 4])
    n = int(c[0].number_input("Samples", 4, 144, 48, key="ex_nprior"))
    seed = int(c[1].number_input("Seed", 0, 10_000, 0, key="ex_prior_seed"))
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        out = model.sample(n, g).cpu().numpy()
    st.caption(
        "Decoded means of z ~ N(0, I): what the model generates. Without the KL term (beta = 0) most draws still "
        "decode like real data; what goes wrong is where they land: between the codes of real data, so some "
        "classes come out far too often, others hardly ever, and part of the data is never reached."
    )
    said = None if stored is None else scores.samples_sentence(stored)
    if said is not None:
        st.caption(f"This model (the class-mix card under the canvas has the details): {said}")
    if ds.image_shape is not None:
        show_images(out, ds.image_shape, 12, px=640)
    else:
        fig = go.Figure(scatter_nd(ds.to_data_units(ds.x), ds.color, "data", 2, 0.2))
        fig.add_trace(scatter_nd(ds.to_data_units(out), None, "prior samples", 5, 1.0))
        fig.update_layout(height=420, margin=dict(l=0, r=0, t=10, b=0))
        st.plotly_chart(fig, key="ex_prior3d")
