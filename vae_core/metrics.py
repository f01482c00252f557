"""Measurements of a trained (V)AE's latent space: active units, mean KL per dimension, mutual information and
marginal KL (ELBO surgery), the aggregate posterior's density, and the two scores of the tutorial's latent
regularity, continuity and completeness, each a float in [0, 1] with 1 = ideal.

Every function takes numpy arrays or torch tensors and returns plain floats, numpy arrays or dicts of them.
Nothing here trains in place or changes a model (cached models are shared); randomness comes only from a
per-call torch.Generator seeded by the `seed` argument, never from the global RNG.

The estimators live in small modules and are re-exported here: the aggregate posterior and I(x;z) in
vae_core.aggregate, completeness and the holes map in vae_core.coverage, continuity in vae_core.latent_paths,
decoded prior draws against the data in vae_core.samples.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from . import aggregate
from .batched import decode_rows, encode_rows, subsample
from .checks import check_float, check_int, check_seed
from .coverage import completeness
from .densities import is_cross_entropy
from .errors import InputError
from .latent_paths import continuity
from .model_checks import as_rows, require_model
from .objectives import kl_per_dim

# Burda et al. (2016): a latent unit is "active" when Var_x(E_q[z_j|x]) > 0.01.
ACTIVE_UNIT_THRESHOLD = 0.01
# The density map's mixture costs grid points x components: 2000 rows keep it to tens of milliseconds.
MAX_MIXTURE_POINTS = 2000
# Summary sizes: every row of x, and enough draws and pairs that the scores' standard errors are ~0.005.
SUMMARY_PRIOR_DRAWS = 8192
SUMMARY_PAIRS = 1024
SUMMARY_STEPS = 12
SUMMARY_MI_DRAWS = 2
# I(x;z) costs rows^2 and completeness rows x draws: past this many rows (a user's data set; the built-in ones
# have at most 5,000) summary uses a random subset of this size, and says so in "rows_used".
SUMMARY_MAX_ROWS = 10_000
_BATCH = 4096  # rows per encoder / decoder call


# ---- active units and KL per dimension ----


@torch.no_grad()
def active_units(model, x, threshold: float = ACTIVE_UNIT_THRESHOLD) -> tuple[int, np.ndarray]:
    """Active latent units (Burda, Grosse & Salakhutdinov 2016, Importance Weighted Autoencoders, sec. 5.2).

    Unit j is active when A_j = Var_x( E_{q(z|x)}[z_j] ) > threshold, i.e. its posterior mean moves with the
    input; an inactive unit's posterior does not depend on x (for a VAE it has collapsed to the prior).
    The variance is over the rows of x (n_samples, input_dim) with ddof = 0. For an AE the code itself is used.
    Returns (n_active, variances (latent_dim,)).
    """
    require_model(model)
    check_float("threshold", threshold, 0.0)
    mu, _ = encode_rows(model, as_rows(model, x, min_rows=2))
    var = mu.double().var(0, unbiased=False).cpu().numpy()
    return int((var > threshold).sum()), var


@torch.no_grad()
def mean_kl_per_dim(model, x) -> np.ndarray:
    """Mean over the rows of x of KL(q(z_j|x) || N(0, 1)) per latent dimension, in nats: (latent_dim,).

    Closed form -1/2 (1 + log sigma^2 - mu^2 - sigma^2) (Kingma & Welling 2014, Appendix B). The sum over
    dimensions is the ELBO's KL term. Zeros for an AE, which has no posterior spread and no KL term.
    """
    require_model(model)
    mu, logvar = encode_rows(model, as_rows(model, x))
    if logvar is None:
        return np.zeros(model.config.latent_dim)
    return kl_per_dim(mu.double(), logvar.double()).mean(0).cpu().numpy()


# ---- ELBO surgery: I(x;z), KL(q(z) || p(z)) and the aggregate posterior ----


@torch.no_grad()
def _surgery(model, x, n_z: int, seed: int, max_points: int | None) -> dict | None:
    """Shared estimate of I(x;z) (with its standard error) and KL(q(z)||p(z)) on the same rows; None for an AE."""
    require_model(model)
    xt = as_rows(model, x, min_rows=2)
    n_z = check_int("n_z", n_z, 2, 10_000)
    if max_points is not None:
        max_points = check_int("max_points", max_points, 2, 1_000_000)
    seed = check_seed(seed)
    if not model.is_vae:
        return None
    gen = torch.Generator().manual_seed(seed)
    idx = subsample(xt.shape[0], max_points, gen)
    mu, logvar = encode_rows(model, xt[idx.to(xt.device)])
    out = aggregate.information(mu, logvar, n_z, gen)
    # the closed-form mean KL over the same rows as I, so that mean KL = I + marginal KL adds up
    out["mean_kl"] = float(kl_per_dim(mu.double().cpu(), logvar.double().cpu()).sum(1).mean())
    out["marginal_kl"] = out["mean_kl"] - out["mutual_information"]
    return out


def mutual_information(model, x, n_z: int = 4, seed: int = 0, max_points: int | None = None) -> float | None:
    """I(x;z) in nats under q(x, z) = q(z|x) p_data(x), with p_data the empirical distribution of the rows of x.

        I(x;z) = E_x E_{q(z|x)} [ log q(z|x) - log q(z) ],   q(z) = (1/M) sum_j q(z|x_j)  (aggregate posterior)

    (Hoffman & Johnson 2016, ELBO surgery), on every row of x (M = n), or on M = max_points rows drawn with
    `seed`, with n_z >= 2 reparameterized draws per row (vae_core.aggregate.information gives the estimate's
    standard error). q(z) is the mixture over the same M rows, so every term is at most log M: I(x;z) of M
    equally likely rows can never exceed log M however informative the code is, and a subsample biases the
    estimate low. Results are clipped to [0, log M]. None for an AE (a deterministic code has no q(z|x)
    density; its I(x;z) is infinite for continuous z).
    """
    out = _surgery(model, x, n_z, seed, max_points)
    return None if out is None else out["mutual_information"]


def marginal_kl(model, x, n_z: int = 4, seed: int = 0, max_points: int | None = None) -> float | None:
    """KL(q(z) || p(z)) in nats between the aggregate posterior and the prior N(0, I), via the ELBO surgery
    identity (Hoffman & Johnson 2016):

        E_x KL(q(z|x) || p(z)) = I(x;z) + KL(q(z) || p(z))

    with the left side in closed form over the same rows as I(x;z), estimated as in `mutual_information`.
    Exactly >= 0 in theory; the estimate inherits the MI estimator's noise (and, on a subsample, its bias:
    it overestimates by as much as I is underestimated). None for an AE.
    """
    out = _surgery(model, x, n_z, seed, max_points)
    return None if out is None else out["marginal_kl"]


@torch.no_grad()
def aggregate_posterior_density(
    model, x, grid_x, grid_y, dims: tuple[int, int] = (0, 1), max_points: int = MAX_MIXTURE_POINTS, seed: int = 0
) -> np.ndarray:
    """Density of the aggregate posterior q(z) = (1/M) sum_j q(z|x_j) on a 2-D grid over latent dims `dims`.

    The other dimensions are marginalized out, which for a diagonal Gaussian mixture means dropping them.
    grid_x (gx,), grid_y (gy,) are the coordinates along dims[0] and dims[1]; returns (gy, gx) with
    out[i, j] = q(z_dims = (grid_x[j], grid_y[i])), in the layout plotly's contour/heatmap expect. Regions
    the prior N(0, I) covers but q(z) does not are the "holes" from which a VAE decodes poor samples.
    M = min(n, max_points) rows drawn with `seed`. Raises InputError for an AE (no posterior spread).
    """
    require_model(model)
    if not model.is_vae:
        raise InputError(
            "the aggregate posterior density needs a VAE: a deterministic autoencoder maps each "
            "input to a single point, which has no density."
        )
    k = model.config.latent_dim
    if k < 2:
        raise InputError("this model has a 1-D latent space; a 2-D density map needs latent_dim >= 2.")
    try:
        d0, d1 = (int(d) for d in dims)
    except (TypeError, ValueError):
        raise InputError(f"dims must be two latent dimension indices, got {dims!r}.") from None
    if d0 == d1 or not (0 <= d0 < k and 0 <= d1 < k):
        raise InputError(f"dims must be two different indices in 0..{k - 1}, got {dims!r}.")
    gx = _as_grid(grid_x, "grid_x")
    gy = _as_grid(grid_y, "grid_y")
    if gx.shape[0] * gy.shape[0] > _MAX_GRID_POINTS:
        raise InputError(
            f"the grid has {gx.shape[0]} x {gy.shape[0]} points; at most {_MAX_GRID_POINTS:,} are "
            "allowed (e.g. 500 x 500). Use fewer grid points."
        )
    xt = as_rows(model, x)
    max_points = check_int("max_points", max_points, 1, 100_000)
    idx = subsample(xt.shape[0], max_points, torch.Generator().manual_seed(check_seed(seed)))
    mu, logvar = encode_rows(model, xt[idx.to(xt.device)])
    sel = [d0, d1]
    mu, logvar = mu[:, sel].cpu(), logvar[:, sel].cpu()
    zz = torch.stack(torch.meshgrid(gy, gx, indexing="ij")[::-1], -1).reshape(-1, 2)  # (gy*gx, 2) as (x, y)
    return torch.exp(aggregate.mixture_log_density(zz, mu, logvar)).reshape(gy.shape[0], gx.shape[0]).numpy()


_MAX_GRID_POINTS = 250_000  # 500 x 500: the mixture costs grid points x components


def _as_grid(g, name: str) -> torch.Tensor:
    try:
        arr = np.asarray(g.detach().cpu() if isinstance(g, torch.Tensor) else g, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a 1-D array of numbers, got {type(g).__name__}.") from None
    if arr.ndim != 1 or arr.shape[0] < 1 or arr.shape[0] > _MAX_GRID_POINTS:
        raise InputError(f"{name} must be a 1-D array of coordinates (at least 1), got shape {arr.shape}.")
    if not np.isfinite(arr).all():
        raise InputError(f"{name} contains NaN or infinite values.")
    return torch.from_numpy(arr)


# ---- the cheap set, for live recomputation ----


@torch.no_grad()
def _reconstruction(model, xt: torch.Tensor, gen: torch.Generator) -> float:
    """E_x E_q[-log p(x|z)] with one reparameterized draw per row (the code itself for an AE), nats."""
    total = 0.0
    for i in range(0, xt.shape[0], _BATCH):
        xb = xt[i : i + _BATCH]
        mu, logvar = model.encode(xb)
        z = model.reparameterize(mu, logvar, gen)  # the code itself for an AE
        total += float(-model.log_px_given_z(xb, model.decode_raw(z)).sum())
    return total / xt.shape[0]


def summary(model, x, seed: int = 0, max_points: int | None = None) -> dict:
    """The metrics a viewer shows beside a model, in one call (about a second of CPU for MNIST's 5,000 x 784 with
    one torch thread). x: (n_samples, input_dim), the data set as training saw it (every row).

    Returns a dict:
        "continuity": dict, see `continuity` (1,024 pairs x 12 steps); ["continuity"]["score"] in [0, 1],
            1 = ideal, ["continuity"]["se"] its standard error, ["continuity"]["worst_pair"] the endpoints of the
            lowest-scoring path;
        "completeness": dict, see `completeness` (8,192 prior draws, q over every row; 300 decoded for its
            precision); ["completeness"]["score"] in [0, 1], 1 = ideal, ["completeness"]["se"] its standard error;
        "mutual_information": I(x;z) in nats over every row, "mi_se" its standard error, "mi_upper_bound":
            log N, the most it can be for N equally likely rows, "mi_growth" (the estimate minus that on half
            the rows) and "mi_saturated" (True when mi_growth > 0.1 nat: the estimate is still rising with the
            number of rows, so it is bounded by log N and the population's I(x;z) is larger);
            "marginal_kl" = KL(q(z) || p(z)) = kl - I (the same rows as kl); all None for an AE;
        "reconstruction": E_x E_q[-log p(x|z)] in nats per sample (one draw per row), and
            "reconstruction_is_cross_entropy": True for a Bernoulli decoder on grey-level data, where the number
            is a binary cross-entropy and not a negative log-likelihood;
        "kind", "latent_dim", "kl_per_dim" (latent_dim,) mean KL per dimension, "kl" (their sum, nats),
        "active_units" (int), "unit_variances" (latent_dim,), "collapsed" (bool), "message" (str), "seconds".
    A collapsed model scores 1 on both scores while carrying no information, so show I(x;z) or the
    reconstruction beside them: across beta they read as a trade-off. collapsed is True for a VAE with fewer
    active units than latent dimensions. max_points: use a random subset of that many rows for I(x;z), the
    marginal KL and completeness instead of every row (biases completeness and I(x;z) low); None = every row,
    up to SUMMARY_MAX_ROWS (a larger data set is subsampled to that many). "rows_used": the rows they used.
    """
    t0 = time.perf_counter()
    require_model(model)
    xt = as_rows(model, x, min_rows=10)
    seed = check_seed(seed)
    if max_points is not None:
        max_points = check_int("max_points", max_points, 2, 1_000_000)
    elif xt.shape[0] > SUMMARY_MAX_ROWS:
        max_points = SUMMARY_MAX_ROWS
    kld = mean_kl_per_dim(model, xt)
    n_act, var = active_units(model, xt)
    surg = _surgery(model, xt, SUMMARY_MI_DRAWS, seed, max_points)
    cont = continuity(model, xt, n_pairs=SUMMARY_PAIRS, steps=SUMMARY_STEPS, seed=seed)
    comp = completeness(model, xt, n=SUMMARY_PRIOR_DRAWS, seed=seed, max_points=max_points, n_precision=300)
    recon = _reconstruction(model, xt, torch.Generator().manual_seed(seed))
    k = model.config.latent_dim
    collapsed = bool(model.is_vae and n_act < k)
    if not model.is_vae:
        message = (
            f"deterministic autoencoder: {n_act} of {k} code dimensions vary with the input; "
            "there is no KL term and no posterior to collapse."
        )
    elif n_act == 0:
        message = (
            f"full posterior collapse: none of the {k} latent dimensions carries information about the "
            "input (every q(z|x) is close to the prior), so the decoder ignores z."
        )
    elif collapsed:
        dead = [j for j in range(k) if var[j] <= ACTIVE_UNIT_THRESHOLD]
        names = ", ".join(f"z{j + 1}" for j in dead)  # named as the plots name them: z1, z2, ...
        one = len(dead) == 1
        message = (
            f"partial posterior collapse: {n_act} of {k} latent dimensions are active; {names} "
            f"{'ignores' if one else 'ignore'} the input ({'its' if one else 'their'} posterior stays at the "
            f"prior) and {'carries' if one else 'carry'} no information."
        )
    else:
        message = f"all {k} latent dimensions are active (no posterior collapse)."
    mi = None if surg is None else surg["mutual_information"]
    return {
        "kind": model.config.kind,
        "latent_dim": k,
        "kl_per_dim": kld,
        "kl": float(kld.sum()),
        "active_units": n_act,
        "unit_variances": var,
        "mutual_information": mi,
        "marginal_kl": None if surg is None else surg["marginal_kl"],
        "rows_used": min(xt.shape[0], max_points or xt.shape[0]),
        "mi_se": None if surg is None else surg["se"],
        "mi_upper_bound": None if surg is None else surg["log_n"],
        "mi_growth": None if surg is None else surg["growth"],
        "mi_saturated": None if surg is None else surg["saturated"],
        "reconstruction": recon,
        "reconstruction_is_cross_entropy": is_cross_entropy(model.config.likelihood, xt),
        "continuity": cont,
        "completeness": comp,
        "collapsed": collapsed,
        "message": message,
        "seconds": time.perf_counter() - t0,
    }


__all__ = [
    "ACTIVE_UNIT_THRESHOLD",
    "MAX_MIXTURE_POINTS",
    "active_units",
    "aggregate_posterior_density",
    "completeness",
    "continuity",
    "decode_rows",
    "encode_rows",
    "marginal_kl",
    "mean_kl_per_dim",
    "mutual_information",
    "subsample",
    "summary",
]
