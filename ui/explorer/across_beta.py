"""The Across beta panel: every grid model's KL, active units, continuity and completeness against beta."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from ui import cache, scores, state
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

    def score(name: str) -> tuple[list, list | None]:
        """A score at every beta and its standard errors (None when the summary has none)."""
        ses = [s[name].get("se") for _, s in rows]
        return [s[name]["score"] for _, s in rows], (None if any(v is None for v in ses) else ses)

    lines = [
        (1, 1, "KL (rate)", [s["kl"] for _, s in rows], None, "#636efa", None),
        (1, 1, "I(x; z)", [s["mutual_information"] for _, s in rows], None, "#ab63fa", "dot"),
        (1, 2, recon_name, [s["reconstruction"] for _, s in rows], None, "#ef553b", None),
        (2, 1, "continuity", *score("continuity"), "#00cc96", None),
        (2, 2, "completeness", *score("completeness"), "#19d3f3", None),
        (2, 2, "prior draws near data", [s["completeness"]["precision"] for _, s in rows], None, "#999999", "dot"),
    ]
    for r, c, name, ys, ses, color, dash in lines:
        extra = {}
        if ses is not None:  # each score with its +- 1 standard error, written as everywhere else (ui.scores)
            extra = dict(
                error_y=dict(type="data", array=ses, visible=True, thickness=1.5, width=4),
                text=[scores.fmt(v, e) for v, e in zip(ys, ses)],
                hovertemplate="beta %{customdata}: %{text}<extra>" + name + "</extra>",
                customdata=[f"{b:g}" for b, _ in rows],
            )
        fig.add_trace(
            go.Scatter(x=xs, y=ys, mode="lines+markers", name=name, line=dict(color=color, dash=dash), **extra),
            row=r,
            col=c,
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
        "Each point is a trained model; the red dotted line is the one shown above; the error bars (+- 1 "
        "standard error of each score's estimate) are often smaller than the markers: hover a point for its "
        "value and error. Read the four panels together: as beta grows, the KL term closes the holes "
        "(completeness rises) and z carries less about x (KL and I(x; z) fall) while reconstruction gets "
        f"worse. {_noise_sentence(*score('continuity'))} A collapsed model scores 1 on both scores and carries "
        "nothing."
    )


def _noise_sentence(values: list, ses: list | None) -> str:
    """How many of continuity's steps between neighbouring betas lie within twice their combined standard
    error: a difference smaller than the noise is not a finding."""
    if ses is None or len(values) < 2:
        return "A difference smaller than the noise is not a finding."
    steps = list(zip(values[:-1], values[1:], ses[:-1], ses[1:]))
    within = sum(abs(b - a) <= 2 * (sa**2 + sb**2) ** 0.5 for a, b, sa, sb in steps)
    if within == 0:
        return (
            f"Each of continuity's {len(steps)} steps between neighbouring betas is larger than twice their "
            "combined standard error: more than noise."
        )
    return (
        f"Of continuity's {len(steps)} steps between neighbouring betas, {within} lie within twice their "
        "combined standard error: those are no finding."
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
