"""Export buttons of the explorer: the shown codes as CSV, decoded images as PNG, the model's checkpoint, and
the whole KL-weight grid as a standalone HTML page (ui.canvas.standalone).

Every file is built only when its button is pressed (a callable passed to st.download_button), so an
export costs nothing on the reruns that do not use it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import streamlit as st

from ui.canvas import standalone
from vae_core import Dataset, checkpoints, export


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(text)).strip("-")[:80] or "model"


def file_stem(model_name: str, dataset_name: str) -> str:
    """A file name for a model's exports: its name without the sidebar's note in brackets ("(VAE, beta=1)",
    "(this session)"), led by the data set's name unless the model's name already starts with it."""
    name = _slug(re.sub(r"\s*\([^)]*\)\s*$", "", model_name))
    data = _slug(dataset_name)
    return name if name.startswith(data) else f"{data}-{name}"


def _download(where, label: str, data, file_name: str, mime: str, key: str, **extra) -> None:
    """One download button as every export draws it: built only when pressed (data is a callable), no rerun."""
    where.download_button(
        label, data, file_name=file_name, mime=mime, key=key, on_click="ignore", icon=":material/download:", **extra
    )


def codes_and_checkpoint(model, ds: Dataset, model_name: str, where=st) -> None:
    """Two buttons: the latent codes of every row of ds under model (CSV: index, label, mu_*, logvar_*),
    and the model as a .safetensors checkpoint (the Train page's format; loads with checkpoints.load).
    where: a container, or two (one per button)."""
    name = file_stem(model_name, ds.name)
    first, second = where if isinstance(where, (tuple, list)) else (where, where)
    _download(
        first,
        "Codes (CSV)",
        lambda: export.latents_csv(model, ds),
        f"{name}-codes.csv",
        "text/csv",
        "ex_dl_csv",
        width="content",
        help=f"One row per sample of {ds.name} ({ds.n:,}): index, label, posterior mean and log-variance.",
    )
    _download(
        second,
        "Checkpoint",
        lambda: checkpoints.to_bytes(model),
        f"{name}.safetensors",
        "application/octet-stream",
        "ex_dl_ckpt",
        width="content",
        help="The model shown, as safetensors (weights + JSON config); upload it on the Train page.",
    )


def images_button(images, image_shape, ncols: int, label: str, file_name: str, key: str, where=st) -> None:
    """A button that downloads images (n, h * w) in [0, 1] as one PNG sheet, ink dark on white as shown."""
    x = np.asarray(images, np.float32)
    h = int(image_shape[0])
    _download(
        where,
        label,
        lambda: export.images_png(x, image_shape, ncols, scale=max(1, 112 // h), invert=True),
        file_name,
        "image/png",
        key,
    )


def model_name(entry: dict) -> str:
    """A grid entry's model as the standalone page names it: a shipped file's stem, a session model's name."""
    kind, _, ref = entry["key"].partition(":")
    return Path(ref).stem if kind == "shipped" else ref


def standalone_button(bg, grid, cfg, ds: Dataset, where=st) -> None:
    """Download the KL-weight grid as one HTML page that works offline (ui.canvas.standalone.page_html).
    bg: the explorer's BetaGrid; grid: the canvas's Grid (the stop and KL switch on screen); cfg: its models'
    ModelConfig."""
    names = [model_name(e) for e in bg.entries]
    _download(
        where,
        "Standalone HTML page",
        lambda: standalone.page_html(grid, cfg, ds.describe(), names, written_at=standalone.timestamp()).encode(),
        f"{_slug(ds.name)}-beta-grid.html",
        "text/html",
        "ex_dl_html",
        width="content",
        help=f"The KL slider and switch, hover decoding and each model's scores for these {len(names)} models, "
        "as one .html file that opens in a browser with no server and no network (python -m ui.canvas.standalone "
        "writes the same).",
    )
