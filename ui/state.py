"""The app's shared state: cached datasets and models (read-only, shared by all sessions), the models a
browser session trained or uploaded (its own session state), and the sidebar selection every page reads."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
import torch

from ui import cache, keys
from ui.cache import MODELS_DIR, dataset, shipped_model
from vae_core import Dataset, InputError, data
from vae_core.devices import available_devices, pick_device
from vae_core.model import VAE

log = logging.getLogger(__name__)
DATASET_LABELS = {
    "digits": "digits (8x8, 1,797 images)",
    "mnist": "MNIST (28x28, 5,000 images)",
    "digits_binarized": "digits, binarized (0/1 pixels)",
    "mnist_binarized": "MNIST, binarized (0/1 pixels)",
    "swiss_roll": "swiss roll (3-D points)",
    "s_curve": "S-curve (3-D points)",
    "moons": "two moons (2-D points)",
}


def shipped_index(models_dir: str = str(MODELS_DIR)) -> list[dict]:
    """One row per shipped checkpoint: name, path, dataset, kind, beta, latent size and final metrics."""
    rows = []
    for path in sorted(Path(models_dir).glob("*.safetensors")):
        try:
            rec = cache.checkpoint_header(str(path))
        except InputError as e:
            # A broken file in models/ should not take the app down; `vae_core info` explains it.
            log.warning("skipping %s: %s", path.name, e)
            continue
        train = rec.get("train") or {}
        ds_info = rec.get("dataset") or {}
        rows.append(
            {
                "name": path.stem,
                "path": str(path),
                "dataset": ds_info.get("name"),
                "image_shape": tuple(ds_info["image_shape"]) if ds_info.get("image_shape") else None,
                "kind": rec["model"]["kind"],
                "beta": train.get("beta"),
                "latent_dim": rec["model"]["latent_dim"],
                "metrics": rec.get("metrics") or {},
                "cross_entropy": ((rec.get("extra") or {}).get("eval") or {}).get("cross_entropy"),
                "likelihood": rec["model"].get("likelihood"),
            }
        )
    return rows


def session_models() -> dict[str, dict]:
    """This browser session's own models: name -> {"model", "dataset" (name), "beta", "source"}."""
    return st.session_state.setdefault(keys.MY_MODELS, {})


def session_datasets() -> dict[str, Dataset]:
    """Datasets this session uploaded: name -> Dataset."""
    return st.session_state.setdefault(keys.MY_DATASETS, {})


def add_session_model(name: str, model: VAE, dataset_name: str, source: str) -> str:
    """Register a model trained or uploaded in this session and make it the selected one."""
    for p in model.parameters():
        p.requires_grad_(False)
    models = session_models()
    models[name] = {
        "model": model,
        "dataset": dataset_name,
        "beta": (model.info.get("train") or {}).get("beta"),
        "source": source,
    }
    st.session_state[keys.PENDING_MODEL] = "session:" + name
    st.session_state[keys.PENDING_DATASET] = dataset_name
    return name


def get_dataset(name: str) -> Dataset:
    own = session_datasets()
    return own[name] if name in own else dataset(name)


@dataclass
class Selection:
    """What the sidebar selected; every page reads this."""

    dataset: Dataset
    dataset_name: str
    model: VAE | None
    model_name: str | None
    device: torch.device
    model_key: str | None = None  # the model_choices key of the model ("shipped:<path>" or "session:<name>")

    @property
    def beta(self) -> float | None:
        return (self.model.info.get("train") or {}).get("beta") if self.model is not None else None


def model_choices(dataset_name: str) -> dict[str, str]:
    """label -> key for every model that fits a dataset: shipped first, then this session's own."""
    out = {}
    # By kind, then likelihood, then beta as a number (as text, "0.1" < "0" < "1" would put beta = 0 mid-list).
    rows = sorted(
        (r for r in shipped_index() if r["dataset"] == dataset_name),
        key=lambda r: (r["kind"], r["likelihood"] or "", r["beta"] if r["beta"] is not None else 0.0, r["name"]),
    )
    for row in rows:
        out[_shipped_label(row)] = "shipped:" + row["path"]
    for name, entry in session_models().items():
        if entry["dataset"] == dataset_name:
            out[f"{name} (this session)"] = "session:" + name
    return out


def _shipped_label(row: dict) -> str:
    if row["kind"] == "ae":
        return f"{row['name']} (autoencoder)"
    return f"{row['name']} (VAE, beta={row['beta']:g})"


