"""The live numbers beside the canvas for a model without a KL-weight grid: KL per dimension, active units,
continuity, completeness. The words are ui.scores.panel's, the same the canvas shows for a grid's models."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from ui import scores
from vae_core import layouts
from vae_core.model import VAE


def metrics_column(s: dict, model: VAE, beta) -> dict:
    """Draw ui.scores.panel of the model's metrics.summary s; returns the panel (its "warning" is the collapse
    message, which the page shows under the canvas)."""
    p = scores.panel(layouts.compact_summary(s), beta, model.is_vae)
    head, paren, rest = p["title"].partition(" (")
    st.markdown(f"**{head}**{paren}{rest}")  # "**This model** (β = 1)"
    # Lines of text, not st.metric boxes: beside the canvas the column is narrow (about 120 px at 1024 px), where
    # a metric's large figures were cut to "0.50..." and two side by side to "A...", "K...".
    for m in p["metrics"]:
        st.markdown(f"{m['label']} **{m['value']}**", help=m["help"])
    for note in p["notes"]:
        st.caption(note)
    bars = p["bars"]
    fig = go.Figure(go.Bar(x=bars["names"], y=bars["values"], marker_color="#636efa"))
    fig.update_layout(
        height=170,
        margin=dict(l=0, r=0, t=24, b=0),
        title=dict(text=bars["title"], font=dict(size=13)),
        yaxis=dict(rangemode="tozero"),
    )
    st.plotly_chart(fig, key="ex_kl_bars", config={"displayModeBar": False})
    return p
