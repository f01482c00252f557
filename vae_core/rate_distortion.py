"""Rate and distortion of trained models (rate = mean KL, distortion = reconstruction), and the linear
Gaussian sweep whose optimum is known exactly (reverse water-filling, see theory.rate_distortion_curve)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from . import theory, train
from .config import ModelConfig, TrainConfig
from .data import Dataset
from .densities import mean_from_raw
from .errors import InputError
from .model_checks import as_rows, require_vae
from .objectives import kl_per_dim


@torch.no_grad()
def measure(model, x, n_samples: int = 8, seed: int = 0) -> dict:
    """Rate and distortion of a VAE on rows x (n, d), averaged over rows (nats per sample unless noted):

    rate = mean KL(q(z|x) || N(0, I)); recon = mean E_q[-log p(x|z)] (n_samples reparameterized draws);
    sq_error = mean E_q ||x - E[x|z]||^2 (the squared error a water-filling curve is stated in);
    elbo = -(recon + rate). (Alemi et al. 2018, "Fixing a Broken ELBO", sec. 3.)"""
    require_vae(model, "rate and distortion")
    xt = as_rows(model, x)
    g = torch.Generator(device=model.device).manual_seed(seed)
    mu, logvar = model.encode(xt)
    rate = kl_per_dim(mu, logvar).sum(-1).mean()
    recon = torch.zeros((), device=xt.device)
    sq = torch.zeros((), device=xt.device)
    for _ in range(n_samples):
        raw = model.decode_raw(model.reparameterize(mu, logvar, g))
        recon += -model.log_px_given_z(xt, raw).mean()
        mean = mean_from_raw(raw, model.config.likelihood)
        sq += ((xt - mean) ** 2).sum(-1).mean()
    recon, sq = float(recon) / n_samples, float(sq) / n_samples
    return {"rate": float(rate), "recon": recon, "sq_error": sq, "elbo": -(recon + float(rate))}


def covariance_spectrum(x) -> np.ndarray:
    """Eigenvalues (descending) of the data covariance with the 1/n normalisation the training loss sees."""
    xa = np.asarray(x, dtype=np.float64)
    xc = xa - xa.mean(0)
    return np.sort(np.linalg.eigvalsh(xc.T @ xc / xa.shape[0]))[::-1].clip(min=0)


def linear_sweep(
    ds: Dataset,
    betas: Sequence[float],
    obs_var: float,
    epochs: int = 150,
    lr: float = 1e-2,
    batch_size: int = 256,
    seed: int = 0,
    device="cpu",
    on_epoch: Callable | None = None,
    should_stop: Callable | None = None,
) -> dict:
    """Train linear Gaussian VAEs (hidden=(), latent size = data dimension) at every beta in one batched run,
    and compare with the exact optimum for the data's covariance spectrum.

    Returns {"betas", "measured": [measure(...) or None per beta], "exact": theory.rate_distortion_curve(...)
    at the same betas, "curve": the exact curve on a fine beta grid, "obs_var", "eigenvalues"}."""
    if not betas or any(b <= 0 for b in betas):
        raise InputError("the linear sweep needs betas > 0 (at beta = 0 the optimal rate is infinite).")
    if ds.dim > 256:
        raise InputError(f"the linear sweep codes every data dimension; {ds.dim} is too many (at most 256).")
    cfg = ModelConfig(
        kind="vae", input_dim=ds.dim, latent_dim=ds.dim, hidden=(), likelihood="gaussian", obs_var=float(obs_var)
    )
    tcfg = TrainConfig(beta=float(betas[0]), epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
    results = train.fit_many(ds, cfg, tcfg, list(betas), device=device, on_epoch=on_epoch, should_stop=should_stop)
    lam = covariance_spectrum(ds.x)
    fine = np.geomspace(min(betas) / 4, max(betas) * 4, 200)
    return {
        "betas": list(betas),
        "obs_var": float(obs_var),
        "eigenvalues": lam,
        "measured": [None if m is None else measure(m, ds.x) for m, _ in results],
        "exact": theory.rate_distortion_curve(lam, obs_var, betas),
        "curve": theory.rate_distortion_curve(lam, obs_var, fine),
    }


def gaussian_data(eigenvalues, n: int = 2000, seed: int = 0) -> Dataset:
    """Zero-mean Gaussian data whose covariance has the given eigenvalues along random orthogonal axes.

    Not standardized (standardizing would change the spectrum); the exact spectrum to compare with is the
    sample's own, covariance_spectrum(ds.x)."""
    lam = np.asarray(eigenvalues, dtype=np.float64).reshape(-1)
    if lam.size < 1 or lam.size > 64 or not np.isfinite(lam).all() or (lam <= 0).any():
        raise InputError("eigenvalues must be 1 to 64 positive numbers.")
    if not 10 <= n <= 100_000:
        raise InputError(f"n must be between 10 and 100,000, got {n}.")
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(lam.size, lam.size)))
    x = (rng.normal(size=(n, lam.size)) * np.sqrt(lam)) @ q.T
    return Dataset(x=x.astype(np.float32), name="gaussian")
