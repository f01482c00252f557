"""The Across beta panel: every grid model's KL, active units, continuity and completeness against beta."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from ui import cache, state


def across_beta_tab(grid: list[dict], sel, beta) -> None:
    if len(grid) < 2:
        st.info("Only one model in the grid: train a beta grid (last tab) to compare KL weights.")
        return
    rows = []
    prog = st.empty()
    for n, g in enumerate(grid):
        prog.caption(f"measuring beta = {g['beta']:g} ({n + 1}/{len(grid)})")
        s = cache.summary(state.resolve_model(g["key"], str(sel.device)), sel.dataset)
        rows.append((g["beta"], s))
    prog.empty()
    xs = [max(b, 0.02) for b, _ in rows]  # beta = 0 sits at the left edge of the log axis
    fig = make_subplots(
        rows=1, cols=4, subplot_titles=("KL (rate), nats", "active units", "continuity (1 = even)", "completeness")
    )
    series = [
        [s["kl"] for _, s in rows],
        [s["active_units"] for _, s in rows],
        [s["continuity"]["smoothness_ratio"] for _, s in rows],
        [s["completeness"]["density_ratio"] for _, s in rows],
    ]
    for col, ys in enumerate(series, 1):
        fig.add_trace(
            go.Scatter(
                x=xs, y=ys, mode="lines+markers", showlegend=col == 4, name="prior coverage", line=dict(color="#636efa")
            ),
            row=1,
            col=col,
        )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[s["completeness"]["precision"] for _, s in rows],
            mode="lines+markers",
            name="samples that look like data",
            line=dict(color="#00cc96", dash="dot"),
        ),
        row=1,
        col=4,
    )
    if beta is not None:
        for col in range(1, 5):
            fig.add_vline(x=max(beta, 0.02), line_dash="dot", line_color="#ef553b", row=1, col=col)
    fig.update_xaxes(type="log", title_text="beta (0 drawn at 0.02)")
    fig.update_layout(height=320, margin=dict(l=0, r=0, t=40, b=0), legend=dict(orientation="h", y=-0.3, x=0.6))
    st.plotly_chart(fig, key="ex_across")
    st.caption(
        "Each point is a trained model; the dotted line is the one shown above. Completeness rises as the "
        "KL term closes the holes between codes; past a point, the codes collapse onto the prior and carry "
        "nothing (active units drop)."
    )


def alignment_report(report: list[dict]) -> None:
    """How well neighbouring grid models line up after alignment (vae_core.align.aligned_grid's report)."""
    if not report:
        return
    st.markdown(
        "**Layouts across the slider.** Neighbouring models are aligned by the best flip/swap of axes "
        "(exact for diagonal posteriors), so moving the slider does not mirror the picture. Procrustes "
        "disparity (0 = same layout up to scale, 2 = unrelated):"
    )
    st.dataframe(report, hide_index=True)
