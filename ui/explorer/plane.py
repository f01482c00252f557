"""What the latent plane shows besides the codes: the visible square, posterior ellipses, prior draws, and
the helpers that draw points of a low-dimensional data space."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch

from ui.canvas.payload import view_limit  # noqa: F401 (the plane's one visible-square rule, for the panels)
from vae_core import Dataset


def ellipses(mu, logvar, dims, n: int) -> np.ndarray | None:
    """(n, 4) [mu_x, mu_y, sigma_x, sigma_y] for n inputs taken at evenly spaced rows of mu (a fixed,
    reproducible choice that spans the data set; all of them when n >= the row count)."""
    if logvar is None:
        return None
    idx = np.linspace(0, mu.shape[0] - 1, min(n, mu.shape[0])).astype(int)
    sd = np.exp(0.5 * logvar[idx][:, list(dims)])
    return np.concatenate([mu[idx][:, list(dims)], sd], 1).astype(np.float32)


def prior_points(k: int, dims, n: int = 200) -> np.ndarray:
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, k, generator=g).numpy()[:, list(dims)]


def point_in_data_space(ds: Dataset, x: np.ndarray, n_context: int = 1000) -> go.Figure:
    """The decoded point (data units) in red among a fixed subsample of the data: cost does not grow with n."""
    idx = np.linspace(0, ds.n - 1, min(n_context, ds.n)).astype(int)
    real = ds.to_data_units(ds.x[idx])
    fig = go.Figure(scatter_nd(real, None if ds.color is None else ds.color[idx], "data", 2, 0.3))
    fig.add_trace(scatter_nd(x[None], None, "decoded z", 9, 1.0))
    fig.data[-1].marker.color = "#ef553b"
    fig.update_layout(height=380, margin=dict(l=0, r=0, t=10, b=0), showlegend=False)
    return fig


def scatter_nd(p: np.ndarray, color, name: str, size: int, opacity: float, scale: str = "Turbo"):
    marker = dict(size=size, opacity=opacity, color=color, colorscale=scale)
    if p.shape[1] >= 3:
        return go.Scatter3d(x=p[:, 0], y=p[:, 1], z=p[:, 2], mode="markers", name=name, marker=marker)
    return go.Scattergl(x=p[:, 0], y=p[:, 1], mode="markers", name=name, marker=marker)
