"""The Rate-distortion panel: each grid model on the rate-distortion plane, and the exact curve of a linear
Gaussian model beside trained linear VAEs."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ui import cache, keys, state
from ui.figures import LEGEND_BELOW
from vae_core import InputError
from vae_core.config import parse_betas


def rate_distortion_tab(grid: list[dict], sel, beta) -> None:
    """Each beta's model on the rate-distortion plane, and the exact curve of a linear Gaussian model."""
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(
            "**This grid of models.** Rate = mean KL(q(z|x) || p(z)), distortion = mean reconstruction "
            "term -E_q log p(x|z). The ELBO is -(rate + distortion), so along a dashed line of equal ELBO one "
            "nat of rate buys exactly one nat of distortion: slope -1 in nats (how steep it looks depends on "
            "the two axes' scales). beta chooses where a model sits along the trade-off."
        )
        if len(grid) < 2:
            st.info("Train a beta grid (last tab) to see several models here.")
        else:
            pts = [
                (g["beta"], cache.rate_distortion_point(state.resolve_model(g["key"], str(sel.device)), sel.dataset))
                for g in grid
            ]
            r = np.array([p["rate"] for _, p in pts])
            d = np.array([p["recon"] for _, p in pts])
            fig = go.Figure()
            lo, hi = float((r + d).min()), float((r + d).max())
            span = max(r.max() - r.min(), 1.0)
            for level in np.linspace(lo, hi + 0.5 * span, 5):
                xs = np.array([0, r.max() * 1.1 + 0.5])
                fig.add_trace(
                    go.Scatter(
                        x=xs,
                        y=level - xs,
                        mode="lines",
                        hoverinfo="skip",
                        showlegend=False,
                        line=dict(color="lightgray", dash="dash", width=1),
                    )
                )
            fig.add_trace(
                go.Scatter(
                    x=r,
                    y=d,
                    mode="lines+markers+text",
                    text=[f"{b:g}" for b, _ in pts],
                    # Large betas crowd at rate ~ 0: alternate sides so that neighbouring labels never overlap.
                    textposition=["top right" if i % 2 == 0 else "bottom left" for i in range(len(pts))],
                    name="beta",
                    line=dict(color="#636efa"),
                    hovertemplate="rate %{x:.2f}, distortion %{y:.2f}<extra>beta %{text}</extra>",
                )
            )
            if beta is not None and beta in [b for b, _ in pts]:
                i = [b for b, _ in pts].index(beta)
                fig.add_trace(
                    go.Scatter(
                        x=[r[i]],
                        y=[d[i]],
                        mode="markers",
                        showlegend=False,
                        marker=dict(size=14, color="#ef553b", symbol="circle-open", line_width=3),
                    )
                )
            fig.update_xaxes(title_text="rate, nats", range=[-0.3, r.max() * 1.1 + 0.5])
            fig.update_yaxes(
                title_text="distortion, nats", range=[d.min() - 0.1 * (np.ptp(d) + 1), d.max() + 0.1 * (np.ptp(d) + 1)]
            )
            fig.update_layout(height=380, margin=dict(l=0, r=0, t=10, b=0), showlegend=False)
            st.plotly_chart(fig, key="ex_rd")
    with right:
        st.markdown(
            "**The exact curve of a linear Gaussian model.** For x Gaussian with covariance eigenvalues "
            "lambda_i and a linear decoder with noise c, the best beta-VAE reverse-water-fills at level "
            "beta c:"
        )
        st.latex(
            r"\begin{aligned} D(\beta) &= \sum_i \min(\lambda_i, \beta c) \\ "
            r"R(\beta) &= \sum_i \tfrac12 \log \max\!\left(\tfrac{\lambda_i}{\beta c}, 1\right) \end{aligned}"
        )
        c = st.columns(3)
        eig_txt = c[0].text_input("eigenvalues", "4, 2, 1, 0.5, 0.25, 0.125", key="ex_rd_eigs")
        obs = c[1].number_input(
            "c (decoder variance)",
            0.01,
            10.0,
            0.1,
            0.01,
            key="ex_rd_c",
            help="p(x|z) = N(f(z), cI): the reconstruction term is ||x - f(z)||² / 2c. Only beta·c sets the "
            "water level, so doubling c does what doubling beta does.",
        )
        betas_txt = c[2].text_input("betas", "0.7, 1.4, 2.8, 5.6", key="ex_rd_betas")
        if st.button("Train linear VAEs and compare", key="ex_rd_run"):
            try:
                eigs = tuple(float(t) for t in eig_txt.split(",") if t.strip())
                bs = tuple(parse_betas(betas_txt, "betas", max_count=12))
                st.session_state[keys.EX_RD_RESULT] = cache.linear_rate_distortion(eigs, float(obs), bs, 0)
            except (InputError, ValueError) as e:
                st.error(
                    f"Cannot run the linear sweep: {e} Eigenvalues and betas are comma-separated positive numbers."
                )
        res = st.session_state.get(keys.EX_RD_RESULT)
        if res is None:
            return
        fig = go.Figure(
            go.Scatter(
                x=res["curve"]["rate"],
                y=res["curve"]["distortion"],
                mode="lines",
                name="exact optimum",
                line=dict(color="#00cc96"),
            )
        )
        m = [p for p in res["measured"] if p is not None]
        fig.add_trace(
            go.Scatter(
                x=[p["rate"] for p in m],
                y=[p["sq_error"] for p in m],
                mode="markers+text",
                text=[f"{b:g}" for b, p in zip(res["betas"], res["measured"]) if p is not None],
                textposition="top right",
                name="trained",
                marker=dict(size=10, color="#ef553b"),
            )
        )
        fig.update_xaxes(title_text="rate R, nats")
        fig.update_yaxes(title_text="distortion D, squared error")
        fig.update_layout(
            height=340,
            margin=dict(l=0, r=0, t=10, b=0),
            legend=LEGEND_BELOW,
        )
        st.plotly_chart(fig, key="ex_rd_linear")
        rows = [
            {
                "beta": b,
                "rate (trained)": p["rate"],
                "rate (exact)": float(er),
                "D (trained)": p["sq_error"],
                "D (exact)": float(ed),
            }
            for b, p, er, ed in zip(res["betas"], res["measured"], res["exact"]["rate"], res["exact"]["distortion"])
            if p is not None
        ]
        st.dataframe(rows, hide_index=True)
        st.caption(
            "Data: 2,000 Gaussian samples with the eigenvalues above along random axes; the exact curve "
            "uses the sample's own covariance spectrum. Each trained model is a linear VAE (latent size = "
            "data size), all betas trained together by fit_many, 100 epochs."
        )
