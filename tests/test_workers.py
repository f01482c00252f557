"""The training pool (ui/workers/): real spawned worker processes run jobs, relay progress, stop on request,
queue in order with one job per session, cancel the job of a closed session, and survive SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import ROOT, wait_for

from ui import workers
from vae_core import InputError, ModelConfig, TrainConfig, data, train

CFG = ModelConfig(input_dim=64, hidden=(16,))


def fit_args(epochs: int, betas=(1.0,), dataset="digits") -> dict:
    return {
        "dataset": dataset,
        "model": CFG.to_dict(),
        "train": TrainConfig(epochs=epochs, batch_size=128).to_dict(),
        "betas": list(betas),
    }


def until(cond, what: str, timeout: float = 180.0):
    wait_for(cond, timeout, what)


@pytest.fixture(scope="module")
def pool():
    p = workers.Pool(1)
    yield p
    p.close()


def submit(pool, owner, epochs, **kw):
    return pool.submit(owner, "fit_many", fit_args(epochs, **kw), label=owner, epochs=epochs)


def test_the_pool_module_does_not_import_streamlit():
    code = "import sys, ui.workers; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_pool_size_comes_from_the_environment():
    assert workers.pool_size({"VAE_WORKERS": "3"}) == 3
    assert workers.pool_size({}) == max(1, len(os.sched_getaffinity(0)) - 1)
    for bad in ("0", "-1", "two", "65"):
        with pytest.raises(InputError, match="VAE_WORKERS"):
            workers.pool_size({"VAE_WORKERS": bad})


@pytest.mark.slow
def test_a_job_trains_in_a_worker_and_returns_checkpoint_bytes(pool):
    job = submit(pool, "a", 3, betas=(0.0, 1.0))
    until(lambda: not job.active, "the job to finish")
    assert job.status == "done", job.error
    assert job.worker_pid not in (None, os.getpid())
    assert os.getpriority(os.PRIO_PROCESS, job.worker_pid) >= workers.WORKER_NICENESS  # clicks go first
    assert [len(r) for r in job.records] == [2, 2, 2] and job.epoch == 3
    results = train.unpack(job.result)
    ds = data.load("digits")
    expected = train.fit_many(ds, CFG, TrainConfig(epochs=3, batch_size=128), [0.0, 1.0], device="cpu")
    for (model, hist), (want, want_hist) in zip(results, expected, strict=True):
        assert [r["elbo"] for r in hist] == pytest.approx([r["elbo"] for r in want_hist], rel=1e-5)
        for p, q in zip(model.parameters(), want.parameters(), strict=True):
            torch.testing.assert_close(p, q)


@pytest.mark.slow
def test_queue_order_positions_stop_and_one_job_per_session(pool):
    a = submit(pool, "a", 100_000)
    b = submit(pool, "b", 2)
    c = submit(pool, "c", 2)
    until(lambda: a.status == "running" and a.epoch >= 1, "a to run")
    assert (a.position, b.position, c.position) == (0, 1, 2)
    assert (b.status, c.status) == ("waiting", "waiting")
    with pytest.raises(InputError, match="already has a training"):
        submit(pool, "a", 2)
    b.stop()
    assert b.status == "stopped" and c.position == 1
    a.stop()
    until(lambda: not a.active, "a to stop")
    assert a.status == "stopped"
    [(model, hist)] = train.unpack(a.result)
    assert hist.stopped and model is not None and len(hist) >= 1  # what a stopped run learned is kept
    until(lambda: not c.active, "c to run after a")
    assert c.status == "done" and b.result is None


@pytest.mark.slow
def test_a_closed_session_cancels_its_job(pool):
    open_tab = {"a": True}
    job = pool.submit("a", "fit_many", fit_args(100_000), label="a", epochs=100_000, alive=lambda: open_tab["a"])
    until(lambda: job.epoch >= 1, "the job to start")
    open_tab["a"] = False
    until(lambda: not job.active, "the job to be cancelled")
    assert job.status == "stopped"


@pytest.mark.slow
def test_errors_reach_the_session_and_datasets_travel_by_value(pool):
    bad = pool.submit("a", "fit_many", fit_args(2, dataset="swiss_roll"), label="bad", epochs=2)
    until(lambda: not bad.active, "the bad job")
    assert bad.status == "failed" and "the model expects input_dim=64 but the data has 3 features" in bad.error
    ds = data.load("digits").subset(np.arange(200))
    args = {"dataset": ds, "options": {"latent_dims": (2,), "epochs": 2, "device": "cpu"}}
    job = pool.submit("a", "pca_comparison", args, label="pca", epochs=3)
    until(lambda: not job.active, "the PCA comparison")
    assert job.status == "done", job.error
    assert job.result["latent_dims"] == [2] and set(job.result["errors"]) >= {"pca", "linear_ae", "ae", "vae"}
    assert job.note  # the comparison's step labels arrive as progress notes


@pytest.mark.slow
def test_a_killed_worker_fails_only_its_job_and_is_replaced(pool):
    victim = submit(pool, "a", 100_000)
    queued = submit(pool, "b", 2)
    until(lambda: victim.epoch >= 1, "the victim to train")
    pid = victim.worker_pid
    os.kill(pid, signal.SIGKILL)
    until(lambda: not victim.active, "the pool to notice the death")
    assert victim.status == "failed"
    assert "stopped unexpectedly (killed by SIGKILL)" in victim.error and "press the button again" in victim.error
    until(lambda: not queued.active, "the queued job to run on the replacement")
    assert queued.status == "done" and queued.worker_pid != pid
    assert pool.replaced >= 1 and all(w["alive"] for w in pool.workers())
    again = submit(pool, "a", 2)  # the same session can train again
    until(lambda: not again.active, "a retry")
    assert again.status == "done"
