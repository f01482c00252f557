"""How much of the prior N(0, I) the aggregate posterior covers: the completeness score with its standard error,
and the holes map (where in a 2-D latent plane prior mass lands with no code).

Both take posterior means and log-variances of every row (torch tensors (N, k)); q(z) is their mixture
(vae_core.aggregate). Randomness comes only from the torch.Generator passed in.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .aggregate import mixture_log_density
from .batched import decode_rows, encode_rows, subsample
from .checks import check_float, check_int, check_seed
from .densities import log_std_normal
from .errors import InputError
from .model_checks import as_rows, require_model

HOLES_EXTENT = 4.0  # the holes map covers [-4, 4]^2: all but 1.3e-4 of the 2-D prior's mass
HOLES_CELLS = 48
HOLES_PER_CELL = 8  # prior draws per cell for the share
HOLES_LOG_RATIO_CLIP = (-10.0, 10.0)  # nats; below -10 a cell holds (next to) no code mass


def coverage_at(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """min(1, q(z) / p(z)) at points z (P, k), float64 (P,): the share of the prior's density there that the
    aggregate posterior matches."""
    log_q = mixture_log_density(z, mu, logvar)
    log_p = log_std_normal(z.double().cpu())
    return torch.exp((log_q - log_p).clamp(max=0.0))


def completeness_score(mu: torch.Tensor, logvar: torch.Tensor, z: torch.Tensor) -> dict:
    """Scheffe's identity, int min(p, q) dz = E_{z ~ p}[min(1, q(z)/p(z))], averaged over prior draws z (P, k).

    Returns "score" (the mean), "se" (its standard error, std / sqrt(P): each term lies in [0, 1], so
    se <= 0.5 / sqrt(P)), "coverage" (P,) the terms, and "prior_hole_kl" = mean [log p(z) - log q(z)], a Monte
    Carlo estimate of KL(p || q).
    """
    log_q = mixture_log_density(z, mu, logvar)
    log_p = log_std_normal(z.double().cpu())
    cov = torch.exp((log_q - log_p).clamp(max=0.0))
    n = cov.shape[0]
    se = float(cov.std(unbiased=True)) / math.sqrt(n) if n > 1 else float("nan")
    return {"score": float(cov.mean()), "se": se, "coverage": cov, "prior_hole_kl": float((log_p - log_q).mean())}


@torch.no_grad()
def completeness(
    model,
    x,
    n: int = 8192,
    seed: int = 0,
    quantile: float = 0.95,
    n_holdout: int = 300,
    max_points: int | None = None,
    n_precision: int = 500,
) -> dict:
    """Completeness score in [0, 1]: how much of the prior is covered by codes of real data (no holes)?

    The tutorial's completeness: a point sampled from the prior decodes to meaningful content. The decoder is
    only trained where the encoder puts codes, i.e. on the aggregate posterior q(z) = (1/N) sum_j q(z|x_j)
    over the N rows of x (Hoffman & Johnson 2016); prior mass where q(z) is small falls into "holes" the
    decoder never learned.

    Definition. The overlap of the prior p(z) = N(0, I) and the aggregate posterior,
        score = int min(p(z), q(z)) dz = 1 - TV(p, q) = E_{z ~ p}[ min(1, q(z) / p(z)) ]
    (TV the total-variation distance; the identity is Scheffe's, e.g. Tsybakov 2009, Introduction to
    Nonparametric Estimation, Lemma 2.1), estimated with n prior draws z_k and q over every row of x (or a
    random max_points of them: min(p, .) is concave, so a subsample biases the score low). "se" is the Monte
    Carlo standard error, std / sqrt(n) (at most 0.5 / sqrt(n): 0.0055 for 8,192 draws).
        1 = q(z) = p(z): every prior draw lands where codes of real data live;
        0 = q and p do not overlap: prior draws land in holes (or all codes sit far from the prior).
    An autoencoder's codes are points, whose overlap with any density is 0: its score is 0. A collapsed VAE
    (q(z|x) = p(z) for every x) is trivially complete (score 1): read it beside I(x;z).

    Not comparable across latent sizes: over a finite data set q(z) is a mixture of N narrow Gaussians, and in
    k dimensions they fill less and less of the prior as k grows, so the score falls with k for any model
    (even an encoder whose population aggregate is exactly the prior). Compare models of one latent size.

    Also returned, from the same draws: "prior_hole_kl" = mean_k [log p(z_k) - log q(z_k)], a Monte Carlo
    estimate of KL(p || q) (None for an AE); "draws" (n, latent_dim) the prior draws and "coverage" (n,)
    min(1, q/p) at each (None for an AE), so a page can decode the draws that fall deepest into holes.

    A second, decoder-side check compares decodings with data, a single-radius simplification of the improved
    precision of Kynkaanniemi et al. 2019 (vae_core.samples has the full one): split the rows at random
    (`seed`) into a reference set R and a held-out set H of min(n_holdout, n_rows // 5) rows, let tau be the
    `quantile` of held-out rows' distances to their nearest reference row, and report "precision" = fraction
    of the first min(n, n_precision) decoded prior draws within tau of R (real data scores `quantile`), and
    "precision_recon", the same against the model's reconstructions of R and H. A decoder can paint plausible
    images inside holes it was never trained on, so precision can be high while the score is low; the score is
    the one that sees holes. Also "threshold" tau, "sample_distances" (min(n, n_precision),),
    "real_distances" (len(H),), "n_samples" (n), "quantile".
    """
    from sklearn.neighbors import NearestNeighbors

    require_model(model)
    xt = as_rows(model, x, min_rows=10)
    n = check_int("n", n, 2, 1_000_000)
    n_holdout = check_int("n_holdout", n_holdout, 1, 100_000)
    n_precision = check_int("n_precision", n_precision, 1, 100_000)
    if max_points is not None:
        max_points = check_int("max_points", max_points, 1, 1_000_000)
    quantile = check_float("quantile", quantile, 0.0, 1.0, lo_open=True)
    gen = torch.Generator().manual_seed(check_seed(seed))
    rows = xt.shape[0]
    perm = torch.randperm(rows, generator=gen)
    h = min(n_holdout, rows // 5)
    held_t, ref_t = xt[perm[:h].to(xt.device)], xt[perm[h:].to(xt.device)]
    z = torch.randn(n, model.config.latent_dim, generator=gen)
    g = decode_rows(model, z[:n_precision].to(model.device)).cpu().numpy()

    def near(held: np.ndarray, ref: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
        nn_index = NearestNeighbors(n_neighbors=1).fit(ref)
        real_d = nn_index.kneighbors(held)[0][:, 0]
        samp_d = nn_index.kneighbors(g)[0][:, 0]
        tau = float(np.quantile(real_d, quantile))
        return float((samp_d <= tau).mean()), tau, samp_d, real_d

    prec, tau, samp_d, real_d = near(held_t.cpu().numpy(), ref_t.cpu().numpy())
    recon_held = decode_rows(model, encode_rows(model, held_t)[0]).cpu().numpy()
    recon_ref = decode_rows(model, encode_rows(model, ref_t)[0]).cpu().numpy()
    out = {
        "score": 0.0,
        "se": 0.0,
        "prior_hole_kl": None,
        "draws": z.numpy(),
        "coverage": None,
        "precision": prec,
        "precision_recon": near(recon_held, recon_ref)[0],
        "threshold": tau,
        "quantile": quantile,
        "sample_distances": samp_d,
        "real_distances": real_d,
        "n_samples": n,
    }
    if model.is_vae:
        idx = subsample(rows, max_points, gen)
        mu, logvar = encode_rows(model, xt[idx.to(xt.device)])
        est = completeness_score(mu, logvar, z)
        out.update(score=est["score"], se=est["se"], coverage=est["coverage"].numpy())
        out["prior_hole_kl"] = est["prior_hole_kl"]
    return out


def _interval_mass(lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:
    """Phi(hi) - Phi(lo) for standardized edges, taken on the side of 0 where it does not cancel."""
    upper = lo > 0
    return torch.where(
        upper, torch.special.ndtr(-lo) - torch.special.ndtr(-hi), torch.special.ndtr(hi) - torch.special.ndtr(lo)
    )


def holes_map(
    mu,
    logvar,
    gen: torch.Generator,
    extent: float = HOLES_EXTENT,
    cells: int = HOLES_CELLS,
    per_cell: int = HOLES_PER_CELL,
) -> dict:
    """Where prior mass lands with no code, on a cells x cells grid over [-extent, extent]^2 of a 2-D latent.

    Two maps, each (cells, cells) float32 with row index = z2 (bottom to top) and column = z1 (left to right):

    "share": per cell C, the prior-weighted share of the cell that the aggregate posterior covers,
        share_C = E_{z ~ p | C}[ min(1, q(z) / p(z)) ] = int_C min(p, q) dz / P_C,   P_C = int_C p dz,
    estimated with `per_cell` draws from the prior restricted to C (inverse-CDF sampling, so draws fill the
    cell even where p is small). It is the completeness score's integrand, averaged over the cell: its
    prior-weighted mean is the score,
        sum_C P_C share_C = int_{box} min(p, q) dz = completeness - int_{outside box} min(p, q) dz,
    and the last term lies in [0, 1 - (2 Phi(extent) - 1)^2] (1.3e-4 for extent 4). "mean" is that weighted
    sum and "se" its standard error (stratified: sqrt(sum_C P_C^2 Var_C / per_cell)). 1 = covered, 0 = a hole.

    "log_ratio": log(Q_C / P_C) with Q_C = int_C q dz, the code mass against the prior mass of the cell, clipped
    to HOLES_LOG_RATIO_CLIP. Q_C is exact: each component's mass in a cell is a product of two normal CDF
    differences, so a posterior 0.01 wide (beta = 0) counts wherever it sits inside the cell, which evaluating
    q at cell centres would miss. 0 = as much code as prior, positive = codes crowd, the clip's floor = a hole.

    Also "extent", "cells", "per_cell", "clip". mu, logvar: (N, 2).
    """
    extent = check_float("extent", extent, 0.0, 50.0, lo_open=True)
    cells = check_int("cells", cells, 2, 512)
    per_cell = check_int("per_cell", per_cell, 2, 256)
    mu, logvar = torch.as_tensor(mu).double().cpu(), torch.as_tensor(logvar).double().cpu()
    if mu.ndim != 2 or mu.shape[1] != 2 or logvar.shape != mu.shape:
        raise InputError(f"the holes map needs a 2-D latent space; got posteriors of shape {tuple(mu.shape)}.")
    edges = torch.linspace(-extent, extent, cells + 1, dtype=torch.float64)
    # exact code mass per cell: Q = B^T A / N, A[j, c] = mass of component j's z1 in column c, B for z2 rows
    sd = torch.exp(0.5 * logvar)
    std_edges = (edges[None, None, :] - mu[:, :, None]) / sd[:, :, None]  # (N, 2, cells + 1)
    mass = _interval_mass(std_edges[..., :-1], std_edges[..., 1:])  # (N, 2, cells)
    q_cell = mass[:, 1, :].T @ mass[:, 0, :] / mu.shape[0]  # (rows = z2, cols = z1)
    p1 = _interval_mass(edges[:-1], edges[1:])  # (cells,)
    p_cell = p1[:, None] * p1[None, :]
    lo, hi = HOLES_LOG_RATIO_CLIP
    log_ratio = (torch.log(q_cell) - torch.log(p_cell)).nan_to_num(nan=lo, neginf=lo).clamp(lo, hi)
    # draws from the prior restricted to each cell, per dimension by the inverse CDF
    cdf_lo, cdf_w = torch.special.ndtr(edges[:-1]), p1
    u = torch.rand((cells, cells, per_cell, 2), generator=gen, dtype=torch.float64)
    z1 = torch.special.ndtri(cdf_lo[None, :, None] + u[..., 0] * cdf_w[None, :, None])  # column c -> z1
    z2 = torch.special.ndtri(cdf_lo[:, None, None] + u[..., 1] * cdf_w[:, None, None])  # row r -> z2
    z = torch.stack([z1, z2], -1).reshape(-1, 2)
    cov = coverage_at(z, mu, logvar).reshape(cells, cells, per_cell)
    share = cov.mean(-1)
    mean = float((p_cell * share).sum())
    se = float((p_cell.pow(2) * cov.var(-1, unbiased=True) / per_cell).sum().sqrt())
    return {
        "share": share.float().numpy(),
        "log_ratio": log_ratio.float().numpy(),
        "mean": mean,
        "se": se,
        "extent": extent,
        "cells": cells,
        "per_cell": per_cell,
        "clip": [lo, hi],
    }


__all__ = [
    "HOLES_CELLS",
    "HOLES_EXTENT",
    "HOLES_LOG_RATIO_CLIP",
    "completeness",
    "completeness_score",
    "coverage_at",
    "holes_map",
]
