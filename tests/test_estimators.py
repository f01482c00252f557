"""vae_core.estimators: both gradient estimators are unbiased; reparameterization has the lower variance."""

import math

import numpy as np
import pytest
import torch

from vae_core import InputError, estimators

SMOOTH = [k for k, f in estimators.FUNCTIONS.items() if f.differentiable]


@pytest.mark.parametrize("key", list(estimators.FUNCTIONS))
def test_exact_gradients_are_derivatives_of_the_closed_form_expectation(key):
    fn = estimators.get_function(key)
    mu, s, a, h = 0.7, 1.3, 0.4, 1e-6
    d_mu = (fn.expectation(mu + h, s, a) - fn.expectation(mu - h, s, a)) / (2 * h)
    d_s = (fn.expectation(mu, s + h, a) - fn.expectation(mu, s - h, a)) / (2 * h)
    np.testing.assert_allclose(fn.gradient(mu, s, a), [d_mu, d_s], atol=1e-6)
    # And the closed-form expectation is right: compare with a large Monte Carlo average.
    z = mu + s * torch.randn(400_000, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    vals = fn.f(z, a)
    assert abs(float(vals.mean()) - fn.expectation(mu, s, a)) < 5 * float(vals.std()) / math.sqrt(len(z))


@pytest.mark.parametrize("key", SMOOTH)
@pytest.mark.parametrize("mu, sigma", [(1.0, 1.0), (-0.5, 0.4)])
def test_both_estimators_are_unbiased(key, mu, sigma):
    r = estimators.compare(key, mu, sigma, batch=8, n_estimates=2000, a=0.5, seed=3)
    for name in ("reparam_summary", "score_summary"):
        s = r[name]
        assert np.all(np.abs(s["z"]) < 4), f"{name}: mean {s['mean']} vs exact {s['exact']} (se {s['se']})"


@pytest.mark.parametrize("mu, sigma", [(0.0, 1.0), (1.0, 1.0), (2.0, 0.5), (-1.0, 2.0)])
def test_reparameterization_has_lower_variance_for_z_squared(mu, sigma):
    r = estimators.compare("z^2", mu, sigma, batch=16, n_estimates=2000, seed=0)
    assert np.all(r["reparam_summary"]["var"] < r["score_summary"]["var"])


def test_variance_falls_like_one_over_batch():
    small = estimators.compare("z^2", 1.0, 1.0, batch=4, n_estimates=4000, seed=0)
    large = estimators.compare("z^2", 1.0, 1.0, batch=64, n_estimates=4000, seed=0)
    for name in ("reparam_summary", "score_summary"):
        ratio = small[name]["var"] / large[name]["var"]
        assert np.all((ratio > 16 * 0.7) & (ratio < 16 / 0.7))


def test_reparameterization_matches_its_formula():
    # For f = z^2 the pathwise estimates are mean(2 z) and mean(2 z eps): recompute them from the same noise.
    gen = torch.Generator().manual_seed(5)
    est = estimators.reparam_gradients("z^2", 0.3, 1.7, 10, 50, gen)
    eps = torch.randn((50, 10), generator=torch.Generator().manual_seed(5), dtype=torch.float64).numpy()
    z = 0.3 + 1.7 * eps
    np.testing.assert_allclose(est[:, 0], (2 * z).mean(1))
    np.testing.assert_allclose(est[:, 1], (2 * z * eps).mean(1))


def test_step_function_breaks_reparameterization_not_the_score_function():
    r = estimators.compare("step(z-a)", 0.2, 1.0, batch=16, n_estimates=2000, a=0.5, seed=0)
    assert np.all(r["reparam"] == 0) and np.all(r["exact"] != 0)
    assert np.all(np.abs(r["score_summary"]["z"]) < 4)


def test_baseline_stays_unbiased_and_cuts_variance_when_f_is_large():
    plain = estimators.compare("z^2", 3.0, 1.0, batch=16, n_estimates=2000, seed=0)
    based = estimators.compare("z^2", 3.0, 1.0, batch=16, n_estimates=2000, seed=0, baseline=True)
    assert np.all(np.abs(based["score_summary"]["z"]) < 4)
    assert np.all(based["score_summary"]["var"] < 0.8 * plain["score_summary"]["var"])


def test_seeded_and_leaves_the_global_rng_alone():
    before = torch.get_rng_state().clone()
    a = estimators.compare("sin(z)", 0.1, 0.9, batch=4, n_estimates=100, seed=7)
    b = estimators.compare("sin(z)", 0.1, 0.9, batch=4, n_estimates=100, seed=7)
    c = estimators.compare("sin(z)", 0.1, 0.9, batch=4, n_estimates=100, seed=8)
    assert torch.equal(before, torch.get_rng_state())
    np.testing.assert_array_equal(a["score"], b["score"])
    assert not np.array_equal(a["score"], c["score"])


def test_bad_requests_are_rejected_with_a_reason():
    with pytest.raises(InputError, match="sigma=0.0 is out of range; it must be > 0"):
        estimators.compare("z^2", 0.0, 0.0)
    with pytest.raises(InputError, match="unknown function 'z\\^3'"):
        estimators.compare("z^3", 0.0, 1.0)
    with pytest.raises(InputError, match="baseline needs a batch of at least 2"):
        estimators.compare("z^2", 0.0, 1.0, batch=1, baseline=True)
    with pytest.raises(InputError, match="the limit is"):
        estimators.compare("z^2", 0.0, 1.0, batch=100_000, n_estimates=1000)
    with pytest.raises(InputError, match="finite number"):
        estimators.compare("z^2", float("nan"), 1.0)


@pytest.mark.parametrize("key", ["sin(z)", "exp(z)", "step(z-a)"])
def test_estimator_variance_falls_like_one_over_m(key):
    """Each estimate averages m independent draws, so Var = Var(one draw) / m: from m = 4 to m = 64 the
    variance must fall 16-fold (and the spread, its square root, 4-fold). With 4000 estimates the sample
    variance is within ~5 % of its value, so the ratio is checked to 20 %."""
    ratios = []
    for kind in ("reparam", "score"):
        var = [
            estimators.compare(key, 0.3, 0.8, batch=m, n_estimates=4000, a=0.2, seed=m)[f"{kind}_summary"]["var"]
            for m in (4, 64)
        ]
        if kind == "reparam" and key == "step(z-a)":
            assert np.all(var[0] == 0) and np.all(var[1] == 0)  # f' = 0: the pathwise estimate is always 0
            continue
        ratios.append(var[0] / var[1])
    np.testing.assert_allclose(np.concatenate(ratios), 16.0, rtol=0.2)
