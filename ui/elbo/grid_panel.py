"""The ELBO page for a 2-D latent space: one input's true posterior on a grid beside a q the student moves;
ELBO(q) + KL(q || p(z|x)) = log p(x) in numbers, every term by quadrature (vae_core.posterior)."""

import numpy as np
import streamlit as st
import torch

from ui import keys
from ui.cache import encoder_q, model_key, posterior_grid, sampled_log_px
from ui.elbo.common import IS_K, input_title, pick_input
from ui.elbo.posterior_figure import posterior_figure
from ui.elbo.q_controls import q_controls, set_q
from ui.elbo.tries import record, tries_section
from ui.figures import show_images
from ui.state import Selection
from vae_core import InputError
from vae_core import posterior as post


def _show_input(ds, idx: int, x: np.ndarray, where) -> None:
    if ds.image_shape is not None:
        show_images(x[None], ds.image_shape, 1, px=112, caption=input_title(ds, idx), where=where)
    else:
        shown = ", ".join(f"{v:.2f}" for v in ds.to_data_units(x[None])[0][:6])
        where.caption(f"x = ({shown}" + (", ...)" if ds.dim > 6 else ")"))


@st.fragment
def grid_panel(sel: Selection, px: str) -> None:
    """The posterior grid, q's controls, the identity in numbers and the table of tries; px labels log p(x)."""
    model, ds = sel.model, sel.dataset
    fig_col, side = st.columns([3, 2], gap="large")
    with side:
        in_col, img_col, dec_col = st.columns([1.2, 1, 1])
        idx, x = pick_input(sel, in_col)
    try:
        grid = posterior_grid(model, x)
    except InputError as e:
        st.error(f"Cannot integrate the posterior of this input: {e}")
        return
    enc_mu, enc_lv = encoder_q(model, x)
    enc_sd = np.exp(0.5 * enc_lv)
    bounds = post.q_bounds(grid)
    st.session_state[keys.ELBO_BOUNDS] = bounds
    ident = (sel.model_name, model_key(model), ds.name, idx if idx >= 0 else x.tobytes())
    if st.session_state.get(keys.ELBO_FOR) != ident:  # a new input or model: start from the encoder's answer
        st.session_state[keys.ELBO_FOR] = ident
        st.session_state.pop(keys.ELBO_BEST, None)
        set_q(enc_mu, enc_lv)
    with side:
        _show_input(ds, idx, x, img_col)
        q_mu, q_sd = q_controls(grid, bounds, model, x, (enc_mu, enc_lv))
    t = post.elbo_terms_on_grid(grid, q_mu, 2 * np.log(q_sd))
    if ds.image_shape is not None:
        with torch.no_grad():
            dec = model.decode(torch.tensor(q_mu[None], dtype=torch.float32, device=model.device))[0].cpu().numpy()
        show_images(dec[None], ds.image_shape, 1, px=112, caption="decoded mean", where=dec_col)
    record(
        {
            "model": sel.model_name,
            "input": idx,
            "mean z1": round(float(q_mu[0]), 4),
            "mean z2": round(float(q_mu[1]), 4),
            "sigma z1": round(float(q_sd[0]), 4),
            "sigma z2": round(float(q_sd[1]), 4),
            "ELBO": t["elbo"],
            "KL(q || p(z|x))": t["kl_post"],
            "ELBO + KL": t["elbo"] + t["kl_post"],
            "log p(x)": t["log_px"],
        }
    )
    fig = posterior_figure(grid, (enc_mu, enc_sd), (q_mu, q_sd), st.session_state.get(keys.ELBO_BEST))
    fig_col.plotly_chart(fig, key="elbo_fig")
    s = sampled_log_px(model, x, IS_K)
    # Under the picture, where the whole identity fits on one line even in a narrow window.
    fig_col.latex(
        rf"\underbrace{{{t['elbo']:.3f}}}_{{\mathrm{{ELBO}}}} + "
        rf"\underbrace{{{t['kl_post']:.3f}}}_{{\mathrm{{KL}}(q\,\|\,p(z|x))}} = "
        rf"\underbrace{{{grid.log_px:.3f}}}_{{\log p(x)}}"
    )
    with side:
        st.caption(
            f"ELBO = E_q[log p(x|z)] - KL(q || p(z)) = {t['recon']:.3f} - {t['kl_prior']:.3f} (nats). "
            f"Grid: {len(grid.z1)} x {len(grid.z2)} points over z1 in [{grid.z1[0]:.2f}, {grid.z1[-1]:.2f}], "
            f"z2 in [{grid.z2[0]:.2f}, {grid.z2[-1]:.2f}]; quadrature error (vs half resolution) "
            f"{grid.quadrature_error:.0e} nats, posterior mass on the grid's edge {grid.edge_mass:.0e}, "
            f"q's mass on the grid {t['q_mass']:.6f}."
        )
        if abs(t["q_mass"] - 1) > 1e-3:
            st.warning(
                "q is not fully resolved by the grid (its mass on the grid is not 1), so these numbers are "
                "approximate. Widen q or move it back toward the posterior."
            )
        if np.any(enc_sd < bounds["sd_lo"]):
            st.info(
                f"This encoder's sigma ({', '.join(f'{v:.4f}' for v in enc_sd)}) is narrower than the grid can "
                f"resolve (smallest sigma here: {bounds['sd_lo'].min():.4f}), so 'Reset' puts q at that smallest "
                "width. Its true posterior is much wider: models trained with a small beta are overconfident."
            )

    # One wrapping row, each number as wide as its label: in five equal columns they were cut short.
    row = st.container(horizontal=True, gap="medium")
    terms = "a sum over the grid."
    row.metric("ELBO(q)", f"{t['elbo']:.4f}", help=f"E_q[log p(x, z) - log q(z)], {terms}", width="content")
    row.metric("KL(q || p(z|x))", f"{t['kl_post']:.4f}", help=f"E_q[log q(z) - log p(z|x)], {terms}", width="content")
    row.metric("ELBO + KL", f"{t['elbo'] + t['kl_post']:.4f}", width="content")
    row.metric(
        f"{px}, quadrature", f"{grid.log_px:.4f}", help="log of the sum of p(x|z) p(z) over the grid.", width="content"
    )
    row.metric(
        f"{px}, IS (k={IS_K})",
        f"{s['log_px']:.4f}",
        delta=f"{s['log_px'] - grid.log_px:+.4f} vs quadrature",
        delta_color="off",
        help=f"objectives.log_px with k = {IS_K} draws from the encoder's q. A stochastic lower bound: it "
        "falls short when q is narrower than p(z|x) (try a model with beta < 1).",
        width="content",
    )
    tries_section(sel.model_name, idx, grid.log_px, px)
