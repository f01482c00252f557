"""Objectives in nats per sample with all constants: KL terms, the (beta-)ELBO, importance-sampled log p(x),
and closed-form information quantities of 1-D Gaussians used by the teaching pages."""

from __future__ import annotations

import math

import torch

from .errors import InputError

LOG_2PI = math.log(2 * math.pi)


def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(sigma^2)) || N(0, I)) per latent dimension, (n, latent_dim).

    Closed form from Kingma & Welling (2014), Auto-Encoding Variational Bayes, Appendix B:
    -1/2 (1 + log sigma^2 - mu^2 - sigma^2).
    """
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)


def gaussian_kl_1d(mu1, sigma1, mu2, sigma2):
    """KL(N(mu1, sigma1^2) || N(mu2, sigma2^2)) in nats: log(s2/s1) + (s1^2 + (m1-m2)^2)/(2 s2^2) - 1/2."""
    s1 = torch.as_tensor(sigma1, dtype=torch.float64)
    s2 = torch.as_tensor(sigma2, dtype=torch.float64)
    m1 = torch.as_tensor(mu1, dtype=torch.float64)
    m2 = torch.as_tensor(mu2, dtype=torch.float64)
    if (s1 <= 0).any() or (s2 <= 0).any():
        raise InputError("standard deviations must be positive.")
    return torch.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5


def gaussian_entropy_1d(sigma):
    """Differential entropy of N(mu, sigma^2) in nats: 1/2 log(2 pi e sigma^2)."""
    s = torch.as_tensor(sigma, dtype=torch.float64)
    if (s <= 0).any():
        raise InputError("standard deviation must be positive.")
    return 0.5 * (LOG_2PI + 1.0) + torch.log(s)


def gaussian_cross_entropy_1d(mu1, sigma1, mu2, sigma2):
    """H(p, q) = -E_p[log q] for p = N(mu1, s1^2), q = N(mu2, s2^2); equals H(p) + KL(p || q)."""
    return gaussian_entropy_1d(sigma1) + gaussian_kl_1d(mu1, sigma1, mu2, sigma2)


def log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag(exp(logvar))) summed over the last axis, constants included."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) / logvar.exp()).sum(-1)


def log_std_normal(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I) summed over the last axis."""
    return -0.5 * (LOG_2PI + z.pow(2)).sum(-1)


def terms(model, x: torch.Tensor, generator: torch.Generator | None = None):
    """One-sample Monte Carlo terms for a batch: recon = -log p(x|z) (n,), kl (n, latent_dim) (zeros for an AE).

    ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z))  (Kingma & Welling 2014, eq. 3)."""
    raw, mu, logvar, _ = model(x, generator=generator)
    recon = -model.log_px_given_z(x, raw)
    kl = kl_per_dim(mu, logvar) if logvar is not None else torch.zeros_like(mu)
    return recon, kl


def _batches(x, model, batch: int):
    x = model.as_input(x, model.config.input_dim, "x")  # validates the shape, copies read-only arrays
    for i in range(0, x.shape[0], batch):
        yield x[i : i + batch]


@torch.no_grad()
def elbo(
    model, x, beta: float = 1.0, n_samples: int = 1, generator: torch.Generator | None = None, batch: int = 4096
) -> torch.Tensor:
    """Per-sample (beta-weighted) ELBO in nats, shape (n,): E_q[log p(x|z)] - beta KL(q(z|x) || p(z)),
    the expectation averaged over n_samples reparameterized draws. beta = 1 gives the true lower bound."""
    if n_samples < 1:
        raise InputError(f"n_samples must be at least 1, got {n_samples}.")
    out = []
    for xb in _batches(x, model, batch):
        mu, logvar = model.encode(xb)
        kl = kl_per_dim(mu, logvar).sum(-1) if logvar is not None else torch.zeros(xb.shape[0], device=xb.device)
        rec = torch.zeros(xb.shape[0], device=xb.device)
        for _ in range(n_samples):
            z = model.reparameterize(mu, logvar, generator)
            rec += model.log_px_given_z(xb, model.decode_raw(z))
        out.append(rec / n_samples - beta * kl)
    return torch.cat(out).cpu()


@torch.no_grad()
def log_px(
    model, x, k: int = 1000, generator: torch.Generator | None = None, max_elements: int = 2**24
) -> torch.Tensor:
    """Importance-sampled log p(x) per sample, shape (n,) (Burda et al. 2016, IWAE bound with k samples):

    log p(x) ~= logsumexp_k [log p(x|z_k) + log p(z_k) - log q(z_k|x)] - log k,  z_k ~ q(z|x).
    Inputs are processed in chunks so that chunk * k * input_dim stays under max_elements (bounded memory).
    """
    if model.config.kind != "vae":
        raise InputError("log p(x) needs a VAE: a deterministic autoencoder defines no density.")
    if k < 1:
        raise InputError(f"k must be at least 1, got {k}.")
    d = model.config.input_dim
    k_chunk = max(1, min(k, max_elements // d))
    n_chunk = max(1, max_elements // (k_chunk * d))
    out = []
    for xb in _batches(x, model, n_chunk):
        mu, logvar = model.encode(xb)
        parts = []
        for start in range(0, k, k_chunk):
            kk = min(k_chunk, k - start)
            eps = torch.randn((kk, *mu.shape), generator=generator, device=mu.device)
            z = mu + torch.exp(0.5 * logvar) * eps  # (kk, n, latent)
            lw = (
                model.log_px_given_z(xb, model.decode_raw(z)) + log_std_normal(z) - log_normal(z, mu, logvar)
            )  # (kk, n)
            parts.append(lw)
        lw = torch.cat(parts, 0)
        out.append(torch.logsumexp(lw, 0) - math.log(k))
    return torch.cat(out).cpu()
