"""Measurements of a trained (V)AE's latent space: active units, mean KL per dimension, mutual information and
marginal KL (ELBO surgery), the aggregate posterior's density, and the two scores of the tutorial's latent
regularity, continuity and completeness, each a float in [0, 1] with 1 = ideal.

Every function takes numpy arrays or torch tensors and returns plain floats, numpy arrays or dicts of them.
Nothing here trains in place or changes a model (cached models are shared); randomness comes only from a
per-call torch.Generator seeded by the `seed` argument, never from the global RNG.

Longer than the other modules (~500 lines) on purpose: `summary`, which the app reruns per model, shares one
subsample, the batched encoder and the aggregate posterior's mixture density with every measurement here.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch

from .checks import check_float, check_int, check_seed
from .densities import LOG_2PI, is_cross_entropy, log_normal, log_std_normal
from .errors import InputError
from .model_checks import as_rows, require_model
from .objectives import kl_per_dim

# Burda et al. (2016): a latent unit is "active" when Var_x(E_q[z_j|x]) > 0.01.
ACTIVE_UNIT_THRESHOLD = 0.01
# Cost caps: the pairwise mixture terms are O(points x components); 2000 keeps them to tens of milliseconds.
MAX_MIXTURE_POINTS = 2000
_CHUNK_ELEMENTS = 2**22  # rows x components per block of a pairwise log-density matrix
_BATCH = 4096  # rows per encoder / decoder call


# ---- small helpers (also used by vae_core.pca_comparison) ----


@torch.no_grad()
def encode_rows(model, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Posterior means and log-variances (None for an AE) for all rows, computed in batches."""
    mus, lvs = [], []
    for i in range(0, x.shape[0], _BATCH):
        mu, lv = model.encode(x[i : i + _BATCH])
        mus.append(mu)
        lvs.append(lv)
    mu = torch.cat(mus)
    return mu, (None if lvs[0] is None else torch.cat(lvs))


@torch.no_grad()
def decode_rows(model, z: torch.Tensor) -> torch.Tensor:
    return torch.cat([model.decode(z[i : i + _BATCH]) for i in range(0, z.shape[0], _BATCH)])


def subsample(n: int, m: int, gen: torch.Generator) -> torch.Tensor:
    """m distinct row indices out of n (all of them, in order, when m >= n)."""
    if m >= n:
        return torch.arange(n)
    return torch.randperm(n, generator=gen)[:m].sort().values


