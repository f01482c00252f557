"""Tests for vae_core.information: units, entropy, 1-D Gaussian KLs in closed form against quadrature and
torch.distributions, and Bayes' rule on a grid against the conjugate answer."""

import math

import numpy as np
import pytest

from vae_core import InputError, information


def test_information_and_units():
    assert information.information(0.5, "bits") == pytest.approx(1.0)
    assert information.information(1 / 8, "bits") == pytest.approx(3.0)
    assert information.information(math.exp(-2), "nats") == pytest.approx(2.0)
    with pytest.raises(InputError, match=r"\(0, 1\]"):
        information.information(0.0)
    with pytest.raises(InputError, match="'nats' or 'bits'"):
        information.in_units(1.0, "bans")


def test_discrete_entropy():
    p, h = information.discrete_entropy([4, 2, 1, 1], "bits")
    np.testing.assert_allclose(p, [0.5, 0.25, 0.125, 0.125])
    assert h == pytest.approx(1.75)
    assert information.discrete_entropy([1, 1, 1, 0], "nats")[1] == pytest.approx(math.log(3))  # 0 log 0 = 0
    with pytest.raises(InputError, match=">= 0"):
        information.discrete_entropy([1, -2])
    with pytest.raises(InputError, match="all weights are zero"):
        information.discrete_entropy([0, 0])
    with pytest.raises(InputError, match="NaN"):
        information.discrete_entropy([1, float("nan")])
    with pytest.raises(InputError, match="no outcomes"):
        information.discrete_entropy([])


@pytest.mark.parametrize("mp, sp, mq, sq", [(0, 1, 1.5, 0.5), (-2, 0.3, 1, 3), (1, 2, 1, 2), (0, 0.1, 4, 4)])
def test_gaussian_divergences_numeric_match_closed_forms(mp, sp, mq, sq):
    num = information.gaussian_divergences_numeric(mp, sp, mq, sq)
    assert num["kl_pq"] == pytest.approx(float(information.gaussian_kl_1d(mp, sp, mq, sq)), abs=1e-8)
    assert num["kl_qp"] == pytest.approx(float(information.gaussian_kl_1d(mq, sq, mp, sp)), abs=1e-8)
    assert num["h_p"] == pytest.approx(float(information.gaussian_entropy_1d(sp)), abs=1e-8)
    assert num["h_pq"] == pytest.approx(float(information.gaussian_cross_entropy_1d(mp, sp, mq, sq)), abs=1e-8)
    assert num["h_pq"] - num["h_p"] == pytest.approx(num["kl_pq"], abs=1e-8)
    curves = information.gaussian_kl_integrands(mp, sp, mq, sq, n=20001)
    assert np.trapezoid(curves["p_log_p_over_q"], curves["x"]) == pytest.approx(num["kl_pq"], abs=1e-3)
    assert information.gaussian_entropy_numeric(sp) == pytest.approx(
        float(information.gaussian_entropy_1d(sp)), abs=1e-8
    )


def test_gaussian_divergences_reject_bad_sigma():
    with pytest.raises(InputError, match="standard deviation=0 is out of range; it must be > 0"):
        information.gaussian_divergences_numeric(0, 0, 1, 1)


@pytest.mark.parametrize("m0, s0, y, s, n", [(0, 1, 2, 1, 1), (3, 0.5, -2, 2, 10), (-1, 4, 1, 0.2, 1)])
def test_bayes_grid_posterior_is_the_conjugate_posterior(m0, s0, y, s, n):
    r = information.bayes_1d(m0, s0, y, s, n)
    assert r["max_abs_diff"] < 1e-6 * r["posterior_exact"].max()
    assert r["evidence_grid"] == pytest.approx(r["evidence_exact"], rel=1e-6)
    # Precisions add; the mean is their weighted average.
    assert 1 / r["post_sd"] ** 2 == pytest.approx(1 / s0**2 + n / s**2)
    assert r["post_mean"] == pytest.approx((m0 / s0**2 + n * y / s**2) * r["post_sd"] ** 2)
    with pytest.raises(InputError, match="n_obs"):
        information.bayes_1d(m0, s0, y, s, 0)
