"""The exact posterior by quadrature: the true posterior p(z|x) of a 2-D-latent VAE on a 2-D grid with its
normalizer log p(x), and the ELBO and KL(q || p(z|x)) of any diagonal Gaussian q on that grid. Everything is in
nats and computed in float64 (1-D information quantities and Bayes' rule live in vae_core.information).

Why quadrature: with two latent dimensions the integral p(x) = int p(x|z) p(z) dz can be done on a grid to many
digits, so the identity log p(x) = ELBO(q) + KL(q || p(z|x)) (Kingma & Welling 2014, eq. 1) can be shown with
every term computed exactly, for any q, not only the encoder's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import logsumexp

from .checks import check_int
from .densities import log_normal, log_std_normal
from .errors import InputError
from .model_checks import as_rows, require_vae

# ---- the true posterior of a 2-D-latent VAE on a grid ----


@dataclass(frozen=True)
class PosteriorGrid:
    """log p(x, z) of one input x on a regular 2-D grid of latent points.

    z1: (n,) and z2: (n,) the axes; log_joint: (n, n) float64 with log_joint[i, j] at (z1[j], z2[i]) (rows follow
    z2, as plotly draws a heatmap); log_px: the quadrature log p(x) = log sum exp(log_joint) dz1 dz2;
    log_px_half: the same sum on every other grid point (spacing doubled), so |log_px - log_px_half| estimates the
    quadrature error (the error of this sum falls off exponentially with resolution only for smooth integrands;
    a ReLU decoder's kinks make it fall off algebraically, as a power of the spacing, and for an error C h^p with
    p >= 1 the difference is at least the error at the finer spacing h);
    edge_mass: the fraction of the posterior mass in the outermost ring of cells (small when the grid holds it).
    """

    z1: np.ndarray
    z2: np.ndarray
    log_joint: np.ndarray
    log_px: float
    log_px_half: float
    edge_mass: float
    center: np.ndarray
    half_width: np.ndarray

    @property
    def spacing(self) -> np.ndarray:
        """(2,) grid spacing along z1 and z2."""
        return np.array([self.z1[1] - self.z1[0], self.z2[1] - self.z2[0]])

    @property
    def zs(self) -> np.ndarray:
        """(n*n, 2) every grid point, in the row-major order of log_joint.ravel()."""
        g1, g2 = np.meshgrid(self.z1, self.z2)
        return np.stack([g1.ravel(), g2.ravel()], axis=1)

    @property
    def log_posterior(self) -> np.ndarray:
        """(n, n) log p(z|x) = log p(x, z) - log p(x)."""
        return self.log_joint - self.log_px

    @property
    def quadrature_error(self) -> float:
        """|log p(x) on the grid - log p(x) on the half-resolution grid|: an upper estimate of the error."""
        return abs(self.log_px - self.log_px_half)

    def posterior_moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean (2,) and covariance (2, 2) of p(z|x) on the grid."""
        w = np.exp(self.log_posterior).ravel()
        w = w / w.sum()
        zs = self.zs
        mean = w @ zs
        d = zs - mean
        return mean, (d * w[:, None]).T @ d


def _check_2d(model) -> None:
    require_vae(model, "the posterior")
    cfg = model.config
    if cfg.latent_dim != 2:
        raise InputError(
            f"the posterior grid needs a 2-D latent space; this model has latent_dim={cfg.latent_dim}. "
            "Use objectives.log_px (importance sampling) instead."
        )