def _mixture_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log q(z) = log (1/M) sum_j N(z; mu_j, diag exp(logvar_j)) for z (P, k), components (M, k) -> (P,).

    densities.log_normal for every (point, component) pair at once: the squared distance is expanded into
    matrix products (P x M memory, not P x M x k) in float64: with log-variances down to -18 the terms
    reach 1e8 and float32 would cancel badly.
    """
    z = z.double()
    mu = mu.double()
    logvar = logvar.double()
    inv = torch.exp(-logvar)  # (M, k)
    const = -0.5 * (LOG_2PI * mu.shape[1] + logvar.sum(1) + (mu.pow(2) * inv).sum(1))  # (M,)
    # sum_d (z_d - mu_jd)^2 / v_jd = [z^2, z] @ [1/v_j, -2 mu_j / v_j] + const_j: one product with inner size 2k
    weights = torch.cat([inv, -2.0 * mu * inv], 1).T.contiguous()  # (2k, M)
    m = mu.shape[0]
    rows = max(1, _CHUNK_ELEMENTS // m)
    out = []
    for i in range(0, z.shape[0], rows):
        zb = z[i : i + rows]
        quad = torch.cat([zb.pow(2), zb], 1) @ weights  # (p, M)
        out.append(torch.logsumexp(const - 0.5 * quad, dim=1) - math.log(m))
    return torch.cat(out)


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
def _surgery(model, x, n_z: int, seed: int, max_points: int) -> dict | None:
    """Shared estimate of I(x;z) and KL(q(z)||p(z)) on one subsample; None for an AE."""
    require_model(model)
    xt = as_rows(model, x, min_rows=2)
    n_z = check_int("n_z", n_z, 1, 10_000)
    max_points = check_int("max_points", max_points, 2, 100_000)
    seed = check_seed(seed)
    if not model.is_vae:
        return None
    gen = torch.Generator().manual_seed(seed)
    idx = subsample(xt.shape[0], max_points, gen)
    mu, logvar = encode_rows(model, xt[idx.to(xt.device)])
    mu, logvar = mu.double().cpu(), logvar.double().cpu()
    m = mu.shape[0]
    eps = torch.randn((n_z, *mu.shape), generator=gen, dtype=torch.float64)
    z = model.reparameterize(mu, logvar, eps=eps)  # (n_z, M, k)
    log_q_own = log_normal(z, mu, logvar)  # (n_z, M), float64
    log_q_agg = _mixture_log_density(z.reshape(-1, mu.shape[1]), mu, logvar).reshape(n_z, m)
    mi = float((log_q_own - log_q_agg).mean())
    # Each term is <= log M exactly (the own component is one of the M); Monte Carlo noise can push a
    # near-zero estimate slightly below 0, the true value's lower bound.
    mi = min(max(mi, 0.0), math.log(m))
    mean_kl = float(kl_per_dim(mu, logvar).sum(1).mean())
    return {
        "mutual_information": mi,
        "marginal_kl": mean_kl - mi,
        "mean_kl": mean_kl,
        "log_n": math.log(m),
        "n_points": m,
    }


def mutual_information(model, x, n_z: int = 4, seed: int = 0, max_points: int = MAX_MIXTURE_POINTS) -> float | None:
    """I(x;z) in nats under q(x, z) = q(z|x) p_data(x), with p_data the empirical distribution of the rows of x.

        I(x;z) = E_x E_{q(z|x)} [ log q(z|x) - log q(z) ],   q(z) = (1/M) sum_j q(z|x_j)  (aggregate posterior)

    (Hoffman & Johnson 2016, ELBO surgery). Estimated on M = min(n, max_points) rows drawn with `seed`, with
    n_z reparameterized draws per row; q(z) is the mixture over the same M rows, so every term is at most
    log M: the estimator is biased (it underestimates I for an informative encoder, and can never exceed
    log M however informative the code is). Results are clipped to [0, log M]. None for an AE (a
    deterministic code has no q(z|x) density; its I(x;z) is infinite for continuous z).
    """
    out = _surgery(model, x, n_z, seed, max_points)
    return None if out is None else out["mutual_information"]


def marginal_kl(model, x, n_z: int = 4, seed: int = 0, max_points: int = MAX_MIXTURE_POINTS) -> float | None:
    """KL(q(z) || p(z)) in nats between the aggregate posterior and the prior N(0, I), via the ELBO surgery
    identity (Hoffman & Johnson 2016):

        E_x KL(q(z|x) || p(z)) = I(x;z) + KL(q(z) || p(z))

    with the left side in closed form and I(x;z) estimated as in `mutual_information` (same M rows, n_z,
    seed). Exactly >= 0 in theory; the estimate inherits the MI estimator's noise and bias (it overestimates
    by as much as I is underestimated). None for an AE.
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
    return torch.exp(_mixture_log_density(zz, mu, logvar)).reshape(gy.shape[0], gx.shape[0]).numpy()


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


# ---- continuity ----


