"""Train page: pick data and settings, train with live progress and curves, stop, keep, download, upload."""

import streamlit as st

from ui import cache, keys, state, training, uploads
from ui.inputs import number_in_range
from vae_core import InputError, ModelConfig, TrainConfig, checkpoints
from vae_core.config import parse_betas

sel = state.current()
st.title("Train a model")
st.caption(
    "Train an autoencoder or a VAE on the selected data, watch the loss terms move, and use the result on "
    "every other page. Training runs in the background: you can stop it at any time."
)


# ---- data ----
with st.expander("Use your own data", expanded=False):
    st.markdown(
        "CSV (numbers, optional header and `label` column), NPY (rows or a stack of images), NPZ (`x`, "
        "optional `y`), MNIST IDX (plain or .gz), or a ZIP of same-sized PNG/JPEG images. The file is "
        "checked before use; nothing in it is executed."
    )
    uploads.cancelled_note()
    uploads.take_upload(
        keys.DATA_UPLOADER, st.file_uploader("Data file", key=uploads.data_uploader_key()), uploads.use_data
    )
    if sel.dataset_name in state.session_datasets():
        uploads.reading_panel(sel.dataset_name)

ds = sel.dataset
# Settings and results belong to one dataset: on a switch, c gets the new data's default, and a finished
# training of the previous data (its curves and result box) leaves the page.
if st.session_state.get(keys.TRAIN_FOR) != sel.dataset_name:
    st.session_state[keys.TRAIN_FOR] = sel.dataset_name
    st.session_state.pop(keys.TRAIN_OBS_VAR, None)
    old = st.session_state.get(keys.TRAIN_JOB)
    if old is not None and not old.active and old.meta.get("dataset") != sel.dataset_name:
        del st.session_state[keys.TRAIN_JOB]
uploads.apply_loaded_settings()  # after the switch above, which resets c: a loaded checkpoint's c wins
shape = f"{ds.image_shape[0]}x{ds.image_shape[1]} images" if ds.image_shape else f"{ds.dim}-D points"
st.markdown(
    f"**Data:** {sel.dataset_name}: {ds.n:,} samples, {shape}"
    + (", standardized per feature" if ds.mean is not None else ", values in [0, 1]")
    + ". Change it in the sidebar."
)

# ---- settings ----
left, mid, right = st.columns(3)
with left:
    kind = st.radio(
        "Model",
        ["vae", "ae"],
        horizontal=True,
        key=keys.TRAIN_KIND,
        format_func=lambda k: {"vae": "VAE", "ae": "autoencoder"}[k],
    )
    latent = number_in_range("Latent dimensions", 1, 64, 2, key=keys.TRAIN_LATENT)
    hidden_txt = st.text_input(
        "Hidden layer widths",
        "256",
        key=keys.TRAIN_HIDDEN,
        help="Comma-separated, e.g. 512,256. Leave empty for linear maps (PCA-like).",
    )
with mid:
    lik_options = ["bernoulli", "continuous_bernoulli", "gaussian"] if ds.in_unit_interval else ["gaussian"]
    if st.session_state.get(keys.TRAIN_LIKELIHOOD) not in lik_options:  # a choice the new data does not offer
        st.session_state.pop(keys.TRAIN_LIKELIHOOD, None)
    likelihood = st.radio(
        "Likelihood p(x|z)",
        lik_options,
        horizontal=True,
        key=keys.TRAIN_LIKELIHOOD,
        format_func=uploads.LIKELIHOOD_NAMES.get,
        help="Bernoulli for data in [0, 1] (on grey levels a cross-entropy, not a density); continuous Bernoulli: "
        "the same made a density on [0, 1]; Gaussian N(f(z), cI) for any data.",
    )
    # c is the noise variance p(x|z) allows around the decoder's mean. For a linear VAE the optimum keeps a
    # direction of the data only while beta * c is below that direction's variance (reverse water-filling,
    # vae_core.rate_distortion), so every code collapses only once beta * c reaches the largest eigenvalue of
    # the covariance, many times the average per-feature variance on images. A tenth of that average asks
    # the code to explain most of the variance.
    data_var = float(ds.x.var(0).mean())
    top_var = cache.largest_variance(ds)
    c_default = float(f"{max(1e-4, 0.1 * data_var):.1g}")
    obs_var = number_in_range(
        "Observation variance c",
        1e-4,
        100.0,
        c_default,
        format="%.4f",
        key=keys.TRAIN_OBS_VAR,
        disabled=likelihood != "gaussian",
        help=f"Gaussian likelihood N(f(z), cI). Default: a tenth of this data's average per-feature variance "
        f"({data_var:.3g}). The noise c stands for what the code need not explain: for a linear VAE a "
        "direction of the data is dropped (its code stays at the prior) once beta x c reaches that "
        f"direction's variance. All of them are dropped only at the largest, {top_var:.3g} here "
        f"({top_var / data_var:.3g}x the average): below it, a larger c keeps fewer directions and blurrier "
        "reconstructions, not no code. The Rate-distortion panel of the explorer draws this exactly.",
    )
    beta = number_in_range("KL weight beta", 0.0, 100.0, 1.0, step=0.1, key=keys.TRAIN_BETA, disabled=kind == "ae")
    grid_txt = st.text_input(
        "...or a whole beta grid (trained together)",
        "",
        key=keys.TRAIN_GRID,
        placeholder="e.g. 0, 0.5, 1, 2, 4",
        disabled=kind == "ae",
    )
