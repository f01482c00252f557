"""Log-densities in nats with all constants: the diagonal Gaussian (prior, posterior, mixtures) and the three
observation models p(x|z) a decoder can use, with their means. The only place these formulas live.

Observation models, with raw = the decoder's output:
- "bernoulli": x_i ~ Bernoulli(sigmoid(raw_i)). A normalised probability only for binary x; on grey levels
  its log is a (negative) binary cross-entropy, not a log-density.
- "continuous_bernoulli": p(x|lambda) = C(lambda) lambda^x (1 - lambda)^(1 - x) on [0, 1], lambda =
  sigmoid(raw), a real density for grey levels (Loaiza-Ganem & Cunningham 2019, "The continuous Bernoulli:
  fixing a pervasive error in variational autoencoders", NeurIPS, eq. 7).
- "gaussian": N(raw, c I) with c = obs_var, the tutorial's p(x|z) = N(f(z), c I).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

LOG_2PI = math.log(2 * math.pi)
LIKELIHOODS = ("bernoulli", "continuous_bernoulli", "gaussian")
NAMES = {"bernoulli": "Bernoulli", "continuous_bernoulli": "continuous Bernoulli", "gaussian": "Gaussian"}
# Below this |logit| the closed forms of the continuous Bernoulli are 0/0-like; a Taylor series takes over.
_CB_TAYLOR = 0.1


def log_normal(z, mu, logvar):
    """log N(z; mu, diag(exp(logvar))) summed over the last axis. torch tensors or numpy arrays (broadcast)."""
    exp = torch.exp if isinstance(logvar, torch.Tensor) else np.exp
    return -0.5 * (LOG_2PI + logvar + (z - mu) ** 2 / exp(logvar)).sum(-1)


def log_std_normal(z):
    """log N(z; 0, I) summed over the last axis. torch tensor or numpy array."""
    return -0.5 * (LOG_2PI + z**2).sum(-1)


def cb_log_normalizer(logits: torch.Tensor) -> torch.Tensor:
    """log C(lambda) of the continuous Bernoulli, elementwise, from logits eta = log(lambda / (1 - lambda)).

    C(lambda) = 2 atanh(1 - 2 lambda) / (1 - 2 lambda) (Loaiza-Ganem & Cunningham 2019, eq. 7), = 2 at
    lambda = 1/2. Written in eta it is eta / tanh(eta / 2), so with a = |eta|
        log C = log a - log(1 - e^-a) + log(1 + e^-a)                     (no cancellation for a > 0.1)
        log C = log 2 + a^2 / 12 - 7 a^4 / 1440 + O(a^6)                  (a < 0.1: series of x / tanh x).
    torch.distributions.ContinuousBernoulli works in lambda, where 1 - 2 lambda cancels in float32 near 1/2
    (it switches to a series inside lambda in (0.499, 0.501)); the logit form keeps full precision everywhere.
    """
    a = logits.abs()
    small = a < _CB_TAYLOR
    safe = torch.where(small, torch.ones_like(a), a)  # keeps the unused branch finite, so gradients stay finite
    far = torch.log(safe) - torch.log(-torch.expm1(-safe)) + torch.log1p(torch.exp(-safe))
    a2 = a * a
    near = math.log(2.0) + a2 / 12.0 - 7.0 * a2 * a2 / 1440.0
    return torch.where(small, near, far)


def cb_mean(logits: torch.Tensor) -> torch.Tensor:
    """Mean of the continuous Bernoulli from logits eta: lambda / (2 lambda - 1) + 1 / (2 atanh(1 - 2 lambda)),
    i.e. 1/2 + coth(eta / 2) / 2 - 1 / eta in eta; its series near 0 is 1/2 + eta/12 - eta^3/720 + eta^5/30240.
    It lies strictly inside (0, 1) and is pulled toward 1/2 relative to lambda."""
    small = logits.abs() < _CB_TAYLOR
    safe = torch.where(small, torch.ones_like(logits), logits)
    far = 0.5 + 0.5 / torch.tanh(0.5 * safe) - 1.0 / safe
    e2 = logits * logits
    near = 0.5 + logits * (1.0 / 12.0 - e2 / 720.0 + e2 * e2 / 30240.0)
    return torch.where(small, near, far)


def log_likelihood(x: torch.Tensor, raw: torch.Tensor, likelihood: str, obs_var: float) -> torch.Tensor:
    """log p(x|z) in nats summed over the last axis, x (n, d) against raw (..., n, d) (logits or the mean).

    Bernoulli: sum x log s + (1 - x) log(1 - s), s = sigmoid(raw) (minus the binary cross-entropy);
    continuous Bernoulli: the same plus sum log C(s); Gaussian N(raw, c I):
    -||x - raw||^2 / (2c) - d/2 log(2 pi c), so with c = 1/2 it is -||x - raw||^2 + const (the tutorial's loss).
    """
    if likelihood == "gaussian":
        d = x.shape[-1]
        return -0.5 * ((x - raw) ** 2).sum(-1) / obs_var - 0.5 * d * (LOG_2PI + math.log(obs_var))
    ll = -nn.functional.binary_cross_entropy_with_logits(raw, x.expand_as(raw), reduction="none")
    if likelihood == "continuous_bernoulli":
        ll = ll + cb_log_normalizer(raw)
    return ll.sum(-1)


# E[x|z] from the decoder's raw output, per likelihood: the link's name, and the link itself. Code that runs a
# decoder outside torch (the browser's canvas) executes these names (vae_core.model.decoder_ops).
MEAN_LINKS = {"bernoulli": "sigmoid", "continuous_bernoulli": "cb_mean", "gaussian": "identity"}
LINKS = {"sigmoid": torch.sigmoid, "cb_mean": cb_mean, "identity": lambda raw: raw}


def mean_from_raw(raw: torch.Tensor, likelihood: str) -> torch.Tensor:
    """E[x|z] from the decoder's raw output: sigmoid (Bernoulli), the continuous-Bernoulli mean, or raw itself."""
    return LINKS[MEAN_LINKS[likelihood]](raw)


def is_cross_entropy(likelihood: str, x) -> bool:
    """True when log p(x|z) on data x (array or tensor) is not a normalised log-likelihood: a Bernoulli on
    grey levels (any value other than 0 and 1). Pages then call the number a "Bernoulli cross-entropy"."""
    if likelihood != "bernoulli":
        return False
    arr = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    return not bool(np.isin(arr, (0.0, 1.0)).all())


__all__ = [
    "LIKELIHOODS",
    "LOG_2PI",
    "NAMES",
    "cb_log_normalizer",
    "cb_mean",
    "is_cross_entropy",
    "log_likelihood",
    "log_normal",
    "log_std_normal",
    "mean_from_raw",
]
