"""ELBO: for one input of a 2-D-latent VAE, the true posterior p(z|x) on a grid beside a Gaussian q(z|x) you can
move; ELBO(q) + KL(q || p(z|x)) stays equal to log p(x), every term by quadrature (vae_core.posterior).

Longer than ~350 lines on purpose: the page walks through one argument (posterior grid, ELBO identity, the
reconstruction term with c) and most lines are widgets and captions; every number comes from vae_core."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch

from ui import keys, state
from ui.cache import best_q, encoder_q, model_key, posterior_grid, sampled_log_px
from ui.drawpad.panel import saved_drawing
from ui.figures import LEGEND_BELOW, show_images
from vae_core import InputError, densities, theory
from vae_core import posterior as post
from vae_core.rate_distortion import covariance_spectrum

Q_COLOR, ENC_COLOR, BEST_COLOR = "#ef553b", "#444444", "#00cc96"
IS_K = 5000
MAX_TRIES = 200


def _sd_range(grid: post.PosteriorGrid) -> tuple[np.ndarray, np.ndarray]:
    b = post.q_bounds(grid)
    return b["sd_lo"], b["sd_hi"]


def ellipse(mu, sd, k: float, n: int = 90) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0, 2 * np.pi, n)
    return mu[0] + k * sd[0] * np.cos(t), mu[1] + k * sd[1] * np.sin(t)


sel = state.current()
st.title("ELBO: how far q(z|x) is from the true posterior")
model, ds = sel.model, sel.dataset
if model is None:
    st.info("No model is selected for this dataset: train a VAE on the Train page or pick another dataset.")
    st.stop()
if not model.is_vae:
    st.info(
        f"**{sel.model_name}** is a plain autoencoder. It maps x to one point, so it has no q(z|x), no "
        "density p(x) and no ELBO. Pick a VAE in the sidebar."
    )
    st.stop()
two_d = model.config.latent_dim == 2
# A Bernoulli on grey levels is not a density of x: its "log p(x)" is minus a cross-entropy. Say so on every label.
cross_entropy = densities.is_cross_entropy(model.config.likelihood, ds.x)
PX = "log p(x) [Bernoulli cross-entropy]" if cross_entropy else "log p(x)"
if cross_entropy:
    st.warning(
        "**Bernoulli cross-entropy, not a log-likelihood.** This decoder is a Bernoulli on grey-level pixels, "
        "where x log s + (1 - x) log(1 - s) is minus a binary cross-entropy and not the log of a normalised "
        "density. ELBO + KL = 'log p(x)' still holds, but 'log p(x)' here is the log of an unnormalised "
        "integral and cannot be compared with real log-likelihoods. For one, pick a continuous-Bernoulli model "
        "(`-vae-cb-`) or a binarized dataset in the sidebar."
    )


def pick_input(col) -> tuple[int, np.ndarray]:
    """The input: a row of the data set, or (index -1) the digit drawn on the explorer's pad."""
    mine = saved_drawing(sel.dataset_name)
    if mine is not None and col.toggle("My drawing", key="elbo_mine", help="The digit you drew on the explorer's pad."):
        return -1, mine
    idx = int(
        col.number_input(
            "Input index", 0, ds.n - 1, 0, step=1, key="elbo_index", help=f"Which row of the dataset, 0 to {ds.n - 1}."
        )
    )
    return idx, np.array(ds.x[idx], dtype=np.float32)


def input_title(idx: int) -> str:
    if idx < 0:
        return "my drawing"
    return f"x (label {ds.y[idx]})" if ds.y is not None else f"input {idx}"


