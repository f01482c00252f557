"""The live numbers beside the canvas: KL per dimension, active units, continuity, completeness."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from vae_core.model import VAE


def metrics_column(s: dict, model: VAE, beta) -> None:
    """The live numbers beside the canvas: KL per dim, active units, continuity, completeness."""
    st.markdown("**This model**" + (f" (beta = {beta:g})" if beta is not None else ""))
    k = s["latent_dim"]
    a, b = st.columns(2)
    a.metric(
        "Active units",
        f"{s['active_units']} / {k}",
        help="Latent dimensions whose posterior mean varies with the input: Var_x E[z_j|x] > 0.01 (Burda et al. 2016).",
    )
    b.metric("KL, nats", f"{s['kl']:.2f}", help="Mean KL(q(z|x) || N(0, I)) over the data: the 'rate'.")
    cont, comp = s["continuity"], s["completeness"]
    a.metric(
        "Continuity",
        f"{cont['smoothness_ratio']:.2f}",
        help="Decoded path length along straight latent "
        "lines between data codes, divided by the distance between the two ends' decodings (1 = the output "
        "changes evenly and directly; larger = detours and jumps). vae_core.metrics.continuity.",
    )
    b.metric(
        "Coverage",
        f"{comp['density_ratio']:.2f}" if comp["density_ratio"] is not None else "n/a",
        help="Completeness: mean aggregate-posterior density q(z) at prior draws z ~ N(0, I), over the mean "
        "prior density there. 1 = the codes of the data fill the prior; near 0 = prior draws land in "
        "holes no input maps to. vae_core.metrics.completeness.",
    )
    st.caption(
        f"Prior samples that look like data: {comp['precision']:.0%} (nearest-neighbour test at the "
        f"{comp['quantile']:.0%} level of real held-out inputs)."
    )
    if s["mutual_information"] is not None:
        st.caption(
            f"I(x; z) = {s['mutual_information']:.2f} nats (at most log N = {s['mi_upper_bound']:.2f}); "
            f"KL(q(z) || p(z)) = {s['marginal_kl']:.2f} nats."
        )
    fig = go.Figure(go.Bar(x=[f"z{j + 1}" for j in range(k)], y=s["kl_per_dim"], marker_color="#636efa"))
    fig.update_layout(
        height=170,
        margin=dict(l=0, r=0, t=24, b=0),
        title=dict(text="KL per dimension (nats)", font=dict(size=13)),
        yaxis=dict(rangemode="tozero"),
    )
    st.plotly_chart(fig, key="ex_kl_bars", config={"displayModeBar": False})