def resolve_model(key: str, device: str) -> VAE:
    """Turn a model_choices key into a model on `device` (cached for shipped ones)."""
    kind, _, ref = key.partition(":")
    if kind == "shipped":
        return shipped_model(ref, device)
    model = session_models()[ref]["model"]
    return model if str(model.device) == device else _moved(model, device)


def _moved(model: VAE, device: str) -> VAE:
    import copy

    m = copy.deepcopy(model).to(device)
    m.info = model.info
    return m


def shipped_for(dataset_name: str, kind: str = "vae") -> list[dict]:
    """Shipped models of one kind for a dataset, sorted by beta (the KL-weight slider's grid)."""
    rows = [r for r in shipped_index() if r["dataset"] == dataset_name and r["kind"] == kind]
    return sorted(rows, key=lambda r: r["beta"] if r["beta"] is not None else 0.0)


def sidebar() -> Selection:
    """Draw the shared sidebar (dataset, model, device) and return the selection."""
    sb = st.sidebar
    names = data.names() + [n for n in session_datasets() if n not in data.names()]
    if st.session_state.get(keys.PENDING_DATASET) in names:
        st.session_state[keys.DATASET] = st.session_state.pop(keys.PENDING_DATASET)
    ds_name = sb.selectbox(
        "Dataset", names, key=keys.DATASET, format_func=lambda n: DATASET_LABELS.get(n, f"{n} (uploaded)")
    )
    choices = model_choices(ds_name)
    by_key = {k: label for label, k in choices.items()}
    wanted = st.session_state.pop(keys.PENDING_MODEL, None)  # a page chose a model (trained, or the KL slider)
    if wanted in by_key:
        st.session_state[keys.MODEL] = by_key[wanted]
    options = list(choices) or ["(none yet: train one)"]  # short: a longer text was cut in the box
    if st.session_state.get(keys.MODEL) not in options:  # never None: the box would say "Choose an option"
        st.session_state[keys.MODEL] = _default_model(choices) or options[0]
    label = sb.selectbox("Model", options, key=keys.MODEL)
    devices = ["auto"] + available_devices()
    dev_choice = sb.radio(
        "Device",
        devices,
        key=keys.DEVICE,
        horizontal=True,
        help="Where models decode and train. 'auto' picks CUDA, then Apple MPS, then CPU. "
        "Only devices this server has are listed.",
    )

    device = pick_device(dev_choice)
    model = resolve_model(choices[label], str(device)) if label in choices else None
    sb.caption(f"Computing on **{device}**. Available here: {', '.join(available_devices())}.")
    return Selection(
        dataset=get_dataset(ds_name),
        dataset_name=ds_name,
        model=model,
        model_name=label if label in choices else None,
        device=device,
        model_key=choices.get(label),
    )


def _default_model(choices: dict[str, str]) -> str | None:
    # The beta = 1 VAE is the textbook model: start there.
    for label in choices:
        if "beta=1)" in label:
            return label
    return next(iter(choices), None)


def current() -> Selection:
    """The selection made by the sidebar in app.py during this run."""
    sel = st.session_state.get(keys.SELECTION)
    if sel is None:
        raise RuntimeError("pages run through app.py, which draws the sidebar first: `streamlit run app.py`")
    return sel


def beta_grid(sel: Selection) -> list[dict]:
    """VAEs that differ from the selected one only in beta (shipped and this session's), sorted by beta.

    This is the KL-weight slider's grid: one entry per beta, {"beta", "key", "label"}; the selected model's own
    entry wins a tie, then this session's models (a fresh sweep), then shipped ones."""
    if sel.model is None or not sel.model.is_vae:
        return []
    cfg = sel.model.config
    entries: dict[float, dict] = {}
    for row in shipped_for(sel.dataset_name):
        if row["beta"] is not None and _same_config(row["path"], cfg):
            entries[float(row["beta"])] = {
                "beta": float(row["beta"]),
                "key": "shipped:" + row["path"],
                "label": row["name"],
            }
    for name, entry in session_models().items():
        model = entry["model"]
        if entry["dataset"] == sel.dataset_name and model.config == cfg and entry["beta"] is not None:
            entries[float(entry["beta"])] = {"beta": float(entry["beta"]), "key": "session:" + name, "label": name}
    own = sel.beta
    if own is not None and sel.model_key is not None:
        entries[float(own)] = {"beta": float(own), "key": sel.model_key, "label": sel.model_name}
    return [entries[b] for b in sorted(entries)]


def _same_config(path: str, cfg) -> bool:
    return cache.checkpoint_header(path)["model"] == cfg.to_dict()
