"""A tiny Streamlit app around ui.drawpad's panel, for tests/test_browser_drawpad.py.

Query parameter dataset: digits (default) or mnist; the shipped beta = 1 VAE of that data set is used."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
import torch  # noqa: E402

from ui.drawpad.panel import drawing_panel  # noqa: E402
from vae_core import checkpoints, data  # noqa: E402

torch.set_num_threads(1)
st.set_page_config(page_title="draw pad test", layout="wide")
NAME = "mnist" if st.query_params.get("dataset") == "mnist" else "digits"


@st.cache_resource
def load(name: str):
    model, _ = checkpoints.load(ROOT / "models" / f"{name}-vae-beta1.safetensors")
    return model, data.load(name)


model, ds = load(NAME)
drawing_panel(model, ds, NAME)
