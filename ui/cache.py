"""Every cached wrapper of the app, with one way of identifying a model (and one of identifying a data set).

Identity. `model_key(model)` is a content hash of the model's config and every tensor of its state dict;
`dataset_key(ds)` hashes the data set's name, arrays and shape. Each is computed once per object (about
2 ms for a digits model, 25 ms for MNIST's arrays) and remembered until the object is garbage collected,
so the objects must not change after their first use here: cached models are frozen and shared by every
session (state.shipped_model), a session's own models are frozen when registered (state.add_session_model),
and training always makes new models. Every st.cache_* function below hashes a VAE or a Dataset argument
through HASH_FUNCS, so two equal models share entries and a retrained one gets new ones.

st.cache_resource holds objects used in place (models, datasets, browser payloads);
st.cache_data holds arrays and numbers (copied out on every hit).
"""

from __future__ import annotations

import hashlib
import json
import weakref
from pathlib import Path

import numpy as np
import streamlit as st
import torch

from vae_core import Dataset, checkpoints, data, metrics
from vae_core import posterior as post
from vae_core.model import VAE

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"

_KEYS: dict[int, str] = {}


def _remembered(obj, compute) -> str:
    key = _KEYS.get(id(obj))
    if key is None:
        key = compute(obj)
        _KEYS[id(obj)] = key
        weakref.finalize(obj, _KEYS.pop, id(obj), None)  # a new object at a recycled id is hashed anew
    return key


def _hash_arrays(h, *arrays) -> None:
    for a in arrays:
        if a is None:
            h.update(b"none|")
            continue
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}|".encode())
        h.update(memoryview(a).cast("B"))


def model_key(model: VAE) -> str:
    """The one identity of a model for caching: a hash of its config and all its weights."""

    def compute(m: VAE) -> str:
        h = hashlib.blake2b(digest_size=16)
        h.update(json.dumps(m.config.to_dict(), sort_keys=True).encode())
        with torch.no_grad():
            for name, t in m.state_dict().items():
                h.update(name.encode())
                _hash_arrays(h, t.detach().to("cpu").contiguous().numpy())
        return "m" + h.hexdigest()

    return _remembered(model, compute)


def dataset_key(ds: Dataset) -> str:
    """The identity of a data set for caching: a hash of its name, arrays and image shape."""

    def compute(d: Dataset) -> str:
        h = hashlib.blake2b(digest_size=16)
        h.update(f"{d.name}|{d.image_shape}|".encode())
        _hash_arrays(h, d.x, d.y, d.color, d.mean, d.scale)
        return "d" + h.hexdigest()

    return _remembered(ds, compute)


HASH_FUNCS = {VAE: model_key, Dataset: dataset_key}


# ------------------------------------------------------------------------------- data sets and models
@st.cache_resource(show_spinner="Loading data...")
def dataset(name: str) -> Dataset:
    """A built-in dataset, loaded once per process."""
    return data.load(name)


@st.cache_data(show_spinner=False)
def checkpoint_header(path: str) -> dict:
    """The JSON header of a checkpoint (config, dataset, training, metrics) without loading its weights."""
    return checkpoints.read_meta(path)


@st.cache_resource(show_spinner="Loading model...", max_entries=64)
def shipped_model(path: str, device: str) -> VAE:
    """A shipped model on a device. Shared by every session, so it is frozen: nobody may train it in place."""
    model, _ = checkpoints.load(path, device=device)
    for p in model.parameters():
        p.requires_grad_(False)
    return model


