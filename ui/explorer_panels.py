"""The Latent explorer's panels: cached metrics, the side column, and the tabs under the canvas."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from plotly.subplots import make_subplots

from ui import jobs, state
from ui.figures import code_scatter, show_grid, training_curves
from ui.manifold import decoded_grid, encode_all, model_key
from vae_core import Dataset, InputError, TrainConfig, metrics, train
from vae_core.model import VAE
from vae_core.pretrain import BETA_GRID

Z_ABS_MAX = 50.0


def summary(model: VAE, ds: Dataset) -> dict:
    """metrics.summary, cached per model (shared by every session: the numbers depend only on the model)."""
    return _summary(model_key(model), model, ds.name, ds.x)


@st.cache_data(
    show_spinner="Measuring continuity and completeness...",
    max_entries=128,
    hash_funcs={VAE: lambda m: None, np.ndarray: lambda a: (a.shape, float(a[:50].sum()))},
)
def _summary(key, model, ds_name, x):
    return metrics.summary(model, x, seed=0)


def view_limit(points: np.ndarray) -> float:
    """Half-width of the visible square: the prior's 3 sigma, or wider to hold 99.5% of the codes."""
    return float(max(3.0, np.quantile(np.abs(points), 0.995) * 1.1))


def ellipses(mu, logvar, dims, n: int) -> np.ndarray | None:
    """(n, 4) [mu_x, mu_y, sigma_x, sigma_y] for the first n inputs (a fixed, reproducible choice)."""
    if logvar is None:
        return None
    idx = np.linspace(0, mu.shape[0] - 1, min(n, mu.shape[0])).astype(int)
    sd = np.exp(0.5 * logvar[idx][:, list(dims)])
    return np.concatenate([mu[idx][:, list(dims)], sd], 1).astype(np.float32)


def density(model: VAE, ds: Dataset, dims, lim: float):
    """The aggregate posterior q(z) on a grid over the visible square: (xs, ys, zz)."""
    return _density(model_key(model), model, ds.x, tuple(dims), round(lim, 2))


@st.cache_data(
    show_spinner=False,
    max_entries=64,
    hash_funcs={VAE: lambda m: None, np.ndarray: lambda a: (a.shape, float(a[:50].sum()))},
)
def _density(key, model, x, dims, lim):
    xs = np.linspace(-lim, lim, 90)
    zz = metrics.aggregate_posterior_density(model, x, xs, xs, dims=dims)
    return xs, xs, np.asarray(zz, np.float32)


def prior_points(k: int, dims, n: int = 200) -> np.ndarray:
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, k, generator=g).numpy()[:, list(dims)]


