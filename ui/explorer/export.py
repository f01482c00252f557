"""Export buttons of the explorer: the shown codes as CSV, decoded images as PNG, the model's checkpoint.

Every file is built only when its button is pressed (a callable passed to st.download_button), so an
export costs nothing on the reruns that do not use it."""

from __future__ import annotations

import re

import numpy as np
import streamlit as st

from vae_core import Dataset, checkpoints, export


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(text)).strip("-")[:80] or "model"


def file_stem(model_name: str, dataset_name: str) -> str:
    """A file name for a model's exports: its name without the sidebar's note in brackets ("(VAE, beta=1)",
    "(this session)"), led by the data set's name unless the model's name already starts with it."""
    name = _slug(re.sub(r"\s*\([^)]*\)\s*$", "", model_name))
    data = _slug(dataset_name)
    return name if name.startswith(data) else f"{data}-{name}"


def codes_and_checkpoint(model, ds: Dataset, model_name: str, where=st) -> None:
    """Two buttons: the latent codes of every row of ds under model (CSV: index, label, mu_*, logvar_*),
    and the model as a .safetensors checkpoint (the Train page's format; loads with checkpoints.load)."""
    name = file_stem(model_name, ds.name)
    where.download_button(
        "Codes (CSV)",
        lambda: export.latents_csv(model, ds),
        file_name=f"{name}-codes.csv",
        mime="text/csv",
        key="ex_dl_csv",
        width="stretch",
        on_click="ignore",
        icon=":material/download:",
        help=f"One row per sample of {ds.name} ({ds.n:,}): index, label, posterior mean and log-variance.",
    )
    where.download_button(
        "Checkpoint",
        lambda: checkpoints.to_bytes(model),
        file_name=f"{name}.safetensors",
        mime="application/octet-stream",
        key="ex_dl_ckpt",
        width="stretch",
        on_click="ignore",
        icon=":material/download:",
        help="The model shown, as safetensors (weights + JSON config); upload it on the Train page.",
    )


def images_button(images, image_shape, ncols: int, label: str, file_name: str, key: str, where=st) -> None:
    """A button that downloads images (n, h * w) in [0, 1] as one PNG sheet, ink dark on white as shown."""
    x = np.asarray(images, np.float32)
    h = int(image_shape[0])
    where.download_button(
        label,
        lambda: export.images_png(x, image_shape, ncols, scale=max(1, 112 // h), invert=True),
        file_name=file_name,
        mime="image/png",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )
