"""The ELBO page's picture: the true posterior p(z|x) on its grid, the encoder's q, your q and the best
Gaussian q as 1- and 2-sigma ellipses, zoomed to where they are."""

import numpy as np
import plotly.graph_objects as go

from ui.elbo.common import BEST_COLOR, ENC_COLOR, Q_COLOR, ellipse
from ui.figures import LEGEND_BELOW
from vae_core import posterior as post


def view_box(grid: post.PosteriorGrid, pm, pcov, mus_sds) -> tuple[list[float], list[float]]:
    """A square z1, z2 range around the posterior (4.5 sigma) and each (mean, sigma) in mus_sds (2.5 sigma),
    inside the grid."""
    psd = np.sqrt(np.diag(pcov))
    lo, hi = pm - 4.5 * psd, pm + 4.5 * psd
    for m, s in mus_sds:
        lo, hi = np.minimum(lo, m - 2.5 * s), np.maximum(hi, m + 2.5 * s)
    mid, half = (lo + hi) / 2, (hi - lo).max() / 2  # square, so the equal-aspect plot fills its box
    g_lo, g_hi = grid.center - grid.half_width, grid.center + grid.half_width
    lo, hi = np.maximum(mid - half, g_lo), np.minimum(mid + half, g_hi)
    return [lo[0], hi[0]], [lo[1], hi[1]]


def _ellipses(fig: go.Figure, mu, sd, color: str, width: float, name: str) -> None:
    for k, dash in ((1, "solid"), (2, "dot")):
        ex, ey = ellipse(mu, sd, k)
        fig.add_trace(
            go.Scatter(
                x=ex,
                y=ey,
                mode="lines",
                line=dict(color=color, width=width, dash=dash),
                name=f"{name}, {k} sigma",
                legendgroup=name,
            )
        )


def posterior_figure(grid: post.PosteriorGrid, enc, q, best=None) -> go.Figure:
    """enc and q: (mean (2,), sigma (2,)) of the encoder's q and yours; best: (mean, logvar) or None."""
    pm, pcov = grid.posterior_moments()
    xr, yr = view_box(grid, pm, pcov, [enc, q])
    i1 = (grid.z1 >= xr[0]) & (grid.z1 <= xr[1])
    i2 = (grid.z2 >= yr[0]) & (grid.z2 <= yr[1])
    dens = np.exp(grid.log_posterior[np.ix_(i2, i1)])
    fig = go.Figure(
        go.Heatmap(
            x=grid.z1[i1],
            y=grid.z2[i2],
            z=dens,
            colorscale="Blues",
            zsmooth="best",
            colorbar=dict(title=dict(text="p(z|x)", side="right"), thickness=12),
            hovertemplate="z1 %{x:.3f}<br>z2 %{y:.3f}<br>p(z|x) %{z:.3g}<extra></extra>",
        )
    )
    _ellipses(fig, *enc, ENC_COLOR, 1.5, "encoder's q")
    if best is not None:
        bx, by = ellipse(best[0], np.exp(0.5 * best[1]), 1)
        fig.add_trace(
            go.Scatter(
                x=bx,
                y=by,
                mode="lines",
                line=dict(color=BEST_COLOR, width=2, dash="dash"),
                name="best Gaussian q, 1 sigma",
            )
        )
    _ellipses(fig, *q, Q_COLOR, 2.5, "your q")
    q_mu = q[0]
    fig.add_trace(
        go.Scatter(
            x=[q_mu[0]],
            y=[q_mu[1]],
            mode="markers",
            marker=dict(color=Q_COLOR, size=8),
            showlegend=False,
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[pm[0]], y=[pm[1]], mode="markers", name="posterior mean", marker=dict(color="black", symbol="x", size=9)
        )
    )
    fig.update_xaxes(title_text="z1", range=xr, constrain="domain")
    fig.update_yaxes(title_text="z2", range=yr, scaleanchor="x")
    fig.update_layout(height=560, margin=dict(l=10, r=10, t=10, b=10), legend=LEGEND_BELOW, plot_bgcolor="white")
    return fig
