"""vae_core.posterior: quadrature posteriors and information quantities against closed forms and sampling."""

import math

import numpy as np
import pytest
import torch
from conftest import ROOT

from vae_core import InputError, checkpoints, data, objectives, theory
from vae_core import posterior as post
from vae_core.config import ModelConfig
from vae_core.model import VAE, init_parameters


@pytest.fixture(scope="module")
def digits():
    return data.load("digits")


@pytest.fixture(scope="module")
def vae1():
    model, _ = checkpoints.load(ROOT / "models" / "digits-vae-beta1.safetensors")
    return model


@pytest.fixture(scope="module")
def linear():
    """A linear Gaussian VAE (hidden=()): log p(x), p(z|x) and the ELBO are known exactly (vae_core.theory)."""
    cfg = ModelConfig(kind="vae", input_dim=6, latent_dim=2, hidden=(), likelihood="gaussian", obs_var=0.3)
    model = VAE(cfg)
    init_parameters(model, torch.Generator().manual_seed(0))
    x = torch.randn(3, 6, generator=torch.Generator().manual_seed(1)).numpy()
    return model, x


# ---- the 2-D posterior grid ----


def test_quadrature_matches_the_exact_linear_gaussian_model(linear):
    model, x = linear
    exact = theory.linear_gaussian_log_px(model, x).numpy()
    means, cov = theory.linear_gaussian_posterior(model, x)
    elbo_exact = theory.linear_gaussian_elbo(model, x).numpy()
    for i in range(len(x)):
        grid = post.auto_grid(model, x[i])
        assert grid.log_px == pytest.approx(exact[i], abs=1e-5)
        assert grid.quadrature_error < 1e-4 and grid.edge_mass < 1e-8
        m, c = grid.posterior_moments()
        np.testing.assert_allclose(m, means[i].numpy(), atol=1e-5)
        np.testing.assert_allclose(c, cov.numpy(), atol=1e-5)
        mu, lv = post.encoder_q(model, x[i])
        elbo, kl = post.elbo_on_grid(grid, mu, lv)
        assert elbo == pytest.approx(elbo_exact[i], abs=1e-5)
        # KL(q || p(z|x)) of two Gaussians in closed form (torch.distributions) against the grid sum.
        q = torch.distributions.MultivariateNormal(torch.tensor(mu), torch.diag(torch.tensor(np.exp(lv))))
        p = torch.distributions.MultivariateNormal(means[i], cov)
        assert kl == pytest.approx(float(torch.distributions.kl_divergence(q, p)), abs=1e-5)


def test_best_gaussian_is_the_mean_field_optimum(linear):
    # For a Gaussian posterior N(m, S), the diagonal q minimizing KL(q || p) has mean m and variances
    # 1 / diag(S^-1) (Bishop 2006, PRML sec. 10.1.2).
    model, x = linear
    means, cov = theory.linear_gaussian_posterior(model, x)
    grid = post.auto_grid(model, x[0])
    mu, lv = post.best_gaussian_on_grid(grid)
    np.testing.assert_allclose(mu, means[0].numpy(), atol=1e-4)
    np.testing.assert_allclose(np.exp(lv), 1.0 / np.diag(np.linalg.inv(cov.numpy())), rtol=1e-3)


def test_elbo_plus_kl_is_log_px_for_any_q(vae1, digits):
    grid = post.auto_grid(vae1, digits.x[0])
    b = post.q_bounds(grid)
    rng = np.random.default_rng(0)
    for _ in range(20):
        mu = rng.uniform(b["mean_lo"], b["mean_hi"])
        logvar = 2 * np.log(rng.uniform(b["sd_lo"], b["sd_hi"]))
        elbo, kl = post.elbo_on_grid(grid, mu, logvar)
        assert elbo + kl == pytest.approx(grid.log_px, abs=1e-6)
        assert kl >= 0 and elbo <= grid.log_px
        t = post.elbo_terms_on_grid(grid, mu, logvar)
        assert t["recon"] - t["kl_prior"] == pytest.approx(elbo, abs=1e-9)


def test_quadrature_log_px_agrees_with_importance_sampling(vae1, digits):
    for i in (0, 3, 100):
        grid = post.auto_grid(vae1, digits.x[i])
        assert grid.quadrature_error < 1e-3 and grid.edge_mass < 1e-8
        gen = torch.Generator().manual_seed(i)
        sampled = float(objectives.log_px(vae1, np.array(digits.x[i]), k=50_000, generator=gen))
        assert grid.log_px == pytest.approx(sampled, abs=0.05)


def test_grid_elbo_of_the_encoder_matches_monte_carlo(vae1, digits):
    x = digits.x[3]
    grid = post.auto_grid(vae1, x)
    mu, lv = post.encoder_q(vae1, x)
    t = post.elbo_terms_on_grid(grid, mu, lv)
    assert t["q_mass"] == pytest.approx(1.0, abs=1e-6)
    kl_closed = float(objectives.kl_per_dim(torch.tensor(mu), torch.tensor(lv)).sum())
    assert t["kl_prior"] == pytest.approx(kl_closed, abs=1e-6)
    draws = objectives.elbo(vae1, np.repeat(x[None], 20_000, 0), generator=torch.Generator().manual_seed(0))
    se = float(draws.std()) / math.sqrt(len(draws))
    assert abs(t["elbo"] - float(draws.mean())) < 4 * se
    assert t["elbo"] <= grid.log_px


def test_best_gaussian_beats_the_encoder(vae1, digits):
    grid = post.auto_grid(vae1, digits.x[100])
    mu, lv = post.encoder_q(vae1, digits.x[100])
    best = post.best_gaussian_on_grid(grid, mu, lv)
    assert post.elbo_on_grid(grid, *best)[0] >= post.elbo_on_grid(grid, mu, lv)[0]


def test_posterior_grid_rejects_models_it_cannot_integrate(digits):
    ae, _ = checkpoints.load(ROOT / "models" / "digits-ae.safetensors")
    with pytest.raises(InputError, match="autoencoder"):
        post.auto_grid(ae, digits.x[0])
    wide = VAE(ModelConfig(kind="vae", input_dim=64, latent_dim=3, hidden=(8,)))
    with pytest.raises(InputError, match="2-D latent space"):
        post.posterior_grid(wide, digits.x[0], 0.0, 3.0)


def test_posterior_grid_validates_its_box(vae1, digits):
    with pytest.raises(InputError, match="positive half widths"):
        post.posterior_grid(vae1, digits.x[0], 0.0, -1.0)
    with pytest.raises(InputError, match="between 5 and 2001"):
        post.posterior_grid(vae1, digits.x[0], 0.0, 1.0, n=3)
    with pytest.raises(InputError, match=r"shape \(n_samples, 64\)"):
        post.posterior_grid(vae1, digits.x[0][:10], 0.0, 1.0)
