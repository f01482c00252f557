"""Information theory in one dimension, the tutorial's fundamentals: self-information and entropy (bits or nats),
KL divergence of two Gaussians both ways in closed form and by quadrature, and Bayes' rule on a grid beside the
conjugate answer. Everything is in nats unless a `unit` says otherwise, computed in float64.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import integrate, stats

from .checks import check_float, check_int
from .densities import LOG_2PI
from .errors import InputError

UNITS = ("nats", "bits")


def in_units(nats, unit: str):
    """Convert a value in nats to `unit` ("nats" or "bits": divide by ln 2)."""
    if unit not in UNITS:
        raise InputError(f"unit must be 'nats' or 'bits', got {unit!r}.")
    return nats / math.log(2) if unit == "bits" else nats


def information(p, unit: str = "nats"):
    """Self-information -log p of an event of probability p (array or float in (0, 1]), in `unit`."""
    arr = np.asarray(p, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0) or np.any(arr > 1):
        raise InputError(f"a probability must lie in (0, 1]; got {p!r}.")
    return in_units(-np.log(arr), unit)


def discrete_entropy(weights, unit: str = "nats") -> tuple[np.ndarray, float]:
    """Normalize non-negative weights (k,) to probabilities and return (probabilities (k,), entropy in `unit`).

    H = -sum_i p_i log p_i, with 0 log 0 = 0. Raises InputError for negative, non-finite or all-zero weights.
    """
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if w.size == 0:
        raise InputError("the distribution has no outcomes; add at least one row with a positive weight.")
    if not np.all(np.isfinite(w)):
        raise InputError("every weight must be a number (found an empty cell, NaN or infinity); fill them in.")
    if np.any(w < 0):
        bad = ", ".join(f"{v:g}" for v in w[w < 0][:3])
        raise InputError(f"weights must be >= 0 (they are relative probabilities); found {bad}.")
    total = w.sum()
    if total <= 0:
        raise InputError("all weights are zero; give at least one outcome a positive weight.")
    p = w / total
    nz = p > 0
    return p, float(in_units(-(p[nz] * np.log(p[nz])).sum(), unit))


def _check_sd(*sds: float) -> None:
    for s in sds:
        check_float("standard deviation", s, 0.0, lo_open=True)


def gaussian_divergences_numeric(mu_p: float, sd_p: float, mu_q: float, sd_q: float) -> dict:
    """H(p), H(p, q), KL(p || q) and KL(q || p) of two 1-D Gaussians by adaptive quadrature (scipy quad), nats.

    Each integrand is weighted by the first distribution, so integrating over its mean +- 14 sd covers all
    but ~1e-44 of the mass; log-densities are used inside so the ratio never under- or overflows.
    """
    _check_sd(sd_p, sd_q)
    p, q = stats.norm(mu_p, sd_p), stats.norm(mu_q, sd_q)

    def expect(dist, mean, sd, fn):
        val, _ = integrate.quad(
            lambda t: dist.pdf(t) * fn(t),
            mean - 14 * sd,
            mean + 14 * sd,
            points=[mean],
            limit=200,
            epsabs=1e-13,
            epsrel=1e-11,
        )
        return float(val)

    return {
        "h_p": expect(p, mu_p, sd_p, lambda t: -p.logpdf(t)),
        "h_q": expect(q, mu_q, sd_q, lambda t: -q.logpdf(t)),
        "h_pq": expect(p, mu_p, sd_p, lambda t: -q.logpdf(t)),
        "kl_pq": expect(p, mu_p, sd_p, lambda t: p.logpdf(t) - q.logpdf(t)),
        "kl_qp": expect(q, mu_q, sd_q, lambda t: q.logpdf(t) - p.logpdf(t)),
    }


def gaussian_kl_integrands(mu_p: float, sd_p: float, mu_q: float, sd_q: float, n: int = 801) -> dict:
    """Densities of p = N(mu_p, sd_p^2) and q = N(mu_q, sd_q^2) and both KL integrands on a common grid (n,):
    "x", "p", "q", "p_log_p_over_q" (integrates to KL(p || q)), "q_log_q_over_p" (to KL(q || p)). The grid
    spans both distributions' mean +- 5 sd."""
    _check_sd(sd_p, sd_q)
    x = np.linspace(min(mu_p - 5 * sd_p, mu_q - 5 * sd_q), max(mu_p + 5 * sd_p, mu_q + 5 * sd_q), n)
    lp, lq = stats.norm.logpdf(x, mu_p, sd_p), stats.norm.logpdf(x, mu_q, sd_q)
    p, q = np.exp(lp), np.exp(lq)
    return {"x": x, "p": p, "q": q, "p_log_p_over_q": p * (lp - lq), "q_log_q_over_p": q * (lq - lp)}


