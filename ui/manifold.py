"""Cached decoded grids and encodings of a model, keyed by the model's name so every session shares them."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from vae_core.model import VAE


def model_key(model: VAE) -> str:
    # Cheap but content-based: the sum of the decoder's output bias and weights identifies a trained model.
    with torch.no_grad():
        return f"{model.config}-" + ",".join(f"{float(p.double().sum()):.9e}" for p in model.parameters())


def decoded_grid(model: VAE, n: int = 12, lim: float = 2.5, dims=(0, 1), z_base=None) -> tuple[np.ndarray, np.ndarray]:
    """Decode an n x n grid over [-lim, lim]^2 in two latent dims: returns (images (n*n, d), grid values (n,)).

    Rows run from high to low values of dims[1] so the tiled picture has the usual y-up orientation."""
    return _decoded_grid(
        model_key(model), model, n, lim, tuple(dims), None if z_base is None else tuple(float(v) for v in z_base)
    )


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs={VAE: lambda m: None})
def _decoded_grid(key, model: VAE, n, lim, dims, z_base):
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


def encode_all(model: VAE, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Posterior means and log-variances of every row of x (AE: logvar None), cached per model."""
    return _encode_all(model_key(model), model, x)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs={VAE: lambda m: None})
def _encode_all(key, model: VAE, x: np.ndarray):
    with torch.no_grad():
        mu, logvar = model.encode(np.asarray(x))
    return mu.cpu().numpy(), None if logvar is None else logvar.cpu().numpy()
