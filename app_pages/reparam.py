"""Reparameterization: z = mu + sigma * eps, why the gradient reaches mu and sigma, and an experiment that pits
the reparameterization estimator against the score-function estimator on functions with exact gradients
(vae_core.estimators)."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from ui import state
from ui.cache import gradient_estimates
from ui.figures import LEGEND_BELOW
from vae_core import InputError, estimators

REP_COLOR, SCORE_COLOR = "#636efa", "#ef553b"
BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]


def shared_bins(*samples: np.ndarray, nbins: int = 70) -> dict:
    # One set of bins for both estimators, over the central 99.5% so a few extreme draws cannot squash the view.
    both = np.concatenate(samples)
    lo, hi = np.quantile(both, [0.0025, 0.9975])
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    return dict(start=float(lo), end=float(hi), size=float((hi - lo) / nbins))


st.title("Reparameterization")
st.caption("Why gradients can flow through a random draw, and what the alternative costs.")


@st.fragment
def experiment() -> None:
    fig_col, ctl = st.columns([3, 2], gap="large")
    with ctl:
        st.markdown("**Estimate the gradient of E[f(z)], z ~ N(mu, sigma^2), with respect to mu and sigma.**")
        # f and the baseline switch get the column's whole width: at half of it their text was cut short.
        key = st.selectbox(
            "test function f",
            list(estimators.FUNCTIONS),
            key="rp_f",
            format_func=lambda k: "f(z) = " + k.replace("step(z-a)", "1[z > a]"),
        )
        fn = estimators.get_function(key)
        c1, c2 = st.columns(2)
        a = c1.slider(
            "shift a",
            -3.0,
            3.0,
            0.5,
            0.1,
            key="rp_a",
            disabled=not fn.uses_a,
            help="Only used by the functions that contain a.",
        )
        seed = int(c2.number_input("seed", 0, 2**31 - 1, 0, key="rp_seed"))
        mu = c1.slider("mu", -3.0, 3.0, 1.0, 0.05, key="rp_mu")
        sigma = c2.slider("sigma", 0.1, 3.0, 1.0, 0.05, key="rp_sigma")
        batch = c1.select_slider("draws per estimate (batch m)", BATCHES, 16, key="rp_m")
        n_est = c2.select_slider("number of estimates", [500, 1000, 2000, 5000], 2000, key="rp_n")
        baseline = st.toggle(
            "baseline (score fn.)",
            False,
            key="rp_baseline",
            help="Subtract from each f(z_j) the mean of the other draws of its batch: still "
            "unbiased, usually less variance. Needs m >= 2.",
        )
    try:
        r = gradient_estimates(key, mu, sigma, int(batch), int(n_est), a if fn.uses_a else 0.0, seed, baseline)
    except InputError as e:
        ctl.error(str(e))
        return
    rs, ss = r["reparam_summary"], r["score_summary"]
    with fig_col:
        fig = make_subplots(
            rows=1,
            cols=2,
            horizontal_spacing=0.08,
            subplot_titles=(f"d/dmu E[f]<br>exact {r['exact'][0]:.4f}", f"d/dsigma E[f]<br>exact {r['exact'][1]:.4f}"),
        )
        fig.update_annotations(font_size=13)
        for j in range(2):
            bins = shared_bins(r["reparam"][:, j], r["score"][:, j], r["exact"][j : j + 1])
            for est, name, color in (
                (r["score"], "score function", SCORE_COLOR),
                (r["reparam"], "reparameterization", REP_COLOR),
            ):
                fig.add_trace(
                    go.Histogram(
                        x=est[:, j],
                        xbins=bins,
                        name=name,
                        marker_color=color,
                        opacity=0.6,
                        legendgroup=name,
                        showlegend=j == 0,
                    ),
                    row=1,
                    col=j + 1,
                )
            fig.add_vline(x=r["exact"][j], line=dict(color="black", width=2.5), row=1, col=j + 1)
            fig.update_xaxes(range=[bins["start"], bins["end"]], row=1, col=j + 1)
        fig.update_layout(
            barmode="overlay",
            height=430,
            margin=dict(l=10, r=10, t=50, b=10),
            legend=LEGEND_BELOW,
        )
        fig.update_yaxes(title_text=f"count of {n_est} estimates", row=1, col=1)
        st.plotly_chart(fig, key="rp_fig")
        st.caption(
            f"{n_est} estimates of each kind, each the average over m = {batch} draws; bins cover the "
            "central 99.5% of the estimates. Black lines: the exact gradient, the derivative of the closed "
            "form of E[f] (right)."
        )
    rows = []
    for name, s in (("reparameterization", rs), ("score function" + (" + baseline" if baseline else ""), ss)):
        for j, par in enumerate(("mu", "sigma")):
            rows.append(
                {
                    "estimator": name,
                    "gradient": f"d/d{par}",
                    "exact": s["exact"][j],
                    "mean": s["mean"][j],
                    "s.e.": s["se"][j],
                    "z": s["z"][j],
                    "variance": s["var"][j],
                    "m x variance": batch * s["var"][j],
                }
            )
    with st.container():  # the whole width: in the figure's column its right columns were cut
        st.dataframe(
            pd.DataFrame(rows),
            hide_index=True,
            key="rp_table",
            # Fewer digits where they carry nothing (z, the variances), so every column fits at 1024 px.
            column_config={c: st.column_config.NumberColumn(format="%.4f") for c in ["exact", "mean", "s.e."]}
            | {"z": st.column_config.NumberColumn(format="%.2f")}
            | {c: st.column_config.NumberColumn(format="%.4g") for c in ["variance", "m x variance"]},
        )
        st.caption(
            "s.e.: standard error of the mean of the estimates; z = (mean - exact) / s.e. (an unbiased "
            "estimator gives |z| < 3 nearly always); variance: of one estimate (an average over m draws); "
            "m x variance: flat in m when the m draws are independent."
        )
    with ctl:
        row = st.container(horizontal=True, gap="medium")  # side by side where they fit, else one under the other
        for j, par in enumerate(("mu", "sigma")):
            ratio = ss["var"][j] / rs["var"][j] if rs["var"][j] > 0 else float("inf")
            row.metric(
                f"variance ratio, d/d{par}",
                f"{ratio:.2f}" if np.isfinite(ratio) else "inf",
                help="Variance of the score-function estimates divided by that of the reparameterization "
                "estimates. Above 1: reparameterization is the more precise one.",
                width="content",
            )
        st.latex(
            rf"\begin{{gathered}} {fn.latex} \\ \mathbb{{E}}_q[f] = {fn.expectation_latex} \\ = "
            rf"{fn.expectation(mu, sigma, a if fn.uses_a else 0.0):.4f} \end{{gathered}}"
        )
        if not fn.differentiable:
            st.warning(
                "f is flat wherever its derivative exists, so every reparameterization estimate is 0 even "
                "though E[f] changes with mu and sigma: the pathwise trick needs a differentiable f. The "
                "score function only evaluates f and stays unbiased."
            )


experiment()

st.divider()
left, right = st.columns(2, gap="large")
with left:
    st.markdown("#### The trick")
    st.markdown(
        "A VAE's loss contains an average over z drawn from q(z|x) = N(mu, sigma^2), and mu and sigma come out "
        "of the encoder. A sampling step has no derivative with respect to its parameters, so backpropagation "
        "would stop there. Rewrite the draw as a deterministic function of the parameters and of noise that "
        "does not depend on them:"
    )
    st.latex(
        r"\begin{gathered} z = \mu + \sigma\,\varepsilon,\quad \varepsilon \sim \mathcal{N}(0, 1) \\ "
        r"\Rightarrow\quad \frac{\partial z}{\partial \mu} = 1,\;\; \frac{\partial z}{\partial \sigma} = "
        r"\varepsilon \end{gathered}"
    )
    # One derivative per line: the second one's final epsilon is the point of the formula.
    st.latex(
        r"\begin{aligned} \frac{\partial}{\partial\mu}\mathbb{E}_{q}[f(z)] &= \mathbb{E}_{\varepsilon}"
        r"\big[f'(z)\big] \\ \frac{\partial}{\partial\sigma}\mathbb{E}_{q}[f(z)] &= "
        r"\mathbb{E}_{\varepsilon}\big[f'(z)\,\varepsilon\big] \end{aligned}"
    )
    st.markdown(
        "Now the randomness is an input, like the data, and the chain rule runs from the loss through z to mu "
        "and sigma. In the experiment, autograd does exactly this on z = mu + sigma * eps "
        "(`vae_core.model.VAE.reparameterize` is the same line inside the model)."
    )
with right:
    st.markdown("#### The alternative: the score function (REINFORCE)")
    st.markdown(
        "The gradient can also be moved onto the log-density, using that the derivative of q equals q times the "
        "derivative of log q. This needs only values of f, not its derivative, so it works for any f, even a "
        "step or a black box:"
    )
    st.latex(
        r"\begin{gathered} \nabla_{\theta}\,\mathbb{E}_{q_\theta}[f(z)] = \\ \mathbb{E}_{q_\theta}\big[f(z)\,"
        r"\nabla_\theta \log q_\theta(z)\big] \end{gathered}"
    )
    st.latex(
        r"\begin{aligned} \frac{\partial \log q}{\partial \mu} &= \frac{z - \mu}{\sigma^2} \\ "
        r"\frac{\partial \log q}{\partial \sigma} &= \frac{(z-\mu)^2 - \sigma^2}{\sigma^3} \end{aligned}"
    )
    st.markdown(
        "For a differentiable f both estimators are unbiased: their histograms centre on the exact gradient. "
        "For the step function the pathwise estimate is always 0 (f' is 0 wherever it exists), so only the "
        "score function stays unbiased there. Where both work, they differ in spread. "
        "The score function multiplies the raw value of f by a noisy weight, so an f that is large on average "
        "(try shifting mu away from 0 with f(z) = z²) gives wild estimates; the reparameterization estimator uses "
        "how f changes near each draw and is usually much tighter. That low variance is why VAEs train with it. "
        "A baseline subtracted from f often narrows the score function, but not always: with f(z) = sin(z) "
        "at mu = sigma = 1, the leave-one-out baseline widens the d/dsigma estimates (m x variance 1.8 to 2.6 "
        "against 0.8 without it). Averaging m independent draws divides an estimator's variance by m, so its "
        "spread shrinks like 1/sqrt(m) and the table's m x variance stays put as m grows. The leave-one-out "
        "baseline breaks the independence (each draw's baseline is the mean of the others), so its m x "
        "variance is largest at small m: for sin(z) it is about 2.6, 2.1 and 1.8 at m = 2, 4 and 128."
    )

st.markdown("#### The two computation graphs")
g1, g2 = st.columns(2, gap="large")
g1.caption("Sampling inside the graph: the red step has no derivative, so the loss cannot reach the encoder.")
g1.graphviz_chart(
    "digraph { rankdir=LR; ranksep=0.3; nodesep=0.25; node [shape=box, style=rounded, fontsize=16, "
    'margin="0.1,0.04"]; "encoder(x)" -> "mu, sigma"; "mu, sigma" -> "z ~ N(mu, sigma²)" '
    '[label="sample", style=dashed, color=red, fontcolor=red, fontsize=14]; '
    '"z ~ N(mu, sigma²)" -> "loss(decoder(z))" }'
)
g2.caption("Reparameterized: eps is an input like x, and z is a formula the chain rule can go through.")
g2.graphviz_chart(
    "digraph { rankdir=LR; ranksep=0.3; nodesep=0.25; node [shape=box, style=rounded, fontsize=16, "
    'margin="0.1,0.04"]; "encoder(x)" -> "mu, sigma" -> "z = mu + sigma·eps"; '
    'eps [shape=ellipse, label="eps ~ N(0, 1)"]; eps -> "z = mu + sigma·eps"; '
    '"z = mu + sigma·eps" -> "loss(decoder(z))" }'
)


st.markdown("#### Where mu and sigma come from: one trunk, two heads")
sel = state.current()
parts = sel.model.encoder_parts()
trunk_nodes = " -> ".join(
    f'"g1: {name} {a}→{b}"' if name == "Linear" else f'"g1: {name}"' for name, a, b in parts["trunk"]
)
heads = parts["heads"]
if "mu" in heads:
    (w, k) = heads["mu"]
    head_edges = (
        f'"{w} features" -> "g2: Linear {w}→{k}" -> "mu ({k})"; "{w} features" -> "h2: Linear {w}→{k}" -> '
        f'"log sigma² ({k})"; "mu ({k})" -> z; "log sigma² ({k})" -> z; eps -> z;'
        'eps [shape=ellipse, label="eps ~ N(0, I)"]; z [label="z = mu + sigma·eps"];'
    )
else:
    (w, k) = heads["z"]
    head_edges = f'"{w} features" -> "Linear {w}→{k}" -> "z ({k})";'
graph = (
    "digraph { rankdir=LR; ranksep=0.25; nodesep=0.2; node [shape=box, style=rounded, fontsize=14, "
    f'margin="0.08,0.03"]; "x ({parts["input"]})" -> '
    + (f'{trunk_nodes} -> "{w} features"; ' if trunk_nodes else f'"{w} features"; ')
    + head_edges
    + " }"
)
st.graphviz_chart(graph)
p = parts["parameters"]
st.caption(
    f"Drawn from the layers of **{sel.model_name}**. The tutorial writes g(x) = g2(g1(x)) for the mean and "
    "h(x) = h2(g1(x)) for the spread: g1 is shared"
    + (f" ({p['trunk']:,} parameters)" if p["trunk"] else " (here: no hidden layer, so g1 is the identity)")
    + ", and each head is one linear layer"
    + (
        f" ({p['mu']:,} parameters each; in the code they are the two halves of the last Linear layer)."
        if "mu" in p
        else ". A plain autoencoder has one head and no sigma."
    )
)