@torch.no_grad()
def continuity(model, x, n_pairs: int = 64, steps: int = 16, seed: int = 0) -> dict:
    """Continuity score in [0, 1]: do decodings change gradually along latent paths, or jump?

    The tutorial's continuity: two close points in latent space decode to close content. Along the straight
    path between two codes, a continuous decoder spreads the change of its output over the path; a
    discontinuous one makes most of it in one step, however finely the path is cut.

    Definition. For n_pairs random pairs (a, b) of posterior means of distinct rows of x, decode the
    steps + 1 evenly spaced points z_t = a + (t / steps)(b - a), t = 0..steps, and take the step sizes
    c_t = ||f(z_{t+1}) - f(z_t)||_2 (f = the decoded mean, t = 0..steps-1). The largest share of the change
    made by one step, s = max_t c_t / sum_t c_t in [1/steps, 1], is the Berger-Parker dominance of the steps
    (Berger & Parker 1970, Science 168:1345). Per pair
        score = (1/s - 1) / (steps - 1),
    and the returned "score" is the mean over pairs weighted by each pair's path length sum_t c_t (pairs whose
    decodings hardly differ say little about jumps).
        1 = every step changes the output by the same amount (a gentle, even morph);
        0 = all of the change happens in one step (a jump between two decodings).
    The score is scale-free, so latent spaces with different spreads compare fairly. A collapsed model that
    decodes every z to the same output is trivially continuous (a floor of 1e-4 sqrt(d), spread evenly over
    the steps, makes flat pairs count as even): read it beside I(x;z) or the reconstruction error.

    Also returned: "jump_ratio" (mean over pairs of max_t c_t / mean_t c_t, in [1, steps]), "smoothness_ratio"
    (mean of sum_t c_t / ||f(b) - f(a)||: 1 = straight path in data space, large = detours), "profile" (steps,)
    the mean of c_t / sum_t c_t per step (flat at 1/steps is even), "pair_scores" (n_pairs,), "steps",
    "n_pairs". steps >= 2.
    """
    require_model(model)
    xt = as_rows(model, x, min_rows=2)
    n_pairs = check_int("n_pairs", n_pairs, 1, 100_000)
    steps = check_int("steps", steps, 2, 1000)
    gen = torch.Generator().manual_seed(check_seed(seed))
    n = xt.shape[0]
    i = torch.randint(0, n, (n_pairs,), generator=gen)
    j = (i + torch.randint(1, n, (n_pairs,), generator=gen)) % n  # j != i
    idx = torch.cat([i, j]).to(xt.device)
    mu, _ = encode_rows(model, xt[idx])
    a, b = mu[:n_pairs], mu[n_pairs:]
    t = torch.linspace(0.0, 1.0, steps + 1, device=mu.device)[:, None, None]
    z = a[None] + t * (b - a)[None]  # (steps+1, P, k)
    f = decode_rows(model, z.reshape(-1, z.shape[-1])).double().reshape(steps + 1, n_pairs, -1)
    floor = 1e-4 * math.sqrt(f.shape[-1])
    raw = (f[1:] - f[:-1]).norm(dim=-1)  # (steps, P)
    c = raw + floor / steps
    total = c.sum(0)
    share = c.max(0).values / total
    pair_scores = ((1.0 / share - 1.0) / (steps - 1)).clamp(0.0, 1.0)
    dist = (f[-1] - f[0]).norm(dim=-1)
    return {
        "score": float((pair_scores * total).sum() / total.sum()),
        "jump_ratio": float((c.max(0).values / c.mean(0)).mean()),
        "smoothness_ratio": float(((raw.sum(0) + floor) / (dist + floor)).mean()),
        "profile": (c / total).mean(1).cpu().numpy(),
        "pair_scores": pair_scores.cpu().numpy(),
        "steps": steps,
        "n_pairs": n_pairs,
    }


# ---- completeness ----


