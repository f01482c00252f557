"""Tests for vae_core.densities: the continuous Bernoulli against torch.distributions and quadrature, the
Gaussian likelihood as a squared error, and the Bernoulli as a binary cross-entropy."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate
from torch import distributions as D

from vae_core import ModelConfig, densities
from vae_core.model import VAE

LOGITS = [-40.0, -8.0, -1.0, -0.2, -0.1001, -0.0999, -1e-3, -1e-7, 0.0, 1e-7, 1e-3, 0.05, 0.0999, 0.1001, 0.3, 2.0, 9.0]


def test_continuous_bernoulli_normaliser_is_exact_against_a_50_digit_reference():
    """log C(eta) = log(eta / tanh(eta / 2)) (log 2 at eta = 0) in 50-digit arithmetic (mpmath), for logits far
    out, near the series' switch and at 0. torch.distributions clamps lambda: in float32 its log C stops
    at 2.77 (at logit 30 the exact value is 3.40), so it is no reference out there."""
    import mpmath

    mpmath.mp.dps = 50
    etas = [0.0, 1e-7, -1e-3, 0.0999, 0.1001, -0.5, 3.0, -17.0, 30.0, -60.0, 88.0]
    exact = [
        float(mpmath.log(2) if e == 0 else mpmath.log(mpmath.mpf(e) / mpmath.tanh(mpmath.mpf(e) / 2))) for e in etas
    ]
    ours = densities.cb_log_normalizer(torch.tensor(etas, dtype=torch.float64))
    # within 1e-9 in float64 (the series below |eta| = 0.1 stops at eta^4), far below float32's resolution
    torch.testing.assert_close(ours, torch.tensor(exact, dtype=torch.float64), rtol=1e-9, atol=1e-9)
    ours32 = densities.cb_log_normalizer(torch.tensor(etas, dtype=torch.float32))
    torch.testing.assert_close(ours32, torch.tensor(exact, dtype=torch.float32), rtol=1e-6, atol=1e-6)
    torch32 = float(D.ContinuousBernoulli(logits=torch.tensor([30.0]))._cont_bern_log_norm())
    assert abs(torch32 - 2.77) < 0.01 and abs(exact[etas.index(30.0)] - 3.40) < 0.01


def test_continuous_bernoulli_matches_torch_distributions():
    eta = torch.tensor(LOGITS[1:-1], dtype=torch.float64)  # torch clamps probabilities at the extremes
    ref = D.ContinuousBernoulli(logits=eta)
    x = torch.linspace(0.0, 1.0, 11, dtype=torch.float64)[:, None].expand(11, len(eta))
    ours = densities.log_likelihood(
        x[..., None], eta[None, :, None].expand(11, len(eta), 1), "continuous_bernoulli", 1.0
    )
    torch.testing.assert_close(ours, ref.log_prob(x), rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(densities.cb_mean(eta), ref.mean, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("eta", LOGITS)
def test_continuous_bernoulli_integrates_to_one(eta):
    """int_0^1 C(lambda) lambda^x (1 - lambda)^(1-x) dx = 1 by adaptive quadrature, and its mean by quadrature
    equals cb_mean, for logits far out, at, and on both sides of the series' switch near lambda = 1/2."""
    e = torch.tensor([eta], dtype=torch.float64)

    def density(x: float) -> float:
        return math.exp(
            float(
                densities.log_likelihood(torch.tensor([[x]], dtype=torch.float64), e[None], "continuous_bernoulli", 1.0)
            )
        )

    total, _ = integrate.quad(density, 0.0, 1.0, epsabs=1e-12, epsrel=1e-10, limit=200)
    mean, _ = integrate.quad(lambda x: x * density(x), 0.0, 1.0, epsabs=1e-12, epsrel=1e-10, limit=200)
    assert total == pytest.approx(1.0, abs=1e-8)
    assert mean == pytest.approx(float(densities.cb_mean(e)), abs=1e-8)


def test_continuous_bernoulli_is_stable_in_float32_near_one_half():
    """In float32 the normaliser stays smooth across lambda = 1/2 (where 1 - 2 lambda cancels) and its
    gradient is finite at exactly 0."""
    eta = torch.linspace(-0.3, 0.3, 601, dtype=torch.float32, requires_grad=True)
    log_c = densities.cb_log_normalizer(eta)
    exact = densities.cb_log_normalizer(eta.detach().double())
    assert float((log_c.detach().double() - exact).abs().max()) < 1e-6
    log_c.sum().backward()
    assert bool(torch.isfinite(eta.grad).all())
    assert float(eta.grad[300]) == pytest.approx(0.0, abs=1e-6)  # log C is even in eta


def test_gaussian_likelihood_is_a_squared_error_scaled_by_c():
    """log N(x; f, c I) = -||x - f||^2 / (2c) - d/2 log(2 pi c): c = 1/2 gives the tutorial's -||x - f||^2
    up to a constant, and the whole thing matches torch.distributions.Normal."""
    x, f = torch.randn(5, 7, dtype=torch.float64), torch.randn(5, 7, dtype=torch.float64)
    for c in (0.5, 0.1, 3.0):
        ours = densities.log_likelihood(x, f, "gaussian", c)
        torch.testing.assert_close(ours, D.Normal(f, math.sqrt(c)).log_prob(x).sum(-1))
    half = densities.log_likelihood(x, f, "gaussian", 0.5)
    torch.testing.assert_close(half, -((x - f) ** 2).sum(-1) - 3.5 * math.log(math.pi))


def test_bernoulli_is_a_log_probability_on_binary_data_and_a_cross_entropy_on_grey_levels():
    logits = torch.randn(4, 6, dtype=torch.float64)
    binary = (torch.rand(4, 6, dtype=torch.float64) > 0.5).double()
    torch.testing.assert_close(
        densities.log_likelihood(binary, logits, "bernoulli", 1.0), D.Bernoulli(logits=logits).log_prob(binary).sum(-1)
    )
    grey = torch.rand(4, 6, dtype=torch.float64)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, grey, reduction="none").sum(-1)
    torch.testing.assert_close(densities.log_likelihood(grey, logits, "bernoulli", 1.0), -bce)
    assert densities.is_cross_entropy("bernoulli", grey)
    assert not densities.is_cross_entropy("bernoulli", binary.numpy())
    assert not densities.is_cross_entropy("continuous_bernoulli", grey)


def test_a_continuous_bernoulli_model_decodes_to_the_distribution_mean():
    model = VAE(ModelConfig(kind="vae", input_dim=5, latent_dim=2, hidden=(4,), likelihood="continuous_bernoulli"))
    z = torch.randn(3, 2)
    with torch.no_grad():
        raw = model.decode_raw(z)
        np.testing.assert_allclose(
            model.decode(z).numpy(), D.ContinuousBernoulli(logits=raw.double()).mean.numpy(), atol=1e-5
        )