def gaussian_entropy_numeric(sd: float) -> float:
    """-int p log p for N(0, sd^2) by quadrature, nats (checks the closed form 1/2 log(2 pi e sd^2))."""
    _check_sd(sd)
    p = stats.norm(0.0, sd)
    val, _ = integrate.quad(
        lambda t: -p.pdf(t) * p.logpdf(t), -14 * sd, 14 * sd, points=[0.0], limit=200, epsabs=1e-13, epsrel=1e-11
    )
    return float(val)


def bayes_1d(prior_mean: float, prior_sd: float, obs: float, noise_sd: float, n_obs: int = 1, n: int = 2001) -> dict:
    """Bayes' rule for a Gaussian mean on a 1-D grid, beside the exact conjugate answer.

    Model: z ~ N(prior_mean, prior_sd^2); n_obs observations x_i ~ N(z, noise_sd^2) whose average is `obs`
    (the average is sufficient, so the likelihood in z is N(obs; z, noise_sd^2 / n_obs)). On a grid of n points
    the posterior is prior x likelihood divided by its trapezoid integral (the evidence). The conjugate result
    (e.g. Bishop 2006, Pattern Recognition and Machine Learning, eq. 2.141-2.142) is N(m, s^2) with
    1/s^2 = 1/prior_sd^2 + n_obs/noise_sd^2 and m = s^2 (prior_mean/prior_sd^2 + n_obs obs/noise_sd^2).
    Returns arrays (n,) "z", "prior", "likelihood" (as a density in z), "product", "posterior_grid",
    "posterior_exact" and scalars "post_mean", "post_sd", "evidence_grid", "evidence_exact", "max_abs_diff".
    With n_obs > 1, "likelihood" and the evidences are those of the sample mean, N(obs; z, noise_sd^2 / n_obs)
    and p(obs): the likelihood of the n observations themselves differs by a factor that does not depend on z
    (it depends on their spread around obs), so it gives the same posterior but other numbers.
    """
    _check_sd(prior_sd, noise_sd)
    check_int("n_obs", n_obs, 1)
    lik_sd = noise_sd / math.sqrt(n_obs)
    prec = 1.0 / prior_sd**2 + 1.0 / lik_sd**2
    post_sd = math.sqrt(1.0 / prec)
    post_mean = (prior_mean / prior_sd**2 + obs / lik_sd**2) / prec
    # The grid holds the prior, the likelihood and the posterior with 9 sd to spare on each side.
    lo = min(prior_mean - 9 * prior_sd, obs - 9 * lik_sd, post_mean - 9 * post_sd)
    hi = max(prior_mean + 9 * prior_sd, obs + 9 * lik_sd, post_mean + 9 * post_sd)
    z = np.linspace(lo, hi, n)
    prior = stats.norm.pdf(z, prior_mean, prior_sd)
    lik = stats.norm.pdf(obs, z, lik_sd)
    product = prior * lik
    evidence = float(integrate.trapezoid(product, z))
    post_grid = product / evidence
    post_exact = stats.norm.pdf(z, post_mean, post_sd)
    return {
        "z": z,
        "prior": prior,
        "likelihood": lik,
        "product": product,
        "posterior_grid": post_grid,
        "posterior_exact": post_exact,
        "post_mean": post_mean,
        "post_sd": post_sd,
        "evidence_grid": evidence,
        "evidence_exact": float(stats.norm.pdf(obs, prior_mean, math.hypot(prior_sd, lik_sd))),
        "max_abs_diff": float(np.abs(post_grid - post_exact).max()),
    }


# ---- closed forms for 1-D Gaussians ----


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


__all__ = [
    "UNITS",
    "bayes_1d",
    "discrete_entropy",
    "gaussian_cross_entropy_1d",
    "gaussian_divergences_numeric",
    "gaussian_entropy_1d",
    "gaussian_entropy_numeric",
    "gaussian_kl_1d",
    "gaussian_kl_integrands",
    "in_units",
    "information",
]
