"""Home: what a VAE is, the shipped models as a gallery of decoded manifolds, and a way into every page."""

import numpy as np
import streamlit as st
import torch

from ui import cache, pages, scores, state
from ui.cache import manifold_images
from ui.figures import num, show_images

st.title("Variational autoencoders, by touching them")

left, right = st.columns([3, 2], gap="large")
with left:
    st.markdown(
        """
An **autoencoder** squeezes each input through a small code and rebuilds it: an encoder maps x to a
latent point z, a decoder maps z back. With linear maps and a squared error it finds the same subspace as PCA.

A **variational autoencoder** makes the code uncertain on purpose. The encoder returns a Gaussian
q(z|x) instead of a point, the decoder is a probability model p(x|z), and training maximizes a
**beta-weighted objective**:
"""
    )
    st.latex(
        r"\begin{aligned} \mathcal{L}(x) = &\underbrace{\mathbb{E}_{q(z|x)}[\log p(x|z)]}_{\text{reconstruct}} \\"
        r" - \beta\,&\underbrace{\mathrm{KL}(q(z|x)\,\|\,\mathcal{N}(0, I))}_{\text{stay near the prior}} \end{aligned}"
    )
    st.caption(
        "At beta = 1 this is the evidence lower bound (ELBO): it never exceeds log p(x). A beta above 1 only "
        "subtracts more of a non-negative KL, so it is a looser lower bound; with beta < 1 the KL counts less "
        "than the bound needs, and the objective can rise above log p(x), so it bounds nothing."
    )
    st.markdown(
        """
The KL term pulls every code toward the same standard Gaussian. Codes then overlap, so nearby points decode
to similar images (**continuity**) and random draws from the prior land where the decoder was trained
(**completeness**). Turn it off (beta = 0) and each code shrinks to a spike, spread wider than the prior:
prior draws then fall between the codes, in holes. Turn it up and the codes carry less and less about the
input, until (digits, beta = 4) nothing at all. Every page below lets you see this on a trained model.
"""
    )
with right:
    st.markdown("#### Pages")
    for page in pages.PAGES:
        if page is not pages.HOME:
            st.page_link(page.path, label=page.title)
            st.caption(page.blurb)


def gallery_numbers(row: dict) -> str:
    """One line of evaluated numbers per tile: an AE has no ELBO, and a Bernoulli on grey levels scores a
    cross-entropy, not a log-likelihood, so neither gets the word ELBO."""
    m = row["metrics"]
    if row["kind"] == "ae":
        return f"autoencoder: reconstruction {m.get('recon', float('nan')):.1f} nats (no KL, no ELBO)"
    if row.get("cross_entropy"):
        return f"Bernoulli cross-entropy {m.get('recon', float('nan')):.1f} + KL {num(m.get('kl', 0))} nats"
    return f"ELBO {m.get('elbo', float('nan')):.1f} nats, KL {num(m.get('kl', 0))} nats"


st.subheader("Shipped models")
tile_caption = st.empty()  # written once the tiles' numbers are known (below)
rows = [r for r in state.shipped_index() if r["latent_dim"] == 2]
# Per dataset: the Bernoulli VAEs in order of beta (the KL slider's story), the plain autoencoder, then the
# continuous-Bernoulli model.
image_rows = sorted(
    (r for r in rows if r["image_shape"] is not None),
    key=lambda r: (r["dataset"], r.get("likelihood") != "bernoulli", r["kind"] == "ae", r["beta"] or 0.0),
)
if not image_rows:
    st.info("No shipped image models found in models/. Rebuild them with `python -m vae_core pretrain`.")
# One block per data set and a fresh row of four for every four tiles, so tiles of one size sit side by side
# and every row starts level (tiles flowing down four columns mixed 8x8 and 28x28 grids in ragged rows).
for ds_name in dict.fromkeys(r["dataset"] for r in image_rows):
    group = [r for r in image_rows if r["dataset"] == ds_name]
    st.markdown(f"**{state.DATASET_LABELS.get(ds_name, ds_name)}**")
    for start in range(0, len(group), 4):
        cols = st.columns(4)
        for col, row in zip(cols, group[start : start + 4]):
            model = state.shipped_model(row["path"], "cpu")
            images, _ = manifold_images(model, n=12)
            kind = "autoencoder" if row["kind"] == "ae" else f"VAE, beta={row['beta']:g}"
            if row.get("likelihood") == "continuous_bernoulli":  # short: a tile's title has room for ~28 characters
                kind = "VAE, cont. Bernoulli"
            with col:
                show_images(images, row["image_shape"], 12, px=240, caption=f"{row['dataset']} {kind}")
                if row["metrics"]:
                    st.caption(gallery_numbers(row))


