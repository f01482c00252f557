"""Every q the student tried on the ELBO page: a table (ELBO + KL = log p(x) on every row) and a chart of the
tries for the current input."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ui import keys
from ui.elbo.common import GAP_COLOR, Q_COLOR
from ui.figures import LEGEND_BELOW

MAX_TRIES = 200
SAME = ("model", "input", "mean z1", "mean z2", "sigma z1", "sigma z2")


def record(row: dict) -> None:
    """Add row to the tries unless it repeats the last one (the same model, input and q)."""
    tries = st.session_state.setdefault(keys.ELBO_TRIES, [])
    if not tries or any(tries[-1][k] != row[k] for k in SAME):
        tries.append(row)
        del tries[:-MAX_TRIES]


def tries_section(model_name: str, idx: int, log_px: float, px: str) -> None:
    """The table of every try and, beside it, the tries of this model and input against log_px (labelled px)."""
    tries = pd.DataFrame(st.session_state.get(keys.ELBO_TRIES, []))
    head = st.container(horizontal=True, vertical_alignment="bottom", gap="large")
    head.markdown("#### Every q you tried", width="content")
    if head.button("Clear table", key="elbo_clear"):
        st.session_state[keys.ELBO_TRIES] = []
        tries = tries.iloc[0:0]
    tab_col, chart_col = st.columns([3.4, 1.6], gap="medium")
    if not len(tries):
        return
    tab_col.dataframe(
        tries.drop(columns="model").iloc[::-1],
        hide_index=True,
        height=260,
        key="elbo_table",
        column_config={
            c: st.column_config.NumberColumn(format="%.3f") for c in ["mean z1", "mean z2", "sigma z1", "sigma z2"]
        }
        | {
            c: st.column_config.NumberColumn(format="%.4f")
            for c in ["ELBO", "KL(q || p(z|x))", "ELBO + KL", "log p(x)"]
        },
    )
    mine = tries[(tries["model"] == model_name) & (tries["input"] == idx)].tail(40)
    n = np.arange(1, len(mine) + 1)
    bar = go.Figure()
    bar.add_trace(
        go.Bar(x=n, y=mine["KL(q || p(z|x))"], base=mine["ELBO"], marker_color=GAP_COLOR, name="KL(q || p(z|x))")
    )
    bar.add_trace(go.Scatter(x=n, y=mine["ELBO"], mode="markers+lines", marker=dict(color=Q_COLOR), name="ELBO"))
    # Named in the legend, not by a label on the line: a long label was cut at a narrow figure's edge.
    bar.add_trace(
        go.Scatter(
            x=[0.5, len(mine) + 0.5],
            y=[log_px] * 2,
            mode="lines",
            line=dict(color="black", dash="dash"),
            name=px.replace(" [", "<br>["),  # two lines: a narrow chart cut the long name at its edge
        )
    )
    bar.update_xaxes(
        title_text=f"try ({'my drawing' if idx < 0 else f'input {idx}'})", dtick=1 if len(mine) < 15 else None
    )
    bar.update_yaxes(title_text="nats")
    bar.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10), legend=LEGEND_BELOW)
    chart_col.plotly_chart(bar, key="elbo_tries_fig")
