"""Tests for vae_core.metrics: closed-form checks on hand-built models, PCA theory on synthetic data with a known
spectrum, and the beta = 0 vs beta = 1 contrasts (continuity, completeness) on briefly trained digits models."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vae_core import InputError, ModelConfig, TrainConfig, data, metrics, train
from vae_core.model import VAE

EPOCHS = 20  # enough for the beta contrasts below to hold for every seed we tried (0-4), see test docstrings


# ---- fixtures: models trained once per module ----


@pytest.fixture(scope="module")
def digits():
    return data.load("digits")


@pytest.fixture(scope="module")
def vae2(digits):
    """2-D VAEs at beta = 0 and beta = 1, same initialization, data order and noise (one batched run)."""
    (m0, _), (m1, _) = train.fit_many(
        digits,
        ModelConfig(kind="vae", input_dim=digits.dim, latent_dim=2),
        TrainConfig(epochs=EPOCHS, seed=0),
        [0.0, 1.0],
        device="cpu",
    )
    return m0, m1


@pytest.fixture(scope="module")
def vae8(digits):
    """8-D VAEs at beta = 0, 1 and 4 (beta = 4 collapses the posterior on digits)."""
    res = train.fit_many(
        digits,
        ModelConfig(kind="vae", input_dim=digits.dim, latent_dim=8),
        TrainConfig(epochs=EPOCHS, seed=0),
        [0.0, 1.0, 4.0],
        device="cpu",
    )
    return [m for m, _ in res]


@pytest.fixture(scope="module")
def ae2(digits):
    model, _ = train.fit(
        digits,
        ModelConfig(kind="ae", input_dim=digits.dim, latent_dim=2),
        TrainConfig(beta=0.0, epochs=3, seed=0),
        device="cpu",
    )
    return model


def synthetic(n=1000, seed=0):
    """Gaussian data in 10-D with covariance eigenvalues 9, 4, 1, 0.1, ... along random directions."""
    rng = np.random.default_rng(seed)
    lam = np.array([9.0, 4.0, 1.0] + [0.1] * 7)
    q, _ = np.linalg.qr(rng.normal(size=(10, 10)))
    return data.from_array((rng.normal(size=(n, 10)) * np.sqrt(lam)) @ q.T, name="gaussian")


@pytest.fixture(scope="module")
def pca_result():
    calls = []
    res = metrics.pca_comparison(
        synthetic(),
        latent_dims=(1, 2, 3),
        epochs=10,
        seed=0,
        on_step=lambda i, total, label: calls.append((i, total, label)),
    )
    return res, calls


def crafted(a=(1.0, 1.0), v=0.25) -> VAE:
    """A linear VAE on 2-D data with q(z|x) = N(diag(a) x, v I) and decoder f(z) = z.

    For x ~ N(0, I): q(z) = N(0, diag(a^2) + v I), so I(x;z) = sum_j 1/2 log(1 + a_j^2 / v) and
    KL(q(z) || p(z)) = sum_j 1/2 (s_j - 1 - log s_j) with s_j = a_j^2 + v.
    """
    m = VAE(ModelConfig(kind="vae", input_dim=2, latent_dim=2, hidden=(), likelihood="gaussian"))
    with torch.no_grad():
        w = torch.zeros(4, 2)
        w[0, 0], w[1, 1] = a
        m.encoder[0].weight.copy_(w)
        m.encoder[0].bias.copy_(torch.tensor([0.0, 0.0, math.log(v), math.log(v)]))
        m.decoder[0].weight.copy_(torch.eye(2))
        m.decoder[0].bias.zero_()
    return m


@pytest.fixture(scope="module")
def gauss_x():
    return np.random.default_rng(0).normal(size=(2000, 2)).astype(np.float32)


# ---- closed-form checks on hand-built models ----


@pytest.mark.parametrize("a,v", [((1.0, 1.0), 0.25), ((2.0, 2.0), 0.1), ((1.0, 1.0), 1.0)])
def test_mutual_information_and_marginal_kl_match_gaussian_theory(gauss_x, a, v):
    m = crafted(a, v)
    mi_true = sum(0.5 * math.log(1 + ai**2 / v) for ai in a)
    s = [ai**2 + v for ai in a]
    kl_true = sum(0.5 * (sj - 1 - math.log(sj)) for sj in s)
    mi = metrics.mutual_information(m, gauss_x, seed=1)
    mkl = metrics.marginal_kl(m, gauss_x, seed=1)
    assert mi == pytest.approx(mi_true, abs=0.1)
    assert mkl == pytest.approx(kl_true, abs=0.06)
    # ELBO surgery: the two parts add up to the mean KL, which is exact.
    assert mi + mkl == pytest.approx(float(metrics.kl_per_dim(m, gauss_x).sum()), abs=1e-9)


def test_kl_per_dim_closed_form(gauss_x):
    a, v = (1.5, 0.5), 0.3
    kl = metrics.kl_per_dim(crafted(a, v), gauss_x)
    x2 = (gauss_x.astype(np.float64) ** 2).mean(0)
    expected = [0.5 * (ai**2 * x2[j] + v - 1 - math.log(v)) for j, ai in enumerate(a)]
    assert kl.shape == (2,)
    np.testing.assert_allclose(kl, expected, rtol=1e-5)


def test_active_units_counts_dimensions_that_move(gauss_x):
    n, var = metrics.active_units(crafted((1.0, 0.0)), gauss_x)
    assert n == 1
    assert var.shape == (2,)
    assert var[0] == pytest.approx(gauss_x[:, 0].astype(np.float64).var(), rel=1e-5)
    assert var[1] == 0.0
    assert metrics.active_units(crafted((1.0, 0.05)), gauss_x, threshold=0.01)[0] == 1
    assert metrics.active_units(crafted((1.0, 0.05)), gauss_x, threshold=0.001)[0] == 2


def test_aggregate_density_integrates_to_one_and_matches_the_gaussian(gauss_x):
    m = crafted((1.0, 0.5), 0.25)
    gx, gy = np.linspace(-8, 8, 161), np.linspace(-6, 6, 121)
    dens = metrics.aggregate_posterior_density(m, gauss_x, gx, gy)
    assert dens.shape == (121, 161)
    assert dens.sum() * (gx[1] - gx[0]) * (gy[1] - gy[0]) == pytest.approx(1.0, abs=1e-3)
    # Layout: rows follow grid_y, columns grid_x; q(z) is close to N(0, diag(1.25, 0.5)).
    ref = np.exp(-0.5 * (gx[None, :] ** 2 / 1.25 + gy[:, None] ** 2 / 0.5)) / (2 * np.pi * math.sqrt(1.25 * 0.5))
    assert np.abs(dens - ref).max() < 0.1 * ref.max()
    assert dens[60, 100] > dens[100, 60]  # (x=2, y=0) is likelier than (x=-2, y=4)


def test_aggregate_density_on_a_trained_model_integrates_to_one(vae2, digits):
    m = vae2[1]
    g = np.linspace(-7, 7, 141)
    dens = metrics.aggregate_posterior_density(m, digits.x, g, g)
    assert dens.sum() * (g[1] - g[0]) ** 2 == pytest.approx(1.0, abs=0.02)


def test_continuity_of_a_linear_decoder_is_perfect(gauss_x):
    out = metrics.continuity(crafted(), gauss_x, n_pairs=20, steps=10)
    assert out["smoothness_ratio"] == pytest.approx(1.0, abs=1e-5)
    assert out["jump_ratio"] == pytest.approx(1.0, abs=1e-4)
    assert out["max_jump"] == pytest.approx(0.1, abs=1e-4)
    assert out["profile"].shape == (10,)
    np.testing.assert_allclose(out["profile"], 0.1, atol=1e-4)
    assert out["pair_smoothness"].shape == (20,)


# ---- PCA vs autoencoders on data with a known spectrum ----


def test_pca_comparison_errors_and_subspace(pca_result):
    res, _ = pca_result
    err = res["errors"]
    assert res["latent_dims"] == [1, 2, 3]
    assert set(err) == {"pca", "linear_ae", "ae", "vae"}
    assert np.all(np.diff(err["pca"]) < 0)  # more components, less error
    # Standardization reshapes the spectrum, but PCA's error at k is still the sum of the trailing eigenvalues.
    total = res["total_variance"]
    np.testing.assert_allclose(err["pca"], total * (1 - np.cumsum(res["explained_variance_ratio"])), rtol=1e-4)
    # A linear AE trained by gradient descent finds the PCA subspace (Baldi & Hornik 1989).
    assert err["linear_ae"][1] <= 1.03 * err["pca"][1]
    assert err["linear_ae"][1] >= err["pca"][1] * (1 - 1e-4)  # PCA is optimal among rank-k linear maps
    for k, angles in zip(res["latent_dims"], res["angles"], strict=True):
        assert angles.shape == (k,)
        assert angles.max() < 10.0


def test_pca_comparison_embeddings_reconstructions_and_progress(pca_result):
    res, calls = pca_result
    n = 1000
    assert set(res["embeddings"]) == {"pca", "linear_ae", "ae", "vae"}
    for emb in res["embeddings"].values():
        assert emb.shape == (n, 2)
        assert np.isfinite(emb).all()
    rec = res["reconstructions"]
    assert rec["index"].shape == (8,)
    for key in ("original", "pca", "linear_ae", "ae", "vae"):
        assert rec[key].shape == (8, 10)
    assert [c[0] for c in calls] == list(range(10))
    assert all(c[1] == 9 for c in calls)
    assert calls[-1][2] == "done"
    assert "linear AE" in calls[0][2]


def test_pca_comparison_validates_inputs(digits):
    with pytest.raises(InputError, match="latent size"):
        metrics.pca_comparison(digits, latent_dims=(0, 2))
    with pytest.raises(InputError, match="latent_dims is empty"):
        metrics.pca_comparison(digits, latent_dims=())
    with pytest.raises(InputError, match="Dataset"):
        metrics.pca_comparison(digits.x)
    with pytest.raises(InputError, match="Bernoulli"):
        metrics.pca_comparison(synthetic(n=50), latent_dims=(1,), likelihood="bernoulli")


# ---- trained models: ranges, contrasts between beta = 0 and beta = 1 ----


def test_mutual_information_bounds(vae2, digits):
    log_n = math.log(digits.n)
    mis = [metrics.mutual_information(m, digits.x) for m in vae2]
    for mi in mis:
        assert 0.0 <= mi <= log_n + 1e-9
    assert mis[0] > mis[1]  # without the KL term the code keeps more about x
    assert mis[0] > 0.8 * log_n  # ... nearly all: each x gets its own tiny posterior
    assert metrics.mutual_information(vae2[1], digits.x, max_points=100) <= math.log(100) + 1e-9


def test_marginal_kl_is_not_negative(vae2, vae8, digits):
    for m in (*vae2, *vae8):
        assert metrics.marginal_kl(m, digits.x) >= -0.05


def test_active_units_and_collapse_flag(vae8, digits):
    m0, m1, m4 = vae8
    assert metrics.active_units(m0, digits.x)[0] == 8
    n4, var4 = metrics.active_units(m4, digits.x)
    assert n4 < 8 and var4.shape == (8,)
    s = metrics.summary(m4, digits.x)
    assert s["collapsed"] is True and "collapse" in s["message"]
    assert s["active_units"] == n4
    s0 = metrics.summary(m0, digits.x)
    assert s0["collapsed"] is False


def test_continuity_beta1_smoother_than_beta0(vae2, vae8, digits):
    """Without the KL term, codes of different digits sit far apart with nothing between them, so decoded
    paths detour and jump. Training seeds 0-4 at 20 epochs all give a clear margin: smoothness 1.28-1.34 vs
    1.07-1.14 (2-D), 1.18-1.20 vs 1.05-1.06 (8-D); largest jump 0.098-0.113 vs 0.077-0.085 (2-D)."""
    c0, c1 = (metrics.continuity(m, digits.x) for m in vae2)
    assert c1["smoothness_ratio"] < c0["smoothness_ratio"]
    assert c1["max_jump"] < c0["max_jump"]
    assert c0["smoothness_ratio"] >= 1.0 and c1["smoothness_ratio"] >= 1.0
    d0, d1 = (metrics.continuity(m, digits.x) for m in vae8[:2])
    assert d1["smoothness_ratio"] < d0["smoothness_ratio"]


def test_completeness_beta1_higher_than_beta0(vae2, vae8, digits):
    """Prior samples of a beta = 0 model land where no code lies. In 8-D they decode to non-digits, so the
    nearest-neighbour precision separates clearly (0.07-0.12 vs 0.92-0.95 for training seeds 0-4). In 2-D a
    blurry decoder stays close to real digits wherever z lands, so the precision does not separate reliably
    (seed 1: 0.99 vs 0.93), but the aggregate posterior's cover of the prior does (density ratio 0.17-0.21 vs
    0.88-0.99)."""
    p0, p1 = (metrics.completeness(m, digits.x) for m in vae8[:2])
    assert p1["precision"] > p0["precision"] + 0.4
    assert 0.0 <= p0["precision"] <= 1.0 and 0.0 <= p1["precision_recon"] <= 1.0
    # By construction, held-out real data passes at the chosen quantile.
    assert (p1["real_distances"] <= p1["threshold"]).mean() >= 0.95
    assert p1["sample_distances"].shape == (500,)
    q0, q1 = (metrics.completeness(m, digits.x) for m in vae2)
    assert q1["density_ratio"] > q0["density_ratio"] + 0.3
    assert q0["prior_hole_kl"] > q1["prior_hole_kl"] >= -0.05


def test_summary_keys_and_consistency(vae2, digits):
    m = vae2[1]
    s = metrics.summary(m, digits.x, seed=3)
    for key in (
        "kl_per_dim",
        "kl",
        "active_units",
        "unit_variances",
        "mutual_information",
        "marginal_kl",
        "mi_upper_bound",
        "continuity",
        "completeness",
        "collapsed",
        "message",
        "seconds",
    ):
        assert key in s
    assert s["kl"] == pytest.approx(float(s["kl_per_dim"].sum()))
    assert s["mutual_information"] + s["marginal_kl"] == pytest.approx(s["kl"], rel=0.05)
    again = metrics.summary(m, digits.x, seed=3)  # same seed, same numbers
    assert again["mutual_information"] == s["mutual_information"]
    assert again["completeness"]["precision"] == s["completeness"]["precision"]


# ---- deterministic autoencoders ----


def test_autoencoder_where_meaningful(ae2, digits):
    x = digits.x[:400]
    assert np.all(metrics.kl_per_dim(ae2, x) == 0)
    assert metrics.mutual_information(ae2, x) is None
    assert metrics.marginal_kl(ae2, x) is None
    assert metrics.active_units(ae2, x)[0] == 2
    assert metrics.continuity(ae2, x, n_pairs=8)["smoothness_ratio"] >= 1.0
    comp = metrics.completeness(ae2, x, n=50)
    assert comp["density_ratio"] is None and comp["prior_hole_kl"] is None
    assert 0.0 <= comp["precision"] <= 1.0
    s = metrics.summary(ae2, x)
    assert s["collapsed"] is False and s["mutual_information"] is None and "autoencoder" in s["message"]
    with pytest.raises(InputError, match="needs a VAE"):
        metrics.aggregate_posterior_density(ae2, x, [0.0, 1.0], [0.0, 1.0])


# ---- bad inputs ----


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: metrics.active_units(m, x),
        lambda m, x: metrics.kl_per_dim(m, x),
        lambda m, x: metrics.mutual_information(m, x),
        lambda m, x: metrics.marginal_kl(m, x),
        lambda m, x: metrics.continuity(m, x),
        lambda m, x: metrics.completeness(m, x),
        lambda m, x: metrics.summary(m, x),
        lambda m, x: metrics.aggregate_posterior_density(m, x, [0.0], [0.0]),
    ],
)
def test_wrong_shapes_raise_input_error(fn, vae2, digits):
    m = vae2[1]
    with pytest.raises(InputError, match=r"shape \(n_samples, 64\)"):
        fn(m, digits.x[:, :10])
    with pytest.raises(InputError, match="shape"):
        fn(m, digits.x[0])
    with pytest.raises(InputError, match="shape"):
        fn(m, digits.x[None])


def test_other_bad_inputs_raise_input_error(vae2, digits):
    m = vae2[1]
    x = digits.x
    bad = np.array(x[:50])
    bad[3, 3] = np.nan
    with pytest.raises(InputError, match="NaN"):
        metrics.kl_per_dim(m, bad)
    with pytest.raises(InputError, match="real numbers"):
        metrics.kl_per_dim(m, np.full((5, 64), "a"))
    with pytest.raises(InputError, match="vae_core model"):
        metrics.summary(object(), x)
    with pytest.raises(InputError, match="at least 2"):
        metrics.active_units(m, x[:1])
    with pytest.raises(InputError, match="n_pairs"):
        metrics.continuity(m, x, n_pairs=0)
    with pytest.raises(InputError, match="n_z"):
        metrics.mutual_information(m, x, n_z=0)
    with pytest.raises(InputError, match="seed"):
        metrics.continuity(m, x, seed=-1)
    with pytest.raises(InputError, match="quantile"):
        metrics.completeness(m, x, quantile=1.5)
    with pytest.raises(InputError, match="threshold"):
        metrics.active_units(m, x, threshold=float("nan"))
    with pytest.raises(InputError, match="dims"):
        metrics.aggregate_posterior_density(m, x, [0.0], [0.0], dims=(0, 0))
    with pytest.raises(InputError, match="dims"):
        metrics.aggregate_posterior_density(m, x, [0.0], [0.0], dims=(0, 2))
    with pytest.raises(InputError, match="grid_x"):
        metrics.aggregate_posterior_density(m, x, np.zeros((2, 2)), [0.0])
    with pytest.raises(InputError, match="grid_y"):
        metrics.aggregate_posterior_density(m, x, [0.0], ["a"])
    with pytest.raises(InputError, match="at most 250,000"):
        metrics.aggregate_posterior_density(m, x, np.zeros(1000), np.zeros(1000))
    one_d = VAE(ModelConfig(kind="vae", input_dim=64, latent_dim=1))
    with pytest.raises(InputError, match="1-D latent"):
        metrics.aggregate_posterior_density(one_d, x, [0.0], [0.0])


def test_torch_and_numpy_inputs_agree(vae2, digits):
    m = vae2[1]
    x = digits.x[:300]
    np.testing.assert_allclose(metrics.kl_per_dim(m, x), metrics.kl_per_dim(m, torch.tensor(x)))
    assert metrics.mutual_information(m, x, seed=2) == metrics.mutual_information(m, torch.tensor(x), seed=2)