def box_sentence(row: dict | None) -> str:
    """How much of the tiles' box the beta = 0 codes occupy, measured on the model and its data."""
    if row is None:
        return ""
    model = cache.shipped_model(row["path"], "cpu")
    mu, logvar = cache.encode_all(model, cache.dataset(row["dataset"]).x)
    inside = float((np.abs(mu) <= 2.5).all(1).mean())
    sd = float(np.median(np.exp(0.5 * logvar)))
    return (
        f" With beta = 0 the tiles still show digits, and {inside:.0%} of the codes of real {row['dataset']} "
        f"images lie inside this box; yet completeness is near 0 (the explorer), because each code is a spike "
        f"(median sigma {sd:.3f}) and the prior's mass falls between the spikes, where no image was encoded."
    )


def collapse_sentence(rows: list[dict]) -> str:
    """Which shipped VAEs gave up their code (KL below 0.01 nats per sample), and which large-beta ones did not."""
    vaes = [r for r in rows if r["kind"] == "vae" and r["beta"] is not None and r["metrics"].get("kl") is not None]
    gone = [r for r in vaes if r["metrics"]["kl"] < 0.01]
    top = max((r["beta"] for r in vaes), default=None)
    kept = [r for r in vaes if r["beta"] == top and r["metrics"]["kl"] >= 0.01]
    out = " Around beta = 1 the codes fill the prior."
    if gone:
        names = ", ".join(f"{r['dataset']} beta = {r['beta']:g}" for r in gone)
        out += f" Collapsed (KL 0.00 nats, every z decodes to the same average image): {names}."
    if kept:
        names = ", ".join(f"{r['dataset']} (KL {r['metrics']['kl']:.2f} nats)" for r in kept)
        out += f" Still encoding at beta = {top:g}: {names}; how much KL weight a code survives depends on the data."
    return out


tile_caption.caption(
    "Each tile decodes a 12 x 12 grid of latent points over [-2.5, 2.5]^2."
    + box_sentence(next((r for r in image_rows if r["name"] == "digits-vae-beta0"), None))
    + collapse_sentence(image_rows)
    + " Numbers are measured on the whole data set after training, as in the README."
)

holes_row = next((r for r in image_rows if r["name"] == "digits-vae-beta0"), None)
if holes_row is not None:
    st.markdown("#### Where the holes are (digits, beta = 0)")
    model = cache.shipped_model(holes_row["path"], "cpu")
    comp = cache.summary(model, cache.dataset("digits"))["completeness"]
    order = np.argsort(comp["coverage"])
    with torch.no_grad():
        deep = model.decode(torch.as_tensor(comp["draws"][order[:12]])).numpy()
        best = model.decode(torch.as_tensor(comp["draws"][order[-12:]])).numpy()
    a, b = st.columns(2)
    show_images(deep, (8, 8), 12, px=420, caption="the 12 prior draws deepest in holes", where=a)
    show_images(best, (8, 8), 12, px=420, caption="the 12 best-covered prior draws", where=b)
    edge = float(comp["coverage"][order[11]])
    edge_txt = "0 to double precision" if edge < 1e-300 else f"at most {edge:.0e}"
    st.caption(
        f"Of {comp['n_samples']} prior draws z ~ N(0, I), these are the ones where the aggregate posterior q(z) "
        f"is smallest relative to the prior (q/p {edge_txt} on the left), "
        f"decoded. Completeness of this model: {scores.fmt(comp['score'], comp.get('se'))}. Without the KL term "
        "the codes of real digits are spikes far narrower than the gaps between them, and almost every prior "
        "draw lands in a gap. As the left row shows, a hole does not decode to nonsense: the decoder paints a "
        "digit there too, from what it learned nearby, but no image was encoded at those points, so which "
        "digits come out no longer follows the data (the explorer's class mix)."
    )
