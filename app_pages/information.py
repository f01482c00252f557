"""Information and KL: information of an event, entropy, KL between two Gaussians both ways, the KL of the
selected model's q(z|x) to the prior, and Bayes' rule on a grid. Every number is a closed form checked against
a numerical integral (vae_core.posterior, vae_core.objectives).

Longer than ~350 lines on purpose: five small teaching panels, each one widgets -> one library call -> a
figure and its caption; the math lives in vae_core.information, and splitting the captions from their widgets
would make each panel harder to read."""

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch
from plotly.subplots import make_subplots

from ui import state
from ui.figures import LEGEND_BELOW, show_images
from vae_core import InputError, information, objectives

P_COLOR, Q_COLOR, POST_COLOR = "#636efa", "#ef553b", "#00cc96"

sel = state.current()
head, unit_col = st.columns([4, 1], vertical_alignment="bottom")
head.title("Information and KL")
unit = unit_col.segmented_control(
    "Units",
    ["bits", "nats"],
    default="bits",
    required=True,
    key="info_unit",
    help="bits use log base 2, nats the natural log; 1 nat = 1.443 bits.",
)
unit = unit or "bits"
U = "bit" if unit == "bits" else "nat"


def fmt(nats: float, digits: int = 4) -> str:
    return f"{information.in_units(nats, unit):.{digits}f} {unit}"


def compact(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0)
    )
    return fig


def legend_below(fig: go.Figure) -> go.Figure:
    """Legend at the foot of the figure, under the x-axis title: plotly reserves room for both."""
    return fig.update_layout(legend=LEGEND_BELOW)


tab_info, tab_ent, tab_kl, tab_model, tab_bayes = st.tabs(
    ["Information of an event", "Entropy", "KL divergence of two Gaussians", "KL of the model's q(z|x)", "Bayes' rule"]
)


# ---- (a) information of one event ----
@st.fragment
def information_panel() -> None:
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


# ---- (b) entropy: discrete and Gaussian ----
DEFAULT_TABLE = pd.DataFrame({"outcome": ["A", "B", "C", "D"], "weight": [4.0, 2.0, 1.0, 1.0]})


