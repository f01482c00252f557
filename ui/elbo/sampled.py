"""For a model whose latent space is not 2-D: no grid, so the ELBO and log p(x) are sampled (Monte Carlo and
importance sampling) and their gap is an estimate of KL(q || p(z|x))."""

import plotly.graph_objects as go
import streamlit as st

from ui.cache import sampled_log_px
from ui.elbo.common import GAP_COLOR, IS_K, Q_COLOR, input_title, pick_input
from ui.figures import show_images
from ui.state import Selection


@st.fragment
def sampled_panel(sel: Selection, px: str) -> None:
    """The sampled ELBO, log p(x) (labelled px) and their gap for one input of sel's model."""
    model, ds = sel.model, sel.dataset
    st.warning(
        f"This model has {model.config.latent_dim} latent dimensions. The exact posterior is drawn and "
        "integrated on a grid only for 2-D latent spaces (a grid in more dimensions needs too many points). "
        "Below, log p(x) is estimated by importance sampling instead; pick a 2-D model (all shipped digits "
        "models are) to see the full picture."
    )
    fig_col, side = st.columns([3, 2], gap="large")
    idx, x = pick_input(sel, side)
    if ds.image_shape is not None:
        show_images(x[None], ds.image_shape, 1, px=160, caption=input_title(ds, idx), where=side)
    s = sampled_log_px(model, x, IS_K)
    gap = s["log_px"] - s["elbo"]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=["encoder's q"], y=[s["elbo"]], name="ELBO", marker_color=Q_COLOR))
    fig.add_trace(
        go.Bar(x=["encoder's q"], y=[gap], base=[s["elbo"]], name="KL(q || p(z|x)) = the gap", marker_color=GAP_COLOR)
    )
    fig.add_hline(y=s["log_px"], line=dict(color="black", dash="dash"), annotation_text=px)
    fig.update_yaxes(title_text="nats")
    fig.update_layout(height=420, barmode="overlay", margin=dict(l=10, r=10, t=30, b=10))
    fig_col.plotly_chart(fig, key="elbo_bar")
    row = side.container(horizontal=True, gap="medium")
    row.metric("ELBO (Monte Carlo)", f"{s['elbo']:.3f}", width="content")
    row.metric(f"{px} (IS, k={IS_K})", f"{s['log_px']:.3f}", width="content")
    row.metric("gap = KL(q || p(z|x))", f"{gap:.3f}", width="content")
    side.caption(
        "Both numbers are sampled, so the gap is an estimate (importance sampling can itself fall short "
        "of log p(x) when q is much narrower than the posterior)."
    )
