"""The training loop: determinism, fit == fit_many, the per-model NaN guard, stopping, callbacks, devices and
argument checks. Models are tiny (300 digits, one hidden layer of 32) so the file runs in seconds."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vae_core import InputError, ModelConfig, TrainConfig, TrainingDiverged, data, devices, train

BETAS = [0.0, 1.0, 4.0]


@pytest.fixture(scope="module")
def ds():
    return data.load("digits").subset(np.arange(300))


@pytest.fixture(scope="module")
def cfg(ds):
    return ModelConfig(kind="vae", input_dim=ds.dim, latent_dim=2, hidden=(32,), likelihood="bernoulli")


TCFG = TrainConfig(epochs=3, batch_size=64, lr=2e-3, seed=0)


def weights(model) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def all_finite(model) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in model.parameters())


@pytest.fixture(scope="module")
def many(ds, cfg):
    return train.fit_many(ds, cfg, TCFG, BETAS)


def test_fit_is_deterministic_per_seed(ds, cfg):
    a, ha = train.fit(ds, cfg, TCFG)
    b, hb = train.fit(ds, cfg, TCFG)
    c, _ = train.fit(ds, cfg, TCFG.replace(seed=1))
    assert all(torch.equal(p, q) for p, q in zip(weights(a), weights(b), strict=True))
    assert [r["elbo"] for r in ha] == [r["elbo"] for r in hb]
    assert not all(torch.allclose(p, q) for p, q in zip(weights(a), weights(c), strict=True))


def test_fit_does_not_touch_the_global_rng(ds, cfg):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train.fit(ds, cfg, TCFG.replace(epochs=1))
    torch.testing.assert_close(torch.rand(3), expected)


def test_fit_many_equals_separate_fits(ds, cfg, many):
    assert len(many) == len(BETAS)
    for beta, (model, hist) in zip(BETAS, many, strict=True):
        single, single_hist = train.fit(ds, cfg, TCFG.replace(beta=beta))
        for p, q in zip(model.parameters(), single.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=0, atol=1e-5)
        assert hist[-1]["elbo"] == pytest.approx(single_hist[-1]["elbo"], abs=1e-4)
        assert model.info["train"]["beta"] == beta
        assert model.info["epochs_done"] == TCFG.epochs
    # Different betas really give different models.
    assert not torch.allclose(many[0][0].decoder[0].weight, many[2][0].decoder[0].weight)


def test_fit_many_drops_only_the_model_that_diverges(ds, cfg, many, monkeypatch):
    """Poison model 1's weights with NaN at the 3rd step: its loss turns NaN mid-training. The guard must drop it
    and leave the others exactly as they are without the poison (its NaN gradients never reach their slices)."""
    original = train._Stack.losses
    calls = {"n": 0}

    def poisoned(self, x, eps, betas):
        calls["n"] += 1
        if calls["n"] == 3:
            with torch.no_grad():
                self.enc[0][0][1].fill_(float("nan"))
        return original(self, x, eps, betas)

    monkeypatch.setattr(train._Stack, "losses", poisoned)
    records = []
    out = train.fit_many(ds, cfg, TCFG, BETAS, on_epoch=lambda e, recs: records.append((e, recs)))
    assert calls["n"] > 3
    dead_model, dead_hist = out[1]
    assert dead_model is None
    assert "beta=1" in dead_hist.diverged and "learning rate" in dead_hist.diverged
    assert len(dead_hist) == 0  # it diverged inside epoch 1
    for i in (0, 2):
        model, hist = out[i]
        assert model is not None and hist.diverged is None and all_finite(model)
        assert len(hist) == TCFG.epochs
        assert all(math.isfinite(r[k]) for r in hist for k in ("loss", "recon", "kl", "elbo"))
        for p, q in zip(model.parameters(), many[i][0].parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=0, atol=1e-6)
    assert [e for e, _ in records] == list(range(1, TCFG.epochs + 1))
    assert all(recs[1] is None and recs[0] is not None and recs[2] is not None for _, recs in records)


def test_fit_many_when_every_model_diverges(ds):
    cfg = ModelConfig(kind="vae", input_dim=ds.dim, latent_dim=2, hidden=(64, 64), likelihood="gaussian")
    out = train.fit_many(ds, cfg, TrainConfig(epochs=5, batch_size=64, lr=100.0), [0.5, 1.0])
    assert [m for m, _ in out] == [None, None]
    assert all("learning rate" in h.diverged for _, h in out)


@pytest.mark.parametrize("seed", [0, 1])
def test_fit_raises_training_diverged_on_a_huge_learning_rate(ds, seed):
    # Adam moves every weight by about lr per step, so with lr=100 the 6 stacked layers overflow float32 within a
    # few steps whatever the gradients are.
    cfg = ModelConfig(kind="vae", input_dim=ds.dim, latent_dim=2, hidden=(64, 64), likelihood="gaussian")
    with pytest.raises(TrainingDiverged, match="learning rate") as err:
        train.fit(ds, cfg, TrainConfig(epochs=5, batch_size=64, lr=100.0, seed=seed))
    assert isinstance(err.value, InputError)
    assert "100" in str(err.value)


def test_fit_never_returns_non_finite_weights_at_high_learning_rates(ds, cfg):
    for lr in (10.0, 50.0):
        try:
            model, hist = train.fit(ds, cfg, TrainConfig(epochs=2, batch_size=64, lr=lr))
        except TrainingDiverged:
            continue
        assert all_finite(model) and all(math.isfinite(r["loss"]) for r in hist)


def test_should_stop_ends_training_early(ds, cfg):
    polls = {"n": 0}

    def should_stop():
        polls["n"] += 1
        return polls["n"] > 7  # 5 steps per epoch: stops inside epoch 2

    model, hist = train.fit(ds, cfg, TCFG.replace(epochs=10), should_stop=should_stop)
    assert hist.stopped is True
    assert hist.diverged is None
    assert 1 <= len(hist) < 10
    assert model is not None and all_finite(model)
    assert model.info["epochs_done"] == len(hist)


def test_should_stop_before_any_step_keeps_no_model(ds, cfg):
    with pytest.raises(InputError, match="no model"):
        train.fit(ds, cfg, TCFG, should_stop=lambda: True)
    [(model, hist)] = train.fit_many(ds, cfg, TCFG, [1.0], should_stop=lambda: True)
    assert model is None and hist.stopped and hist.diverged is None


def test_on_epoch_and_history_records(ds, cfg):
    seen = []
    model, hist = train.fit(ds, cfg, TCFG.replace(beta=2.0), on_epoch=lambda e, rec: seen.append((e, rec)))
    assert [e for e, _ in seen] == [1, 2, 3]
    assert [rec for _, rec in seen] == list(hist)
    assert hist.stopped is False and hist.diverged is None
    for rec in hist:
        assert {"recon", "kl", "kl_per_dim", "elbo", "loss", "epoch", "seconds"} <= set(rec)
        assert len(rec["kl_per_dim"]) == cfg.latent_dim
        values = [rec["recon"], rec["kl"], rec["elbo"], rec["loss"], *rec["kl_per_dim"]]
        assert all(math.isfinite(v) for v in values)
        assert rec["elbo"] == pytest.approx(-(rec["recon"] + rec["kl"]), rel=1e-6)
        assert rec["kl"] == pytest.approx(sum(rec["kl_per_dim"]), rel=1e-5)
        assert rec["loss"] == pytest.approx(rec["recon"] + 2.0 * rec["kl"], rel=1e-5)
        assert rec["recon"] > 0 and all(v >= 0 for v in rec["kl_per_dim"])
    assert hist[-1]["elbo"] > hist[0]["elbo"]  # it learns
    assert model.info["metrics"]["elbo"] == hist[-1]["elbo"]


def test_autoencoder_history_has_zero_kl(ds):
    cfg = ModelConfig(kind="ae", input_dim=ds.dim, latent_dim=2, hidden=(32,), likelihood="bernoulli")
    model, hist = train.fit(ds, cfg, TCFG.replace(epochs=1))
    assert hist[0]["kl"] == 0.0 and hist[0]["elbo"] is None  # an autoencoder has no ELBO
    assert model.info["metrics"]["elbo"] is None
    assert model.encode(ds.x[:3])[1] is None


@pytest.mark.skipif(torch.cuda.is_available() or torch.backends.mps.is_available(), reason="an accelerator exists")
def test_pick_device_on_a_cpu_only_machine():
    assert devices.pick_device("auto") == torch.device("cpu")
    assert devices.pick_device("cpu") == torch.device("cpu")
    assert devices.available_devices() == ["cpu"]
    for name in ("cuda", "cuda:0", "mps"):
        with pytest.raises(InputError, match="not available"):
            devices.pick_device(name)


def test_pick_device_rejects_unknown_names():
    with pytest.raises(InputError, match="unknown device"):
        devices.pick_device("tpu")


def test_bad_arguments_raise_input_error(ds, cfg):
    with pytest.raises(InputError, match="input_dim"):
        train.fit(ds, ModelConfig(kind="vae", input_dim=10, latent_dim=2, hidden=(8,)), TCFG)
    standardized = data.from_array(np.random.default_rng(0).standard_normal((50, 3)))
    with pytest.raises(InputError, match="Bernoulli"):
        train.fit(standardized, ModelConfig(input_dim=3, hidden=(8,), likelihood="bernoulli"), TCFG)
    with pytest.raises(InputError, match="latent_dimm"):
        ModelConfig.from_dict({"kind": "vae", "latent_dimm": 2})
    with pytest.raises(InputError, match="beta"):
        TrainConfig(beta=-1.0)
    with pytest.raises(InputError, match="epochs"):
        TrainConfig(epochs=0)
    with pytest.raises(InputError, match="beta"):
        train.fit_many(ds, cfg, TCFG, [1.0, -0.5])
    with pytest.raises(InputError, match="beta"):
        train.fit_many(ds, cfg, TCFG, [])
    with pytest.raises(InputError, match="Dataset"):
        train.fit(ds.x, cfg, TCFG)
    with pytest.raises(InputError):
        train.fit(ds, cfg, TCFG, device="tpu")
