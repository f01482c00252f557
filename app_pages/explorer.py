"""Latent explorer: the latent space of a trained model, decoded live; the KL weight as a slider."""

import streamlit as st

from ui import cache, links, state
from ui.explorer import (
    across_beta,
    export,
    interpolation,
    kl_compare,
    manifold,
    metrics_column,
    plane,
    prior,
    rate_distortion,
    train_beta,
)
from ui.explorer.canvas_panel import canvas_panel
from ui.explorer.grid import aligned_models
from ui.share import LinkView

sel = state.current()
ds = sel.dataset
st.title("Latent explorer")
if sel.model is None:
    st.info("No model for this dataset yet: train one on the Train page, or pick digits or MNIST in the sidebar.")
    st.stop()

# ---- which model: the KL-weight slider walks the grid of models that differ only in beta ----
grid = state.beta_grid(sel)
top = st.columns([4, 1.4, 0.2, 2])
model, beta = sel.model, sel.beta
align_report: list[dict] = []
if len(grid) > 1:
    betas = [g["beta"] for g in grid]
    start = betas.index(float(sel.beta)) if sel.beta is not None and float(sel.beta) in betas else 0
    if st.session_state.get("ex_grid_sig") != (sel.model_name, tuple(betas)):
        st.session_state["ex_grid_sig"] = (sel.model_name, tuple(betas))
        st.session_state["ex_beta"] = betas[start]
    links.explorer_beta(betas)  # a shared link's beta and KL switch, once
    beta = top[0].select_slider(
        "KL weight beta",
        options=betas,
        key="ex_beta",
        format_func=lambda b: f"{b:g}",
        help="Each stop is a model trained with that weight on the KL term. 0 = a plain "
        "autoencoder with noise; 1 = the ELBO; large = codes pushed onto the prior.",
    )
    kl_on = top[1].toggle(
        "KL term on",
        value=True,
        key="ex_kl_on",
        help="Off shows the model trained with beta = 0.",
        disabled=0.0 not in betas,
    )
    if not kl_on:
        beta = 0.0
    aligned, align_report = aligned_models(grid, sel)
    model = aligned[betas.index(beta)]
    links.publish(LinkView(beta=beta, kl=kl_on), keys=("beta", "kl"))
else:
    top[0].caption(
        "Only one model with this architecture is loaded: train a beta grid below to get a KL slider."
        if sel.model.is_vae
        else "This is a deterministic autoencoder: it has no KL term."
    )
k = model.config.latent_dim
dims = (0, 1)
if k > 2:
    c1, c2 = top[3].columns(2)
    d0 = c1.selectbox("x axis", range(k), 0, key="ex_d0", format_func=lambda j: f"z{j + 1}")
    d1 = c2.selectbox("y axis", [j for j in range(k) if j != d0], 0, key="ex_d1", format_func=lambda j: f"z{j + 1}")
    dims = (d0, d1)
elif k < 2:
    st.warning(
        "This model has a 1-D latent space; the explorer draws two latent dimensions. Train a model with "
        "2 or more latent dimensions."
    )
    st.stop()

mu, logvar = cache.encode_all(model, ds.x)
summary = cache.summary(model, ds)

main, side = st.columns([3.4, 1], gap="medium")
with main:
    canvas_panel(model, mu, logvar, sel, dims)
with side:
    metrics_column.metrics_column(summary, model, beta)
    shown = grid[[g["beta"] for g in grid].index(beta)]["label"] if len(grid) > 1 else sel.model_name
    export.codes_and_checkpoint(model, ds, shown or "model")
if summary["collapsed"]:
    st.warning(f"Posterior collapse: {summary['message']}")

tabs = st.tabs(
    ["Manifold", "Interpolation", "Prior samples", "Across beta", "Rate-distortion", "KL off vs on", "Train at a beta"]
)
with tabs[0]:
    manifold.manifold_tab(model, ds, dims, plane.view_limit(mu[:, list(dims)]))
with tabs[1]:
    interpolation.interpolation_tab(model, ds, mu, dims)
with tabs[2]:
    prior.prior_tab(model, ds)
with tabs[3]:
    across_beta.across_beta_tab(grid, sel, beta)
    across_beta.alignment_report(align_report)
with tabs[4]:
    rate_distortion.rate_distortion_tab(grid, sel, beta)
with tabs[5]:
    if grid and grid[0]["beta"] == 0.0:
        kl_compare.kl_off_on_tab(grid, sel, beta, dims)
    else:
        st.info(
            "A beta = 0 model with this architecture is needed for the comparison: train a beta grid in the last tab."
        )
with tabs[6]:
    train_beta.train_tab(sel, model)
