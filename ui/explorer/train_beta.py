"""The Train at a beta panel: the same architecture at another KL weight, or a whole grid in one run."""

from __future__ import annotations

import streamlit as st

from ui import keys, training
from ui.inputs import number_in_range
from vae_core import InputError, TrainConfig
from vae_core.config import BETA_GRID, parse_betas
from vae_core.model import VAE


def train_tab(sel, model: VAE) -> None:
    """Train this architecture at a custom beta, or a whole beta grid in one batched run, with progress."""
    cfg = model.config
    info = model.info.get("train") or {}
    st.markdown(
        "Train the same architecture on the same data at another KL weight. A whole grid trains as one "
        "batched computation: on this project's 2-core CPU the 8 betas of the default grid took 3.22 s against "
        "1.06 s for one digits model, 3.0 times as long (medians of 3 interleaved runs of "
        "`python bench/bench_train.py`, which measures your machine). The panel below times your own run."
    )
    c = st.columns([1, 1, 2])
    beta = number_in_range("beta", 0.0, 100.0, 1.5, step=0.1, key="ex_tbeta", where=c[0], disabled=not model.is_vae)
    last = training.clamp(int(info.get("epochs", 60)), 1, training.MAX_EPOCHS)  # the last training may be larger
    epochs = number_in_range("epochs", 1, training.MAX_EPOCHS, last, key="ex_tepochs", where=c[1])
    refused = beta is None or epochs is None
    grid_txt = c[2].text_input(
        "or a grid of betas", ", ".join(f"{b:g}" for b in BETA_GRID), key="ex_tgrid", disabled=not model.is_vae
    )
    job = st.session_state.get(keys.EX_JOB)
    off = bool(job and job.active) or not model.is_vae or refused
    buttons = st.container(horizontal=True)  # under the boxes: in their row the labels were cut short
    one = buttons.button("Train at this beta", key="ex_train_one", disabled=off)
    many = buttons.button("Train the grid", key="ex_train_grid", disabled=off)
    if one or many:
        try:
            betas = [float(beta)] if one else parse_betas(grid_txt, "the grid of betas")
            tcfg = TrainConfig(
                beta=betas[0],
                epochs=int(epochs),
                batch_size=int(info.get("batch_size", 64)),
                lr=float(info.get("lr", 2e-3)),
                seed=int(info.get("seed", 0)),
            )
        except InputError as e:
            st.error(f"Cannot train: {e}")
            return
        name = sel.dataset_name
        training.start_fit(keys.EX_JOB, f"{name}-sweep", name, sel.dataset, cfg, tcfg, betas, str(sel.device))
    training.progress_panel(keys.EX_JOB, select=False, where="They are on the KL-weight slider now.")
