"""The Train page's uploads: a data file (and how to read a table that has no header: a label column, images
of which shape), and a checkpoint (what was loaded, and the Train page's boxes set to how it was trained).

A refused file is said under its box until a later upload of that box succeeds; vae_core says what was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from ui import keys, state
from ui.figures import show_images
from vae_core import Dataset, InputError, checkpoints, data
from vae_core.dataset import from_array
from vae_core.errors import quoted

MAX_LABEL_CLASSES = 100  # a last column of whole numbers with at most this many values may be a label
LIKELIHOOD_NAMES = {"bernoulli": "Bernoulli", "continuous_bernoulli": "continuous Bernoulli", "gaussian": "Gaussian"}


def could_not_use(filename: str, e: InputError) -> str:
    """The error of a rejected upload, naming the file once (vae_core's messages often start with its quoted
    name: "Could not use `words.csv`, line 2: ...")."""
    msg, name = str(e), quoted(filename)
    return f"Could not use {msg}" if msg.startswith(name) else f"Could not use {name}: {msg}"


def take_upload(key: str, up, use) -> None:
    """Use a newly chosen file once (use(up) raises InputError to refuse it). A refusal shows under its box
    until a later upload succeeds: a good file must not sit under an old file's error. A removed file is
    forgotten, so choosing it again loads it again (after a cancelled load, say)."""
    if up is None:
        st.session_state.pop(keys.seen_upload(key), None)
    if up is not None and st.session_state.get(keys.seen_upload(key)) != (up.name, up.size):
        st.session_state[keys.seen_upload(key)] = (up.name, up.size)
        try:
            use(up)
        except InputError as e:
            st.session_state[keys.UPLOAD_ERROR] = (key, could_not_use(up.name, e))
        else:
            st.session_state.pop(keys.UPLOAD_ERROR, None)
            st.rerun()
    err = st.session_state.get(keys.UPLOAD_ERROR)
    if up is not None and err and err[0] == key:
        st.error(err[1])


# ---- data: how to read a table ----
@dataclass(frozen=True)
class Reading:
    """How an uploaded table's columns are read: the last one as class labels or not; rows as h x w images
    (image_shape) or as points (None)."""

    label_last: bool
    image_shape: tuple[int, int] | None


def label_column_possible(values: np.ndarray) -> bool:
    """The last column could be class labels: whole numbers >= 0 with 2 to MAX_LABEL_CLASSES distinct values."""
    last = values[:, -1]
    if values.shape[1] < 2 or not np.allclose(last, np.round(last), atol=1e-3) or last.min() < 0:
        return False
    return 2 <= np.unique(np.round(last)).size <= MAX_LABEL_CLASSES


def image_shapes(values: np.ndarray) -> list[tuple[int, int]]:
    """Every h x w (h, w >= 2, squarest first) that the columns could be images of: values in [0, 255]."""
    d = values.shape[1]
    if values.min() < 0 or values.max() > 255:
        return []
    pairs = [(h, d // h) for h in range(2, d // 2 + 1) if d % h == 0]
    return sorted(pairs, key=lambda p: (abs(p[0] - p[1]), -p[0]))


def guess(values: np.ndarray) -> Reading:
    """The likeliest reading: a label column when the last column looks like one and the rest then form square
    images (a table of 64 pixels and a digit is 8 x 8 images with labels); square images; else points."""
    label = label_column_possible(values)
    rest = values[:, :-1] if label else values
    square = [s for s in image_shapes(rest) if s[0] == s[1] and s[0] >= 4]
    if label and not square:  # a whole-number last column of points may be a feature: do not take it away
        return Reading(False, next((s for s in image_shapes(values) if s[0] == s[1] and s[0] >= 4), None))
    return Reading(label, square[0] if square else None)


def read_as(values: np.ndarray, reading: Reading, name: str) -> Dataset:
    """The Dataset of the table values (n, columns) in the data's own units, read as `reading` says. Image
    pixels are divided by the largest value when it is above 1 (0..16 and 0..255 both become 0..1)."""
    x = values[:, :-1] if reading.label_last else values
    y = np.round(values[:, -1]).astype(np.int64) if reading.label_last else None
    if reading.image_shape is None:
        return from_array(x, y=y, name=name)
    top = float(x.max())
    return from_array(x / top if top > 1 else x, y=y, image_shape=reading.image_shape, name=name)


def load_with_progress(up) -> Dataset:
    """data.load_file with a progress bar for a large ZIP of images, and a button that cancels it: any click
    makes Streamlit stop this run at its next call (the bar's next update), and the next run says so."""
    st.session_state[keys.DATA_LOADING] = (up.name, up.size)
    bar, cancel = st.empty(), st.empty()

    def progress(done: int, total: int) -> None:
        if done == 0:
            cancel.button("Cancel loading", key="tr_cancel_load", help="Stops reading this file; nothing is kept.")
        half = total // 2
        step = f"checking image {done:,}" if done < half else f"decoding image {done - half:,}"
        bar.progress(done / total, text=f"Reading {up.name}: {step} of {half:,}")

    try:
        return data.load_file(up, filename=up.name, on_progress=progress)
    finally:
        st.session_state.pop(keys.DATA_LOADING, None)
        bar.empty()
        cancel.empty()


def cancelled_note() -> None:
    """Under the data box: a load that a click cut short (its run ended inside load_with_progress)."""
    cut = st.session_state.pop(keys.DATA_LOADING, None)
    if cut is not None:
        st.warning(f"Loading {quoted(cut[0])} was cancelled; nothing was kept. Remove it and choose it again to load.")


def use_data(up) -> None:
    """Load an uploaded data file as a data set of this session and select it. A table with neither labels nor
    an image shape keeps its values so the student can choose how to read it (reading_panel)."""
    ds = load_with_progress(up)
    name = up.name.rsplit(".", 1)[0]
    readings = st.session_state.setdefault(keys.DATA_READINGS, {})
    readings.pop(name, None)
    if ds.y is None and ds.image_shape is None and ds.dim >= 2:
        values = ds.to_data_units(ds.x).astype(np.float64)
        values = np.where(np.abs(values - np.round(values)) < 1e-3, np.round(values), values)  # float32 round trip
        reading = guess(values)
        readings[name] = {"values": values, "reading": reading}
        if reading != Reading(False, None):
            ds = read_as(values, reading, ds.name)
    state.session_datasets()[name] = ds
    st.session_state[keys.DATA_UPLOADED] = name
    st.session_state[keys.PENDING_DATASET] = name


def reading_panel(name: str) -> None:
    """For an uploaded table: how its columns are read (label column, image shape), with a preview; a change
    re-reads the table and is kept with the data set for this session."""
    entry = st.session_state.get(keys.DATA_READINGS, {}).get(name)
    if entry is None:
        return
    values, current = entry["values"], entry["reading"]
    st.markdown(f"**How to read `{name}`** ({values.shape[0]:,} rows of {values.shape[1]} numbers, no header)")
    left, right = st.columns(2)
    can_label = label_column_possible(values)
    label_last = left.checkbox(
        "The last column is a class label",
        value=current.label_last,
        key=keys.reading_label(name),
        disabled=not can_label,
        help="Labels colour the points and are not given to the model. Offered when the last column holds "
        f"whole numbers from 0 with 2 to {MAX_LABEL_CLASSES} values.",
    )
    shapes = image_shapes(values[:, :-1] if label_last else values)
    options = [None, *shapes]
    shape = right.selectbox(
        "Each row is",
        options,
        index=options.index(current.image_shape) if current.image_shape in options else 0,
        key=keys.reading_shape(name),
        format_func=lambda s: "a point (no image)" if s is None else f"an image of {s[0]} x {s[1]} pixels",
        help="Offered shapes: every height x width that the row's values fill, when they lie in [0, 255].",
    )
    chosen = Reading(bool(label_last), shape)
    if chosen != current:
        try:
            ds = read_as(values, chosen, state.session_datasets()[name].name)
        except InputError as e:
            st.error(f"Cannot read `{name}` that way: {e}")
            return
        state.session_datasets()[name] = ds
        entry["reading"] = chosen
        st.rerun()  # the sidebar and the settings below follow the new reading
    ds = state.session_datasets()[name]
    if ds.image_shape is not None:
        labels = "" if ds.y is None else "; labels " + " ".join(str(int(v)) for v in ds.y[:10])
        show_images(ds.x[:10], ds.image_shape, 10, px=400, caption=f"the first 10 rows as images{labels}")
    else:
        head = pd.DataFrame(values[:5, : values.shape[1] - label_last], columns=None)
        head.columns = [f"x{j + 1}" for j in range(head.shape[1])]
        if label_last:
            head["label"] = np.round(values[:5, -1]).astype(int)
        st.dataframe(head, hide_index=True, key=f"rd_preview:{name}")


def data_uploader_key() -> str:
    """The data box's key: a new one empties the box (Streamlit cannot clear a file uploader otherwise)."""
    gen = st.session_state.get(keys.DATA_UPLOADER_GEN, 0)
    return keys.DATA_UPLOADER if gen == 0 else f"{keys.DATA_UPLOADER}:{gen}"


# ---- checkpoints ----
def settings_of(model, meta: dict) -> dict:
    """The Train page's boxes set to how a checkpoint's model was trained (what the checkpoint records)."""
    cfg, train = model.config, meta.get("train") or {}
    out = {
        keys.TRAIN_KIND: cfg.kind,
        keys.TRAIN_LATENT: int(cfg.latent_dim),
        keys.TRAIN_HIDDEN: ", ".join(str(h) for h in cfg.hidden),
        keys.TRAIN_LIKELIHOOD: cfg.likelihood,
        keys.TRAIN_OBS_VAR: float(cfg.obs_var),
        keys.TRAIN_GRID: "",
    }
    for key, field, cast in (
        (keys.TRAIN_BETA, "beta", float),
        (keys.TRAIN_EPOCHS, "epochs", int),
        (keys.TRAIN_LR, "lr", float),
        (keys.TRAIN_BATCH, "batch_size", int),
        (keys.TRAIN_SEED, "seed", int),
    ):
        if train.get(field) is not None:
            out[key] = cast(train[field])
    return out


def loaded_summary(filename: str, nbytes: int, model, meta: dict, ds: Dataset, ds_name: str) -> str:
    """One sentence: which model was loaded (kind, beta, sizes, likelihood), on which data, how big."""
    cfg, train = model.config, meta.get("train") or {}
    what = "an autoencoder" if cfg.kind == "ae" else f"a VAE with beta = {train.get('beta', float('nan')):g}"
    hidden = ", ".join(str(h) for h in cfg.hidden) or "none (linear)"
    shape = f"{ds.image_shape[0]}x{ds.image_shape[1]} images" if ds.image_shape else f"{ds.dim}-D points"
    epochs = f", trained {train['epochs']} epochs" if train.get("epochs") else ""
    size = f"{nbytes / 1e6:.2f} MB" if nbytes >= 1e6 else f"{nbytes / 1e3:.1f} kB"
    return (
        f"Loaded {quoted(filename)}: {what} ({cfg.latent_dim} latent dimensions, hidden layers {hidden}, "
        f"{LIKELIHOOD_NAMES.get(cfg.likelihood, cfg.likelihood)} likelihood{epochs}) on **{ds_name}** "
        f"({ds.n:,} samples, {shape}); {cfg.n_parameters():,} parameters, {size}. It is selected in the "
        "sidebar, and the settings above are the ones it was trained with."
    )


def use_checkpoint(up, device: str) -> None:
    """Load an uploaded checkpoint as a model of this session: select it and its data set, set the Train page's
    boxes to its settings (on the next run, before they are drawn) and remember what was loaded."""
    model, meta = checkpoints.load(up, device=device)
    ds_name = (meta.get("dataset") or {}).get("name")
    if ds_name not in data.names() + list(state.session_datasets()):
        raise InputError(
            f"this model was trained on '{ds_name}', which is not loaded here; upload that data "
            "first (above), then the checkpoint."
        )
    ds = state.get_dataset(ds_name)
    if ds.dim != model.config.input_dim:
        raise InputError(f"the model expects {model.config.input_dim} features but '{ds_name}' has {ds.dim}.")
    state.add_session_model(up.name.rsplit(".", 1)[0], model, ds_name, "uploaded")
    st.session_state[keys.PENDING_DATASET] = ds_name
    st.session_state[keys.TRAIN_PENDING] = settings_of(model, meta)
    st.session_state[keys.CKPT_LOADED] = (up.name, up.size, loaded_summary(up.name, up.size, model, meta, ds, ds_name))
    uploaded = st.session_state.get(keys.DATA_UPLOADED)
    if uploaded is not None and uploaded != ds_name:  # the data box would show a file that is not in use
        st.session_state[keys.DATA_UPLOADER_GEN] = st.session_state.get(keys.DATA_UPLOADER_GEN, 0) + 1
        st.session_state.pop(keys.DATA_UPLOADED, None)


def apply_loaded_settings() -> None:
    """At the top of the Train page, before its boxes: a loaded checkpoint's settings become theirs."""
    pending = st.session_state.pop(keys.TRAIN_PENDING, None)
    if pending:
        st.session_state.update(pending)


def loaded_note(ck) -> None:
    """Under the checkpoint box: what the last good upload loaded, while that file is in the box."""
    done = st.session_state.get(keys.CKPT_LOADED)
    if ck is not None and done and (ck.name, ck.size) == done[:2]:
        st.success(done[2])
