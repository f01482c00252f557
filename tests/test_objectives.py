"""Objectives: KL terms, the Monte Carlo (beta-)ELBO and the importance-sampled log p(x), including its chunking.

The chunking checks use a linear Gaussian model whose encoder is set to the exact posterior: then every
importance weight p(x, z) / q(z|x) equals p(x), so log_px must return the exact value for any k and any chunk
split, which catches a lost or double-counted chunk (an error of log(k / k_used)) deterministically.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vae_core import InputError, ModelConfig, densities, information, objectives, theory
from vae_core.model import VAE, init_parameters

D = torch.distributions


def random_model(cfg: ModelConfig, seed: int = 0) -> VAE:
    model = VAE(cfg)
    init_parameters(model, torch.Generator().manual_seed(seed))
    return model.eval()


def exact_posterior_model() -> VAE:
    """Linear Gaussian VAE (d=4, latent 2, c=0.5) with orthogonal decoder columns, so that the true posterior
    N(M^-1 W^T (x - b), c M^-1), M = W^T W + c I, is diagonal, and an encoder that outputs exactly it."""
    c = 0.5
    cfg = ModelConfig(kind="vae", input_dim=4, latent_dim=2, hidden=(), likelihood="gaussian", obs_var=c)
    model = VAE(cfg)
    w = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 0.0], [0.0, -1.0]])  # orthogonal columns
    b = torch.tensor([0.3, -0.2, 0.1, 0.5])
    m_diag = (w * w).sum(0) + c
    a = w.T / m_diag[:, None]  # M^-1 W^T, (2, 4)
    with torch.no_grad():
        model.decoder[0].weight.copy_(w)
        model.decoder[0].bias.copy_(b)
        model.encoder[0].weight.copy_(torch.cat([a, torch.zeros(2, 4)]))
        model.encoder[0].bias.copy_(torch.cat([-(a @ b), torch.log(c / m_diag)]))
    return model.eval()


def points(n: int, d: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed))


def test_kl_per_dim_is_zero_at_the_prior_and_positive_elsewhere():
    zeros = torch.zeros(5, 3)
    assert torch.equal(objectives.kl_per_dim(zeros, zeros), zeros)
    mu, logvar = points(5, 3), points(5, 3, seed=1)
    kl = objectives.kl_per_dim(mu, logvar)
    assert kl.shape == (5, 3) and bool((kl > 0).all())
    assert bool((objectives.kl_per_dim(zeros, torch.full((5, 3), 1e-3)) < 1e-6).all())


def test_elbo_with_several_samples_decomposes_into_recon_minus_beta_kl():
    cfg = ModelConfig(kind="vae", input_dim=6, latent_dim=3, hidden=(16,), likelihood="gaussian", obs_var=0.5)
    model, x = random_model(cfg), points(40, 6)
    with torch.no_grad():
        mu, logvar = model.encode(x)
        kl = objectives.kl_per_dim(mu, logvar).sum(-1)
        g = torch.Generator().manual_seed(7)
        rec = torch.stack(
            [model.log_px_given_z(x, model.decode_raw(model.reparameterize(mu, logvar, g))) for _ in range(5)]
        ).mean(0)
    for beta in (0.0, 1.0, 3.0):
        e = objectives.elbo(model, x, beta=beta, n_samples=5, generator=torch.Generator().manual_seed(7))
        assert e.shape == (40,) and bool(torch.isfinite(e).all())
        torch.testing.assert_close(e, rec - beta * kl, rtol=1e-5, atol=1e-4)
    # In batches the noise is drawn in another order, but with the same seed the KL part is still exact.
    e0, e2 = (
        objectives.elbo(model, x, beta=b, n_samples=5, generator=torch.Generator().manual_seed(3), batch=7)
        for b in (0.0, 2.0)
    )
    torch.testing.assert_close(e0 - e2, 2.0 * kl, rtol=1e-5, atol=1e-4)
    with pytest.raises(InputError):
        objectives.elbo(model, x, n_samples=0)


def test_elbo_estimate_of_one_input_is_within_its_error_of_the_exact_value():
    # The encoder outputs the exact posterior, so ELBO = log p(x) (Tipping & Bishop's closed form) and only the
    # Monte Carlo reconstruction term is noisy: the estimate must lie within a few of its own standard errors.
    model = exact_posterior_model()
    x = points(1, 4, seed=5)[0]
    exact = float(theory.linear_gaussian_log_px(model, x)[0])
    e = objectives.elbo_estimate(model, x, k=4000, generator=torch.Generator().manual_seed(0))
    assert 0 < e["elbo_se"] < 0.1
    assert abs(e["elbo"] - exact) < 4 * e["elbo_se"]
    with torch.no_grad():
        mu, logvar = model.encode(x)
    assert e["kl"] == pytest.approx(float(objectives.kl_per_dim(mu, logvar).sum()), rel=1e-6)
    assert e["recon"] == pytest.approx(e["elbo"] + e["kl"])
    with pytest.raises(InputError, match="at most 1 input"):
        objectives.elbo_estimate(model, points(2, 4), k=10)


def test_an_autoencoder_has_no_elbo_only_a_reconstruction_term():
    cfg = ModelConfig(kind="ae", input_dim=6, latent_dim=2, hidden=(8,), likelihood="gaussian")
    model, x = random_model(cfg), points(10, 6)
    with pytest.raises(InputError, match="the ELBO needs a VAE"):
        objectives.elbo(model, x)
    with torch.no_grad():
        expected = model.log_px_given_z(x, model.decode_raw(model.encode(x)[0]))
        recon, kl = objectives.terms(model, x)
    torch.testing.assert_close(-recon, expected)
    assert float(kl.abs().sum()) == 0.0


def test_log_px_needs_a_vae_and_k_at_least_one():
    ae = random_model(ModelConfig(kind="ae", input_dim=6, latent_dim=2, hidden=(8,), likelihood="gaussian"))
    with pytest.raises(InputError, match="VAE"):
        objectives.log_px(ae, points(3, 6))
    vae = random_model(ModelConfig(kind="vae", input_dim=6, latent_dim=2, hidden=(8,), likelihood="gaussian"))
    with pytest.raises(InputError):
        objectives.log_px(vae, points(3, 6), k=0)


@pytest.mark.parametrize("k, max_elements", [(1, 2**24), (7, 12), (7, 3), (50, 64), (1000, 2**24)])
def test_log_px_is_exact_when_q_is_the_true_posterior_for_any_chunking(k, max_elements):
    model, x = exact_posterior_model(), points(9, 4)
    mean, cov = theory.linear_gaussian_posterior(model, x)
    with torch.no_grad():
        mu, logvar = model.encode(x)
    torch.testing.assert_close(mu.double(), mean, rtol=0, atol=1e-6)  # the fixture is right
    torch.testing.assert_close(torch.diag_embed(logvar.double().exp()), cov.expand(9, 2, 2), rtol=0, atol=1e-6)
    est = objectives.log_px(model, x, k=k, max_elements=max_elements, generator=torch.Generator().manual_seed(0))
    assert est.shape == (9,)
    torch.testing.assert_close(est.double(), theory.linear_gaussian_log_px(model, x), rtol=0, atol=2e-4)


def test_log_px_chunking_is_deterministic_and_agrees_with_a_large_k_reference():
    """A random (untrained) linear model: q is far from the posterior, so estimates are noisy; chunked and
    unchunked runs draw different noise, so compare each with the exact value rather than with each other."""
    cfg = ModelConfig(kind="vae", input_dim=5, latent_dim=2, hidden=(), likelihood="gaussian", obs_var=1.0)
    model, x = random_model(cfg, seed=2), points(30, 5)
    exact = theory.linear_gaussian_log_px(model, x)

    def run(max_elements, seed=0):
        return objectives.log_px(
            model, x, k=3000, max_elements=max_elements, generator=torch.Generator().manual_seed(seed)
        )

    small_a, small_b = run(5 * 64), run(5 * 64)
    assert torch.equal(small_a, small_b)  # same chunks + same seed -> same numbers
    big = run(2**24)
    for est in (small_a, big):
        assert float((est.double() - exact).abs().mean()) < 0.05
    # The importance-sampled value is a stochastic lower bound: on average it cannot sit above log p(x).
    assert float((big.double() - exact).mean()) < 0.01


def test_log_px_handles_a_single_row_and_numpy_input():
    model = exact_posterior_model()
    x = np.array([0.1, 0.2, -0.3, 0.4], dtype=np.float32)
    est = objectives.log_px(model, x, k=10)
    assert est.shape == (1,)
    assert float(est[0]) == pytest.approx(float(theory.linear_gaussian_log_px(model, x)[0]), abs=2e-4)


def test_gaussian_helpers_agree_with_torch_distributions():
    z, mu, logvar = points(8, 3), points(8, 3, 1), points(8, 3, 2)
    ref = D.Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(-1)
    torch.testing.assert_close(densities.log_normal(z, mu, logvar), ref)
    torch.testing.assert_close(densities.log_std_normal(z), D.Normal(0.0, 1.0).log_prob(z).sum(-1))
    np.testing.assert_allclose(densities.log_normal(z.numpy(), mu.numpy(), logvar.numpy()), ref.numpy(), rtol=1e-5)
    # Bits vs nats: the entropy of N(0, 1) is 1/2 log(2 pi e) nats.
    assert float(information.gaussian_entropy_1d(1.0)) == pytest.approx(0.5 * math.log(2 * math.pi * math.e))
