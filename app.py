"""Streamlit entry point: page routing and the shared sidebar (dataset, model, device). No math here."""

from pathlib import Path

import streamlit as st
import torch

from ui import clicklog, keys, links, pages, state, training
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

PAGES = [st.Page(p.path, title=p.title, icon=p.icon, default=p is pages.HOME) for p in pages.PAGES]

page = st.navigation(PAGES)
links.restore()  # a session opened from a shared link starts from its dataset and model
sel = st.session_state[keys.SELECTION] = state.sidebar()
links.notices()
links.publish_selection(sel)  # the URL names what is shown: a link to this view
page.run()
