"""The Manifold panel: decoded means on a grid of latent points (images), or the decoded grid in data space."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ui.cache import manifold_images
from ui.explorer import export
from ui.explorer.plane import scatter_nd
from ui.figures import show_images
from vae_core import Dataset
from vae_core.model import VAE


def manifold_tab(model: VAE, ds: Dataset, dims, lim: float) -> None:
    n = st.slider("Grid size", 5, 25, 15, key="ex_grid_n")
    span = st.slider(
        "Latent range shown (+-)", 0.5, float(round(lim + 2)), min(3.0, float(round(lim))), 0.5, key="ex_grid_lim"
    )
    images, vals = manifold_images(model, n=n, lim=span, dims=dims)
    if ds.image_shape is not None:
        st.caption(
            f"Decoded means on a {n} x {n} grid: x runs over z{dims[0] + 1}, y over z{dims[1] + 1} "
            f"from {-span:g} to {span:g}; other dimensions at 0."
        )
        show_images(images, ds.image_shape, n, px=560)
        export.images_button(images, ds.image_shape, n, "Manifold grid (PNG)", "manifold-grid.png", "ex_dl_grid")
    else:
        pts = ds.to_data_units(images)
        real = ds.to_data_units(ds.x)
        fig = go.Figure()
        fig.add_trace(scatter_nd(real, ds.color if ds.color is not None else ds.y, "data", 2, 0.25))
        fig.add_trace(scatter_nd(pts, np.repeat(vals, n), "decoded grid", 4, 1.0, scale="Viridis"))
        fig.update_layout(height=560, margin=dict(l=0, r=0, t=10, b=0))
        st.caption(
            "Grey-to-colour dots: the data; bright dots: decoded grid points (coloured by the z value). "
            "A good model lays the grid along the data's surface."
        )
        st.plotly_chart(fig, key="ex_manifold3d")
