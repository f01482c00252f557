"""Information of one event: -log p in bits or nats, against p, with a coin, a die and a card marked."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ui.information.common import P_COLOR, Q_COLOR, compact
from vae_core import information


@st.fragment
def information_panel(unit: str) -> None:
    fig_col, text_col = st.columns([3, 2], gap="large")
    with text_col:
        p = st.slider("Probability p of the event", 0.001, 1.0, 0.5, step=0.001, format="%.3f", key="info_p")
        bits = float(information.information(p, unit))
        st.metric(f"Information -log p ({unit})", f"{bits:.4f}")
        st.latex(r"\begin{gathered} I(x) = -\log p(x) \\ \text{bits: } \log_2, \quad \text{nats: } \ln \end{gathered}")
        st.markdown(
            "Information measures **surprise**. A sure event (p = 1) tells you nothing new: 0 bits. Halve the "
            "probability and you add one bit; an impossible event would be infinitely surprising. A fair coin flip "
            "carries 1 bit, a fair die roll log2 6 = 2.585 bits. The base of the log only sets the unit: "
            "ln 2 = 0.693 nats is one bit."
        )
    with fig_col:
        grid = np.geomspace(0.001, 1.0, 400)
        fig = go.Figure(
            go.Scatter(x=grid, y=information.information(grid, unit), name="-log p", line=dict(color=P_COLOR))
        )
        for q, label in [(0.5, "coin"), (1 / 6, "die"), (1 / 52, "card")]:
            fig.add_trace(
                go.Scatter(
                    x=[q],
                    y=[information.information(q, unit)],
                    mode="markers+text",
                    text=[label],
                    textposition="top right",
                    marker=dict(color="gray", size=7),
                    showlegend=False,
                )
            )
        fig.add_trace(
            go.Scatter(
                x=[p],
                y=[bits],
                mode="markers",
                marker=dict(color=Q_COLOR, size=13),
                name=f"p = {p:.3f}: {bits:.3f} {unit}",
            )
        )
        fig.update_xaxes(title_text="probability p (log scale)", type="log")
        fig.update_yaxes(title_text=f"information ({unit})", rangemode="tozero")
        st.plotly_chart(compact(fig, 420), key="info_fig")
