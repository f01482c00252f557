"""Latent explorer: the latent space of a trained model, decoded live; the KL weight as a slider."""

import time

import numpy as np
import streamlit as st
import torch

from ui import explorer_panels as panels
from ui import state
from ui.latent_canvas import decoded_image_html, latent_canvas
from ui.manifold import encode_all, model_key
from vae_core import InputError

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
    aligned, align_report = panels.aligned_grid(grid, sel)
    model = aligned[betas.index(beta)]
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

mu, logvar = encode_all(model, ds.x)
summary = panels.summary(model, ds)


@st.fragment
def canvas_panel():
    """Everything that reacts to pointer and sliders: only this panel reruns on a click."""
    opts = st.columns([1.1, 0.8, 1.3, 1.1, 1.3])
    show_ell = opts[0].toggle(
        "Ellipses",
        key="ex_ell",
        disabled=logvar is None,
        help="q(z|x) drawn at 1 and 2 standard deviations, to scale, for this many inputs.",
    )
    n_ell = opts[1].number_input(
        "how many", 1, 500, 40, key="ex_nell", disabled=not show_ell, label_visibility="collapsed"
    )
    show_prior = opts[2].toggle("Prior contours", value=True, key="ex_prior")
    show_density = opts[3].toggle(
        "Density",
        key="ex_density",
        disabled=logvar is None,
        help="Where the encoder actually puts the data: low values inside the prior are "
        "the 'holes' that decode to nonsense.",
    )
    show_samples = opts[4].toggle("Prior samples", key="ex_samples")
    lim = panels.view_limit(mu[:, list(dims)])
    ellipses = panels.ellipses(mu, logvar, dims, int(n_ell)) if show_ell else None
    density = panels.density(model, ds, dims, lim) if show_density else None
    extra = panels.prior_points(k, dims) if show_samples else None
    event = latent_canvas(
        model,
        mu[:, list(dims)],
        labels=ds.y,
        color=ds.color,
        dims=dims,
        z_base=np.zeros(k, np.float32),
        image_shape=ds.image_shape,
        data_transform=None if ds.mean is None else (ds.mean, ds.scale),
        ellipses=ellipses,
        prior_contours=show_prior,
        density=density,
        path=st.session_state.get("ex_path"),
        extra_points=extra,
        height=560,
        key=f"ex_canvas_{k}_{dims}",
        device_label=str(sel.device),
        cmap="gray_r",
        points_key=f"{sel.dataset_name}|{model_key(model)}|{dims}",
    )
    if event is None:
        st.caption(
            "Hover the plane to decode in your browser; click anywhere (or release a slider) to decode "
            f"that z with PyTorch on **{sel.device}**. The server's image appears here."
        )
        return
    try:
        z = panels.check_z(event.get("z"), k)
    except InputError as e:
        st.error(str(e))
        return
    t0 = time.perf_counter()
    with torch.no_grad():
        x = model.decode(torch.from_numpy(z[None]).to(model.device))
        if x.is_cuda:
            torch.cuda.synchronize()
    ms = (time.perf_counter() - t0) * 1000
    xv = ds.to_data_units(x.cpu().numpy())[0]
    st.html(
        decoded_image_html(
            xv,
            ds.image_shape,
            str(model.device),
            ms,
            seq=event.get("seq"),
            z=z.tolist(),
            cmap="gray_r",
            title=f"decoded on the server ({event.get('source', 'click')})",
        )
    )
    if ds.image_shape is None and ds.dim in (2, 3):
        st.plotly_chart(panels.point_in_data_space(ds, xv), key="ex_point3d")


main, side = st.columns([3.4, 1], gap="medium")
with main:
    canvas_panel()
with side:
    panels.metrics_column(summary, model, beta)
if summary["collapsed"]:
    st.warning(f"Posterior collapse: {summary['message']}")

tabs = st.tabs(
    ["Manifold", "Interpolation", "Prior samples", "Across beta", "Rate-distortion", "KL off vs on", "Train at a beta"]
)
with tabs[0]:
    panels.manifold_tab(model, ds, dims, panels.view_limit(mu[:, list(dims)]))
with tabs[1]:
    panels.interpolation_tab(model, ds, mu, dims)
with tabs[2]:
    panels.prior_tab(model, ds)
with tabs[3]:
    panels.across_beta_tab(grid, sel, beta)
    if align_report:
        st.markdown(
            "**Layouts across the slider.** Neighbouring models are aligned by the best flip/swap of axes "
            "(exact for diagonal posteriors), so moving the slider does not mirror the picture. Procrustes "
            "disparity (0 = same layout up to scale, 2 = unrelated):"
        )
        st.dataframe(align_report, hide_index=True)
with tabs[4]:
    panels.rate_distortion_tab(grid, sel, beta)
with tabs[5]:
    if grid and grid[0]["beta"] == 0.0:
        panels.kl_off_on_tab(grid, sel, beta, dims)
    else:
        st.info(
            "A beta = 0 model with this architecture is needed for the comparison: train a beta grid in the last tab."
        )
with tabs[6]:
    panels.train_tab(sel, model)