# ---- models whose latent space is not 2-D: only sampled numbers ----
@st.fragment
def sampled_panel() -> None:
    st.warning(
        f"This model has {model.config.latent_dim} latent dimensions. The exact posterior is drawn and "
        "integrated on a grid only for 2-D latent spaces (a grid in more dimensions needs too many points). "
        "Below, log p(x) is estimated by importance sampling instead; pick a 2-D model (all shipped digits "
        "models are) to see the full picture."
    )
    fig_col, side = st.columns([3, 2], gap="large")
    idx, x = pick_input(side)
    if ds.image_shape is not None:
        show_images(x[None], ds.image_shape, 1, px=160, caption=input_title(idx), where=side)
    s = sampled_log_px(model, x, IS_K)
    gap = s["log_px"] - s["elbo"]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=["encoder's q"], y=[s["elbo"]], name="ELBO", marker_color=Q_COLOR))
    fig.add_trace(
        go.Bar(x=["encoder's q"], y=[gap], base=[s["elbo"]], name="KL(q || p(z|x)) = the gap", marker_color="#ffa15a")
    )
    fig.add_hline(y=s["log_px"], line=dict(color="black", dash="dash"), annotation_text=PX)
    fig.update_yaxes(title_text="nats")
    fig.update_layout(height=420, barmode="overlay", margin=dict(l=10, r=10, t=30, b=10))
    fig_col.plotly_chart(fig, key="elbo_bar")
    c = side.columns(3)
    c[0].metric("ELBO (Monte Carlo)", f"{s['elbo']:.3f}")
    c[1].metric(f"{PX} (IS, k={IS_K})", f"{s['log_px']:.3f}")
    c[2].metric("gap = KL(q || p(z|x))", f"{gap:.3f}")
    side.caption(
        "Both numbers are sampled, so the gap is an estimate (importance sampling can itself fall short "
        "of log p(x) when q is much narrower than the posterior)."
    )


# ---- 2-D models: the grid ----
def set_q(mu, logvar) -> None:
    """Put q's sliders at (mu, logvar), clamped to what the grid resolves."""
    b = st.session_state[keys.ELBO_BOUNDS]
    m = np.clip(mu, b["mean_lo"], b["mean_hi"])
    ls = np.clip(0.5 * np.asarray(logvar), np.log(b["sd_lo"]), np.log(b["sd_hi"]))
    for j in range(2):
        st.session_state[keys.elbo_mean(j)] = float(m[j])
        st.session_state[keys.elbo_log_sigma(j)] = float(ls[j])


def use_best(x: np.ndarray) -> None:
    st.session_state[keys.ELBO_BEST] = best_q(model, x)
    set_q(*st.session_state[keys.ELBO_BEST])


def record(row: dict) -> None:
    tries = st.session_state.setdefault(keys.ELBO_TRIES, [])
    same = ("model", "input", "mean z1", "mean z2", "sigma z1", "sigma z2")
    if not tries or any(tries[-1][k] != row[k] for k in same):
        tries.append(row)
        del tries[:-MAX_TRIES]


def view_box(grid, pm, pcov, mus_sds) -> tuple[list[float], list[float]]:
    psd = np.sqrt(np.diag(pcov))
    lo, hi = pm - 4.5 * psd, pm + 4.5 * psd
    for m, s in mus_sds:
        lo, hi = np.minimum(lo, m - 2.5 * s), np.maximum(hi, m + 2.5 * s)
    mid, half = (lo + hi) / 2, (hi - lo).max() / 2  # square, so the equal-aspect plot fills its box
    g_lo, g_hi = grid.center - grid.half_width, grid.center + grid.half_width
    lo, hi = np.maximum(mid - half, g_lo), np.minimum(mid + half, g_hi)
    return [lo[0], hi[0]], [lo[1], hi[1]]


