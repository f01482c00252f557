"""PCA vs autoencoder: PCA, a linear AE, a non-linear AE and a VAE on the same data and latent sizes."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from ui import cache, keys, state, training
from ui.figures import LEGEND_BELOW, code_scatter, show_images

sel = state.current()
ds = sel.dataset
st.title("PCA vs autoencoder")

left, right = st.columns([3, 2], gap="large")
with right:
    st.markdown(
        "PCA keeps the k directions of largest variance: with U the top k eigenvectors of the data "
        "covariance, the code and the reconstruction are"
    )
    st.latex(r"\begin{gathered} z = U^\top (x - \bar x), \\ \hat x = \bar x + U U^\top (x - \bar x). \end{gathered}")
    st.markdown(
        "An autoencoder learns an encoder e and a decoder d by minimizing the squared reconstruction "
        "error. When both are linear, the best decoder spans **the same subspace** as U (its axes may be "
        "rotated or sheared), so it cannot beat PCA. Non-linear maps can follow a curved manifold, like "
        "the swiss roll, with fewer dimensions. A VAE pays for its KL term with some reconstruction error."
    )
    dims_all = [k for k in (1, 2, 3, 4, 6, 8, 12, 16) if k <= min(ds.dim, ds.n)]
    dims = st.multiselect(
        "Latent sizes to compare", dims_all, default=[k for k in dims_all if k <= 8][:6], key="pca_dims"
    )
    epochs = st.slider(
        "Training epochs per model",
        5,
        200,
        20,
        5,
        key="pca_epochs",
        help="More epochs bring the linear AE closer to the PCA optimum (smaller angles).",
    )
    run = st.button(
        "Train the autoencoders",
        type="primary",
        key="pca_run",
        help="Trains a linear AE, an AE and a VAE for every latent size. Results are cached for everyone.",
    )


evr, scores, total_var = cache.pca_baseline(ds, min(ds.dim, ds.n, 16))
key = training.pca_key(ds, tuple(sorted(dims)), int(epochs), str(sel.device))
if run:
    if not dims:
        st.error("Pick at least one latent size.")
        st.stop()
    st.session_state[keys.PCA_FOR] = key
    if key not in training.pca_results():  # computed once per server, for every session
        training.start_pca(keys.PCA_JOB, sel.dataset_name, ds, *key[1:])
res = training.pca_results().get(key) if st.session_state.get(keys.PCA_FOR) == key else None
with left:
    training.progress_panel(keys.PCA_JOB)

with left:
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("reconstruction error<br>vs latent size", "principal angles:<br>linear AE vs PCA"),
    )
    fig.update_annotations(font_size=13)
    ks = np.arange(1, len(evr) + 1)
    fig.add_trace(
        go.Scatter(x=ks, y=total_var * (1 - np.cumsum(evr)), name="PCA (exact)", line=dict(color="#636efa")),
        row=1,
        col=1,
    )
    if res is not None:
        for name, color, dash in (("linear_ae", "#00cc96", "dash"), ("ae", "#ef553b", None), ("vae", "#ab63fa", None)):
            fig.add_trace(
                go.Scatter(
                    x=res["latent_dims"],
                    y=res["errors"][name],
                    mode="lines+markers",
                    name={"linear_ae": "linear AE", "ae": "non-linear AE", "vae": "VAE"}[name],
                    line=dict(color=color, dash=dash),
                ),
                row=1,
                col=1,
            )
        for k, ang in zip(res["latent_dims"], res["angles"]):
            fig.add_trace(
                go.Box(y=ang, name=f"k={k}", marker_color="#00cc96", showlegend=False, boxpoints="all"), row=1, col=2
            )
        fig.update_yaxes(title_text="degrees", row=1, col=2)
    else:
        fig.add_annotation(
            # In the empty panel's own box, in short lines: one long line ran over the error curve when narrow.
            text="press <b>Train the<br>autoencoders</b><br>to measure<br>the linear AE's<br>subspace",
            xref="paper",
            yref="paper",
            x=sum(fig.layout.xaxis2.domain) / 2,
            y=0.5,
            showarrow=False,
        )
        fig.update_xaxes(visible=False, row=1, col=2)
        fig.update_yaxes(visible=False, row=1, col=2)
    fig.update_xaxes(title_text="latent size k", row=1, col=1)
    fig.update_yaxes(title_text="squared error, summed over features, mean over samples", row=1, col=1)
    fig.update_layout(
        height=400,
        margin=dict(l=0, r=0, t=50, b=0),
        legend=LEGEND_BELOW,
    )
    st.plotly_chart(fig, key="pca_curves")
    if res is not None:
        k2 = res["latent_dims"]
        i2 = k2.index(2) if 2 in k2 else 0
        e = {n: res["errors"][n][i2] for n in res["errors"]}
        st.caption(
            f"At k = {k2[i2]}: PCA {e['pca']:.3f}, linear AE {e['linear_ae']:.3f} "
            f"({100 * (e['linear_ae'] / e['pca'] - 1):+.1f}%), non-linear AE {e['ae']:.3f}, VAE {e['vae']:.3f}."
            f" Largest principal angle {float(np.max(res['angles'][i2])):.1f} degrees. Trained "
            f"{res['settings']['epochs']} epochs per model in {res['seconds']:.1f} s."
        )
        if ds.image_shape is None:
            st.caption(
                "The VAE here uses a Gaussian likelihood with c = 1 on standardized data, where the variance "
                f"along every principal direction is near 1 (the largest is {evr[0] * total_var:.2f}). A "
                "linear VAE keeps a direction only while its variance exceeds beta x c = 1, so the KL term "
                "outweighs most of what a code would save in reconstruction: at k = "
                f"{k2[i2]} the VAE's error is {e['vae']:.2f} of the total {total_var:.2f}. A smaller c (Train "
                "page) lets it encode."
            )
    else:
        st.caption(
            "The blue curve is exact: PCA's error with k components is the sum of the remaining eigenvalues. "
            "Train the autoencoders to put them on the same axes."
        )

st.subheader("2-D codes side by side")
emb = res["embeddings"] if res is not None and res["embeddings"] is not None else {"pca": scores}
cols = st.columns(4)
for col, name in zip(cols, ("pca", "linear_ae", "ae", "vae")):
    with col:
        title = {
            "pca": "PCA scores",
            "linear_ae": "linear AE codes",
            "ae": "non-linear AE codes",
            "vae": "VAE posterior means",
        }[name]
        if name not in emb:
            st.caption(f"{title}: train the autoencoders (k = 2 included) to see this.")
            continue
        f = code_scatter(emb[name], labels=ds.y, color=ds.color, title=title, height=280)
        st.plotly_chart(f, key=f"pca_emb_{name}", config={"displayModeBar": False})

if res is not None and res["reconstructions"] is not None:
    st.subheader("Reconstructions at k = 2")
    r = res["reconstructions"]
    if ds.image_shape is not None:
        rows = np.concatenate([r[n] for n in ("original", "pca", "linear_ae", "ae", "vae")])
        show_images(
            rows,
            ds.image_shape,
            len(r["index"]),
            px=640,
            caption="Rows, top to bottom: original, PCA, linear AE, non-linear AE, VAE.",
        )
    else:
        f = go.Figure()
        for n, c in (("original", "#444"), ("pca", "#636efa"), ("ae", "#ef553b"), ("vae", "#ab63fa")):
            p = ds.to_data_units(r[n])
            f.add_trace(
                go.Scatter3d(
                    x=p[:, 0],
                    y=p[:, 1],
                    z=p[:, 2] if p.shape[1] > 2 else p[:, 1] * 0,
                    mode="markers",
                    name=n,
                    marker=dict(size=4, color=c),
                )
            )
        f.update_layout(height=420, margin=dict(l=0, r=0, t=10, b=0))
        st.plotly_chart(f, key="pca_recon3d")
