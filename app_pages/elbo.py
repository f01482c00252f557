"""ELBO: for one input of a 2-D-latent VAE, the true posterior p(z|x) on a grid beside a Gaussian q(z|x) you can
move; ELBO(q) + KL(q || p(z|x)) stays equal to log p(x), every term by quadrature (vae_core.posterior). The
panels live in ui/elbo/."""

import streamlit as st

from ui import state
from ui.elbo.common import px_label
from ui.elbo.grid_panel import grid_panel
from ui.elbo.reconstruction import bernoulli_mass, c_panel
from ui.elbo.sampled import sampled_panel

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
# A Bernoulli on grey levels is not a density of x: its "log p(x)" is minus a cross-entropy. Say so on every label.
PX = px_label(sel)
if PX != "log p(x)":
    st.warning(
        "**Bernoulli cross-entropy, not a log-likelihood.** This decoder is a Bernoulli on grey-level pixels, "
        "where x log s + (1 - x) log(1 - s) is minus a binary cross-entropy and not the log of a normalised "
        "density. ELBO + KL = 'log p(x)' still holds, but 'log p(x)' here is the log of an unnormalised "
        "integral and cannot be compared with real log-likelihoods. For one, pick a continuous-Bernoulli model "
        "(`-vae-cb-`) or a binarized dataset in the sidebar."
    )

if model.config.latent_dim == 2:
    grid_panel(sel, PX)
else:
    sampled_panel(sel, PX)

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
    bernoulli_mass()


with right:
    c_panel(ds)
