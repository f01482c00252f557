"""Bayes' rule for the mean of a Gaussian: prior x likelihood, normalised on a grid, against the exact
conjugate posterior and evidence."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ui.information.common import P_COLOR, POST_COLOR, compact, legend_below
from vae_core import information


@st.fragment
def bayes_panel() -> None:
    cols = st.columns(5)
    m0 = cols[0].slider("prior mean", -5.0, 5.0, 0.0, 0.1, key="bayes_prior_mean")
    s0 = cols[1].slider("prior sigma", 0.1, 5.0, 1.0, 0.05, key="bayes_prior_sd")
    y = cols[2].slider("observed average x", -5.0, 5.0, 2.0, 0.1, key="bayes_obs")
    s = cols[3].slider("noise sigma", 0.1, 5.0, 1.0, 0.05, key="bayes_noise_sd")
    n = cols[4].slider("number of observations", 1, 50, 1, key="bayes_n")
    r = information.bayes_1d(m0, s0, y, s, n)
    fig_col, text_col = st.columns([3, 2], gap="large")
    with fig_col:
        fig = go.Figure()
        fig.add_trace(go.Scatter(x=r["z"], y=r["prior"], name="prior p(z)", line=dict(color="gray", width=2)))
        fig.add_trace(
            go.Scatter(
                x=r["z"],
                y=r["likelihood"],
                name="likelihood p(x|z) (as a function of z)"
                if n == 1
                else f"likelihood of the average of {n}, p(x̄|z)",
                line=dict(color=P_COLOR, width=2),
            )
        )
        fig.add_trace(
            go.Scatter(
                x=r["z"],
                y=r["posterior_grid"],
                name="prior x likelihood, normalized on the grid",
                fill="tozeroy",
                line=dict(color=POST_COLOR, width=5),
                opacity=0.6,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=r["z"],
                y=r["posterior_exact"],
                name="exact conjugate posterior",
                line=dict(color="black", width=1.5, dash="dash"),
            )
        )
        peak = np.maximum.reduce([r["prior"], r["likelihood"], r["posterior_grid"]])
        shown = r["z"][peak > 1e-3 * peak.max()]
        fig.update_xaxes(title_text="z (the unknown mean)", range=[shown[0], shown[-1]])
        fig.update_yaxes(title_text="density")
        legend_below(compact(fig, 460))
        st.plotly_chart(fig, key="bayes_fig")
    with text_col:
        st.latex(r"p(z\,|\,x) = \frac{p(x\,|\,z)\,p(z)}{p(x)}")
        st.latex(r"p(x) = \int p(x|z)\,p(z)\,dz")
        st.latex(r"\frac{1}{\sigma_{\text{post}}^2} = \frac{1}{\sigma_0^2} + \frac{n}{\sigma^2}")
        st.latex(
            r"\begin{aligned} \mu_{\text{post}} &= \sigma_{\text{post}}^2 \times \\ "
            r"&\left(\frac{\mu_0}{\sigma_0^2} + \frac{n\,\bar x}{\sigma^2}\right) \end{aligned}"
        )
        row = st.container(horizontal=True, gap="medium")  # wraps where they do not fit side by side
        row.metric("posterior mean", f"{r['post_mean']:.4f}", width="content")
        row.metric("posterior sigma", f"{r['post_sd']:.4f}", width="content")
        ev = "p(x)" if n == 1 else "p(x̄)"
        row.metric(f"evidence {ev}: grid", f"{r['evidence_grid']:.6g}", width="content")
        row.metric(f"evidence {ev}: exact", f"{r['evidence_exact']:.6g}", width="content")
        if n > 1:
            st.caption(
                f"With {n} observations the curves and the evidence are those of their average x̄, whose noise "
                f"sigma is sigma / sqrt({n}). The likelihood of the {n} values themselves differs by a factor that "
                "does not depend on z (it depends on how they spread around x̄), so the posterior is the same."
            )
        st.caption(f"Largest gap between the grid posterior and the exact one: {r['max_abs_diff']:.1e}.")
        st.markdown(
            "Before seeing data we believe the prior. Each observation scores every candidate z by how well it "
            "explains the data; multiplying and renormalizing gives the updated belief. The posterior's "
            "precision is the sum of the two precisions and its mean a precision-weighted average: more "
            "observations, or less noise, pull it away from the prior towards the data. In a VAE the "
            "normalizer p(x) has no closed form, which is why the encoder approximates p(z|x) instead (see the "
            "ELBO page)."
        )
