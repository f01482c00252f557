"""Objectives in nats per sample with all constants: the KL term, the (beta-)ELBO and importance-sampled
log p(x). The densities they use live in vae_core.densities; 1-D information quantities in vae_core.information."""

from __future__ import annotations

import math

import torch

from .checks import check_int
from .densities import log_normal, log_std_normal
from .model_checks import as_rows, require_vae


def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(sigma^2)) || N(0, I)) per latent dimension, (n, latent_dim).

    Closed form from Kingma & Welling (2014), Auto-Encoding Variational Bayes, Appendix B:
    -1/2 (1 + log sigma^2 - mu^2 - sigma^2).
    """
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)


def terms(model, x: torch.Tensor, generator: torch.Generator | None = None):
    """One-sample Monte Carlo terms for a batch: recon = -log p(x|z) (n,), kl (n, latent_dim) (zeros for an AE).

    ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z))  (Kingma & Welling 2014, eq. 3)."""
    raw, mu, logvar, _ = model(x, generator=generator)
    recon = -model.log_px_given_z(x, raw)
    kl = kl_per_dim(mu, logvar) if logvar is not None else torch.zeros_like(mu)
    return recon, kl


def _batches(x, model, batch: int):
    x = as_rows(model, x, allow_1d=True)
    for i in range(0, x.shape[0], batch):
        yield x[i : i + batch]


@torch.no_grad()
def elbo(
    model, x, beta: float = 1.0, n_samples: int = 1, generator: torch.Generator | None = None, batch: int = 4096
) -> torch.Tensor:
    """Per-sample (beta-weighted) ELBO in nats, shape (n,): E_q[log p(x|z)] - beta KL(q(z|x) || p(z)),
    the expectation averaged over n_samples reparameterized draws. Any beta >= 1 gives a lower bound on log p(x)
    (the KL term is >= 0, so weighting it more only lowers the bound; beta = 1 is the tightest of them);
    beta < 1 can exceed log p(x). An autoencoder has no ELBO: InputError (its reconstruction term is `terms`)."""
    require_vae(model, "the ELBO")
    check_int("n_samples", n_samples, 1)
    out = []
    for xb in _batches(x, model, batch):
        mu, logvar = model.encode(xb)
        kl = kl_per_dim(mu, logvar).sum(-1)
        rec = torch.zeros(xb.shape[0], device=xb.device)
        for _ in range(n_samples):
            z = model.reparameterize(mu, logvar, generator)
            rec += model.log_px_given_z(xb, model.decode_raw(z))
        out.append(rec / n_samples - beta * kl)
    return torch.cat(out).cpu()


@torch.no_grad()
def elbo_estimate(model, x, k: int = 1000, generator: torch.Generator | None = None) -> dict:
    """The ELBO of one input x (input_dim,) at beta = 1 from k draws z ~ q(z|x), with its standard error:
    `elbo` on k copies of x with one draw each (the same average as n_samples=k, in one batched pass).

    Returns, in nats: "elbo" (the mean), "elbo_se" (sample standard deviation / sqrt(k)), "kl" (KL(q(z|x) ||
    p(z)) in closed form, no noise) and "recon" = E_q[log p(x|z)] = elbo + kl, whose error is elbo_se."""
    require_vae(model, "the ELBO")
    k = check_int("k", k, 2)
    xt = as_rows(model, x, allow_1d=True, max_rows=1)
    per = elbo(model, xt.expand(k, -1), generator=generator).double()
    mu, logvar = model.encode(xt)
    kl = float(kl_per_dim(mu, logvar).sum())
    mean = float(per.mean())
    return {"elbo": mean, "elbo_se": float(per.std() / math.sqrt(k)), "kl": kl, "recon": mean + kl}


@torch.no_grad()
def log_px(
    model, x, k: int = 1000, generator: torch.Generator | None = None, max_elements: int = 2**24
) -> torch.Tensor:
    """Importance-sampled log p(x) per sample, shape (n,) (Burda et al. 2016, IWAE bound with k samples):

    log p(x) ~= logsumexp_k [log p(x|z_k) + log p(z_k) - log q(z_k|x)] - log k,  z_k ~ q(z|x).
    Inputs are processed in chunks so that chunk * k * input_dim stays under max_elements (bounded memory).
    """
    require_vae(model, "log p(x)")
    check_int("k", k, 1)
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
            z = model.reparameterize(mu, logvar, eps=eps)  # (kk, n, latent)
            lw = (
                model.log_px_given_z(xb, model.decode_raw(z)) + log_std_normal(z) - log_normal(z, mu, logvar)
            )  # (kk, n)
            parts.append(lw)
        lw = torch.cat(parts, 0)
        out.append(torch.logsumexp(lw, 0) - math.log(k))
    return torch.cat(out).cpu()
