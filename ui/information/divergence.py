"""The KL divergence of two 1-D Gaussians both ways, with cross-entropy and entropy: closed forms against
adaptive quadrature, and the integrands whose areas are the KLs."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from ui.information.common import P_COLOR, Q_COLOR, compact, fmt, legend_below
from vae_core import information


@st.fragment
def kl_panel(unit: str) -> None:
    cols = st.columns(4)
    mp = cols[0].slider("mean of p", -5.0, 5.0, 0.0, 0.1, key="kl_mu_p")
    sp = cols[1].slider("sigma of p", 0.1, 4.0, 1.0, 0.05, key="kl_sd_p")
    mq = cols[2].slider("mean of q", -5.0, 5.0, 1.5, 0.1, key="kl_mu_q")
    sq = cols[3].slider("sigma of q", 0.1, 4.0, 0.5, 0.05, key="kl_sd_q")
    curves = information.gaussian_kl_integrands(mp, sp, mq, sq)
    num = information.gaussian_divergences_numeric(mp, sp, mq, sq)
    closed = {
        "kl_pq": float(information.gaussian_kl_1d(mp, sp, mq, sq)),
        "kl_qp": float(information.gaussian_kl_1d(mq, sq, mp, sp)),
        "h_p": float(information.gaussian_entropy_1d(sp)),
        "h_pq": float(information.gaussian_cross_entropy_1d(mp, sp, mq, sq)),
    }
    fig_col, num_col = st.columns([3, 2], gap="medium")
    with fig_col:
        x = curves["x"]
        fig = make_subplots(
            rows=2,
            cols=1,
            shared_xaxes=True,
            vertical_spacing=0.08,
            row_heights=[0.45, 0.55],
            subplot_titles=("densities", f"KL integrands (their areas are the KLs, in {unit})"),
        )
        fig.add_trace(go.Scatter(x=x, y=curves["p"], name="p", line=dict(color=P_COLOR, width=2.5)), row=1, col=1)
        fig.add_trace(go.Scatter(x=x, y=curves["q"], name="q", line=dict(color=Q_COLOR, width=2.5)), row=1, col=1)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=information.in_units(curves["p_log_p_over_q"], unit),
                fill="tozeroy",
                name=f"p log(p/q): area KL(p||q) = {information.in_units(closed['kl_pq'], unit):.3f}",
                line=dict(color=P_COLOR),
            ),
            row=2,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=information.in_units(curves["q_log_q_over_p"], unit),
                fill="tozeroy",
                name=f"q log(q/p): area KL(q||p) = {information.in_units(closed['kl_qp'], unit):.3f}",
                line=dict(color=Q_COLOR),
            ),
            row=2,
            col=1,
        )
        fig.add_hline(y=0, line=dict(color="gray", width=1), row=2, col=1)
        fig.update_xaxes(title_text="x", row=2, col=1)
        legend_below(compact(fig, 540))
        st.plotly_chart(fig, key="kl_fig")
    with num_col:
        closed["kl_via_h"], num["kl_via_h"] = closed["h_pq"] - closed["h_p"], num["h_pq"] - num["h_p"]
        rows = [
            ("KL(p || q)", "kl_pq"),
            ("KL(q || p)", "kl_qp"),
            ("H(p)", "h_p"),
            ("H(p, q)", "h_pq"),
            ("H(p, q) - H(p)", "kl_via_h"),
        ]
        df = pd.DataFrame(
            {
                "quantity": [r[0] for r in rows],
                "closed form": [information.in_units(closed[k], unit) for _, k in rows],
                "numerical": [information.in_units(num[k], unit) for _, k in rows],
            }
        )
        df["|diff|"] = (df["closed form"] - df["numerical"]).abs()
        st.dataframe(
            df,
            hide_index=True,
            key="kl_table",
            column_config={
                "closed form": st.column_config.NumberColumn(format="%.6f"),
                "numerical": st.column_config.NumberColumn(format="%.6f"),
                "|diff|": st.column_config.NumberColumn(format="%.0e"),
            },
        )
        st.caption(
            f"In {unit}. Numerical: adaptive quadrature (scipy quad) of each integral. "
            f"KL(p||q) = {fmt(closed['kl_pq'], unit)} (closed) = {fmt(num['kl_pq'], unit)} (quad); "
            f"KL(q||p) = {fmt(closed['kl_qp'], unit)} (closed) = {fmt(num['kl_qp'], unit)} (quad)."
        )
    m1, m2 = st.columns(2)
    m1.latex(
        r"\begin{aligned} \mathrm{KL}(p\,\|\,q) &= \int p \log\frac{p}{q}\,dx \\ &= H(p, q) - H(p) \ge 0 \end{aligned}"
    )
    m1.latex(r"\begin{aligned} H(p, q) &= -\!\int p\log q\,dx \\ H(p) &= -\!\int p\log p\,dx \end{aligned}")
    m2.latex(
        r"\begin{aligned} \mathrm{KL}(\mathcal{N}_1\|\mathcal{N}_2) &= \log\frac{\sigma_2}{\sigma_1} - \frac12 \\ &+ "
        r"\frac{\sigma_1^2 + (\mu_1-\mu_2)^2}{2\sigma_2^2} \end{aligned}"
    )
    with num_col:
        st.markdown(
            "Cross-entropy H(p, q) is the average surprise when outcomes come from p but you score them with q; "
            "the KL is what you lose for using the wrong model. The integrand can dip below zero where q is "
            "larger than p, but the total never does. Swap the roles and the answer changes: KL(p||q) is large "
            "where **p** has mass that q barely covers, KL(q||p) where **q** does. Make q narrow and inside p "
            "to see the two directions disagree."
        )
