"""The live numbers beside the canvas: KL per dimension, active units, continuity, completeness."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from ui import scores
from ui.figures import num
from vae_core.model import VAE


def metrics_column(s: dict, model: VAE, beta) -> None:
    """The live numbers beside the canvas: KL per dim, active units, continuity, completeness."""
    if not model.is_vae:
        st.markdown("**This model** (an autoencoder: no KL term, so no beta)")
    else:
        st.markdown("**This model**" + (f" (beta = {beta:g})" if beta is not None else ""))
    k = s["latent_dim"]
    # Lines of text, not st.metric boxes: beside the canvas the column is narrow (about 120 px at 1024 px), where
    # a metric's large figures were cut to "0.50..." and two side by side to "A...", "K...".
    st.markdown(
        f"Active units **{s['active_units']} / {k}**",
        help="Latent dimensions whose posterior mean varies with the input: Var_x E[z_j|x] > 0.01 (Burda et al. 2016).",
    )
    st.markdown(f"KL **{num(s['kl'])}** nats", help="Mean KL(q(z|x) || N(0, I)) over the data: the 'rate'.")
    cont, comp = s["continuity"], s["completeness"]
    st.markdown(f"Continuity **{scores.fmt(cont['score'], cont.get('se'))}**", help=scores.CONTINUITY_HELP)
    st.markdown(f"Completeness **{scores.fmt(comp['score'], comp.get('se'))}**", help=scores.COMPLETENESS_HELP)
    if (caveat := scores.completeness_caveat(k)) is not None:
        st.caption(caveat)
    recon_name = "Bernoulli cross-entropy" if s["reconstruction_is_cross_entropy"] else "reconstruction -log p(x|z)"
    info = (
        f"I(x; z) = {scores.fmt(s['mutual_information'], s.get('mi_se'))} nats"
        if s["mutual_information"] is not None
        else "I(x; z): none (a deterministic code)"
    )
    st.caption(
        f"What the code carries: {info}; {recon_name} {s['reconstruction']:.2f} nats. A collapsed model scores 1 "
        "on both scores while carrying nothing: read them beside these two numbers."
    )
    if s["mutual_information"] is not None:
        cap = s["mi_upper_bound"]
        note = (
            " The estimate sits at that cap, so the true I(x; z) may be larger and KL(q(z) || p(z)) is "
            "overestimated by as much."
            if s["mi_saturated"]
            else ""
        )
        st.caption(
            f"I(x; z) is estimated on M rows and can never exceed log M = {cap:.2f}.{note} "
            f"KL(q(z) || p(z)) = mean KL - I(x; z) = {num(s['marginal_kl'])} nats."
        )
    st.caption(
        f"Prior samples near real data: {comp['precision']:.0%} (nearest-neighbour test at the "
        f"{comp['quantile']:.0%} level of held-out inputs). A decoder can paint plausible images inside holes, "
        "so this can be high while completeness is low."
    )
    fig = go.Figure(go.Bar(x=[f"z{j + 1}" for j in range(k)], y=s["kl_per_dim"], marker_color="#636efa"))
    fig.update_layout(
        height=170,
        margin=dict(l=0, r=0, t=24, b=0),
        title=dict(text="KL per dimension (nats)", font=dict(size=13)),
        yaxis=dict(rangemode="tozero"),
    )
    st.plotly_chart(fig, key="ex_kl_bars", config={"displayModeBar": False})