@st.fragment
def grid_panel() -> None:
    fig_col, side = st.columns([3, 2], gap="large")
    with side:
        in_col, img_col, dec_col = st.columns([1.2, 1, 1])
        idx, x = pick_input(in_col)
    try:
        grid = posterior_grid(model, x)
    except InputError as e:
        st.error(f"Cannot integrate the posterior of this input: {e}")
        return
    enc_mu, enc_lv = encoder_q(model, x)
    bounds = post.q_bounds(grid)
    st.session_state[keys.ELBO_BOUNDS] = bounds
    ident = (sel.model_name, model_key(model), ds.name, idx if idx >= 0 else x.tobytes())
    if st.session_state.get(keys.ELBO_FOR) != ident:  # a new input or model: start from the encoder's answer
        st.session_state[keys.ELBO_FOR] = ident
        st.session_state.pop(keys.ELBO_BEST, None)
        set_q(enc_mu, enc_lv)
    with side:
        if ds.image_shape is not None:
            show_images(x[None], ds.image_shape, 1, px=112, caption=input_title(idx), where=img_col)
        else:
            img_col.caption(
                "x = ("
                + ", ".join(f"{v:.2f}" for v in ds.to_data_units(x[None])[0][:6])
                + (", ...)" if ds.dim > 6 else ")")
            )
        c1, c2 = st.columns(2)
        step_m = float(f"{grid.spacing.min() / 2:.1g}")
        m1 = c1.slider(
            "q mean, z1",
            float(bounds["mean_lo"][0]),
            float(bounds["mean_hi"][0]),
            step=step_m,
            format="%.3f",
            key=keys.elbo_mean(0),
        )
        m2 = c2.slider(
            "q mean, z2",
            float(bounds["mean_lo"][1]),
            float(bounds["mean_hi"][1]),
            step=step_m,
            format="%.3f",
            key=keys.elbo_mean(1),
        )
        ls1 = c1.slider(
            "q log sigma, z1",
            float(np.log(bounds["sd_lo"][0])),
            float(np.log(bounds["sd_hi"][0])),
            step=0.01,
            format="%.2f",
            key=keys.elbo_log_sigma(0),
        )
        ls2 = c2.slider(
            "q log sigma, z2",
            float(np.log(bounds["sd_lo"][1])),
            float(np.log(bounds["sd_hi"][1])),
            step=0.01,
            format="%.2f",
            key=keys.elbo_log_sigma(1),
        )
        b1, b2 = st.columns(2)
        b1.button(
            "Reset to encoder",
            key="elbo_reset",
            on_click=set_q,
            args=(enc_mu, enc_lv),
            width="stretch",
            help="Put q back where the encoder puts it for this input.",
        )
        b2.button(
            "Best Gaussian q",
            key="elbo_best_btn",
            on_click=use_best,
            args=(x,),
            width="stretch",
            help="Maximize the ELBO over q's four numbers on the grid: the smallest KL any diagonal "
            "Gaussian can reach.",
        )
    q_mu = np.array([m1, m2])
    q_sd = np.exp(np.array([ls1, ls2]))
    q_lv = 2 * np.log(q_sd)
    t = post.elbo_terms_on_grid(grid, q_mu, q_lv)
    if ds.image_shape is not None:
        with torch.no_grad():
            dec = model.decode(torch.tensor(q_mu[None], dtype=torch.float32, device=model.device))[0].cpu().numpy()
        show_images(dec[None], ds.image_shape, 1, px=112, caption="decoded mean", where=dec_col)
    record(
        {
            "model": sel.model_name,
            "input": idx,
            "mean z1": round(m1, 4),
            "mean z2": round(m2, 4),
            "sigma z1": round(float(q_sd[0]), 4),
            "sigma z2": round(float(q_sd[1]), 4),
            "ELBO": t["elbo"],
            "KL(q || p(z|x))": t["kl_post"],
            "ELBO + KL": t["elbo"] + t["kl_post"],
            "log p(x)": t["log_px"],
        }
    )

    # The picture: p(z|x) on the grid, q's 1- and 2-sigma ellipses, the encoder's q for reference.
    pm, pcov = grid.posterior_moments()
    enc_sd = np.exp(0.5 * enc_lv)
    xr, yr = view_box(grid, pm, pcov, [(enc_mu, enc_sd), (q_mu, q_sd)])
    i1 = (grid.z1 >= xr[0]) & (grid.z1 <= xr[1])
    i2 = (grid.z2 >= yr[0]) & (grid.z2 <= yr[1])
    dens = np.exp(grid.log_posterior[np.ix_(i2, i1)])
    fig = go.Figure(
        go.Heatmap(
            x=grid.z1[i1],
            y=grid.z2[i2],
            z=dens,
            colorscale="Blues",
            zsmooth="best",
            colorbar=dict(title=dict(text="p(z|x)", side="right"), thickness=12),
            hovertemplate="z1 %{x:.3f}<br>z2 %{y:.3f}<br>p(z|x) %{z:.3g}<extra></extra>",
        )
    )
    for k, dash in ((1, "solid"), (2, "dot")):
        ex, ey = ellipse(enc_mu, enc_sd, k)
        fig.add_trace(
            go.Scatter(
                x=ex,
                y=ey,
                mode="lines",
                line=dict(color=ENC_COLOR, width=1.5, dash=dash),
                name=f"encoder's q, {k} sigma",
                legendgroup="enc",
            )
        )
    best = st.session_state.get(keys.ELBO_BEST)
    if best is not None:
        bx, by = ellipse(best[0], np.exp(0.5 * best[1]), 1)
        fig.add_trace(
            go.Scatter(
                x=bx,
                y=by,
                mode="lines",
                line=dict(color=BEST_COLOR, width=2, dash="dash"),
                name="best Gaussian q, 1 sigma",
            )
        )
    for k, dash in ((1, "solid"), (2, "dot")):
        ex, ey = ellipse(q_mu, q_sd, k)
        fig.add_trace(
            go.Scatter(
                x=ex,
                y=ey,
                mode="lines",
                line=dict(color=Q_COLOR, width=2.5, dash=dash),
                name=f"your q, {k} sigma",
                legendgroup="q",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[q_mu[0]],
            y=[q_mu[1]],
            mode="markers",
            marker=dict(color=Q_COLOR, size=8),
            showlegend=False,
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[pm[0]], y=[pm[1]], mode="markers", name="posterior mean", marker=dict(color="black", symbol="x", size=9)
        )
    )
    fig.update_xaxes(title_text="z1", range=xr, constrain="domain")
    fig.update_yaxes(title_text="z2", range=yr, scaleanchor="x")
    fig.update_layout(
        height=560,
        margin=dict(l=10, r=10, t=10, b=10),
        legend=LEGEND_BELOW,
        plot_bgcolor="white",
    )
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

    c = st.columns(5)
    c[0].metric("ELBO(q)", f"{t['elbo']:.4f}", help="E_q[log p(x, z) - log q(z)], a sum over the grid.")
    c[1].metric("KL(q || p(z|x))", f"{t['kl_post']:.4f}", help="E_q[log q(z) - log p(z|x)], a sum over the grid.")
    c[2].metric("ELBO + KL", f"{t['elbo'] + t['kl_post']:.4f}")
    c[3].metric(f"{PX}, quadrature", f"{grid.log_px:.4f}", help="log of the sum of p(x|z) p(z) over the grid.")
    c[4].metric(
        f"{PX}, IS (k={IS_K})",
        f"{s['log_px']:.4f}",
        delta=f"{s['log_px'] - grid.log_px:+.4f} vs quadrature",
        delta_color="off",
        help=f"objectives.log_px with k = {IS_K} draws from the encoder's q. A stochastic lower bound: it "
        "falls short when q is narrower than p(z|x) (try a model with beta < 1).",
    )

    tries = pd.DataFrame(st.session_state.get(keys.ELBO_TRIES, []))
    head, clear = st.columns([5, 1], vertical_alignment="bottom")
    head.markdown("#### Every q you tried")
    if clear.button("Clear table", key="elbo_clear", width="stretch"):
        st.session_state[keys.ELBO_TRIES] = []
        tries = tries.iloc[0:0]
    tab_col, chart_col = st.columns([3.4, 1.6], gap="medium")
    if len(tries):
        tab_col.dataframe(
            tries.drop(columns="model").iloc[::-1],
            hide_index=True,
            height=260,
            key="elbo_table",
            column_config={
                c: st.column_config.NumberColumn(format="%.3f") for c in ["mean z1", "mean z2", "sigma z1", "sigma z2"]
            }
            | {
                c: st.column_config.NumberColumn(format="%.4f")
                for c in ["ELBO", "KL(q || p(z|x))", "ELBO + KL", "log p(x)"]
            },
        )
        mine = tries[(tries["model"] == sel.model_name) & (tries["input"] == idx)].tail(40)
        n = np.arange(1, len(mine) + 1)
        bar = go.Figure()
        bar.add_trace(
            go.Bar(x=n, y=mine["KL(q || p(z|x))"], base=mine["ELBO"], marker_color="#ffa15a", name="KL(q || p(z|x))")
        )
        bar.add_trace(go.Scatter(x=n, y=mine["ELBO"], mode="markers+lines", marker=dict(color=Q_COLOR), name="ELBO"))
        # Named in the legend, not by a label on the line: a long label was cut at a narrow figure's edge.
        bar.add_trace(
            go.Scatter(
                x=[0.5, len(mine) + 0.5],
                y=[grid.log_px] * 2,
                mode="lines",
                line=dict(color="black", dash="dash"),
                name=PX,
            )
        )
        bar.update_xaxes(
            title_text=f"try ({'my drawing' if idx < 0 else f'input {idx}'})", dtick=1 if len(mine) < 15 else None
        )
        bar.update_yaxes(title_text="nats")
        bar.update_layout(
            height=300,
            margin=dict(l=10, r=10, t=10, b=10),
            legend=LEGEND_BELOW,
        )
        chart_col.plotly_chart(bar, key="elbo_tries_fig")


