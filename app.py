"""Streamlit entry point: page routing and the shared sidebar (dataset, model, device). No math here."""

from pathlib import Path

import streamlit as st
import torch

from ui import clicklog, keys, links, state, training
from vae_core import InputError

clicklog.install()  # server-side click timings for bench/bench_load.py; does nothing unless VAE_CLICK_LOG is set
# The models are small MLPs: one intra-op thread per operation is as fast as two, and lets two sessions (or a
# training and a decode) use the two cores of a small server without thrashing each other.
torch.set_num_threads(1)

# A file served by this server: a ":material/...:" icon makes the browser fetch the favicon from Google's font
# host, and nothing may leave the machine (tests/test_browser_layout.py checks every request).
st.set_page_config(
    page_title="VAE latent-space explorer", page_icon=Path(__file__).parent / "ui" / "favicon.png", layout="wide"
)
try:
    training.pool()  # the training processes start with the first session, once, so trainings find them warm
except InputError as e:  # a bad VAE_WORKERS: the app still serves everything but training
    st.error(f"Training is unavailable on this server: {e}")

PAGES = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app_pages/pca.py", title="PCA vs autoencoder", icon=":material/compare_arrows:"),
    st.Page("app_pages/explorer.py", title="Latent explorer", icon=":material/scatter_plot:"),
    st.Page("app_pages/information.py", title="Information and KL", icon=":material/functions:"),
    st.Page("app_pages/elbo.py", title="ELBO", icon=":material/stacked_line_chart:"),
    st.Page("app_pages/reparam.py", title="Reparameterization", icon=":material/shuffle:"),
    st.Page("app_pages/train.py", title="Train", icon=":material/model_training:"),
]

page = st.navigation(PAGES)
links.restore()  # a session opened from a shared link starts from its dataset and model
sel = st.session_state[keys.SELECTION] = state.sidebar()
links.notices()
links.publish_selection(sel)  # the URL names what is shown: a link to this view
page.run()