with right:
    defaults = TrainConfig()  # one source of truth for the defaults: the library's
    epochs = number_in_range("Epochs", 1, training.MAX_EPOCHS, defaults.epochs, key=keys.TRAIN_EPOCHS)
    lr = number_in_range("Learning rate", 1e-5, 1.0, defaults.lr, format="%.4f", key=keys.TRAIN_LR)
    batch = number_in_range("Batch size", 8, 4096, defaults.batch_size, key=keys.TRAIN_BATCH)
    seed = number_in_range("Seed", 0, 2**31 - 1, defaults.seed, key=keys.TRAIN_SEED)


def parse_list(text: str, cast, what: str) -> list:
    items = [t.strip() for t in text.replace(";", ",").split(",") if t.strip()]
    try:
        return [cast(t) for t in items]
    except ValueError:
        raise InputError(f"{what} must be a comma-separated list of numbers, got {text!r}.") from None


cfg = tcfg = None
if any(v is None for v in (latent, obs_var, beta, epochs, lr, batch, seed)):
    refused = "change the value refused in red above"
else:
    try:
        hidden = tuple(parse_list(hidden_txt, int, "hidden layer widths"))
        betas = parse_betas(grid_txt, "the beta grid") if kind == "vae" and grid_txt.strip() else []
        cfg = ModelConfig(
            kind=kind,
            input_dim=ds.dim,
            latent_dim=int(latent),
            hidden=hidden,
            likelihood=likelihood,
            obs_var=float(obs_var),
        )
        tcfg = TrainConfig(
            beta=float(beta) if kind == "vae" else 0.0,
            epochs=int(epochs),
            batch_size=int(batch),
            lr=float(lr),
            seed=int(seed),
        )
    except InputError as e:
        st.error(str(e))
        cfg = tcfg = None
        refused = "change the settings refused above"

job: training.Job | None = st.session_state.get(keys.TRAIN_JOB)
if cfg is not None:
    st.caption(f"{cfg.n_parameters():,} parameters per model, training on **{sel.device}**.")
else:
    st.caption(f"**Train** is off until you {refused}.")
if st.button("Train", type="primary", key="tr_start", disabled=bool(job and job.active) or cfg is None):
    label = f"{sel.dataset_name}-{kind}"
    training.start_fit(
        keys.TRAIN_JOB, label, sel.dataset_name, ds, cfg, tcfg, betas or [tcfg.beta], str(sel.device), kind=kind
    )
    st.rerun()  # draw Train disabled while the job runs (the panel reruns the page when it ends)


def downloads(job, names: list[str]) -> None:
    for name in names:
        model = state.session_models()[name]["model"]
        st.download_button(
            f"Download {name}.safetensors",
            checkpoints.to_bytes(model),
            file_name=f"{name.replace(' #', '-')}.safetensors",
            key=f"dl_{name}",
            on_click="ignore",
        )


training.progress_panel(
    keys.TRAIN_JOB,
    idle="Choose settings and press **Train**. With the defaults the digits VAE trains in about a second "
    "on a 2-core CPU; an MNIST model of the same shape takes about 0.2 s per epoch.",
    where="Now selectable in the sidebar on every page.",
    after=downloads,
)

st.divider()
st.subheader("Explore a checkpoint")
ck = st.file_uploader("A .safetensors file saved by this app or `python -m vae_core`", key="ckpt_upload")
uploads.take_upload("ckpt_upload", ck, lambda up: uploads.use_checkpoint(up, str(sel.device)))
uploads.loaded_note(ck)