if two_d:
    grid_panel()
else:
    sampled_panel()

st.divider()
left, right = st.columns(2, gap="large")
with left:
    st.markdown("#### Why the two numbers always add up")
    st.latex(
        r"\begin{aligned} \log p(x) &= \underbrace{\mathbb{E}_{q}\!\left[\log \frac{p(x, z)}{q(z)}\right]}"
        r"_{\mathrm{ELBO}(q)} \\ &+ \underbrace{\mathbb{E}_{q}\!\left[\log \frac{q(z)}{p(z|x)}\right]}"
        r"_{\mathrm{KL}(q\,\|\,p(z|x))\;\ge\; 0} \end{aligned}"
    )
    st.markdown(
        "Write p(z|x) = p(x, z) / p(x) inside the KL and the log p(x) term comes out of the expectation, because "
        "it does not depend on z. What is left is the ELBO. So for **any** q, the ELBO and the KL share a fixed "
        "total, log p(x), which depends only on the model and the input. Since the KL cannot be negative, the ELBO "
        "is a floor under log p(x), and pushing the ELBO up is the same as pulling q toward the true posterior. "
        "That is what training the encoder does, without ever computing p(z|x)."
    )
with right:
    st.markdown("#### How the numbers on this page are computed")
    st.latex(
        r"\begin{aligned} p(x) &= \int p(x|z)\,p(z)\,dz \\ &\approx \sum_{ij} p(x|z_{ij})\,p(z_{ij}) \\ "
        r"&\quad \times \Delta z_1 \Delta z_2 \end{aligned}"
    )
    st.markdown(
        "With two latent dimensions the integral is a sum over a fine grid: the decoder is run on every grid "
        "point at once. The grid is centred on the encoder's mean, reaches past where the posterior has any "
        "mass, and is fine enough to resolve both p(z|x) and q; comparing with a grid of half the resolution "
        "bounds the error. ELBO and KL are sums over the same grid weighted by q. The sliders stop where q "
        "would leave the grid or become narrower than two grid steps. **Best Gaussian q** shows the limit of "
        "the Gaussian family: the KL left there is the part no diagonal Gaussian can remove; the encoder's "
        "extra KL on top is the cost of one network answering for every input at once."
    )


