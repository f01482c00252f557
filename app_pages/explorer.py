"""Latent explorer: the latent space of a trained model, decoded live; the KL weight as a slider in the browser."""

import streamlit as st

from ui import cache, state, view
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
from ui.explorer import grid as explorer_grid
from ui.explorer.canvas_panel import canvas_panel

PANELS = [
    "Manifold",
    "Interpolation",
    "Prior samples",
    "Across beta",
    "Rate-distortion",
    "KL off vs on",
    "Train at a beta",
]

sel = state.current()
ds = sel.dataset
st.title("Latent explorer")
if sel.model is None:
    st.info("No model for this dataset yet: train one on the Train page, or pick digits or MNIST in the sidebar.")
    st.stop()

# ---- which model: the canvas's KL-weight slider walks the grid of models that differ only in beta ----
bg = explorer_grid.beta_grid(sel) if sel.model.is_vae else None
entries = bg.entries if bg is not None else []
shown = view.read(sel, entries)  # the sidebar's model, or a shared link's beta, KL switch and z
canvas_state = view.publish(shown, sel, entries)  # when it shows another model the sidebar follows (a rerun)
model, beta, stop = sel.model, sel.beta, None
if bg is not None:
    stop = view.shown_stop(entries, shown.beta, shown.kl_on)
    model, beta = explorer_grid.model_at(bg, stop, sel), bg.betas[stop]
k = model.config.latent_dim
dims = (0, 1)
if k > 2:
    c1, c2, _ = st.columns([1, 1, 4])
    d0 = c1.selectbox("x axis", range(k), 0, key="ex_d0", format_func=lambda j: f"z{j + 1}")
    d1 = c2.selectbox("y axis", [j for j in range(k) if j != d0], 0, key="ex_d1", format_func=lambda j: f"z{j + 1}")
    dims = (d0, d1)
elif k < 2:
    st.warning(
        "This model has a 1-D latent space; the explorer draws two latent dimensions. Train a model with "
        "2 or more latent dimensions."
    )
    st.stop()

if bg is not None:  # the canvas shows the slider, the KL switch and each model's numbers itself
    canvas_panel(model, None, None, sel, dims, bg)
    downloads = [st.container(horizontal=True)] * 3  # one row that wraps: in three columns labels were cut
    export.codes_and_checkpoint(model, ds, bg.entries[stop]["label"], where=downloads[:2])
    grid = explorer_grid.canvas_grid(bg, canvas_state.index, canvas_state.kl_on, sel)
    export.standalone_button(bg, grid, sel.model.config, ds, where=downloads[2])
else:
    st.caption(
        "Only one model with this architecture is loaded: train a beta grid below to get a KL slider."
        if sel.model.is_vae
        else "This is a deterministic autoencoder: it has no KL term."
    )
    mu, logvar = cache.encode_all(model, ds.x)
    summary = cache.summary(model, ds)
    main, side = st.columns([3.4, 1], gap="medium")
    with main:
        canvas_panel(model, mu, logvar, sel, dims)
    with side:
        numbers = metrics_column.metrics_column(summary, model, beta)
    # Under the canvas, in one row as with a grid: in the narrow side column their labels were cut.
    export.codes_and_checkpoint(model, ds, sel.model_name or "model", where=st.container(horizontal=True))
    if numbers["warning"]:
        st.warning(numbers["warning"])  # "Full posterior collapse: ..."

# ---- one panel under the canvas, built only when open ----
grid_rows = state.beta_grid(sel)
panel = st.radio("Panel", PANELS, horizontal=True, key="ex_panel", label_visibility="collapsed")
if panel == "Manifold":
    manifold.manifold_tab(model, ds, dims, plane.view_limit(cache.encode_all(model, ds.x)[0][:, list(dims)]))
elif panel == "Interpolation":
    interpolation.interpolation_tab(model, ds, cache.encode_all(model, ds.x)[0], dims)
elif panel == "Prior samples":
    prior.prior_tab(model, ds, bg.stops[stop].summary if bg is not None else None)
elif panel == "Across beta":
    across_beta.across_beta_tab(grid_rows, sel, beta)
    across_beta.alignment_report(bg.report if bg is not None else [])
elif panel == "Rate-distortion":
    rate_distortion.rate_distortion_tab(grid_rows, sel, beta)
elif panel == "KL off vs on":
    if grid_rows and grid_rows[0]["beta"] == 0.0:
        kl_compare.kl_off_on_tab(grid_rows, sel, beta, dims)
    else:
        st.info("A beta = 0 model with this architecture is needed for the comparison: train a beta grid (last panel).")
else:
    train_beta.train_tab(sel, model)