@torch.no_grad()
def log_joint(model, x, zs, max_elements: int = 2**22) -> np.ndarray:
    """log p(x|z) + log p(z) in nats, float64 (m,), for one input x (d,) at latent points zs (m, latent_dim).

    Decodes in chunks so that chunk * input_dim stays under max_elements (bounded memory on any dataset)."""
    xt = as_rows(model, x, allow_1d=True, max_rows=1)
    z = torch.as_tensor(np.array(zs, dtype=np.float32), device=model.device)
    chunk = max(1, max_elements // model.config.input_dim)
    out = []
    for i in range(0, z.shape[0], chunk):
        zb = z[i : i + chunk]
        ll = model.log_px_given_z(xt, model.decode_raw(zb)).double()
        out.append((ll + log_std_normal(zb.double())).cpu())
    return torch.cat(out).numpy()


def _axes(center, half_width, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    c = np.broadcast_to(np.asarray(center, dtype=np.float64), (2,)).copy()
    w = np.broadcast_to(np.asarray(half_width, dtype=np.float64), (2,)).copy()
    if not (np.all(np.isfinite(c)) and np.all(np.isfinite(w)) and np.all(w > 0)):
        raise InputError(f"the grid needs a finite center and positive half widths; got {c}, {w}.")
    check_int("n (grid points per axis)", n, 5, 2001)
    return np.linspace(c[0] - w[0], c[0] + w[0], n), np.linspace(c[1] - w[1], c[1] + w[1], n), c, w


def posterior_grid(model, x, center, half_width, n: int = 201) -> PosteriorGrid:
    """Evaluate log p(x, z) on an n x n grid over center +- half_width (scalars or (2,)) and integrate it.

    model: a VAE with latent_dim 2; x: one input (input_dim,). The normalizer is the Riemann sum
    p(x) ~= sum_ij p(x, z_ij) dz1 dz2 (equal to the trapezoid rule when the edges carry no mass), done in log space.
    """
    _check_2d(model)
    z1, z2, c, w = _axes(center, half_width, n)
    g1, g2 = np.meshgrid(z1, z2)
    lj = log_joint(model, x, np.stack([g1.ravel(), g2.ravel()], axis=1)).reshape(n, n)
    if not np.all(np.isfinite(lj)):
        raise InputError("log p(x, z) is not finite on the grid; the model or the input has invalid values.")
    area = (z1[1] - z1[0]) * (z2[1] - z2[0])
    log_px = float(logsumexp(lj) + math.log(area))
    log_px_half = float(logsumexp(lj[::2, ::2]) + math.log(4 * area))
    ring = np.concatenate([lj[0], lj[-1], lj[1:-1, 0], lj[1:-1, -1]])
    edge_mass = float(np.exp(logsumexp(ring) + math.log(area) - log_px))
    return PosteriorGrid(
        z1=z1, z2=z2, log_joint=lj, log_px=log_px, log_px_half=log_px_half, edge_mass=edge_mass, center=c, half_width=w
    )


def encoder_q(model, x) -> tuple[np.ndarray, np.ndarray]:
    """The encoder's q(z|x) for one input: mean (latent_dim,) and log-variance (latent_dim,), float64."""
    require_vae(model, "q(z|x)")
    with torch.no_grad():
        mu, logvar = model.encode(as_rows(model, x, allow_1d=True, max_rows=1))
    return mu[0].double().cpu().numpy(), logvar[0].double().cpu().numpy()


def _mass_box(model, x, center, half, n: int, drop: float):
    """Coarse grid; the bounding box (lo (2,), hi (2,)) of the points within `drop` nats of the best one."""
    z1, z2, _, _ = _axes(center, half, n)
    g1, g2 = np.meshgrid(z1, z2)
    lj = log_joint(model, x, np.stack([g1.ravel(), g2.ravel()], axis=1)).reshape(n, n)
    keep = lj > lj.max() - drop
    rows, cols = np.nonzero(keep)
    lo = np.array([z1[cols.min()], z2[rows.min()]])
    hi = np.array([z1[cols.max()], z2[rows.max()]])
    touches = bool(rows.min() == 0 or cols.min() == 0 or rows.max() == n - 1 or cols.max() == n - 1)
    w = np.exp(lj - lj.max())[keep]
    pts = np.stack([g1[keep], g2[keep]], axis=1)
    mean = (w[:, None] * pts).sum(0) / w.sum()
    sd = np.sqrt(np.maximum((w[:, None] * (pts - mean) ** 2).sum(0) / w.sum(), 0.0))
    cells = np.array([cols.max() - cols.min(), rows.max() - rows.min()])
    step = np.array([z1[1] - z1[0], z2[1] - z2[0]])
    return lo, hi, touches, sd, cells, step


def auto_grid(model, x, n_max: int = 301, n_min: int = 121, drop: float = 30.0) -> PosteriorGrid:
    """A grid centred on the encoder's mean that holds the posterior mass and resolves both p(z|x) and q(z|x).

    1. Coarse 61 x 61 grids find where log p(x, z) is within `drop` nats of its maximum (doubling the box when
       that region touches the edge, zooming in while it spans few cells).
    2. The final half width per axis reaches past that region and past 10 encoder sigmas (room to move q);
       the spacing aims at a quarter of the smaller of the posterior's and the encoder's sd, with
       n_min <= n <= n_max points per axis. Check `quadrature_error` and `edge_mass` of the result.
    """
    _check_2d(model)
    mu, logvar = encoder_q(model, x)
    sig = np.exp(0.5 * logvar)
    center, half = mu.copy(), np.maximum(4.0, 10 * sig)
    post_sd, step = None, None
    for _ in range(12):
        lo, hi, touches, sd, cells, step = _mass_box(model, x, center, half, 61, drop)
        if touches:
            center, half = (lo + hi) / 2, 2 * half
            continue
        post_sd = np.where(sd > 0, sd, step)
        if cells.min() >= 16:
            break
        # The mass spans few cells: zoom in on it (keep two cells of margin) to measure its width.
        center, half = (lo + hi) / 2, np.maximum((hi - lo) / 2 + 2 * step, 1e-3)
    if post_sd is None:
        raise InputError("could not find the posterior mass of this input on any grid (log p(x, z) has no peak).")
    reach = np.maximum(np.abs(lo - mu), np.abs(hi - mu)) + 2 * step
    half = np.maximum(reach, 10 * sig) * 1.05
    target = np.minimum(post_sd, sig).min() / 4
    n = int(np.clip(np.ceil(2 * half.max() / target) + 1, n_min, n_max))
    n += 1 - n % 2  # odd, so the half-resolution grid shares the end points
    return posterior_grid(model, x, mu, half, n)


def q_bounds(grid: PosteriorGrid) -> dict:
    """Ranges for q's parameters that keep q on the grid and resolved by it: a dict of (2,) arrays.

    "mean_lo", "mean_hi": center +- half_width / 2; "sd_lo": 2 grid steps (a Gaussian sampled at spacing
    sd / 2 sums to 1 within 1e-30); "sd_hi": half_width / 8, so mean + 4 sd stays on the grid.
    """
    return {
        "mean_lo": grid.center - grid.half_width / 2,
        "mean_hi": grid.center + grid.half_width / 2,
        "sd_lo": 2 * grid.spacing,
        "sd_hi": grid.half_width / 8,
    }


def elbo_terms_on_grid(grid: PosteriorGrid, mu, logvar) -> dict:
    """Every term of log p(x) = ELBO + KL(q || p(z|x)) for q = N(mu, diag(exp(logvar))) by quadrature, nats.

    mu, logvar: (2,). The expectations over q are sums over the grid with weights q(z_ij) dz normalized to 1
    ("q_mass" is the sum before normalizing: close to 1 when q lies on the grid). Keys:
    "elbo" = E_q[log p(x, z) - log q(z)], "kl_post" = E_q[log q(z) - log p(z|x)], "log_px",
    "recon" = E_q[log p(x|z)], "kl_prior" = E_q[log q(z) - log p(z)] (so elbo = recon - kl_prior), "q_mass".
    """
    m = np.asarray(mu, dtype=np.float64).reshape(2)
    lv = np.asarray(logvar, dtype=np.float64).reshape(2)
    if not (np.all(np.isfinite(m)) and np.all(np.isfinite(lv))):
        raise InputError("q's mean and log-variance must be finite numbers.")
    zs = grid.zs
    log_q = log_normal(zs, m, lv)
    log_prior = log_std_normal(zs)
    lj = grid.log_joint.ravel()
    log_w = log_q + math.log(float(np.prod(grid.spacing)))
    q_mass = float(np.exp(logsumexp(log_w)))
    w = np.exp(log_w - logsumexp(log_w))
    elbo = float(w @ (lj - log_q))
    kl_post = float(w @ (log_q - (lj - grid.log_px)))
    recon = float(w @ (lj - log_prior))
    kl_prior = float(w @ (log_q - log_prior))
    return {
        "elbo": elbo,
        "kl_post": kl_post,
        "log_px": grid.log_px,
        "recon": recon,
        "kl_prior": kl_prior,
        "q_mass": q_mass,
    }


def elbo_on_grid(grid: PosteriorGrid, mu, logvar) -> tuple[float, float]:
    """(ELBO, KL(q || p(z|x))) of q = N(mu, diag(exp(logvar))) by quadrature; they sum to grid.log_px."""
    t = elbo_terms_on_grid(grid, mu, logvar)
    return t["elbo"], t["kl_post"]


def best_gaussian_on_grid(
    grid: PosteriorGrid, mu0=None, logvar0=None, steps: int = 200
) -> tuple[np.ndarray, np.ndarray]:
    """The diagonal Gaussian q with the highest ELBO on the grid (= the smallest KL(q || p(z|x))).

    Maximizes the quadrature ELBO over (mu, logvar) with L-BFGS, from (mu0, logvar0) or the posterior's moments,
    keeping q within q_bounds. Returns mean (2,) and log-variance (2,). What KL is left at this optimum is what
    no diagonal Gaussian can remove; the encoder's extra KL on top of it is the price of amortization.
    """
    b = q_bounds(grid)
    pm, pc = grid.posterior_moments()
    m0 = pm if mu0 is None else np.asarray(mu0, dtype=np.float64)
    lv0 = np.log(np.diag(pc)) if logvar0 is None else np.asarray(logvar0, dtype=np.float64)
    lo_m, hi_m = torch.tensor(b["mean_lo"]), torch.tensor(b["mean_hi"])
    lo_lv, hi_lv = torch.tensor(2 * np.log(b["sd_lo"])), torch.tensor(2 * np.log(b["sd_hi"]))
    zs = torch.tensor(grid.zs)
    lj = torch.tensor(grid.log_joint.ravel())
    log_area = math.log(float(np.prod(grid.spacing)))
    m = torch.tensor(np.clip(m0, b["mean_lo"], b["mean_hi"]), requires_grad=True)
    lv = torch.tensor(np.clip(lv0, 2 * np.log(b["sd_lo"]), 2 * np.log(b["sd_hi"])), requires_grad=True)
    opt = torch.optim.LBFGS([m, lv], lr=1.0, max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        mm = torch.maximum(torch.minimum(m, hi_m), lo_m)
        ll = torch.maximum(torch.minimum(lv, hi_lv), lo_lv)
        log_q = log_normal(zs, mm, ll)
        w = torch.softmax(log_q + log_area, 0)
        loss = -(w * (lj - log_q)).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        mm = torch.maximum(torch.minimum(m, hi_m), lo_m)
        ll = torch.maximum(torch.minimum(lv, hi_lv), lo_lv)
    return mm.numpy().copy(), ll.numpy().copy()


__all__ = [
    "PosteriorGrid",
    "auto_grid",
    "best_gaussian_on_grid",
    "elbo_on_grid",
    "elbo_terms_on_grid",
    "encoder_q",
    "log_joint",
    "posterior_grid",
    "q_bounds",
]