st.divider()
st.markdown("#### The reconstruction term is a squared error (or a cross-entropy)")
left, right = st.columns(2, gap="large")
with left:
    st.latex(
        r"\begin{aligned} &\log \mathcal{N}\big(x;\, f(z),\, cI\big) \\ &= -\frac{\lVert x - f(z)\rVert^2}{2c} "
        r"\\ &\quad - \frac{d}{2}\log(2\pi c) \end{aligned}"
    )
    st.markdown(
        "With a Gaussian decoder of fixed variance c, the reconstruction term is a squared error divided by 2c, "
        "plus a constant that training ignores. At c = 1/2 the negative ELBO is ||x - f(z)||² + KL, the loss "
        "written in most tutorials. Multiply the whole loss by 2c and it becomes ||x - f(z)||² + 2c·beta·KL: "
        "only the product c·beta matters. A Gaussian VAE with a larger c is a beta-VAE with a larger beta, and a "
        "small c, like a small beta, lets the codes spend more nats to reconstruct precisely."
    )
    st.markdown(
        "For pixels in {0, 1} the decoder is a Bernoulli with means s = f(z), and x log s + (1 - x) log(1 - s) is "
        "minus the binary cross-entropy: maximizing the reconstruction term minimizes it. On grey levels the same "
        "formula is not a density of x (it does not integrate to 1 over [0, 1]); the continuous Bernoulli "
        "multiplies it by the constant C(s) that fixes this (Loaiza-Ganem & Cunningham 2019)."
    )
    s_demo = st.slider("Bernoulli mean s", 0.01, 0.99, 0.9, 0.01, key="elbo_bern_s")
    mass = float(torch.exp(-densities.cb_log_normalizer(torch.logit(torch.tensor(s_demo, dtype=torch.float64)))))
    st.caption(
        f"The Bernoulli formula integrated over grey levels x in [0, 1] at s = {s_demo:.2f}: {mass:.3f}, "
        f"not 1. The continuous Bernoulli's C(s) = {1 / mass:.3f} makes it a density."
    )


