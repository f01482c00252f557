"""Figures shared by several pages: training curves, image grids (as PNGs), code scatter plots."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

# A horizontal legend at the foot of the figure, under the x-axis titles: plotly reserves room for both (a legend
# placed at a paper position below the plot, y=-0.15, ran into the axis title on narrow screens).
LEGEND_BELOW = dict(orientation="h", yref="container", yanchor="bottom", y=0, x=0)


def num(value: float, digits: int = 2) -> str:
    """A number for a sentence, rounded to digits; one that rounds to zero is "0.00", never "-0.00" (an
    estimate a hair below zero, such as a KL of a collapsed code)."""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def training_curves(records_per_epoch: list[list[dict | None]], labels: list[str], kind: str = "vae") -> go.Figure:
    """Reconstruction, KL, ELBO and per-dimension KL per epoch for one or more models trained together.

    The reconstruction term is -E_q log p(x|z), which for a Bernoulli on grey levels is a cross-entropy and
    not a negative log-likelihood, so its title does not call it one. kind "ae": the reconstruction only. An
    autoencoder has no KL term and no ELBO (its loss is the reconstruction term alone), so no curve may be read
    as one."""
    if kind == "ae":
        fig = make_subplots(rows=1, cols=1, subplot_titles=("reconstruction term (the AE's whole loss)",))
        curves = ((1, "recon"),)
    else:
        fig = make_subplots(
            rows=1,
            cols=4,
            subplot_titles=("reconstruction term", "KL(q(z|x) || p(z))", "ELBO", "KL per latent dimension"),
        )
        curves = ((1, "recon"), (2, "kl"), (3, "elbo"))
    palette = ["#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880"]
    for i, label in enumerate(labels):
        rows = [
            (recs[i].get("epoch", e + 1), recs[i])
            for e, recs in enumerate(records_per_epoch)
            if i < len(recs) and recs[i]
        ]
        if not rows:
            continue
        ep = [r[0] for r in rows]
        color = palette[i % len(palette)]
        for col, key in curves:
            fig.add_trace(
                go.Scatter(
                    x=ep,
                    y=[r[1][key] for r in rows],
                    name=label,
                    legendgroup=label,
                    showlegend=col == 1,
                    line=dict(color=color),
                ),
                row=1,
                col=col,
            )
        if kind == "ae":
            continue
        if len(labels) == 1:
            kld = np.array([r[1]["kl_per_dim"] for r in rows])
            for j in range(kld.shape[1]):
                fig.add_trace(go.Scatter(x=ep, y=kld[:, j], name=f"z{j + 1}", line=dict(dash="dot")), row=1, col=4)
        else:
            fig.add_trace(
                go.Bar(x=[label], y=[sum(rows[-1][1]["kl_per_dim"])], marker_color=color, showlegend=False),
                row=1,
                col=4,
            )
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(title_text="nats per sample", row=1, col=1)
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.25))
    return fig


def image_grid(
    images: np.ndarray, image_shape: tuple[int, int], ncols: int, pad: int = 1, gap_value: float = 0.2
) -> np.ndarray:
    """Tile (n, h*w) images in [0, 1] into one (rows*(h+pad), ncols*(w+pad)) array; gaps get gap_value (a light
    grey under the app's reversed grey scale, where 0 is white paper and 1 is ink)."""
    h, w = image_shape
    n = images.shape[0]
    nrows = int(np.ceil(n / ncols))
    canvas = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad), gap_value, dtype=np.float32)
    for k in range(n):
        r, c = divmod(k, ncols)
        canvas[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = images[k].reshape(h, w)
    return canvas


def show_images(
    images: np.ndarray, image_shape, ncols: int, px: int = 240, caption: str | None = None, where=None
) -> None:
    """Draw (n, h*w) images in [0, 1] as one grid, ink dark on white paper, as a PNG with square pixels.

    A PNG <img> rather than a plotly heatmap: it keeps its aspect at any column width (a heatmap in a fixed-height
    figure squashed or cropped), is drawn as soon as the page arrives, and each data pixel is an integer block
    of screen pixels (about px wide in all; a narrower column scales the whole image down, aspect kept)."""
    canvas = 1.0 - image_grid(np.clip(images, 0, 1), image_shape, ncols)
    k = max(1, px // canvas.shape[1])
    big = np.repeat(np.repeat(np.rint(canvas * 255).astype(np.uint8), k, axis=0), k, axis=1)
    (where or st).image(big, caption=caption, width="content", output_format="PNG")


PALETTE = ["#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880", "#ff97ff", "#fecb52"]


def code_scatter(
    points: np.ndarray,
    labels=None,
    color=None,
    title: str | None = None,
    height: int = 300,
    size: int = 3,
    legend: bool = False,
) -> go.Figure:
    """2-D codes coloured by class (one WebGL trace per label, the app's palette) or by a continuous value."""
    fig = go.Figure()
    if labels is not None:
        for c in np.unique(labels):
            m = labels == c
            fig.add_trace(
                go.Scattergl(
                    x=points[m, 0],
                    y=points[m, 1],
                    mode="markers",
                    name=str(c),
                    marker=dict(size=size, color=PALETTE[int(c) % len(PALETTE)], opacity=0.75),
                    hoverinfo="skip",
                    showlegend=legend,
                )
            )
    else:
        fig.add_trace(
            go.Scattergl(
                x=points[:, 0],
                y=points[:, 1],
                mode="markers",
                hoverinfo="skip",
                showlegend=False,
                marker=dict(size=size, color=color, colorscale="Viridis", opacity=0.75),
            )
        )
    fig.update_layout(
        height=height,
        margin=dict(l=0, r=0, t=30 if title else 0, b=0),
        title=dict(text=title, font=dict(size=13)) if title else None,
    )
    return fig