def check_z(z, k: int) -> np.ndarray:
    """A latent vector sent by the browser: k finite numbers of sane size, else InputError."""
    if not isinstance(z, (list, tuple, np.ndarray)):
        raise InputError(f"z must be a list of {k} numbers.")
    try:
        arr = np.asarray(z, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InputError(f"z must be a list of {k} numbers.") from None
    if arr.shape[0] != k:
        raise InputError(f"z must have {k} values for this model, got {arr.shape[0]}.")
    if not np.isfinite(arr).all() or np.abs(arr).max() > Z_ABS_MAX:
        raise InputError(f"z must be finite with every value within +-{Z_ABS_MAX:g}; got {arr.tolist()}.")
    return arr.astype(np.float32)


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


def point_in_data_space(ds: Dataset, x: np.ndarray, n_context: int = 1000) -> go.Figure:
    """The decoded point (data units) in red among a fixed subsample of the data: cost does not grow with n."""
    idx = np.linspace(0, ds.n - 1, min(n_context, ds.n)).astype(int)
    real = ds.to_data_units(ds.x[idx])
    fig = go.Figure(_scatter_nd(real, None if ds.color is None else ds.color[idx], "data", 2, 0.3))
    fig.add_trace(_scatter_nd(x[None], None, "decoded z", 9, 1.0))
    fig.data[-1].marker.color = "#ef553b"
    fig.update_layout(height=380, margin=dict(l=0, r=0, t=10, b=0), showlegend=False)
    return fig


def manifold_tab(model: VAE, ds: Dataset, dims, lim: float) -> None:
    n = st.slider("Grid size", 5, 25, 15, key="ex_grid_n")
    span = st.slider(
        "Latent range shown (+-)", 0.5, float(round(lim + 2)), min(3.0, float(round(lim))), 0.5, key="ex_grid_lim"
    )
    images, vals = decoded_grid(model, n=n, lim=span, dims=dims)
    if ds.image_shape is not None:
        st.caption(
            f"Decoded means on a {n} x {n} grid: x runs over z{dims[0] + 1}, y over z{dims[1] + 1} "
            f"from {-span:g} to {span:g}; other dimensions at 0."
        )
        st.plotly_chart(
            show_grid(images, ds.image_shape, n, height=560), key="ex_manifold", config={"displayModeBar": False}
        )
    else:
        pts = ds.to_data_units(images)
        real = ds.to_data_units(ds.x)
        fig = go.Figure()
        fig.add_trace(_scatter_nd(real, ds.color if ds.color is not None else ds.y, "data", 2, 0.25))
        fig.add_trace(_scatter_nd(pts, np.repeat(vals, n), "decoded grid", 4, 1.0, scale="Viridis"))
        fig.update_layout(height=560, margin=dict(l=0, r=0, t=10, b=0))
        st.caption(
            "Grey-to-colour dots: the data; bright dots: decoded grid points (coloured by the z value). "
            "A good model lays the grid along the data's surface."
        )
        st.plotly_chart(fig, key="ex_manifold3d")


def _scatter_nd(p: np.ndarray, color, name: str, size: int, opacity: float, scale: str = "Turbo"):
    marker = dict(size=size, opacity=opacity, color=color, colorscale=scale)
    if p.shape[1] >= 3:
        return go.Scatter3d(x=p[:, 0], y=p[:, 1], z=p[:, 2], mode="markers", name=name, marker=marker)
    return go.Scattergl(x=p[:, 0], y=p[:, 1], mode="markers", name=name, marker=marker)


def interpolation_tab(model: VAE, ds: Dataset, mu: np.ndarray, dims) -> None:
    c = st.columns([1, 1, 1, 3])
    i = int(c[0].number_input("From input #", 0, ds.n - 1, 0, key="ex_ia"))
    j = int(c[1].number_input("to input #", 0, ds.n - 1, min(ds.n - 1, 1), key="ex_ib"))
    steps = int(c[2].number_input("steps", 3, 30, 10, key="ex_isteps"))
    show = c[3].toggle("Draw the path on the latent plane", key="ex_ipath")
    t = np.linspace(0, 1, steps, dtype=np.float32)[:, None]
    z = mu[i][None] * (1 - t) + mu[j][None] * t
    st.session_state["ex_path"] = z[:, list(dims)] if show else None
    with torch.no_grad():
        out = model.decode(torch.from_numpy(z).to(model.device)).cpu().numpy()
    if ds.image_shape is not None:
        strip = np.concatenate([ds.x[i][None], out, ds.x[j][None]])
        st.plotly_chart(
            show_grid(strip, ds.image_shape, steps + 2, height=140), key="ex_interp", config={"displayModeBar": False}
        )
        st.caption(
            f"Left and right: the real inputs #{i} and #{j}. Between them: decodings of {steps} evenly "
            "spaced points on the straight line between their posterior means."
        )
    else:
        fig = go.Figure(_scatter_nd(ds.to_data_units(ds.x), ds.color, "data", 2, 0.2))
        fig.add_trace(_scatter_nd(ds.to_data_units(out), t.ravel(), "interpolation", 6, 1.0, "Viridis"))
        fig.update_layout(height=420, margin=dict(l=0, r=0, t=10, b=0))
        st.plotly_chart(fig, key="ex_interp3d")


def prior_tab(model: VAE, ds: Dataset) -> None:
    c = st.columns([1, 1, 4])
    n = int(c[0].number_input("Samples", 4, 144, 48, key="ex_nprior"))
    seed = int(c[1].number_input("Seed", 0, 10_000, 0, key="ex_prior_seed"))
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        out = model.decode(torch.randn(n, model.config.latent_dim, generator=g).to(model.device)).cpu().numpy()
    st.caption(
        "Decoded means of z ~ N(0, I): what the model generates. With beta = 0 many land in holes of the "
        "latent space and look like nothing; near beta = 1 most look like data."
    )
    if ds.image_shape is not None:
        st.plotly_chart(
            show_grid(out, ds.image_shape, 12, height=60 * ((n + 11) // 12) + 20),
            key="ex_prior_grid",
            config={"displayModeBar": False},
        )
    else:
        fig = go.Figure(_scatter_nd(ds.to_data_units(ds.x), ds.color, "data", 2, 0.2))
        fig.add_trace(_scatter_nd(ds.to_data_units(out), None, "prior samples", 5, 1.0))
        fig.update_layout(height=420, margin=dict(l=0, r=0, t=10, b=0))
        st.plotly_chart(fig, key="ex_prior3d")


def across_beta_tab(grid: list[dict], sel, beta) -> None:
    if len(grid) < 2:
        st.info("Only one model in the grid: train a beta grid (last tab) to compare KL weights.")
        return
    rows = []
    prog = st.empty()
    for n, g in enumerate(grid):
        prog.caption(f"measuring beta = {g['beta']:g} ({n + 1}/{len(grid)})")
        s = summary(state.resolve_model(g["key"], str(sel.device)), sel.dataset)
        rows.append((g["beta"], s))
    prog.empty()
    xs = [max(b, 0.02) for b, _ in rows]  # beta = 0 sits at the left edge of the log axis
    fig = make_subplots(
        rows=1, cols=4, subplot_titles=("KL (rate), nats", "active units", "continuity (1 = even)", "completeness")
    )
    series = [
        [s["kl"] for _, s in rows],
        [s["active_units"] for _, s in rows],
        [s["continuity"]["smoothness_ratio"] for _, s in rows],
        [s["completeness"]["density_ratio"] for _, s in rows],
    ]
    for col, ys in enumerate(series, 1):
        fig.add_trace(
            go.Scatter(
                x=xs, y=ys, mode="lines+markers", showlegend=col == 4, name="prior coverage", line=dict(color="#636efa")
            ),
            row=1,
            col=col,
        )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[s["completeness"]["precision"] for _, s in rows],
            mode="lines+markers",
            name="samples that look like data",
            line=dict(color="#00cc96", dash="dot"),
        ),
        row=1,
        col=4,
    )
    if beta is not None:
        for col in range(1, 5):
            fig.add_vline(x=max(beta, 0.02), line_dash="dot", line_color="#ef553b", row=1, col=col)
    fig.update_xaxes(type="log", title_text="beta (0 drawn at 0.02)")
    fig.update_layout(height=320, margin=dict(l=0, r=0, t=40, b=0), legend=dict(orientation="h", y=-0.3, x=0.6))
    st.plotly_chart(fig, key="ex_across")
    st.caption(
        "Each point is a trained model; the dotted line is the one shown above. Completeness rises as the "
        "KL term closes the holes between codes; past a point, the codes collapse onto the prior and carry "
        "nothing (active units drop)."
    )


def kl_off_on_tab(grid: list[dict], sel, beta, dims) -> None:
    off = state.resolve_model(grid[0]["key"], str(sel.device))
    on_entry = next((g for g in grid if g["beta"] == beta and beta != 0.0), None)
    on_entry = on_entry or next((g for g in grid if g["beta"] == 1.0), grid[-1])
    on = state.resolve_model(on_entry["key"], str(sel.device))
    ds = sel.dataset
    cols = st.columns(2)
    for col, m, title in ((cols[0], off, "KL off (beta = 0)"), (cols[1], on, f"KL on (beta = {on_entry['beta']:g})")):
        with col:
            st.markdown(f"**{title}**")
            mu, _ = encode_all(m, ds.x)
            lim = view_limit(mu[:, list(dims)])
            fig = code_scatter(mu[:, list(dims)], labels=ds.y, color=ds.color, height=360)
            th = np.linspace(0, 2 * np.pi, 100)
            for r in (1, 2, 3):
                fig.add_trace(
                    go.Scatter(
                        x=r * np.cos(th),
                        y=r * np.sin(th),
                        mode="lines",
                        hoverinfo="skip",
                        line=dict(color="gray", width=1, dash="dot"),
                        showlegend=False,
                    )
                )
            fig.update_xaxes(range=[-lim, lim])
            fig.update_yaxes(range=[-lim, lim], scaleanchor="x")
            fig.update_layout(height=360, margin=dict(l=0, r=0, t=10, b=0))
            st.plotly_chart(fig, key=f"ex_cmp_{title}")
            s = summary(m, ds)
            cov = s["completeness"]["density_ratio"]
            st.caption(
                f"KL {s['kl']:.2f} nats, continuity {s['continuity']['smoothness_ratio']:.2f}, prior "
                f"coverage {cov:.2f}. Dotted circles: the prior's 1, 2, 3 sigma."
            )
            if ds.image_shape is not None:
                g = torch.Generator().manual_seed(0)
                with torch.no_grad():
                    out = m.decode(torch.randn(24, m.config.latent_dim, generator=g).to(m.device)).cpu().numpy()
                st.plotly_chart(
                    show_grid(out, ds.image_shape, 12, height=120, title="prior samples"),
                    key=f"ex_cmp_s_{title}",
                    config={"displayModeBar": False},
                )


def train_tab(sel, model: VAE) -> None:
    """Train this architecture at a custom beta, or a whole beta grid in one batched run, with progress."""
    cfg = model.config
    info = model.info.get("train") or {}
    st.markdown(
        "Train the same architecture on the same data at another KL weight. A whole grid trains as one "
        "batched computation, about as fast as two single models."
    )
    c = st.columns([1, 1, 2, 1, 1])
    beta = c[0].number_input("beta", 0.0, 100.0, 1.5, 0.1, key="ex_tbeta", disabled=not model.is_vae)
    epochs = int(c[1].number_input("epochs", 1, 1000, int(info.get("epochs", 60)), key="ex_tepochs"))
    grid_txt = c[2].text_input(
        "or a grid of betas", ", ".join(f"{b:g}" for b in BETA_GRID), key="ex_tgrid", disabled=not model.is_vae
    )
    job = st.session_state.get("ex_job")
    one = c[3].button("Train at this beta", key="ex_train_one", disabled=bool(job and job.active) or not model.is_vae)
    many = c[4].button("Train the grid", key="ex_train_grid", disabled=bool(job and job.active) or not model.is_vae)
    if one or many:
        try:
            betas = [float(beta)] if one else [float(t) for t in grid_txt.replace(";", ",").split(",") if t.strip()]
            if not 1 <= len(betas) <= 16:
                raise InputError("give between 1 and 16 betas.")
            tcfg = TrainConfig(
                beta=betas[0],
                epochs=epochs,
                batch_size=int(info.get("batch_size", 64)),
                lr=float(info.get("lr", 2e-3)),
                seed=int(info.get("seed", 0)),
            )
            for b in betas:
                TrainConfig(beta=b)
        except (InputError, ValueError) as e:
            st.error(f"Cannot train: {e}")
            return
        ds, name, device = sel.dataset, sel.dataset_name, str(sel.device)

        def work(on_epoch, should_stop):
            return train.fit_many(ds, cfg, tcfg, betas, device=device, on_epoch=on_epoch, should_stop=should_stop)

        st.session_state["ex_job"] = jobs.start(f"{name}-sweep", epochs, work, meta={"betas": betas, "dataset": name})
    _train_progress()


@st.fragment(run_every=0.5)
def _train_progress() -> None:
    job = st.session_state.get("ex_job")
    if job is None:
        return
    if job.status == "waiting":
        st.warning(f"Waiting for a free training slot ({jobs.MAX_CONCURRENT} trainings run on this server now).")
    st.progress(job.epoch / job.epochs, text=f"{job.status}: epoch {job.epoch}/{job.epochs}")
    if job.active:
        if st.button("Stop", key="ex_stop"):
            job.stop()
        if job.records:
            st.plotly_chart(training_curves(job.records, [f"beta={b:g}" for b in job.meta["betas"]]), key="ex_tcurves")
        return
    if job.status == "failed":
        st.error(job.error)
    if job.result is not None and not job.meta.get("kept"):
        job.meta["kept"] = True
        for b, (m, hist) in zip(job.meta["betas"], job.result):
            if m is None:
                st.warning(hist.diverged or f"beta={b:g}: stopped before the first epoch finished; nothing kept.")
                continue
            state.add_session_model(
                f"{job.meta['dataset']}-vae-beta{b:g} #{len(state.session_models()) + 1}",
                m,
                job.meta["dataset"],
                "trained",
            )
        st.session_state.pop("pending_model", None)  # keep the current selection; the slider now has the betas
        st.session_state.pop("pending_dataset", None)
        st.rerun(scope="app")
    st.success(
        f"Trained {len(job.meta['betas'])} model(s) in {(job.finished or 0) - job.started:.1f} s; they are on "
        "the KL-weight slider now."
    )


def aligned_grid(grid: list[dict], sel) -> tuple[list[VAE], list[dict]]:
    """The grid's models with latent axes aligned to their neighbours (signed permutations, chained outward
    from the model nearest beta = 1), and per neighbour pair the Procrustes disparity before and after."""
    from vae_core import align

    device = str(sel.device)
    models = [state.resolve_model(g["key"], device) for g in grid]
    if len(models) < 2:
        return models, []
    anchor = int(np.argmin([abs(g["beta"] - 1.0) for g in grid]))
    out: list[VAE | None] = [None] * len(models)
    out[anchor] = models[anchor]
    report = []
    order = list(range(anchor + 1, len(models))) + list(range(anchor - 1, -1, -1))
    for i in order:
        ref = i - 1 if i > anchor else i + 1
        mu_ref, _ = encode_all(out[ref], sel.dataset.x)
        mu_i, _ = encode_all(models[i], sel.dataset.x)
        p, after = align.signed_permutation(mu_i, mu_ref)
        out[i] = models[i] if np.allclose(p, np.eye(p.shape[0])) else align.apply_signed_permutation(models[i], p)
        report.append(
            {
                "pair": f"{grid[i]['beta']:g} vs {grid[ref]['beta']:g}",
                "disparity before": align.disparity(mu_i, mu_ref),
                "after (signed permutation)": after,
                "best rotation": align.orthogonal(mu_i, mu_ref)[1],
            }
        )
    return out, report


def _rd_point(model: VAE, ds: Dataset) -> dict:
    return _rd_cached(model_key(model), model, ds.x)


@st.cache_data(
    show_spinner=False,
    max_entries=128,
    hash_funcs={VAE: lambda m: None, np.ndarray: lambda a: (a.shape, float(a[:50].sum()))},
)
def _rd_cached(key, model, x):
    from vae_core import rate_distortion

    return rate_distortion.measure(model, x)


@st.cache_data(show_spinner="Training linear Gaussian VAEs at every beta (one batched run)...", max_entries=16)
def _linear_demo(eigs: tuple, c: float, betas: tuple, seed: int):
    from vae_core import rate_distortion

    ds = rate_distortion.gaussian_data(eigs, seed=seed)
    return rate_distortion.linear_sweep(ds, list(betas), obs_var=c, epochs=100, lr=3e-2, batch_size=256, seed=seed)


def rate_distortion_tab(grid: list[dict], sel, beta) -> None:
    """Each beta's model on the rate-distortion plane, and the exact curve of a linear Gaussian model."""
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(
            "**This grid of models.** Rate = mean KL(q(z|x) || p(z)), distortion = mean reconstruction "
            "term -E_q log p(x|z). The ELBO is -(rate + distortion), so dashed lines of equal ELBO run "
            "at 45 degrees; beta chooses where a model sits along the trade-off."
        )
        if len(grid) < 2:
            st.info("Train a beta grid (last tab) to see several models here.")
        else:
            pts = [(g["beta"], _rd_point(state.resolve_model(g["key"], str(sel.device)), sel.dataset)) for g in grid]
            r = np.array([p["rate"] for _, p in pts])
            d = np.array([p["recon"] for _, p in pts])
            fig = go.Figure()
            lo, hi = float((r + d).min()), float((r + d).max())
            span = max(r.max() - r.min(), 1.0)
            for level in np.linspace(lo, hi + 0.5 * span, 5):
                xs = np.array([0, r.max() * 1.1 + 0.5])
                fig.add_trace(
                    go.Scatter(
                        x=xs,
                        y=level - xs,
                        mode="lines",
                        hoverinfo="skip",
                        showlegend=False,
                        line=dict(color="lightgray", dash="dash", width=1),
                    )
                )
            fig.add_trace(
                go.Scatter(
                    x=r,
                    y=d,
                    mode="lines+markers+text",
                    text=[f"{b:g}" for b, _ in pts],
                    textposition="top right",
                    name="beta",
                    line=dict(color="#636efa"),
                    hovertemplate="rate %{x:.2f}, distortion %{y:.2f}<extra>beta %{text}</extra>",
                )
            )
            if beta is not None and beta in [b for b, _ in pts]:
                i = [b for b, _ in pts].index(beta)
                fig.add_trace(
                    go.Scatter(
                        x=[r[i]],
                        y=[d[i]],
                        mode="markers",
                        showlegend=False,
                        marker=dict(size=14, color="#ef553b", symbol="circle-open", line_width=3),
                    )
                )
            fig.update_xaxes(title_text="rate, nats", range=[-0.3, r.max() * 1.1 + 0.5])
            fig.update_yaxes(
                title_text="distortion, nats", range=[d.min() - 0.1 * (np.ptp(d) + 1), d.max() + 0.1 * (np.ptp(d) + 1)]
            )
            fig.update_layout(height=380, margin=dict(l=0, r=0, t=10, b=0), showlegend=False)
            st.plotly_chart(fig, key="ex_rd")
    with right:
        st.markdown(
            "**The exact curve of a linear Gaussian model.** For x Gaussian with covariance eigenvalues "
            "lambda_i and a linear decoder with noise c, the best beta-VAE reverse-water-fills at level "
            "beta c:"
        )
        st.latex(
            r"D(\beta) = \sum_i \min(\lambda_i, \beta c), \quad "
            r"R(\beta) = \sum_i \tfrac12 \log \max\!\left(\tfrac{\lambda_i}{\beta c}, 1\right)"
        )
        c = st.columns(3)
        eig_txt = c[0].text_input("eigenvalues", "4, 2, 1, 0.5, 0.25, 0.125", key="ex_rd_eigs")
        obs = c[1].number_input("c", 0.01, 10.0, 0.1, 0.01, key="ex_rd_c")
        betas_txt = c[2].text_input("betas", "0.7, 1.4, 2.8, 5.6", key="ex_rd_betas")
        if st.button("Train linear VAEs and compare", key="ex_rd_run"):
            try:
                eigs = tuple(float(t) for t in eig_txt.split(",") if t.strip())
                bs = tuple(float(t) for t in betas_txt.split(",") if t.strip())
                if not 1 <= len(bs) <= 12:
                    raise InputError("give between 1 and 12 betas.")
                st.session_state["ex_rd_res"] = _linear_demo(eigs, float(obs), bs, 0)
            except (InputError, ValueError) as e:
                st.error(
                    f"Cannot run the linear sweep: {e} Eigenvalues and betas are comma-separated positive numbers."
                )
        res = st.session_state.get("ex_rd_res")
        if res is None:
            return
        fig = go.Figure(
            go.Scatter(
                x=res["curve"]["rate"],
                y=res["curve"]["distortion"],
                mode="lines",
                name="exact optimum",
                line=dict(color="#00cc96"),
            )
        )
        m = [p for p in res["measured"] if p is not None]
        fig.add_trace(
            go.Scatter(
                x=[p["rate"] for p in m],
                y=[p["sq_error"] for p in m],
                mode="markers+text",
                text=[f"{b:g}" for b, p in zip(res["betas"], res["measured"]) if p is not None],
                textposition="top right",
                name="trained",
                marker=dict(size=10, color="#ef553b"),
            )
        )
        fig.update_xaxes(title_text="rate R, nats")
        fig.update_yaxes(title_text="distortion D, squared error")
        fig.update_layout(height=320, margin=dict(l=0, r=0, t=10, b=0), legend=dict(orientation="h", y=1.1))
        st.plotly_chart(fig, key="ex_rd_linear")
        rows = [
            {
                "beta": b,
                "rate (trained)": p["rate"],
                "rate (exact)": float(er),
                "D (trained)": p["sq_error"],
                "D (exact)": float(ed),
            }
            for b, p, er, ed in zip(res["betas"], res["measured"], res["exact"]["rate"], res["exact"]["distortion"])
            if p is not None
        ]
        st.dataframe(rows, hide_index=True)
        st.caption(
            "Data: 2,000 Gaussian samples with the eigenvalues above along random axes; the exact curve "
            "uses the sample's own covariance spectrum. Each trained model is a linear VAE (latent size = "
            "data size), all betas trained together by fit_many, 100 epochs."
        )