@st.fragment
def c_panel() -> None:
    lam = covariance_spectrum(ds.x) if ds.dim <= 1024 else None
    if lam is None:
        st.info("This dataset has too many features for the closed-form demo.")
        return
    a, b = st.columns(2)
    c = a.select_slider("decoder variance c", [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 1.0], 0.1, key="elbo_c")
    beta = b.select_slider("KL weight beta", [0.1, 0.25, 0.5, 1.0, 2.0, 4.0], 1.0, key="elbo_c_beta")
    cur = theory.rate_distortion_curve(lam, c, [beta])
    shown = lam[: min(20, lam.size)]
    fig = go.Figure(
        go.Bar(x=np.arange(1, shown.size + 1), y=shown, name="eigenvalues of the data", marker_color="#bbb")
    )
    fig.add_trace(
        go.Bar(
            x=np.arange(1, shown.size + 1), y=np.minimum(shown, beta * c), name="left unexplained", marker_color=Q_COLOR
        )
    )
    fig.add_hline(
        y=beta * c, line=dict(color="black", dash="dash"), annotation_text=f"water level c·beta = {beta * c:g}"
    )
    fig.update_layout(barmode="overlay", height=340, margin=dict(l=10, r=10, t=10, b=10), legend=LEGEND_BELOW)
    fig.update_xaxes(title_text="principal direction of the data")
    fig.update_yaxes(title_text="variance", type="log", dtick=1)
    st.plotly_chart(fig, key="elbo_c_fig")
    st.caption(
        f"The optimal linear Gaussian VAE with one latent per feature on this data (reverse water-filling, "
        f"vae_core.theory): directions with "
        f"variance above c·beta are coded, the rest are dropped. Here {int(cur['n_active'][0])} directions are "
        f"coded, rate (KL) {cur['rate'][0]:.2f} nats, squared error {cur['distortion'][0]:.3f}. Halve c and "
        "double beta: the level, and so the model, does not move."
    )


with right:
    c_panel()
