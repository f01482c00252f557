"""Measurements of a trained (V)AE's latent space: PCA comparison, active units, KL per dimension, mutual
information and marginal KL (ELBO surgery), the aggregate posterior's density, continuity and completeness.

Every function takes numpy arrays or torch tensors and returns plain floats, numpy arrays or dicts of them.
Nothing here trains in place or changes a model (cached models are shared); randomness comes only from a
per-call torch.Generator seeded by the `seed` argument, never from the global RNG.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import torch

from .config import ModelConfig, TrainConfig
from .data import Dataset
from .errors import InputError
from .objectives import LOG_2PI, log_normal, log_std_normal
from .objectives import kl_per_dim as _kl_per_dim_closed_form

# Cost caps: the pairwise mixture terms are O(points x components); 2000 keeps them to tens of milliseconds.
MAX_MIXTURE_POINTS = 2000
_CHUNK_ELEMENTS = 2**22  # rows x components per block of a pairwise log-density matrix
_BATCH = 4096  # rows per encoder / decoder call

# Training settings for pca_comparison, measured on digits (1797 x 64): 10 epochs of the three models for six
# latent sizes take 4-6 s with one torch thread, and the linear AE then lands within 1-4 % of PCA's error.
# The linear AE is a small, nearly convex problem whose progress is limited by the number of steps (its
# subspace converges at a rate set by the eigengaps), so it takes small batches and a large step; the MLPs
# take the usual Adam settings with a slightly larger step.
PCA_COMPARISON_EPOCHS = 10
_LINEAR_LR, _LINEAR_BATCH = 3e-2, 64
_MLP_LR, _MLP_BATCH = 5e-3, 128


# ---- validation and small helpers ----


def _check_model(model) -> None:
    from .model import VAE

    if not isinstance(model, VAE):
        raise InputError(f"expected a vae_core model (from train.fit or checkpoints.load), got {type(model).__name__}.")


def _check_int(name: str, value, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{name} must be a whole number, got {value!r}.")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        rng = f"at least {lo}" if hi is None else f"between {lo} and {hi}"
        raise InputError(f"{name}={value} is out of range; it must be {rng}.")
    return value


def _check_seed(seed) -> int:
    return _check_int("seed", seed, 0, 2**63 - 1)


def _as_rows(model, x, name: str = "x", min_rows: int = 1) -> torch.Tensor:
    """Validate data rows for `model`: (n, input_dim) finite numbers -> float32 tensor on the model's device."""
    if isinstance(x, torch.Tensor):
        if x.is_complex():
            raise InputError(f"{name} must hold real numbers, got a complex tensor.")
        t = x.detach()
    else:
        arr = np.asarray(x)
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise InputError(f"{name} must be an array of real numbers, got {arr.dtype} values.")
        t = torch.tensor(arr, dtype=torch.float64 if arr.dtype == np.float64 else torch.float32)  # a copy
    d = model.config.input_dim
    if t.ndim != 2 or t.shape[1] != d:
        raise InputError(
            f"{name} must have shape (n_samples, {d}) to match the model's input_dim; got shape {tuple(t.shape)}."
        )
    if t.shape[0] < min_rows:
        raise InputError(f"{name} has {t.shape[0]} row(s); this measurement needs at least {min_rows}.")
    t = t.to(device=model.device, dtype=torch.float32)
    if not bool(torch.isfinite(t).all()):
        raise InputError(f"{name} contains NaN or infinite values; remove or replace them.")
    return t


