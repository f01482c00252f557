"""Rate-distortion measurements of trained models agree with their training terms and stay above the bound."""

import numpy as np
import pytest

from vae_core import InputError, ModelConfig, TrainConfig, data, rate_distortion, theory, train


def test_measure_matches_the_elbo_decomposition():
    ds = data.load("digits").subset(slice(0, 500))
    model, _ = train.fit(ds, ModelConfig(hidden=(32,)), TrainConfig(epochs=3), device="cpu")
    m = rate_distortion.measure(model, ds.x, n_samples=64)
    assert m["rate"] > 0 and m["recon"] > 0 and m["sq_error"] > 0
    assert m["elbo"] == pytest.approx(-(m["recon"] + m["rate"]))


@pytest.mark.slow
def test_linear_sweep_lands_on_or_above_the_exact_curve():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1500, 4)) * np.sqrt([3.0, 1.0, 0.3, 0.1])
    ds = data.from_array(x @ np.linalg.qr(rng.normal(size=(4, 4)))[0])
    res = rate_distortion.linear_sweep(ds, [0.5, 1.0, 2.0], obs_var=0.2, epochs=120, lr=1e-2)
    lam = rate_distortion.covariance_spectrum(ds.x)
    assert np.allclose(np.sort(lam)[::-1], lam)
    for m, rate, dist, beta in zip(res["measured"], res["exact"]["rate"], res["exact"]["distortion"], res["betas"]):
        # The exact curve is the optimum of loss = D / (2c) + beta R: a trained model can only sit at or above it.
        c = res["obs_var"]
        assert m["sq_error"] / (2 * c) + beta * m["rate"] >= dist / (2 * c) + beta * rate - 0.02
        assert m["rate"] == pytest.approx(rate, abs=0.08)
        assert m["sq_error"] == pytest.approx(dist, rel=0.06)
    assert res["curve"]["rate"][0] > res["curve"]["rate"][-1]


def test_linear_sweep_refuses_beta_zero_and_autoencoders():
    ds = data.load("moons")
    with pytest.raises(InputError, match="betas > 0"):
        rate_distortion.linear_sweep(ds, [0.0, 1.0], obs_var=0.1)
    ae, _ = train.fit(
        ds, ModelConfig(kind="ae", input_dim=2, hidden=(8,), likelihood="gaussian"), TrainConfig(epochs=1), device="cpu"
    )
    with pytest.raises(InputError, match="autoencoder"):
        rate_distortion.measure(ae, ds.x)
    assert theory.rate_distortion_curve([1.0], 1.0, [1.0])["rate"][0] == 0.0
