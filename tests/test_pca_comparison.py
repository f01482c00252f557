"""Tests for vae_core.pca_comparison: PCA theory on synthetic data with a known spectrum."""

from __future__ import annotations

import numpy as np
import pytest

from vae_core import InputError, data
from vae_core.pca_comparison import pca_comparison


@pytest.fixture(scope="module")
def digits():
    return data.load("digits")


def synthetic(n=1000, seed=0):
    """Gaussian data in 10-D with covariance eigenvalues 9, 4, 1, 0.1, ... along random directions."""
    rng = np.random.default_rng(seed)
    lam = np.array([9.0, 4.0, 1.0] + [0.1] * 7)
    q, _ = np.linalg.qr(rng.normal(size=(10, 10)))
    return data.from_array((rng.normal(size=(n, 10)) * np.sqrt(lam)) @ q.T, name="gaussian")


@pytest.fixture(scope="module")
def pca_result():
    calls = []
    res = pca_comparison(
        synthetic(),
        latent_dims=(1, 2, 3),
        epochs=10,
        seed=0,
        on_step=lambda i, total, label: calls.append((i, total, label)),
    )
    return res, calls


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
        pca_comparison(digits, latent_dims=(0, 2))
    with pytest.raises(InputError, match="latent_dims is empty"):
        pca_comparison(digits, latent_dims=())
    with pytest.raises(InputError, match="Dataset"):
        pca_comparison(digits.x)
    with pytest.raises(InputError, match="Bernoulli likelihood needs"):
        pca_comparison(synthetic(n=50), latent_dims=(1,), likelihood="bernoulli")
