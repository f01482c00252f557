"""Monte Carlo estimators of the gradient of E_{z ~ N(mu, sigma^2)}[f(z)] with respect to (mu, sigma): the
reparameterization (pathwise) estimator and the score-function (REINFORCE) estimator, plus integrands f
whose expectation, and so the exact gradient, is known in closed form.

Both are unbiased when f is differentiable (the pathwise one needs f' to carry the change of E[f]: for a step
f' = 0 almost everywhere and the pathwise estimate is 0, not the gradient). Each estimate averages m draws, so
its variance falls like 1/m and its spread (standard deviation) like 1/sqrt(m).

Reparameterization (Kingma & Welling 2014, sec. 2.4): z = mu + sigma * eps with eps ~ N(0, 1), so
    d/dmu E[f] = E[f'(z)],  d/dsigma E[f] = E[f'(z) eps]      (autograd through z; needs f differentiable).
Score function (Williams 1992, "Simple statistical gradient-following algorithms", REINFORCE):
    d/dtheta E[f] = E[f(z) d/dtheta log q(z)],  d/dmu log q = (z - mu) / sigma^2,
    d/dsigma log q = ((z - mu)^2 - sigma^2) / sigma^3      (needs only values of f).
Randomness comes from a torch.Generator made per call from `seed`; the global RNG is never touched.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from .checks import check_float, check_int
from .densities import LOG_2PI
from .errors import InputError

MAX_DRAWS = 20_000_000  # n_estimates * batch: bounds memory (the autograd graph holds a few copies)
_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _phi(u: float) -> float:
    return math.exp(-0.5 * (LOG_2PI + u * u))  # the standard normal density


@dataclass(frozen=True)
class Integrand:
    """An integrand f(z; a) with E_{N(mu, sigma^2)}[f] and its gradient (d/dmu, d/dsigma) in closed form.

    f: torch function of z (any shape) and the shift a. differentiable: False when f' is zero almost everywhere
    although E[f] still moves with mu and sigma (a step), which is where the reparameterization trick fails.
    """

    key: str
    latex: str
    expectation_latex: str
    f: Callable[[torch.Tensor, float], torch.Tensor]
    expectation: Callable[[float, float, float], float]
    gradient: Callable[[float, float, float], tuple[float, float]]
    uses_a: bool = False
    differentiable: bool = True


def _abs_mean(mu: float, s: float, a: float) -> float:
    d = mu - a
    return s * _SQRT_2_OVER_PI * math.exp(-d * d / (2 * s * s)) + d * math.erf(d / (s * _SQRT_2))


FUNCTIONS: dict[str, Integrand] = {
    f.key: f
    for f in [
        Integrand(
            "z^2",
            r"f(z) = z^2",
            r"\mu^2 + \sigma^2",
            lambda z, a: z**2,
            lambda m, s, a: m * m + s * s,
            lambda m, s, a: (2 * m, 2 * s),
        ),
        Integrand(
            "(z-a)^2",
            r"f(z) = (z - a)^2",
            r"(\mu - a)^2 + \sigma^2",
            lambda z, a: (z - a) ** 2,
            lambda m, s, a: (m - a) ** 2 + s * s,
            lambda m, s, a: (2 * (m - a), 2 * s),
            uses_a=True,
        ),
        Integrand(
            "sin(z)",
            r"f(z) = \sin z",
            r"\sin(\mu)\, e^{-\sigma^2/2}",
            lambda z, a: torch.sin(z),
            lambda m, s, a: math.sin(m) * math.exp(-s * s / 2),
            lambda m, s, a: (math.cos(m) * math.exp(-s * s / 2), -s * math.sin(m) * math.exp(-s * s / 2)),
        ),
        Integrand(
            "exp(z)",
            r"f(z) = e^{z}",
            r"e^{\mu + \sigma^2/2}",
            lambda z, a: torch.exp(z),
            lambda m, s, a: math.exp(m + s * s / 2),
            lambda m, s, a: (math.exp(m + s * s / 2), s * math.exp(m + s * s / 2)),
        ),
        Integrand(
            "|z-a|",
            r"f(z) = |z - a|",
            r"\sigma\sqrt{2/\pi}\, e^{-(\mu-a)^2/2\sigma^2} + (\mu - a)\,\mathrm{erf}\!\left("
            r"\frac{\mu-a}{\sigma\sqrt 2}\right)",
            lambda z, a: (z - a).abs(),
            _abs_mean,
            lambda m, s, a: (
                math.erf((m - a) / (s * _SQRT_2)),
                _SQRT_2_OVER_PI * math.exp(-((m - a) ** 2) / (2 * s * s)),
            ),
            uses_a=True,
        ),
        Integrand(
            "step(z-a)",
            r"f(z) = \mathbf{1}[z > a]",
            r"\Phi\!\left(\frac{\mu - a}{\sigma}\right)",
            lambda z, a: (z > a).to(z.dtype),
            lambda m, s, a: 0.5 * (1 + math.erf((m - a) / (s * _SQRT_2))),
            lambda m, s, a: (_phi((m - a) / s) / s, -_phi((m - a) / s) * (m - a) / (s * s)),
            uses_a=True,
            differentiable=False,
        ),
    ]
}


def get_function(key: str) -> Integrand:
    if key not in FUNCTIONS:
        raise InputError(f"unknown function {key!r}; choose one of {', '.join(FUNCTIONS)}.")
    return FUNCTIONS[key]


def _check(mu: float, sigma: float, a: float, batch: int, n_estimates: int) -> None:
    check_float("mu", mu)
    check_float("a", a)
    check_float("sigma", sigma, 0.0, lo_open=True)  # a Gaussian needs a positive spread
    check_int("batch", batch, 1)
    check_int("n_estimates", n_estimates, 2)
    if batch * n_estimates > MAX_DRAWS:
        raise InputError(
            f"n_estimates x batch = {batch * n_estimates:,} draws; the limit is {MAX_DRAWS:,}. "
            "Use fewer estimates or a smaller batch."
        )


def _leaves(mu: float, sigma: float, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    # One copy of (mu, sigma) per estimate, so one backward pass gives every estimate its own gradient.
    return (
        torch.full((n, 1), float(mu), dtype=torch.float64, requires_grad=True),
        torch.full((n, 1), float(sigma), dtype=torch.float64, requires_grad=True),
    )


def reparam_gradients(
    key: str, mu: float, sigma: float, batch: int, n_estimates: int, generator: torch.Generator, a: float = 0.0
) -> np.ndarray:
    """n_estimates independent reparameterization estimates of (d/dmu, d/dsigma) E[f], each averaging `batch`
    draws: float64 (n_estimates, 2). Autograd differentiates f(mu + sigma * eps) with eps held fixed."""
    fn = get_function(key)
    _check(mu, sigma, a, batch, n_estimates)
    eps = torch.randn((n_estimates, batch), generator=generator, dtype=torch.float64)
    m, s = _leaves(mu, sigma, n_estimates)
    est = fn.f(m + s * eps, a).mean(1)
    if not est.requires_grad:  # f has zero derivative wherever it is defined (a step): no path to mu or sigma
        return np.zeros((n_estimates, 2))
    gm, gs = torch.autograd.grad(est.sum(), [m, s])
    return torch.cat([gm, gs], 1).numpy()


def score_gradients(
    key: str,
    mu: float,
    sigma: float,
    batch: int,
    n_estimates: int,
    generator: torch.Generator,
    a: float = 0.0,
    baseline: bool = False,
) -> np.ndarray:
    """n_estimates independent score-function estimates of (d/dmu, d/dsigma) E[f]: float64 (n_estimates, 2).

    Each is the batch mean of f(z) d/dtheta log q(z), taken by autograd of the surrogate mean(f(z) log q(z)) with
    f(z) held constant. baseline=True subtracts from each f(z_j) the mean of the other draws in its batch (leave
    one out: independent of z_j, so still unbiased; it needs batch >= 2) to cut the variance.
    """
    fn = get_function(key)
    _check(mu, sigma, a, batch, n_estimates)
    if baseline and batch < 2:
        raise InputError("the leave-one-out baseline needs a batch of at least 2 draws.")
    eps = torch.randn((n_estimates, batch), generator=generator, dtype=torch.float64)
    z = float(mu) + float(sigma) * eps
    fz = fn.f(z, a).detach()
    if baseline:
        fz = fz - (fz.sum(1, keepdim=True) - fz) / (batch - 1)
    m, s = _leaves(mu, sigma, n_estimates)
    log_q = torch.distributions.Normal(m, s).log_prob(z)
    gm, gs = torch.autograd.grad((fz * log_q).mean(1).sum(), [m, s])
    return torch.cat([gm, gs], 1).numpy()


def summarize(estimates: np.ndarray, exact) -> dict:
    """Per parameter (mu, sigma): "mean", "var" (of one estimate), "se" (of the mean), "z" ((mean - exact) / se),
    each (2,), and "exact" (2,)."""
    est = np.asarray(estimates, dtype=np.float64)
    ex = np.asarray(exact, dtype=np.float64)
    mean, var = est.mean(0), est.var(0, ddof=1)
    se = np.sqrt(var / est.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (mean - ex) / np.where(se > 0, se, 1.0), np.where(mean == ex, 0.0, np.inf))
    return {"mean": mean, "var": var, "se": se, "z": z, "exact": ex}


def compare(
    key: str,
    mu: float,
    sigma: float,
    batch: int = 16,
    n_estimates: int = 2000,
    a: float = 0.0,
    seed: int = 0,
    baseline: bool = False,
) -> dict:
    """Both estimators on the same problem, with the exact gradient.

    Returns "reparam" and "score": (n_estimates, 2) estimates of (d/dmu, d/dsigma); "exact": (2,);
    "reparam_summary", "score_summary": see `summarize`; "expectation": E[f] in closed form.
    """
    fn = get_function(key)
    _check(mu, sigma, a, batch, n_estimates)
    gen = torch.Generator().manual_seed(int(seed))
    rep = reparam_gradients(key, mu, sigma, batch, n_estimates, gen, a)
    sco = score_gradients(key, mu, sigma, batch, n_estimates, gen, a, baseline)
    exact = np.array(fn.gradient(float(mu), float(sigma), float(a)))
    return {
        "reparam": rep,
        "score": sco,
        "exact": exact,
        "reparam_summary": summarize(rep, exact),
        "score_summary": summarize(sco, exact),
        "expectation": fn.expectation(float(mu), float(sigma), float(a)),
    }


__all__ = ["FUNCTIONS", "Integrand", "compare", "get_function", "reparam_gradients", "score_gradients", "summarize"]
