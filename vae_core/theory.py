"""Exact closed forms for linear-Gaussian models: the marginal log p(x), the true posterior and the exact ELBO
of a linear VAE, the probabilistic-PCA optimum and the beta-VAE rate-distortion curve. The tests check trained
models against them, and the app draws them beside what a trained model actually does.

A "linear-Gaussian" model here is a VAE built with hidden=() and likelihood="gaussian": decoder x = W z + b,
p(x|z) = N(W z + b, c I) with c = obs_var, prior p(z) = N(0, I). Everything is in nats per sample with all
constants, like vae_core.objectives, and computed in float64 on the CPU.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from .checks import check_float, check_int
from .densities import LOG_2PI
from .errors import InputError
from .model_checks import as_rows, linear_layers, require_vae


def _linear_decoder(model, need_encoder: bool = False) -> tuple[torch.Tensor, torch.Tensor, float]:
    """W (d, k), b (d,) in float64 and c for a linear Gaussian VAE; InputError for any other model."""
    require_vae(model, "the closed forms")
    cfg = model.config
    if tuple(cfg.hidden) != ():
        raise InputError(
            f"the closed forms hold only for a linear model (hidden=()); this model has hidden layers "
            f"{list(cfg.hidden)}."
        )
    if cfg.likelihood != "gaussian":
        raise InputError(f"the closed forms need the Gaussian likelihood; this model uses {cfg.likelihood!r}.")
    lin = linear_layers(model.decoder)
    if len(lin) != 1 or (need_encoder and len(linear_layers(model.encoder)) != 1):
        raise InputError("expected a single linear layer per side in a model with hidden=().")
    w = lin[0].weight.detach().to("cpu", torch.float64)  # (d, k): nn.Linear stores (out, in)
    b = lin[0].bias.detach().to("cpu", torch.float64)
    return w, b, float(cfg.obs_var)


def linear_gaussian_log_px(model, x) -> torch.Tensor:
    """Exact marginal log-likelihood log p(x) of a linear Gaussian VAE, float64 tensor (n,) in nats.

    x: (n, d). With decoder x = W z + b, p(x|z) = N(W z + b, c I) and p(z) = N(0, I), the marginal is
    p(x) = N(x; b, C) with C = W W^T + c I (Tipping & Bishop 1999, "Probabilistic principal component analysis",
    JRSS-B 61(3), eq. 3). Computed through the k x k matrix M = W^T W + c I (Woodbury and the determinant lemma,
    Tipping & Bishop 1999 sec. 3):  C^{-1} = (I - W M^{-1} W^T) / c,  log|C| = (d - k) log c + log|M|,
        log p(x) = -1/2 [ d log 2 pi + log|C| + (x - b)^T C^{-1} (x - b) ].
    Raises InputError for an autoencoder, a model with hidden layers or a Bernoulli likelihood.
    """
    w, b, c = _linear_decoder(model)
    xs = as_rows(model, x, dtype=torch.float64, device="cpu", allow_1d=True)
    d, k = w.shape
    m = w.T @ w + c * torch.eye(k, dtype=torch.float64)
    chol = torch.linalg.cholesky(m)
    r = xs - b  # (n, d)
    wr = torch.cholesky_solve((r @ w).T, chol).T  # M^{-1} W^T r, (n, k)
    quad = ((r * r).sum(-1) - ((r @ w) * wr).sum(-1)) / c
    logdet = (d - k) * math.log(c) + 2.0 * torch.log(torch.diagonal(chol)).sum()
    return -0.5 * (d * LOG_2PI + logdet + quad)


def linear_gaussian_posterior(model, x) -> tuple[torch.Tensor, torch.Tensor]:
    """True posterior p(z|x) of a linear Gaussian VAE: mean float64 (n, k) and covariance float64 (k, k).

    p(z|x) = N(M^{-1} W^T (x - b), c M^{-1}) with M = W^T W + c I (Tipping & Bishop 1999, sec. 3.2); the
    covariance is the same for every x, which is why a VAE's diagonal Gaussian q(z|x) can be exact here.
    """
    w, b, c = _linear_decoder(model)
    xs = as_rows(model, x, dtype=torch.float64, device="cpu", allow_1d=True)
    m_inv = torch.linalg.inv(w.T @ w + c * torch.eye(w.shape[1], dtype=torch.float64))
    return (xs - b) @ w @ m_inv.T, c * m_inv


def linear_gaussian_elbo(model, x, beta: float = 1.0) -> torch.Tensor:
    """Exact (noise-free) beta-ELBO of a linear Gaussian VAE, float64 tensor (n,) in nats.

    With q(z|x) = N(mu, diag(s^2)) and decoder W z + b, the expectation is closed form:
        E_q[log p(x|z)] = -(||x - W mu - b||^2 + sum_j ||W_j||^2 s_j^2) / (2c) - d/2 log(2 pi c),
    and ELBO = E_q[log p(x|z)] - beta KL(q || N(0, I)) (Kingma & Welling 2014, eq. 3 and Appendix B). At
    beta = 1, log p(x) - ELBO = KL(q(z|x) || p(z|x)) >= 0 for every x (the gap the ELBO page shows).
    """
    w, b, c = _linear_decoder(model, need_encoder=True)
    xs = as_rows(model, x, dtype=torch.float64, device="cpu", allow_1d=True)
    enc = linear_layers(model.encoder)[0]
    h = xs @ enc.weight.detach().to("cpu", torch.float64).T + enc.bias.detach().to("cpu", torch.float64)
    mu, logvar = h.chunk(2, dim=-1)
    from .model import LOGVAR_MAX, LOGVAR_MIN  # the model clamps log-variance the same way

    logvar = logvar.clamp(LOGVAR_MIN, LOGVAR_MAX)
    var = logvar.exp()
    d = w.shape[0]
    sq = ((xs - mu @ w.T - b) ** 2).sum(-1) + (var * (w * w).sum(0)).sum(-1)
    expected_ll = -0.5 * sq / c - 0.5 * d * (LOG_2PI + math.log(c))
    kl = 0.5 * (mu * mu + var - 1.0 - logvar).sum(-1)
    return expected_ll - float(beta) * kl


def _check_spectrum(eigenvalues, c) -> tuple[np.ndarray, float]:
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if lam.ndim != 1 or lam.size == 0:
        raise InputError(f"eigenvalues must be a non-empty 1-D array, got shape {lam.shape}.")
    if not np.isfinite(lam).all() or (lam < 0).any():
        raise InputError("eigenvalues must be finite and non-negative (a covariance spectrum).")
    c = check_float("the observation variance c", c, 0.0, lo_open=True)
    return np.sort(lam)[::-1].copy(), c


def ppca_solution(eigenvalues, c: float, latent_dim: int) -> dict:
    """Optimum of a linear VAE with fixed observation variance c (probabilistic PCA): a dict of arrays.

    eigenvalues: (d,) the full spectrum lambda_1 >= ... >= lambda_d of the data covariance (sorted here).
    Tipping & Bishop (1999, eq. 7) give the maximum-likelihood decoder W = U_k (Lambda_k - c I)^{1/2} R; Lucas et
    al. (2019, "Don't blame the ELBO", sec. 4) show a linear VAE reaches it with the exact posterior, whose
    variance is c / lambda_i. Per latent dimension i (the top latent_dim directions):
        active (lambda_i > c):  KL_i = 1/2 log(lambda_i / c),  posterior var c / lambda_i,  ||W_i||^2 = lambda_i - c
        collapsed (otherwise):  KL_i = 0,  posterior var 1 (the prior),  W_i = 0.
    Returned (each (latent_dim,) unless noted): "kl_per_dim", "posterior_var", "decoder_norm2", "active" (bool);
    scalars "kl" (the rate, nats), "mse" (expected squared error of a sampled reconstruction:
    c per active dimension plus every uncoded eigenvalue), "recon" (= mse / (2c) + d/2 log(2 pi c), nats) and
    "log_px" (expected exact log p(x); the ELBO equals it at the optimum since q is the true posterior):
        log_px = -1/2 [d log 2 pi + sum_active log lambda_i + (d - n_active) log c + n_active + sum_rest lambda_i / c].
    Latent dimensions beyond d are collapsed.
    """
    lam, c = _check_spectrum(eigenvalues, c)
    d, m = lam.size, check_int("latent_dim", latent_dim, 1)
    top = np.zeros(m)
    top[: min(m, d)] = lam[:m]
    active = top > c
    kl = np.where(active, 0.5 * np.log(np.where(active, top, c) / c), 0.0)
    post_var = np.where(active, c / np.where(active, top, 1.0), 1.0)
    n_act = int(active.sum())
    rest = lam[n_act:]  # active dimensions are a prefix of the sorted spectrum
    mse = n_act * c + float(rest.sum())
    log_px = -0.5 * (
        d * LOG_2PI + float(np.log(lam[:n_act]).sum()) + (d - n_act) * math.log(c) + n_act + float(rest.sum()) / c
    )
    return {
        "eigenvalues": lam,
        "active": active,
        "kl_per_dim": kl,
        "posterior_var": post_var,
        "decoder_norm2": np.maximum(top - c, 0.0),
        "kl": float(kl.sum()),
        "mse": mse,
        "recon": mse / (2 * c) + 0.5 * d * (LOG_2PI + math.log(c)),
        "log_px": log_px,
        "n_active": n_act,
    }


def rate_distortion_curve(eigenvalues, c: float, betas: Sequence[float], latent_dim: int | None = None) -> dict:
    """Rate and distortion of the optimal linear Gaussian beta-VAE for each beta: a dict of (len(betas),) arrays.

    eigenvalues: (d,) data covariance spectrum; c: the decoder's obs_var; betas: KL weights >= 0. Dividing the loss
    E||x - f(z)||^2 / (2c) + beta KL by beta shows the optimum is probabilistic PCA with noise beta c, i.e. reverse
    water-filling at level theta = beta c (Cover & Thomas 2006, Elements of Information Theory, Thm 10.3.3;
    Alemi et al. 2018, "Fixing a Broken ELBO"; Lucas et al. 2019):
        distortion D(beta) = sum_i min(lambda_i, beta c)            (expected squared error per sample)
        rate       R(beta) = sum_i 1/2 log max(lambda_i / (beta c), 1)   (mean KL(q(z|x) || p(z)), nats)
    with only the top latent_dim eigenvalues codable when latent_dim is given (the rest add lambda_i to D, 0 to R).
    D is a squared error, not the model's reconstruction term; in nats the Gaussian term is
        recon(beta) = E||x - f(z)||^2 / (2c) + d/2 log(2 pi c) = D / (2c) + d/2 log(2 pi c),
    so the trained loss is recon + beta R and the ELBO (beta = 1 weighting) is -(recon + R).
    Keys: "beta", "theta" (= beta c), "rate", "distortion", "recon", "elbo", "loss", "n_active".
    beta = 0 (a plain autoencoder) gives infinite rate.
    """
    lam, c = _check_spectrum(eigenvalues, c)
    b = np.asarray(betas, dtype=np.float64).reshape(-1)
    if b.size == 0 or not np.isfinite(b).all() or (b < 0).any():
        raise InputError("betas must be a non-empty list of finite numbers >= 0.")
    m = lam.size if latent_dim is None else check_int("latent_dim", latent_dim, 1)
    d = lam.size
    coded, uncoded = lam[:m], lam[m:]
    theta = b * c
    dist = np.minimum(coded[None, :], theta[:, None]).sum(1) + uncoded.sum()
    act = coded[None, :] > theta[:, None]  # (len(betas), m) coded above the water level
    with np.errstate(divide="ignore"):
        rate = 0.5 * np.where(act, np.log(np.where(act, coded[None, :], 1.0)) - np.log(theta[:, None]), 0.0).sum(1)
    n_active = act.sum(1)
    recon = dist / (2 * c) + 0.5 * d * (LOG_2PI + math.log(c))
    with np.errstate(invalid="ignore"):
        loss = recon + np.where(b > 0, b * rate, 0.0)
    return {
        "beta": b,
        "theta": theta,
        "rate": rate,
        "distortion": dist,
        "recon": recon,
        "elbo": -(recon + rate),
        "loss": loss,
        "n_active": n_active,
    }


__all__ = [
    "linear_gaussian_elbo",
    "linear_gaussian_log_px",
    "linear_gaussian_posterior",
    "ppca_solution",
    "rate_distortion_curve",
]