# ------------------------------------------------------------------------------- encodings and decodings
@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def encode_all(model: VAE, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Posterior means and log-variances (n, latent_dim) of every row of x (an AE: logvar None)."""
    with torch.no_grad():
        mu, logvar = model.encode(np.asarray(x))
    return mu.cpu().numpy(), None if logvar is None else logvar.cpu().numpy()


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=HASH_FUNCS)
def manifold_images(
    model: VAE, n: int = 12, lim: float = 2.5, dims=(0, 1), z_base=None
) -> tuple[np.ndarray, np.ndarray]:
    """Decode an n x n grid over [-lim, lim]^2 in two latent dims: returns (images (n*n, d), grid values (n,)).

    Rows run from high to low values of dims[1] so the tiled picture has the usual y-up orientation."""
    vals = np.linspace(-lim, lim, n, dtype=np.float32)
    z = np.zeros((n * n, model.config.latent_dim), np.float32)
    if z_base is not None:
        z[:] = np.asarray(z_base, np.float32)
    yy, xx = np.meshgrid(vals[::-1], vals, indexing="ij")
    z[:, dims[0]] = xx.ravel()
    z[:, dims[1]] = yy.ravel()
    with torch.no_grad():
        out = model.decode(torch.from_numpy(z).to(model.device)).cpu().numpy()
    return out, vals


# ------------------------------------------------------------------------------- measurements
@st.cache_data(show_spinner="Measuring continuity and completeness...", max_entries=128, hash_funcs=HASH_FUNCS)
def summary(model: VAE, ds: Dataset) -> dict:
    """metrics.summary of a model on a data set (depends only on both, so every session shares it)."""
    return metrics.summary(model, ds.x, seed=0)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def density(model: VAE, ds: Dataset, dims: tuple, lim: float, n: int = 90):
    """The aggregate posterior q(z) on an n x n grid over [-lim, lim]^2 in two latent dims: (xs, ys, zz)."""
    xs = np.linspace(-lim, lim, n)
    zz = metrics.aggregate_posterior_density(model, ds.x, xs, xs, dims=tuple(dims))
    return xs, xs, np.asarray(zz, np.float32)


@st.cache_data(show_spinner=False, max_entries=128, hash_funcs=HASH_FUNCS)
def rate_distortion_point(model: VAE, ds: Dataset) -> dict:
    """rate_distortion.measure: a model's rate and distortion on the data set."""
    from vae_core import rate_distortion

    return rate_distortion.measure(model, ds.x)


@st.cache_data(show_spinner="Training linear Gaussian VAEs at every beta (one batched run)...", max_entries=16)
def linear_rate_distortion(eigs: tuple, c: float, betas: tuple, seed: int) -> dict:
    """Linear Gaussian VAEs at every beta on Gaussian data with these covariance eigenvalues, beside the
    exact rate-distortion curve (rate_distortion.linear_sweep)."""
    from vae_core import rate_distortion

    ds = rate_distortion.gaussian_data(eigs, seed=seed)
    return rate_distortion.linear_sweep(ds, list(betas), obs_var=c, epochs=100, lr=3e-2, batch_size=256, seed=seed)


# ------------------------------------------------------------------------------- the ELBO page
@st.cache_data(
    show_spinner="Integrating p(x, z) over a grid of latent points...", max_entries=64, hash_funcs=HASH_FUNCS
)
def posterior_grid(model: VAE, x: np.ndarray) -> post.PosteriorGrid:
    """The true posterior p(z|x) of one input on an automatic grid (posterior.auto_grid)."""
    return post.auto_grid(model, x)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def encoder_q(model: VAE, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The encoder's q(z|x) of one input: (mu, logvar), each (latent_dim,)."""
    return post.encoder_q(model, x)


@st.cache_data(show_spinner="Importance sampling log p(x)...", max_entries=128, hash_funcs=HASH_FUNCS)
def sampled_log_px(model: VAE, x: np.ndarray, k: int) -> dict:
    """Importance-sampled log p(x) and a Monte Carlo ELBO of the encoder's q (fixed seed: reproducible)."""
    from vae_core import objectives

    gen = torch.Generator(device=model.device).manual_seed(0)
    e = objectives.elbo_estimate(model, x, k=k, generator=gen)
    return {
        "log_px": float(objectives.log_px(model, x, k=k, generator=gen)[0]),
        "elbo": e["elbo"],
        "elbo_se": e["elbo_se"],
    }


@st.cache_data(show_spinner="Finding the best Gaussian q...", max_entries=64, hash_funcs=HASH_FUNCS)
def best_q(model: VAE, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Gaussian q closest to the true posterior on the grid, started from the encoder's q."""
    grid = posterior_grid(model, x)
    mu, lv = encoder_q(model, x)
    b = post.q_bounds(grid)
    return post.best_gaussian_on_grid(grid, mu, np.clip(lv, 2 * np.log(b["sd_lo"]), 2 * np.log(b["sd_hi"])))


# ------------------------------------------------------------------------------- PCA and estimators
@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=HASH_FUNCS)
def pca_baseline(ds: Dataset, kmax: int) -> tuple[np.ndarray, np.ndarray, float]:
    """PCA of the data set: explained variance ratios (kmax,), the 2-D scores (n, 2), the total variance."""
    from sklearn.decomposition import PCA

    x = ds.x
    pca = PCA(n_components=kmax, svd_solver="full").fit(x)
    return pca.explained_variance_ratio_, pca.transform(x)[:, :2], float(((x - x.mean(0)) ** 2).sum(1).mean())


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=HASH_FUNCS)
def largest_variance(ds: Dataset) -> float:
    """The largest eigenvalue of the data's covariance (the variance along its first principal axis): exact
    up to 1,024 features, else a randomized PCA of at most 10,000 rows."""
    if ds.dim <= 1024:
        from vae_core.rate_distortion import covariance_spectrum

        return float(covariance_spectrum(ds.x)[0])
    from sklearn.decomposition import PCA

    x = ds.x[np.random.default_rng(0).permutation(ds.n)[:10_000]]
    return float(PCA(n_components=1, svd_solver="randomized", random_state=0).fit(x).explained_variance_[0])


@st.cache_data(show_spinner="Drawing gradient estimates...", max_entries=64)
def gradient_estimates(
    key: str, mu: float, sigma: float, batch: int, n_estimates: int, a: float, seed: int, baseline: bool
) -> dict:
    """estimators.compare: reparameterization vs score-function gradient estimates of one test function."""
    from vae_core import estimators

    return estimators.compare(key, mu, sigma, batch=batch, n_estimates=n_estimates, a=a, seed=seed, baseline=baseline)


# ------------------------------------------------------------------------------- the latent canvas
@st.cache_resource(show_spinner=False, max_entries=32, hash_funcs=HASH_FUNCS)
def decoder_payload(model: VAE) -> dict:
    """The decoder as the browser runs it (ui.canvas.payload.decoder_payload_of); read-only."""
    from ui.canvas.payload import decoder_payload_of

    return decoder_payload_of(model)


# ------------------------------------------------------------------------------- the beta grid's files
@st.cache_resource
def runtime_dir() -> Path:
    """A folder for files this server makes for browsers (checkpoints of session models, fresh layouts)."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix="vae-explorer-"))


def _fresh_layout(model: VAE, ds: Dataset, digest: str) -> Path:
    from vae_core import layouts

    return layouts.make(model, ds, runtime_dir() / "layouts" / f"{digest}.safetensors", digest)


@st.cache_resource(show_spinner="Encoding the grid's models...", max_entries=128, hash_funcs=HASH_FUNCS)
def shipped_files(path: str, stamp: tuple, ds: Dataset) -> tuple[Path, Path]:
    """(checkpoint, layout file) of a shipped checkpoint: its stored layout when fresh, else one made now.
    stamp: the file's (size, mtime), so a rebuilt checkpoint gets new files."""
    from vae_core import layouts

    digest = layouts.file_digest(path)
    if layouts.load(path, digest) is not None:
        return Path(path), layouts.path_for(path)
    return Path(path), _fresh_layout(shipped_model(path, "cpu"), ds, digest)


@st.cache_resource(show_spinner="Encoding the grid's models...", max_entries=64, hash_funcs=HASH_FUNCS)
def model_files(model: VAE, ds: Dataset) -> tuple[Path, Path]:
    """(checkpoint, layout file) written for a model that has no file (trained or uploaded in a session)."""
    ck = runtime_dir() / f"{model_key(model)}.safetensors"
    ck.write_bytes(checkpoints.to_bytes(model))
    return ck, _fresh_layout(model, ds, model_key(model))


@st.cache_resource(show_spinner=False, max_entries=256)
def read_layout(path: str, stamp: tuple):
    """vae_core.layouts.read, once per file version (stamp: size, mtime)."""
    from vae_core import layouts

    return layouts.read(path)


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def aligned_model(model: VAE, perm: tuple) -> VAE:
    """The model with its latent axes mapped by a signed permutation (vae_core.align), shared and read-only."""
    from vae_core import align

    p = np.asarray(perm, np.float64)
    return model if np.allclose(p, np.eye(p.shape[0])) else align.apply_signed_permutation(model, p)


@st.cache_resource(show_spinner=False, max_entries=32)
def grid_alignment(layout_files: tuple, betas: tuple) -> tuple[list[np.ndarray], list[dict]]:
    """Signed permutations aligning the grid's layouts (vae_core.align.grid_permutations) and the report.
    layout_files: ((path, stamp), ...), one per stop."""
    from vae_core import align

    return align.grid_permutations([read_layout(p, s).mu for p, s in layout_files], list(betas))


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def warm_click_path(model: VAE, image_shape) -> bool:
    """Run one server decode and image encode of this model now, so the first click is as fast as later
    ones (the first torch call on a model and the first PNG encode pay one-off set-up costs)."""
    from ui.canvas.events import server_decode
    from ui.canvas.image import decoded_image_html

    x, ms = server_decode(model, np.zeros(model.config.latent_dim, np.float32))
    decoded_image_html(x, image_shape, str(model.device), ms, seq=0, z=[0.0] * model.config.latent_dim)
    return True
