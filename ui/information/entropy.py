"""Entropy: of a discrete distribution the student edits, and of a Gaussian, closed form against a numerical
integral."""

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from ui.information.common import P_COLOR, Q_COLOR, compact, fmt
from vae_core import InputError, information

DEFAULT_TABLE = pd.DataFrame({"outcome": ["A", "B", "C", "D"], "weight": [4.0, 2.0, 1.0, 1.0]})


@st.fragment
def entropy_panel(unit: str) -> None:
    disc, gauss = st.columns(2, gap="large")
    disc.latex(r"\begin{aligned} H(p) &= \mathbb{E}_p[-\log p] \\ &= -\textstyle\sum_i p_i \log p_i \end{aligned}")
    gauss.latex(
        r"\begin{aligned} H(\mathcal{N}(\mu, \sigma^2)) &= -\textstyle\int p \log p \, dx \\ "
        r"&= \tfrac12 \log(2\pi e \sigma^2) \end{aligned}"
    )
    with disc:
        st.markdown(
            "**A discrete distribution.** Edit the weights (any non-negative numbers; they are "
            "normalized). Add or delete rows. Entropy is the average surprise over the outcomes."
        )
        ed_col, fig_col = st.columns([1.7, 2])
        with ed_col:
            table = st.data_editor(
                DEFAULT_TABLE,
                num_rows="dynamic",
                key="ent_table",
                hide_index=True,
                column_config={
                    "outcome": st.column_config.TextColumn("outcome", width=80),
                    "weight": st.column_config.NumberColumn("weight", format="%.3g", width=75),
                },
            )
        with fig_col:
            try:
                probs, h = information.discrete_entropy(
                    pd.to_numeric(table["weight"], errors="coerce").to_numpy(), unit
                )
            except InputError as e:
                st.error(f"Cannot compute the entropy: {e}")
                return  # only this panel stops; the other tabs still draw
            names = [
                str(o) if o is not None and str(o) != "nan" else f"#{i + 1}" for i, o in enumerate(table["outcome"])
            ]
            info = [f"{information.information(p, unit):.2f} {unit}" if p > 0 else "never" for p in probs]
            fig = go.Figure(
                go.Bar(
                    x=names,
                    y=probs,
                    text=info,
                    textposition="outside",
                    marker_color=P_COLOR,
                    hovertemplate="%{x}: p = %{y:.4f}, surprise %{text}<extra></extra>",
                )
            )
            fig.update_yaxes(title_text="probability", range=[0, min(1.0, probs.max() * 1.25 + 0.05)])
            st.plotly_chart(compact(fig, 300), key="ent_bar")
            st.caption("Bar labels: the surprise -log p of each outcome.")
        k = int((probs > 0).sum())
        row = st.container(horizontal=True, gap="medium")  # wraps where two do not fit side by side
        row.metric("Entropy H", f"{h:.4f} {unit}", width="content")
        row.metric(
            f"Uniform over {k}: log {k}",
            f"{information.in_units(math.log(k), unit):.4f} {unit}",
            help="The most entropy any distribution over these outcomes can have: all equally likely.",
            width="content",
        )
    with gauss:
        st.markdown(
            "**A Gaussian.** For a density the same average gives the differential entropy. It grows "
            "with the log of the spread and, unlike the discrete case, goes negative for narrow "
            "Gaussians (sigma below 1/sqrt(2 pi e) = 0.242)."
        )
        sd = st.slider("sigma", 0.05, 5.0, 1.0, step=0.05, key="ent_sigma")
        h_closed = float(information.gaussian_entropy_1d(sd))
        h_num = information.gaussian_entropy_numeric(sd)
        sds = np.linspace(0.05, 5.0, 200)
        fig = make_subplots(rows=1, cols=2, subplot_titles=(f"N(0, {sd:g}²)", "H against sigma"))
        fig.update_annotations(font_size=13)
        xs = np.linspace(-4 * max(sd, 1.0), 4 * max(sd, 1.0), 400)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=np.exp(-0.5 * (xs / sd) ** 2) / (sd * math.sqrt(2 * math.pi)),
                fill="tozeroy",
                line=dict(color=P_COLOR),
                showlegend=False,
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=sds,
                y=information.in_units(information.gaussian_entropy_1d(sds).numpy(), unit),
                line=dict(color=P_COLOR),
                showlegend=False,
            ),
            row=1,
            col=2,
        )
        fig.add_trace(
            go.Scatter(
                x=[sd],
                y=[information.in_units(h_closed, unit)],
                mode="markers",
                marker=dict(color=Q_COLOR, size=11),
                showlegend=False,
            ),
            row=1,
            col=2,
        )
        fig.add_hline(y=0, line=dict(color="gray", width=1), row=1, col=2)
        fig.update_xaxes(title_text="x", row=1, col=1)
        fig.update_xaxes(title_text="sigma", row=1, col=2)
        fig.update_yaxes(title_text=f"H ({unit})", row=1, col=2)
        st.plotly_chart(compact(fig, 300), key="ent_gauss")
        row = st.container(horizontal=True, gap="medium")
        row.metric("H closed form", fmt(h_closed, unit), width="content")
        row.metric(
            "H by numerical integration",
            fmt(h_num, unit),
            delta=f"difference {abs(h_num - h_closed):.1e} nats",
            delta_color="off",
            width="content",
        )
