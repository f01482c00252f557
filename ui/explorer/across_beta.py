"""The Across beta panel: every grid model's KL, active units, continuity and completeness against beta."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from ui import cache, state
from ui.figures import LEGEND_BELOW


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
    recon_name = "Bernoulli cross-entropy" if rows[0][1]["reconstruction_is_cross_entropy"] else "reconstruction"
    # 2 x 2: the information side (what z carries, what is lost) above, the regularity side below.
    fig = make_subplots(
        rows=2,
        cols=2,
        vertical_spacing=0.22,
        subplot_titles=(
            "what z carries (nats)",
            f"{recon_name} (nats)",
            "continuity (1 = ideal)",
            "completeness (1 = ideal)",
        ),
    )
    lines = [
        (1, 1, "KL (rate)", [s["kl"] for _, s in rows], "#636efa", None),
        (1, 1, "I(x; z)", [s["mutual_information"] for _, s in rows], "#ab63fa", "dot"),
        (1, 2, recon_name, [s["reconstruction"] for _, s in rows], "#ef553b", None),
        (2, 1, "continuity", [s["continuity"]["score"] for _, s in rows], "#00cc96", None),
        (2, 2, "completeness", [s["completeness"]["score"] for _, s in rows], "#19d3f3", None),
        (2, 2, "prior samples near data", [s["completeness"]["precision"] for _, s in rows], "#999999", "dot"),
    ]
    for r, c, name, ys, color, dash in lines:
        fig.add_trace(
            go.Scatter(x=xs, y=ys, mode="lines+markers", name=name, line=dict(color=color, dash=dash)), row=r, col=c
        )
    for c in (1, 2):
        fig.update_yaxes(range=[-0.02, 1.02], row=2, col=c)
    if beta is not None:
        for r in (1, 2):
            for c in (1, 2):
                fig.add_vline(x=max(beta, 0.02), line_dash="dot", line_color="#ef553b", row=r, col=c)
    ticks = sorted(set(xs))
    has_zero = any(b == 0 for b, _ in rows)
    labels = ["0" if t == 0.02 and has_zero else f"{t:g}" for t in ticks]
    fig.update_xaxes(type="log", tickvals=ticks, ticktext=labels)
    fig.update_xaxes(title_text="beta", row=2)
    fig.update_layout(
        height=580,
        margin=dict(l=0, r=0, t=40, b=0),
        legend=LEGEND_BELOW,
    )
    st.plotly_chart(fig, key="ex_across")
    st.caption(
        "Each point is a trained model; the red dotted line is the one shown above. Read the four panels "
        "together: as beta grows, the KL term closes the holes (completeness rises) and paths between codes "
        "morph more evenly (continuity rises), but z carries less about x (KL and I(x; z) fall) and "
        "reconstruction gets worse. A collapsed model scores 1 on both scores and carries nothing."
    )


def alignment_report(report: list[dict]) -> None:
    """How well neighbouring grid models line up after alignment (vae_core.align.grid_permutations's report)."""
    if not report:
        return
    st.markdown(
        "**Layouts across the slider.** Neighbouring models are aligned by the best flip/swap of axes "
        "(exact for diagonal posteriors), so moving the slider does not mirror the picture. Procrustes "
        "disparity (0 = same layout up to shift and scale, 2 = unrelated, 4 = mirrored):"
    )
    st.dataframe(report, hide_index=True)
