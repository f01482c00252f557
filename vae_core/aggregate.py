"""The aggregate posterior q(z) = (1/N) sum_j q(z|x_j) over every row of a data set, and I(x;z) estimated from it.

Every function takes posterior means and log-variances already encoded (torch tensors (N, k)) and works in
float64: with log-variances down to -18 the mixture's terms reach 1e8 and float32 would cancel badly.
"""

from __future__ import annotations

import math

import torch

from .densities import LOG_2PI, log_normal
from .model import VAE

_CHUNK_ELEMENTS = 2**22  # points x components per block of a pairwise log-density matrix
# I(x;z) is flagged as bounded by log N when the estimate on all N rows exceeds the estimate on half of
# them by more than this (nats): it is then still growing with the data set's size.
MI_GROWTH_FLAG = 0.1


def mixture_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log q(z) = log (1/M) sum_j N(z; mu_j, diag exp(logvar_j)) for z (P, k), components (M, k) -> (P,).

    densities.log_normal for every (point, component) pair at once: the squared distance is expanded into
    matrix products (P x M memory per block, not P x M x k), in float64.
    """
    z = z.double().cpu()
    mu = mu.double().cpu()
    logvar = logvar.double().cpu()
    inv = torch.exp(-logvar)  # (M, k)
    const = -0.5 * (LOG_2PI * mu.shape[1] + logvar.sum(1) + (mu.pow(2) * inv).sum(1))  # (M,)
    # sum_d (z_d - mu_jd)^2 / v_jd = [z^2, z] @ [1/v_j, -2 mu_j / v_j] + const_j: one product with inner size 2k
    weights = torch.cat([inv, -2.0 * mu * inv], 1).T.contiguous()  # (2k, M)
    m = mu.shape[0]
    rows = max(1, _CHUNK_ELEMENTS // m)
    out = []
    for i in range(0, z.shape[0], rows):
        zb = z[i : i + rows]
        # log-sum-exp in place on one (p, M) block: this loop is the estimators' hot spot
        e = torch.addmm(const, torch.cat([zb.pow(2), zb], 1), weights, alpha=-0.5)  # (p, M)
        top = e.max(1, keepdim=True).values
        out.append(e.sub_(top).exp_().sum(1).log() + top[:, 0] - math.log(m))
    return torch.cat(out)


def information(mu: torch.Tensor, logvar: torch.Tensor, n_z: int, gen: torch.Generator) -> dict:
    """I(x;z) in nats for x uniform over the N rows whose posteriors are given, with its Monte Carlo error.

        I(x;z) = (1/N) sum_i E_{q(z|x_i)} [ log q(z|x_i) - log q(z) ],   q(z) = (1/N) sum_j q(z|x_j)

    (Hoffman & Johnson 2016, ELBO surgery), with n_z >= 2 reparameterized draws per row. With every row in the
    mixture the estimator is unbiased for the data set's I(x;z); the only noise is the draws', and "se" is its
    standard error, sqrt(sum_i Var_z(t_i) / n_z) / N with each row's variance estimated from its n_z draws.
    Each term is at most log N (the own component is one of the N), and so is I: x uniform over N rows has
    entropy log N. "growth" = the estimate minus the same estimate on a random half of the rows; when it is
    above MI_GROWTH_FLAG the estimate is still rising with the number of rows ("saturated": it is bounded by
    log N, and the I(x;z) of the population the rows came from is larger). Returns "mutual_information"
    (clipped to [0, log N]), "se", "log_n", "growth", "saturated", "n_points".
    """
    mu, logvar = mu.double().cpu(), logvar.double().cpu()
    n, k = mu.shape
    eps = torch.randn((n_z, n, k), generator=gen, dtype=torch.float64)
    z = VAE.reparameterize(mu, logvar, eps=eps)  # (n_z, N, k)
    log_own = log_normal(z, mu, logvar)  # (n_z, N)
    terms = log_own - mixture_log_density(z.reshape(-1, k), mu, logvar).reshape(n_z, n)
    mi = float(terms.mean())
    se = float(terms.var(0, unbiased=True).sum().sqrt()) / (n * math.sqrt(n_z))
    half = torch.randperm(n, generator=gen)[: n // 2]
    if half.numel() >= 2:
        zh = z[:, half]
        mh, lh = mu[half], logvar[half]
        th = log_own[:, half] - mixture_log_density(zh.reshape(-1, k), mh, lh).reshape(n_z, half.numel())
        growth = mi - float(th.mean())
    else:
        growth = 0.0
    log_n = math.log(n)
    return {
        # Monte Carlo noise can push a near-zero estimate slightly below 0, the true value's lower bound.
        "mutual_information": min(max(mi, 0.0), log_n),
        "se": se,
        "log_n": log_n,
        "growth": growth,
        "saturated": bool(growth > MI_GROWTH_FLAG),
        "n_points": n,
    }


__all__ = ["MI_GROWTH_FLAG", "information", "mixture_log_density"]
