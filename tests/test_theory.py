"""Theory checks: trained linear models against exact closed forms (PCA, probabilistic PCA, the Gaussian
marginal, the beta-VAE rate-distortion curve) and the closed-form KL/entropy against torch.distributions.

Data: zero-mean Gaussian samples with a known spectrum, rotated by a normalized Hadamard matrix. Every entry of
H/sqrt(d) is +-1/sqrt(d), so H diag(lambda) H^T / d has unit diagonal when sum(lambda) = d: a correlation matrix
with exactly that spectrum, which per-feature standardization (data.from_array) leaves nearly unchanged. The truth
is the empirical spectrum of the standardized data, computed with numpy.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.linalg import hadamard, subspace_angles
from sklearn.decomposition import PCA

from vae_core import InputError, ModelConfig, TrainConfig, data, information, objectives, theory, train
from vae_core.model import VAE, init_parameters

D = torch.distributions

# Linear VAE spectrum (sum = d = 4), obs_var and KL weights chosen so that every water level beta*c sits at
# least a factor 1.25 away from every eigenvalue (dimensions right at the threshold converge very slowly).
VAE_SPEC = [2.6, 0.9, 0.35, 0.15]
VAE_C = 0.2
BETAS = [1.0, 2.5, 6.0]
# Linear AE spectrum (sum = d = 8) with a clear gap after the top 3 directions.
AE_SPEC = [3.0, 2.0, 1.2, 0.6, 0.5, 0.35, 0.2, 0.15]


def synthetic(spec, n: int = 2000, seed: int = 0) -> data.Dataset:
    spec = np.asarray(spec, dtype=np.float64)
    d = spec.size
    rng = np.random.default_rng(seed)
    rot = hadamard(d) / math.sqrt(d)
    return data.from_array((rng.standard_normal((n, d)) * np.sqrt(spec)) @ rot.T, name="synthetic")


def spectrum(ds: data.Dataset) -> np.ndarray:
    """Eigenvalues (descending) of the biased covariance of the standardized data: the exact truth for it."""
    x = ds.x.astype(np.float64)
    x = x - x.mean(0)
    return np.linalg.eigvalsh(x.T @ x / x.shape[0])[::-1]


def decoder(model) -> tuple[torch.Tensor, torch.Tensor]:
    lin = model.decoder[0]
    return lin.weight.detach().double(), lin.bias.detach().double()


def mean_kl_per_dim(model, x) -> np.ndarray:
    with torch.no_grad():
        mu, logvar = model.encode(x)
        return objectives.kl_per_dim(mu.double(), logvar.double()).mean(0).numpy()


def expected_sq_error(model, x) -> float:
    """E_data E_q ||x - W z - b||^2 of a linear model, exact: ||x - W mu - b||^2 + sum_j ||W_j||^2 sigma_j^2."""
    w, b = decoder(model)
    xt = torch.as_tensor(x, dtype=torch.float64)
    with torch.no_grad():
        mu, logvar = model.encode(x)
    mu, var = mu.double(), logvar.double().exp()
    return float((((xt - mu @ w.T - b) ** 2).sum(-1) + (var * (w * w).sum(0)).sum(-1)).mean())


@pytest.fixture(scope="module")
def vae_data():
    ds = synthetic(VAE_SPEC)
    return ds, spectrum(ds)


@pytest.fixture(scope="module")
def linear_vaes(vae_data):
    """One linear VAE per beta, trained together (about 2 s on one core)."""
    ds, _ = vae_data
    cfg = ModelConfig(kind="vae", input_dim=ds.dim, latent_dim=ds.dim, hidden=(), likelihood="gaussian", obs_var=VAE_C)
    tcfg = TrainConfig(epochs=100, batch_size=256, lr=1e-2, seed=0)
    res = train.fit_many(ds, cfg, tcfg, BETAS)
    assert all(m is not None for m, _ in res)
    return res


@pytest.fixture(scope="module")
def ppca_model(linear_vaes):
    return linear_vaes[BETAS.index(1.0)][0]


def test_test_data_is_well_conditioned(vae_data):
    _, lam = vae_data
    assert lam.sum() == pytest.approx(len(VAE_SPEC), rel=1e-5)  # standardized: trace = d
    np.testing.assert_allclose(lam, VAE_SPEC, atol=0.1)
    for b in BETAS:
        assert np.all(np.abs(np.log(lam / (b * VAE_C))) > math.log(1.25))


# ---- linear autoencoder = PCA ----


def test_linear_ae_spans_the_pca_subspace_and_matches_its_error():
    ds, k = synthetic(AE_SPEC), 3
    cfg = ModelConfig(kind="ae", input_dim=ds.dim, latent_dim=k, hidden=(), likelihood="gaussian", obs_var=1.0)
    model, _ = train.fit(ds, cfg, TrainConfig(epochs=30, batch_size=128, lr=1e-2, seed=0))
    pca = PCA(k).fit(ds.x)
    pca_err = float(((ds.x - pca.inverse_transform(pca.transform(ds.x))) ** 2).sum(1).mean())
    assert pca_err == pytest.approx(spectrum(ds)[k:].sum(), rel=1e-4)  # Eckart-Young: the discarded eigenvalues
    with torch.no_grad():
        rec = model.decode(model.encode(ds.x)[0]).numpy()
    ae_err = float(((ds.x - rec) ** 2).sum(1).mean())
    # Measured: angles < 0.8 degrees and error within 0.05 % of PCA's for seeds 0-2 (30 epochs).
    angles = np.degrees(subspace_angles(decoder(model)[0].numpy(), pca.components_.T))
    assert angles.max() < 3.0
    assert pca_err * (1 - 1e-4) <= ae_err <= pca_err * 1.02  # PCA is optimal; the AE gets within 2 %


# ---- linear VAE = probabilistic PCA ----


def test_linear_vae_matches_probabilistic_pca(vae_data, ppca_model):
    ds, lam = vae_data
    sol = theory.ppca_solution(lam, VAE_C, ds.dim)
    assert sol["active"].tolist() == [True, True, True, False]
    kl = mean_kl_per_dim(ppca_model, ds.x)
    order = np.argsort(-kl)
    # Measured max per-dimension error 0.014 nats (seeds 0-2); collapsed dimensions below 0.001 nats.
    np.testing.assert_allclose(kl[order][sol["active"]], sol["kl_per_dim"][sol["active"]], atol=0.05)
    assert np.all(kl[order][~sol["active"]] < 0.01)
    with torch.no_grad():
        post_var = ppca_model.encode(ds.x)[1].exp().mean(0).double().numpy()[order]
    np.testing.assert_allclose(post_var, sol["posterior_var"], rtol=0.1)
    norm2 = (decoder(ppca_model)[0] ** 2).sum(0).numpy()[order]
    np.testing.assert_allclose(norm2, sol["decoder_norm2"], atol=0.05 * lam[0])
    # The exact ELBO can never beat the exact optimum; training gets within 0.02 nats (measured 0.007).
    elbo = float(theory.linear_gaussian_elbo(ppca_model, ds.x).mean())
    assert sol["log_px"] - 0.02 < elbo <= sol["log_px"] + 1e-9
    assert float(theory.linear_gaussian_log_px(ppca_model, ds.x).mean()) <= sol["log_px"] + 1e-9


def test_ppca_solution_formulas():
    sol = theory.ppca_solution([0.5, 4.0, 1.0], 1.0, 4)  # unsorted input, latent_dim > d
    np.testing.assert_allclose(sol["eigenvalues"], [4.0, 1.0, 0.5])
    np.testing.assert_allclose(sol["kl_per_dim"], [0.5 * math.log(4.0), 0, 0, 0])
    np.testing.assert_allclose(sol["posterior_var"], [0.25, 1, 1, 1])
    np.testing.assert_allclose(sol["decoder_norm2"], [3.0, 0, 0, 0])
    assert sol["mse"] == pytest.approx(1.0 + 1.0 + 0.5)
    assert sol["log_px"] == pytest.approx(-0.5 * (3 * math.log(2 * math.pi) + math.log(4.0) + 1 + 1.5))
    with pytest.raises(InputError):
        theory.ppca_solution([1.0, -1.0], 1.0, 1)
    with pytest.raises(InputError):
        theory.ppca_solution([1.0], 0.0, 1)
    with pytest.raises(InputError):
        theory.ppca_solution([1.0], 1.0, 0)


# ---- exact marginal, posterior and ELBO ----


def test_linear_gaussian_log_px_is_the_gaussian_marginal(vae_data, ppca_model):
    ds, _ = vae_data
    w, b = decoder(ppca_model)
    marginal = D.MultivariateNormal(b, covariance_matrix=w @ w.T + VAE_C * torch.eye(ds.dim, dtype=torch.float64))
    x = torch.as_tensor(ds.x[:300], dtype=torch.float64)
    exact = theory.linear_gaussian_log_px(ppca_model, x)
    assert exact.shape == (300,)
    torch.testing.assert_close(exact, marginal.log_prob(x), rtol=0, atol=1e-9)


def test_importance_sampled_log_px_matches_the_exact_one(vae_data, ppca_model):
    ds, _ = vae_data
    x = ds.x[:300]
    est = objectives.log_px(ppca_model, x, k=2000, generator=torch.Generator().manual_seed(1))
    exact = theory.linear_gaussian_log_px(ppca_model, x)
    assert float((est.double() - exact).abs().mean()) < 0.05  # measured 0.002 for this near-exact q


@pytest.mark.parametrize("trained", [True, False])
def test_elbo_is_below_log_px_by_the_posterior_kl(vae_data, ppca_model, trained):
    ds, _ = vae_data
    model = ppca_model
    if not trained:  # an untrained model has a large gap; the identity must still hold exactly
        model = VAE(ppca_model.config)
        init_parameters(model, torch.Generator().manual_seed(3))
    x = torch.as_tensor(ds.x[:200], dtype=torch.float64)
    log_px = theory.linear_gaussian_log_px(model, x)
    elbo = theory.linear_gaussian_elbo(model, x)
    assert bool((elbo <= log_px).all())
    # log p(x) - ELBO = KL(q(z|x) || p(z|x)), with p(z|x) from the closed form (Tipping & Bishop 1999, sec. 3.2).
    mean, cov = theory.linear_gaussian_posterior(model, x)
    with torch.no_grad():
        mu, logvar = model.encode(ds.x[:200])
    q = D.MultivariateNormal(mu.double(), covariance_matrix=torch.diag_embed(logvar.double().exp()))
    post = D.MultivariateNormal(mean, covariance_matrix=cov.expand(len(x), *cov.shape))
    torch.testing.assert_close(log_px - elbo, D.kl_divergence(q, post), rtol=1e-6, atol=1e-7)
    # The Monte Carlo ELBO of objectives estimates the same number (measured mean error 1e-4 trained, 0.02 not).
    mc = objectives.elbo(model, ds.x[:200], n_samples=500, generator=torch.Generator().manual_seed(0))
    assert float((mc.double() - elbo).mean()) == pytest.approx(0.0, abs=0.1)


def test_closed_forms_refuse_other_models():
    x = np.zeros((2, 4), dtype=np.float32)
    for cfg in (
        ModelConfig(kind="vae", input_dim=4, hidden=(8,), likelihood="gaussian"),
        ModelConfig(kind="vae", input_dim=4, hidden=(), likelihood="bernoulli"),
        ModelConfig(kind="ae", input_dim=4, hidden=(), likelihood="gaussian"),
    ):
        model = VAE(cfg)
        for fn in (theory.linear_gaussian_log_px, theory.linear_gaussian_elbo, theory.linear_gaussian_posterior):
            with pytest.raises(InputError):
                fn(model, x)
    with pytest.raises(InputError):
        theory.linear_gaussian_log_px(
            VAE(ModelConfig(kind="vae", input_dim=4, hidden=(), likelihood="gaussian")), np.zeros((2, 3))
        )


# ---- closed-form information quantities ----


def test_closed_form_kl_and_entropy_match_torch_distributions():
    g = torch.Generator().manual_seed(0)
    m1, m2 = torch.randn(50, generator=g, dtype=torch.float64), torch.randn(50, generator=g, dtype=torch.float64)
    s1 = torch.rand(50, generator=g, dtype=torch.float64) * 3 + 0.05
    s2 = torch.rand(50, generator=g, dtype=torch.float64) * 3 + 0.05
    p, q = D.Normal(m1, s1), D.Normal(m2, s2)
    torch.testing.assert_close(information.gaussian_kl_1d(m1, s1, m2, s2), D.kl_divergence(p, q))
    torch.testing.assert_close(information.gaussian_entropy_1d(s1), p.entropy())
    torch.testing.assert_close(
        information.gaussian_cross_entropy_1d(m1, s1, m2, s2), p.entropy() + D.kl_divergence(p, q)
    )
    mu, logvar = m1.view(10, 5), (2 * torch.log(s1)).view(10, 5)
    ref = D.kl_divergence(D.Normal(mu, torch.exp(0.5 * logvar)), D.Normal(torch.zeros_like(mu), 1.0))
    torch.testing.assert_close(objectives.kl_per_dim(mu, logvar), ref)
    with pytest.raises(InputError):
        information.gaussian_kl_1d(0.0, 0.0, 0.0, 1.0)
    with pytest.raises(InputError):
        information.gaussian_entropy_1d(-1.0)


# ---- the beta-VAE rate-distortion curve ----


def test_rate_distortion_formulas():
    rd = theory.rate_distortion_curve([4.0, 1.0], 0.5, [1.0, 4.0, 10.0])
    np.testing.assert_allclose(rd["distortion"], [0.5 + 0.5, 2.0 + 1.0, 4.0 + 1.0])
    np.testing.assert_allclose(rd["rate"], [0.5 * math.log(8) + 0.5 * math.log(2), 0.5 * math.log(2), 0.0])
    np.testing.assert_allclose(rd["n_active"], [2, 1, 0])
    np.testing.assert_allclose(rd["recon"], rd["distortion"] / 1.0 + math.log(2 * math.pi * 0.5))
    coded1 = theory.rate_distortion_curve([4.0, 1.0], 0.5, [1.0], latent_dim=1)
    assert coded1["distortion"][0] == pytest.approx(0.5 + 1.0)
    assert coded1["rate"][0] == pytest.approx(0.5 * math.log(8))
    ae = theory.rate_distortion_curve([4.0, 1.0], 0.5, [0.0])
    assert ae["distortion"][0] == 0.0 and ae["rate"][0] == math.inf
    # At beta = 1 the curve's ELBO is the probabilistic-PCA log-likelihood.
    lam = [2.0, 1.0, 0.3, 0.1]
    assert theory.rate_distortion_curve(lam, 0.25, [1.0])["elbo"][0] == pytest.approx(
        theory.ppca_solution(lam, 0.25, 4)["log_px"]
    )
    with pytest.raises(InputError):
        theory.rate_distortion_curve(lam, 0.25, [-1.0])


def test_trained_linear_beta_vaes_land_on_the_rate_distortion_curve(vae_data, linear_vaes):
    """Rate = mean KL, distortion = mean squared error of a sampled reconstruction (computed exactly from the
    weights), against reverse water-filling on the empirical spectrum.

    Tolerances: for seeds 0-2 (100 epochs, Adam lr 1e-2, batch 256) the worst errors were 0.008 nats in rate,
    0.7 % in distortion and 0.011 nats in the loss; the optimum is flat, so the residual is Adam's stationary
    jitter. The bounds are about 3x that and far below the spacing of the curve (rate changes by > 0.7 nats
    between the betas; a bits-for-nats slip would be off by 40 %).
    """
    ds, lam = vae_data
    rd = theory.rate_distortion_curve(lam, VAE_C, BETAS)
    d = ds.dim
    for i, (beta, (model, hist)) in enumerate(zip(BETAS, linear_vaes, strict=True)):
        rate = float(mean_kl_per_dim(model, ds.x).sum())
        dist = expected_sq_error(model, ds.x)
        assert rate == pytest.approx(rd["rate"][i], abs=0.03), f"beta={beta}"
        assert dist == pytest.approx(rd["distortion"][i], rel=0.02), f"beta={beta}"
        loss = dist / (2 * VAE_C) + 0.5 * d * math.log(2 * math.pi * VAE_C) + beta * rate
        assert -1e-6 <= loss - rd["loss"][i] < 0.03, f"beta={beta}"  # nothing beats the optimum
        # The training history's reconstruction term (nats) maps to the same distortion (noisier: one draw).
        hist_dist = 2 * VAE_C * (hist[-1]["recon"] - 0.5 * d * math.log(2 * math.pi * VAE_C))
        assert hist_dist == pytest.approx(rd["distortion"][i], rel=0.05), f"beta={beta}"
        assert hist[-1]["kl"] == pytest.approx(rd["rate"][i], abs=0.05), f"beta={beta}"