@torch.no_grad()
def completeness(
    model,
    x,
    n: int = 500,
    seed: int = 0,
    quantile: float = 0.95,
    n_holdout: int = 300,
    max_points: int = MAX_MIXTURE_POINTS,
) -> dict:
    """Completeness score in [0, 1]: how much of the prior is covered by codes of real data (no holes)?

    The tutorial's completeness: a point sampled from the prior decodes to meaningful content. The decoder is
    only trained where the encoder puts codes, i.e. on the aggregate posterior q(z) = (1/M) sum_j q(z|x_j)
    (Hoffman & Johnson 2016); prior mass where q(z) is small falls into "holes" the decoder never learned.

    Definition. The overlap of the prior p(z) = N(0, I) and the aggregate posterior,
        score = int min(p(z), q(z)) dz = 1 - TV(p, q) = E_{z ~ p}[ min(1, q(z) / p(z)) ]
    (TV the total-variation distance; the identity is Scheffe's, e.g. Tsybakov 2009, Introduction to
    Nonparametric Estimation, Lemma 2.1), estimated with n prior draws z_k and q over M = min(n_rows,
    max_points) rows of x (a Monte Carlo average of numbers in [0, 1]).
        1 = q(z) = p(z): every prior draw lands where codes of real data live;
        0 = q and p do not overlap: prior draws land in holes (or all codes sit far from the prior).
    An autoencoder's codes are points, whose overlap with any density is 0: its score is 0. A collapsed VAE
    (q(z|x) = p(z) for every x) is trivially complete (score 1): read it beside I(x;z).

    Also returned, from the same draws: "prior_hole_kl" = mean_k [log p(z_k) - log q(z_k)], a Monte Carlo
    estimate of KL(p || q) (None for an AE); "draws" (n, latent_dim) the prior draws and "coverage" (n,)
    min(1, q/p) at each (None for an AE), so a page can decode the draws that fall deepest into holes.

    A second, decoder-side check compares decodings with data, a single-radius simplification of the improved
    precision of Kynkaanniemi et al. 2019: split the rows at random (`seed`) into a reference set R and a
    held-out set H of min(n_holdout, n_rows // 5) rows, let tau be the `quantile` of held-out rows' distances
    to their nearest reference row, and report "precision" = fraction of decoded prior draws within tau of R
    (real data scores `quantile`), and "precision_recon", the same against the model's reconstructions of R and
    H. A decoder can paint plausible images inside holes it was never trained on, so precision can be high
    while the score is low; the score is the one that sees holes. Also "threshold" tau, "sample_distances"
    (n,), "real_distances" (len(H),), "n_samples", "quantile".
    """
    from sklearn.neighbors import NearestNeighbors

    require_model(model)
    xt = as_rows(model, x, min_rows=10)
    n = check_int("n", n, 1, 100_000)
    n_holdout = check_int("n_holdout", n_holdout, 1, 100_000)
    max_points = check_int("max_points", max_points, 1, 100_000)
    quantile = check_float("quantile", quantile, 0.0, 1.0, lo_open=True)
    gen = torch.Generator().manual_seed(check_seed(seed))
    rows = xt.shape[0]
    perm = torch.randperm(rows, generator=gen)
    h = min(n_holdout, rows // 5)
    held_t, ref_t = xt[perm[:h].to(xt.device)], xt[perm[h:].to(xt.device)]
    z = torch.randn(n, model.config.latent_dim, generator=gen).to(model.device)
    g = decode_rows(model, z).cpu().numpy()

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
        "prior_hole_kl": None,
        "draws": z.cpu().numpy(),
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
        log_q = _mixture_log_density(z.cpu(), mu.cpu(), logvar.cpu())
        log_p = log_std_normal(z.cpu().double())
        coverage = torch.exp((log_q - log_p).clamp(max=0.0))
        out["score"] = float(coverage.mean())
        out["coverage"] = coverage.numpy()
        out["prior_hole_kl"] = float((log_p - log_q).mean())
    return out


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


def summary(model, x, seed: int = 0, max_points: int = 1000) -> dict:
    """The cheap metrics in one call, sized to rerun when a user moves the KL slider (well under a second of CPU
    for digits, 1797 x 64, with one torch thread). x: (n_samples, input_dim), usually the training data.

    Returns a dict:
        "continuity": dict, see `continuity` (32 pairs x 12 steps); ["continuity"]["score"] in [0, 1], 1 = ideal;
        "completeness": dict, see `completeness` (300 prior draws); ["completeness"]["score"] in [0, 1], 1 = ideal;
        "mutual_information": I(x;z) in nats, "mi_upper_bound": log M, the most the estimator can return, and
            "mi_saturated" (True when the estimate is within 0.1 nats of log M: the true I(x;z) may be larger,
            and "marginal_kl" = mean KL - I is then overestimated by as much); all three None for an AE;
        "reconstruction": E_x E_q[-log p(x|z)] in nats per sample (one draw per row), and
            "reconstruction_is_cross_entropy": True for a Bernoulli decoder on grey-level data, where the number
            is a binary cross-entropy and not a negative log-likelihood;
        "kind", "latent_dim", "kl_per_dim" (latent_dim,) mean KL per dimension, "kl" (their sum, nats),
        "active_units" (int), "unit_variances" (latent_dim,), "collapsed" (bool), "message" (str), "seconds".
    A collapsed model scores 1 on both scores while carrying no information, so show I(x;z) or the
    reconstruction beside them: across beta they read as a trade-off. collapsed is True for a VAE with fewer
    active units than latent dimensions. MI, marginal KL and the completeness score use M = min(n, max_points)
    rows.
    """
    t0 = time.perf_counter()
    require_model(model)
    xt = as_rows(model, x, min_rows=10)
    seed = check_seed(seed)
    max_points = check_int("max_points", max_points, 2, 100_000)
    kld = mean_kl_per_dim(model, xt)
    n_act, var = active_units(model, xt)
    surg = _surgery(model, xt, 2, seed, max_points)
    cont = continuity(model, xt, n_pairs=32, steps=12, seed=seed)
    comp = completeness(model, xt, n=300, seed=seed, max_points=max_points)
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
        "mi_upper_bound": None if surg is None else surg["log_n"],
        "mi_saturated": None if surg is None else bool(mi > surg["log_n"] - 0.1),
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