@st.fragment
def entropy_panel() -> None:
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
            info = [f"{information.information(p, unit):.2f} {U}s" if p > 0 else "never" for p in probs]
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
        c1, c2 = st.columns(2)
        c1.metric("Entropy H", f"{h:.4f} {unit}")
        c2.metric(
            f"Uniform over {k}: log {k}",
            f"{information.in_units(math.log(k), unit):.4f} {unit}",
            help="The most entropy any distribution over these outcomes can have: all equally likely.",
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
        c1, c2 = st.columns(2)
        c1.metric("H closed form", fmt(h_closed))
        c2.metric(
            "H by numerical integration",
            fmt(h_num),
            delta=f"difference {abs(h_num - h_closed):.1e} nats",
            delta_color="off",
        )


# ---- (c) KL of two Gaussians, both ways ----
@st.fragment
def kl_panel() -> None:
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
            f"KL(p||q) = {fmt(closed['kl_pq'])} (closed) = {fmt(num['kl_pq'])} (quad); "
            f"KL(q||p) = {fmt(closed['kl_qp'])} (closed) = {fmt(num['kl_qp'])} (quad)."
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


# ---- (d) the selected model's own q(z|x) against the prior ----
@st.fragment
def model_panel() -> None:
    if sel.model is None:
        st.info("No model is selected for this dataset: train one on the Train page or pick another dataset.")
        return
    if not sel.model.is_vae:
        st.info(
            f"**{sel.model_name}** is a plain autoencoder: it maps each input to a single code z = e(x), not "
            "to a distribution, so there is no q(z|x) and no KL to the prior. Pick a VAE in the sidebar."
        )
        return
    ds = sel.dataset
    left, right = st.columns([1, 3], gap="large")
    with left:
        idx = st.number_input(f"Input index (0 to {ds.n - 1})", 0, ds.n - 1, 0, step=1, key="klm_index")
        x = np.array(ds.x[int(idx)])  # a copy: dataset arrays are read-only
        if ds.image_shape is not None:
            label = "" if ds.y is None else f" (label {ds.y[int(idx)]})"
            show_images(x[None], ds.image_shape, 1, px=160, caption="input" + label)
        else:
            st.caption("x = " + ", ".join(f"{v:.2f}" for v in ds.to_data_units(x[None])[0][:8]))
    with torch.no_grad():
        mu, logvar = sel.model.encode(x)
        per_dim = objectives.kl_per_dim(mu, logvar)[0].double().cpu().numpy()
    mu, sd = mu[0].double().cpu().numpy(), np.exp(0.5 * logvar[0].double().cpu().numpy())
    with right:
        names = [f"z{j + 1}" for j in range(len(per_dim))]
        fig = make_subplots(
            rows=1,
            cols=2,
            column_widths=[0.4, 0.6],
            subplot_titles=(f"KL per dimension ({unit})", "q(z_j | x) against the prior N(0, 1)"),
        )
        fig.update_annotations(font_size=13)
        fig.add_trace(
            go.Bar(
                x=names,
                y=information.in_units(per_dim, unit),
                marker_color=Q_COLOR,
                showlegend=False,
                text=[f"{information.in_units(v, unit):.2f}" for v in per_dim],
                textposition="outside",
            ),
            row=1,
            col=1,
        )
        lim = max(4.0, float(np.max(np.abs(mu) + 4 * sd)))
        zz = np.linspace(-lim, lim, 600)
        fig.add_trace(
            go.Scatter(
                x=zz,
                y=np.exp(-0.5 * zz**2) / math.sqrt(2 * math.pi),
                name="prior N(0, 1)",
                fill="tozeroy",
                line=dict(color="gray"),
            ),
            row=1,
            col=2,
        )
        for j in range(min(len(per_dim), 8)):
            dens = np.exp(-0.5 * ((zz - mu[j]) / sd[j]) ** 2) / (sd[j] * math.sqrt(2 * math.pi))
            fig.add_trace(go.Scatter(x=zz, y=dens, name=f"q(z{j + 1}|x)"), row=1, col=2)
        fig.update_yaxes(title_text="density", row=1, col=2)
        fig.update_xaxes(title_text="z_j", row=1, col=2)
        legend_below(compact(fig, 360))
        st.plotly_chart(fig, key="klm_fig")
        st.metric("KL(q(z|x) || N(0, I)), summed over dimensions", fmt(float(per_dim.sum())))
    st.latex(
        r"\mathrm{KL}\big(q(z|x)\,\|\,\mathcal{N}(0, I)\big) = \sum_j \tfrac12\left(\mu_j^2 + \sigma_j^2 - 1 - "
        r"\log \sigma_j^2\right)"
    )
    st.caption(
        f"Model **{sel.model_name}**: the encoder gives mu = ({', '.join(f'{v:.3f}' for v in mu)}) and "
        f"sigma = ({', '.join(f'{v:.3f}' for v in sd)}). This KL is the price, per input, that the VAE's "
        "loss charges for moving the code away from the prior; with a large beta the model pays little of it "
        "(q sits on the prior), with beta = 0 it pays a lot."
    )


# ---- (e) Bayes' rule: prior x likelihood -> posterior ----
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
        c1, c2 = st.columns(2)
        c1.metric("posterior mean", f"{r['post_mean']:.4f}")
        c2.metric("posterior sigma", f"{r['post_sd']:.4f}")
        ev = "p(x)" if n == 1 else "p(x̄)"
        c1.metric(f"evidence {ev}: grid", f"{r['evidence_grid']:.6g}")
        c2.metric(f"evidence {ev}: exact", f"{r['evidence_exact']:.6g}")
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


with tab_info:
    information_panel()
with tab_ent:
    entropy_panel()
with tab_kl:
    kl_panel()
with tab_model:
    model_panel()
with tab_bayes:
    bayes_panel()
