"""The Interpolation panel: decodings along the straight line between two inputs' posterior means."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from ui import keys
from ui.explorer.plane import scatter_nd
from ui.figures import show_images
from vae_core import Dataset
from vae_core.model import VAE


def interpolation_tab(model: VAE, ds: Dataset, mu: np.ndarray, dims) -> None:
    c = st.columns([1, 1, 1, 3])
    i = int(c[0].number_input("From input #", 0, ds.n - 1, 0, key="ex_ia"))
    j = int(c[1].number_input("to input #", 0, ds.n - 1, min(ds.n - 1, 1), key="ex_ib"))
    steps = int(c[2].number_input("steps", 3, 30, 10, key="ex_isteps"))
    show = c[3].toggle("Draw the path on the latent plane", key="ex_ipath")
    t = np.linspace(0, 1, steps, dtype=np.float32)[:, None]
    z = mu[i][None] * (1 - t) + mu[j][None] * t
    st.session_state[keys.EX_PATH] = z[:, list(dims)] if show else None
    with torch.no_grad():
        out = model.decode(torch.from_numpy(z).to(model.device)).cpu().numpy()
    if ds.image_shape is not None:
        strip = np.concatenate([ds.x[i][None], out, ds.x[j][None]])
        show_images(strip, ds.image_shape, steps + 2, px=720)
        st.caption(
            f"Left and right: the real inputs #{i} and #{j}. Between them: decodings of {steps} evenly "
            "spaced points on the straight line between their posterior means."
        )
    else:
        fig = go.Figure(scatter_nd(ds.to_data_units(ds.x), ds.color, "data", 2, 0.2))
        fig.add_trace(scatter_nd(ds.to_data_units(out), t.ravel(), "interpolation", 6, 1.0, "Viridis"))
        fig.update_layout(height=420, margin=dict(l=0, r=0, t=10, b=0))
        st.plotly_chart(fig, key="ex_interp3d")