@torch.no_grad()
def _encode(model, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Posterior means and log-variances (None for an AE) for all rows, computed in batches."""
    mus, lvs = [], []
    for i in range(0, x.shape[0], _BATCH):
        mu, lv = model.encode(x[i : i + _BATCH])
        mus.append(mu)
        lvs.append(lv)
    mu = torch.cat(mus)
    return mu, (None if lvs[0] is None else torch.cat(lvs))


@torch.no_grad()
def _decode(model, z: torch.Tensor) -> torch.Tensor:
    return torch.cat([model.decode(z[i : i + _BATCH]) for i in range(0, z.shape[0], _BATCH)])


def _subsample(n: int, m: int, gen: torch.Generator) -> torch.Tensor:
    """m distinct row indices out of n (all of them, in order, when m >= n)."""
    if m >= n:
        return torch.arange(n)
    return torch.randperm(n, generator=gen)[:m].sort().values


def _mixture_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log q(z) = log (1/M) sum_j N(z; mu_j, diag exp(logvar_j)) for z (P, k), components (M, k) -> (P,).

    The squared distance is expanded into matrix products (P x M memory, not P x M x k) in float64: with
    log-variances down to -18 the terms reach 1e8 and float32 would cancel badly.
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


def _sq_error(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over samples of the squared error summed over features."""
    return float(((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2).sum(1).mean())


# ---- 1. PCA vs autoencoders ----


def pca_comparison(
    ds: Dataset,
    latent_dims: Sequence[int] = (1, 2, 3, 4, 6, 8),
    epochs: int = PCA_COMPARISON_EPOCHS,
    seed: int = 0,
    device="cpu",
    on_step: Callable[[int, int, str], None] | None = None,
    likelihood: str | None = None,
    n_show: int = 8,
) -> dict:
    """PCA, a linear AE, a non-linear AE and a VAE on the same data, for each latent size k in latent_dims.

    Reconstruction error (all methods, in the model's data space ds.x, on the training data):
        err = (1/n) sum_i ||x_i - x_hat_i||^2   (squared error summed over features, averaged over samples)
    with x_hat = PCA inverse_transform(transform(x)) (sklearn, top-k components); the linear AE
    (kind "ae", hidden (), Gaussian likelihood) trained on the centred data x - mean(x) and shifted back;
    the non-linear AE (hidden (256,)); and the VAE (hidden (256,), beta = 1) reconstructed from its posterior
    mean, x_hat = decode(mu(x)). The MLPs use `likelihood` (default ds.default_likelihood: Bernoulli for
    images). A linear AE with squared error spans the same subspace as PCA's top k components (Baldi & Hornik
    1989; Bourlard & Kamp 1988) but not with orthonormal axes, so its codes are a rotation/shear of PCA's.
    Centring first lets the comparison isolate the subspace: the decoder bias could learn the mean, but it
    would have to be trained too, which slows convergence for nothing.

    Principal angles (degrees, scipy.linalg.subspace_angles, largest first) between the column space of the
    linear AE's decoder weight W (d, k) and the span of PCA's top-k components; near 0 when training found
    the PCA subspace. Directions whose eigenvalues are nearly equal converge slowly, so small-eigengap data
    (digits) shows larger angles after a short run than data with a clear spectrum.

    Returns a dict:
        latent_dims: list[int];
        errors: {"pca", "linear_ae", "ae", "vae"} -> np.ndarray (len(latent_dims),);
        angles: list of np.ndarray (k,) per latent size, degrees;
        explained_variance_ratio: np.ndarray (max k,) of the PCA fit; total_variance: float (= error at k = 0);
        embeddings: for k = 2 (None when 2 is not in latent_dims): {"pca", "linear_ae", "ae", "vae"} ->
            (n, 2) arrays (PCA scores, linear-AE codes, AE codes, VAE posterior means);
        reconstructions: for k = 2 (or None): {"index": (n_show,) row indices, "original": (n_show, d),
            and "pca", "linear_ae", "ae", "vae": (n_show, d)}, all in model space (ds.to_data_units to undo);
        settings: the training settings used; seconds: wall time.
    on_step(i, total, label) is called before step i (0-based) of `total` with a description, and once more
    as on_step(total, total, "done"). Training uses TrainConfig(seed=seed), so results are reproducible.
    """
    from sklearn.decomposition import PCA

    from . import train

    t0 = time.perf_counter()
    if not isinstance(ds, Dataset):
        raise InputError("pca_comparison expects a vae_core Dataset; build one with data.load or data.from_array.")
    try:
        dims = [int(k) for k in latent_dims]
    except (TypeError, ValueError):
        raise InputError(f"latent_dims must be a list of whole numbers, got {latent_dims!r}.") from None
    if not dims:
        raise InputError("latent_dims is empty; give at least one latent size, e.g. (1, 2, 4).")
    max_k = min(ds.n, ds.dim)
    bad = [k for k in dims if not 1 <= k <= max_k]
    if bad:
        raise InputError(
            f"latent size(s) {', '.join(map(str, bad))} out of range; each latent size must be between "
            f"1 and {max_k} (PCA can keep at most min(samples, features) components)."
        )
    dims = sorted(set(dims))
    epochs = _check_int("epochs", epochs, 1, 100_000)
    seed = _check_seed(seed)
    n_show = _check_int("n_show", n_show, 0, ds.n)
    lik = ds.default_likelihood if likelihood is None else likelihood
    if lik not in ("bernoulli", "gaussian"):
        raise InputError(f"likelihood={lik!r} is not supported; choose 'bernoulli' or 'gaussian'.")
    if lik == "bernoulli" and not ds.in_unit_interval:
        raise InputError("the Bernoulli likelihood needs data in [0, 1]; use likelihood='gaussian' for this data.")

    x = np.array(ds.x, dtype=np.float32)  # a writable copy: registry datasets are read-only
    mean = x.mean(0)
    centred = Dataset(x=(x - mean).astype(np.float32), name=f"{ds.name} (centred)")
    pca = PCA(n_components=max(dims), svd_solver="full").fit(x)
    scores_all = pca.transform(x)

    total = 3 * len(dims)
    step = 0

    def progress(label: str) -> None:
        nonlocal step
        if on_step is not None:
            on_step(step, total, label)
        step += 1

    errors = {name: [] for name in ("pca", "linear_ae", "ae", "vae")}
    angles: list[np.ndarray] = []
    embeddings = None
    recons = None
    gen = torch.Generator().manual_seed(seed)
    show = _subsample(ds.n, n_show, gen).numpy() if n_show else np.zeros(0, dtype=np.int64)
    lin_t = TrainConfig(beta=0.0, epochs=epochs, batch_size=_LINEAR_BATCH, lr=_LINEAR_LR, seed=seed)
    mlp_t = TrainConfig(beta=1.0, epochs=epochs, batch_size=_MLP_BATCH, lr=_MLP_LR, seed=seed)
    for k in dims:
        pca_rec = scores_all[:, :k] @ pca.components_[:k] + pca.mean_
        errors["pca"].append(_sq_error(pca_rec, x))

        progress(f"linear AE, latent size {k}")
        lin, _ = train.fit(
            centred,
            ModelConfig(kind="ae", input_dim=ds.dim, latent_dim=k, hidden=(), likelihood="gaussian"),
            lin_t,
            device=device,
        )
        xt = torch.tensor(centred.x, device=lin.device)
        with torch.no_grad():
            lin_codes = _encode(lin, xt)[0]
            lin_rec = _decode(lin, lin_codes).cpu().numpy() + mean
        errors["linear_ae"].append(_sq_error(lin_rec, x))
        w = lin.decoder[0].weight.detach().cpu().double().numpy()  # (d, k): nn.Linear(k, d).weight
        angles.append(_principal_angles(w, pca.components_[:k].T))

        progress(f"non-linear AE, latent size {k}")
        ae, _ = train.fit(
            ds,
            ModelConfig(kind="ae", input_dim=ds.dim, latent_dim=k, hidden=(256,), likelihood=lik),
            mlp_t.replace(beta=0.0),
            device=device,
        )
        xm = torch.tensor(x, device=ae.device)
        ae_codes = _encode(ae, xm)[0]
        ae_rec = _decode(ae, ae_codes).cpu().numpy()
        errors["ae"].append(_sq_error(ae_rec, x))

        progress(f"VAE, latent size {k}")
        vae, _ = train.fit(
            ds,
            ModelConfig(kind="vae", input_dim=ds.dim, latent_dim=k, hidden=(256,), likelihood=lik),
            mlp_t,
            device=device,
        )
        vae_mu = _encode(vae, xm)[0]
        vae_rec = _decode(vae, vae_mu).cpu().numpy()
        errors["vae"].append(_sq_error(vae_rec, x))

        if k == 2:
            embeddings = {
                "pca": scores_all[:, :2].astype(np.float32),
                "linear_ae": lin_codes.cpu().numpy(),
                "ae": ae_codes.cpu().numpy(),
                "vae": vae_mu.cpu().numpy(),
            }
            recons = {
                "index": show,
                "original": x[show],
                "pca": pca_rec[show].astype(np.float32),
                "linear_ae": lin_rec[show].astype(np.float32),
                "ae": ae_rec[show],
                "vae": vae_rec[show],
            }
    if on_step is not None:
        on_step(total, total, "done")
    return {
        "latent_dims": dims,
        "errors": {name: np.asarray(v) for name, v in errors.items()},
        "angles": angles,
        "explained_variance_ratio": pca.explained_variance_ratio_.copy(),
        "total_variance": float(((x - mean) ** 2).sum(1).mean()),
        "embeddings": embeddings,
        "reconstructions": recons,
        "settings": {
            "epochs": epochs,
            "linear": {"batch_size": _LINEAR_BATCH, "lr": _LINEAR_LR},
            "mlp": {"batch_size": _MLP_BATCH, "lr": _MLP_LR, "hidden": [256]},
            "likelihood": lik,
            "seed": seed,
        },
        "seconds": time.perf_counter() - t0,
    }


def _principal_angles(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Principal angles in degrees between span(a) and span(b), both (d, k); largest first."""
    from scipy.linalg import subspace_angles

    return np.degrees(subspace_angles(a, b))


# ---- 2-3. active units and KL per dimension ----


@torch.no_grad()
def active_units(model, x, threshold: float = 0.01) -> tuple[int, np.ndarray]:
    """Active latent units (Burda, Grosse & Salakhutdinov 2016, Importance Weighted Autoencoders, sec. 5.2).

    Unit j is active when A_j = Var_x( E_{q(z|x)}[z_j] ) > threshold, i.e. its posterior mean moves with the
    input; an inactive unit's posterior does not depend on x (for a VAE it has collapsed to the prior).
    The variance is over the rows of x (n_samples, input_dim) with ddof = 0. For an AE the code itself is used.
    Returns (n_active, variances (latent_dim,)).
    """
    _check_model(model)
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float))
        or not math.isfinite(threshold)
        or threshold < 0
    ):
        raise InputError(f"threshold must be a finite number >= 0, got {threshold!r}.")
    mu, _ = _encode(model, _as_rows(model, x, min_rows=2))
    var = mu.double().var(0, unbiased=False).cpu().numpy()
    return int((var > threshold).sum()), var


@torch.no_grad()
def kl_per_dim(model, x) -> np.ndarray:
    """Mean over the rows of x of KL(q(z_j|x) || N(0, 1)) per latent dimension, in nats: (latent_dim,).

    Closed form -1/2 (1 + log sigma^2 - mu^2 - sigma^2) (Kingma & Welling 2014, Appendix B). The sum over
    dimensions is the ELBO's KL term. Zeros for an AE, which has no posterior spread and no KL term.
    """
    _check_model(model)
    mu, logvar = _encode(model, _as_rows(model, x))
    if logvar is None:
        return np.zeros(model.config.latent_dim)
    return _kl_per_dim_closed_form(mu.double(), logvar.double()).mean(0).cpu().numpy()


# ---- 4-5. ELBO surgery: I(x;z), KL(q(z) || p(z)) and the aggregate posterior ----


@torch.no_grad()
def _surgery(model, x, n_z: int, seed: int, max_points: int) -> dict | None:
    """Shared estimate of I(x;z) and KL(q(z)||p(z)) on one subsample; None for an AE."""
    _check_model(model)
    xt = _as_rows(model, x, min_rows=2)
    n_z = _check_int("n_z", n_z, 1, 10_000)
    max_points = _check_int("max_points", max_points, 2, 100_000)
    seed = _check_seed(seed)
    if not model.is_vae:
        return None
    gen = torch.Generator().manual_seed(seed)
    idx = _subsample(xt.shape[0], max_points, gen)
    mu, logvar = _encode(model, xt[idx.to(xt.device)])
    mu, logvar = mu.double().cpu(), logvar.double().cpu()
    m = mu.shape[0]
    eps = torch.randn((n_z, *mu.shape), generator=gen, dtype=torch.float64)
    z = mu + torch.exp(0.5 * logvar) * eps  # (n_z, M, k)
    log_q_own = log_normal(z, mu, logvar)  # (n_z, M), float64
    log_q_agg = _mixture_log_density(z.reshape(-1, mu.shape[1]), mu, logvar).reshape(n_z, m)
    mi = float((log_q_own - log_q_agg).mean())
    # Each term is <= log M exactly (the own component is one of the M); Monte Carlo noise can push a
    # near-zero estimate slightly below 0, the true value's lower bound.
    mi = min(max(mi, 0.0), math.log(m))
    mean_kl = float(_kl_per_dim_closed_form(mu, logvar).sum(1).mean())
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
    _check_model(model)
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
    xt = _as_rows(model, x)
    max_points = _check_int("max_points", max_points, 1, 100_000)
    idx = _subsample(xt.shape[0], max_points, torch.Generator().manual_seed(_check_seed(seed)))
    mu, logvar = _encode(model, xt[idx.to(xt.device)])
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


# ---- 6. continuity ----


@torch.no_grad()
def continuity(model, x, n_pairs: int = 64, steps: int = 16, seed: int = 0) -> dict:
    """How evenly decoded content changes along straight latent paths (the tutorial's continuity: close
    points in latent space decode to close content; interpolation quality as in Berthelot et al. 2019,
    Understanding and Improving Interpolation in Autoencoders via an Adversarial Regularizer).

    For n_pairs random pairs (a, b) of posterior means of distinct rows of x, decode the steps + 1 evenly
    spaced points z_t = a + (t / steps) (b - a), t = 0..steps, and take the per-step changes
    c_t = ||f(z_{t+1}) - f(z_t)||_2 (t = 0..steps-1, f = the decoded mean) and the endpoint distance
    D = ||f(b) - f(a)||_2. Per pair:
        smoothness = sum_t c_t / D           >= 1: the mean step mean_t c_t relative to the even step D/steps;
                                              1 = the decoded path moves straight and evenly from f(a) to
                                              f(b), large = it detours or jumps;
        jump_ratio = max_t c_t / mean_t c_t  in [1, steps]: 1 = the output changes at an even rate,
                                              `steps` = all change happens in one jump;
        max_jump   = max_t c_t / D           the largest single step as a fraction of D (1/steps is ideal).
    Returns the means over pairs: {"smoothness_ratio", "jump_ratio", "max_jump"} (floats), "profile"
    (steps,) the mean of c_t / D per step (for a plot; flat at 1/steps is ideal), "pair_smoothness"
    (n_pairs,), "steps", "n_pairs". The ratios are scale-free, so models whose latent spaces have different
    spreads compare fairly (a Lipschitz constant would not: a beta = 0 model spreads its codes wide and so
    looks flat). A tiny floor (1e-4 sqrt(d)) keeps pairs whose decodings barely differ from dividing 0 by 0
    (they count as even).
    """
    _check_model(model)
    xt = _as_rows(model, x, min_rows=2)
    n_pairs = _check_int("n_pairs", n_pairs, 1, 100_000)
    steps = _check_int("steps", steps, 1, 1000)
    gen = torch.Generator().manual_seed(_check_seed(seed))
    n = xt.shape[0]
    i = torch.randint(0, n, (n_pairs,), generator=gen)
    j = (i + torch.randint(1, n, (n_pairs,), generator=gen)) % n  # j != i
    idx = torch.cat([i, j]).to(xt.device)
    mu, _ = _encode(model, xt[idx])
    a, b = mu[:n_pairs], mu[n_pairs:]
    t = torch.linspace(0.0, 1.0, steps + 1, device=mu.device)[:, None, None]
    z = a[None] + t * (b - a)[None]  # (steps+1, P, k)
    f = _decode(model, z.reshape(-1, z.shape[-1])).double().reshape(steps + 1, n_pairs, -1)
    c = (f[1:] - f[:-1]).norm(dim=-1)  # (steps, P)
    dist = (f[-1] - f[0]).norm(dim=-1)  # (P,)
    floor = 1e-4 * math.sqrt(f.shape[-1])
    smooth = (c.sum(0) + floor) / (dist + floor)
    even = (c.max(0).values + floor) / (c.mean(0) + floor)
    jump = (c.max(0).values + floor / steps) / (dist + floor)
    profile = (c / (dist + floor)).mean(1)
    return {
        "smoothness_ratio": float(smooth.mean()),
        "jump_ratio": float(even.mean()),
        "max_jump": float(jump.mean()),
        "profile": profile.cpu().numpy(),
        "pair_smoothness": smooth.cpu().numpy(),
        "steps": steps,
        "n_pairs": n_pairs,
    }


# ---- 7. completeness ----


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
    """How much of what the prior generates looks like data (the tutorial's completeness: a point sampled
    from the latent space decodes to meaningful content).

    Split the rows of x at random (`seed`) into a reference set R and a held-out set H of
    min(n_holdout, n_rows // 5) rows. Let r(v) = min_{u in R} ||v - u||_2 be the distance to the nearest
    reference row (sklearn NearestNeighbors), and tau the `quantile` of r(h) over h in H: a held-out real
    point is within tau of the data with probability `quantile`. Decode n prior draws z ~ N(0, I) to their
    means g = f(z) and report
        precision = fraction of g with r(g) <= tau   (compare with `quantile`: the value real data gets).
    This is a single-radius simplification of the improved precision of Kynkäänniemi et al. 2019 (which uses
    a k-NN radius per real point). Blurry decoders (a Bernoulli mean is an average image) sit close to real
    data in L2 wherever z lands, which blunts `precision` for 2-D latents; so the same test is repeated with
    the model's reconstructions f(mu(x)) in place of the rows of R and H:
        precision_recon = fraction of g within the `quantile` of reconstruction-to-reconstruction distances,
    i.e. "do prior samples decode like encoded data does", which isolates holes in the latent space from the
    decoder's blur. For a VAE it also reports, with q(z) the aggregate posterior over
    min(n_rows, max_points) rows and the same prior draws z_k:
        density_ratio = mean_k q(z_k) / mean_k p(z_k)   (= int p q / int p^2; 1 when q = p, near 0 when prior
                        draws fall into "holes" of q), and
        prior_hole_kl = mean_k [log p(z_k) - log q(z_k)], a Monte Carlo estimate of KL(p(z) || q(z)) >= 0.
    Both are None for an AE. Also returned: "precision_recon", "threshold" tau, "sample_distances" (n,),
    "real_distances" (len(H),), "n_samples", "quantile".
    """
    from sklearn.neighbors import NearestNeighbors

    _check_model(model)
    xt = _as_rows(model, x, min_rows=10)
    n = _check_int("n", n, 1, 100_000)
    n_holdout = _check_int("n_holdout", n_holdout, 1, 100_000)
    max_points = _check_int("max_points", max_points, 1, 100_000)
    if isinstance(quantile, bool) or not isinstance(quantile, (int, float)) or not 0 < quantile <= 1:
        raise InputError(f"quantile must be a number in (0, 1], got {quantile!r}.")
    gen = torch.Generator().manual_seed(_check_seed(seed))
    rows = xt.shape[0]
    perm = torch.randperm(rows, generator=gen)
    h = min(n_holdout, rows // 5)
    held_t, ref_t = xt[perm[:h].to(xt.device)], xt[perm[h:].to(xt.device)]
    z = torch.randn(n, model.config.latent_dim, generator=gen).to(model.device)
    g = _decode(model, z).cpu().numpy()

    def score(held: np.ndarray, ref: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
        nn_index = NearestNeighbors(n_neighbors=1).fit(ref)
        real_d = nn_index.kneighbors(held)[0][:, 0]
        samp_d = nn_index.kneighbors(g)[0][:, 0]
        tau = float(np.quantile(real_d, quantile))
        return float((samp_d <= tau).mean()), tau, samp_d, real_d

    prec, tau, samp_d, real_d = score(held_t.cpu().numpy(), ref_t.cpu().numpy())
    prec_rec = score(
        _decode(model, _encode(model, held_t)[0]).cpu().numpy(), _decode(model, _encode(model, ref_t)[0]).cpu().numpy()
    )[0]
    out = {
        "precision": prec,
        "precision_recon": prec_rec,
        "threshold": tau,
        "quantile": float(quantile),
        "sample_distances": samp_d,
        "real_distances": real_d,
        "n_samples": n,
        "density_ratio": None,
        "prior_hole_kl": None,
    }
    if model.is_vae:
        idx = _subsample(rows, max_points, gen)
        mu, logvar = _encode(model, xt[idx.to(xt.device)])
        log_q = _mixture_log_density(z.cpu(), mu.cpu(), logvar.cpu())
        log_p = log_std_normal(z.cpu().double())
        # Ratio of means, computed in log space so that tiny densities do not underflow.
        log_ratio = torch.logsumexp(log_q, 0) - torch.logsumexp(log_p, 0)
        out["density_ratio"] = float(torch.exp(log_ratio))
        out["prior_hole_kl"] = float((log_p - log_q).mean())
    return out


# ---- 8. the cheap set, for live recomputation ----


def summary(model, x, seed: int = 0, max_points: int = 1000) -> dict:
    """The cheap metrics in one call, sized to rerun when a user moves the KL slider: about 60-80 ms of CPU for
    digits (1797 x 64) with one torch thread. x: (n_samples, input_dim), usually the training data.

    Returns {"kind", "latent_dim", "kl_per_dim" (latent_dim,), "kl" (sum, nats), "active_units" (int),
    "unit_variances" (latent_dim,), "mutual_information", "marginal_kl", "mi_upper_bound" (log M; None for
    an AE), "continuity" (dict, see `continuity` with 32 pairs x 12 steps), "completeness" (dict, see
    `completeness` with 300 prior draws), "collapsed" (bool), "message" (str), "seconds"}.
    collapsed is True for a VAE with fewer active units than latent dimensions: those dimensions' posteriors
    ignore the input (posterior collapse; their KL per dimension is near 0). MI, marginal KL and the density
    parts of completeness use M = min(n, max_points) rows.
    """
    t0 = time.perf_counter()
    _check_model(model)
    xt = _as_rows(model, x, min_rows=10)
    seed = _check_seed(seed)
    max_points = _check_int("max_points", max_points, 2, 100_000)
    kld = kl_per_dim(model, xt)
    n_act, var = active_units(model, xt)
    surg = _surgery(model, xt, 2, seed, max_points)
    cont = continuity(model, xt, n_pairs=32, steps=12, seed=seed)
    comp = completeness(model, xt, n=300, seed=seed, max_points=max_points)
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
        dead = [j for j in range(k) if var[j] <= 0.01]
        message = (
            f"partial posterior collapse: {n_act} of {k} latent dimensions are active; dimension(s) "
            f"{', '.join(map(str, dead))} ignore the input (their posterior stays at the prior) and carry "
            "no information."
        )
    else:
        message = f"all {k} latent dimensions are active (no posterior collapse)."
    return {
        "kind": model.config.kind,
        "latent_dim": k,
        "kl_per_dim": kld,
        "kl": float(kld.sum()),
        "active_units": n_act,
        "unit_variances": var,
        "mutual_information": None if surg is None else surg["mutual_information"],
        "marginal_kl": None if surg is None else surg["marginal_kl"],
        "mi_upper_bound": None if surg is None else surg["log_n"],
        "continuity": cont,
        "completeness": comp,
        "collapsed": collapsed,
        "message": message,
        "seconds": time.perf_counter() - t0,
    }


__all__ = [
    "active_units",
    "aggregate_posterior_density",
    "completeness",
    "continuity",
    "kl_per_dim",
    "marginal_kl",
    "mutual_information",
    "pca_comparison",
    "summary",
]
