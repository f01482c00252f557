"""Sessions stay apart: shared models are never mutated; trainings queue in the worker pool and show their
place; a killed training process costs only its own session a message (the pool itself: test_workers.py)."""

import hashlib
import os
import signal

import pytest
from conftest import ROOT, open_page, wait_for

from ui import state, training


def _digest(model) -> str:
    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().cpu().numpy().tobytes())
    return h.hexdigest()


@pytest.mark.slow
def test_cached_models_unchanged_by_other_sessions_training(app):
    paths = sorted(str(p) for p in (ROOT / "models").glob("digits-*.safetensors"))
    before = {p: _digest(state.shipped_model(p, "cpu")) for p in paths}
    # Session A explores; session B trains a whole beta grid from the explorer and a model on the Train page.
    open_page(app, "explorer")
    from streamlit.testing.v1 import AppTest

    other = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    other.run()
    open_page(other, "train")
    other.number_input(key="tr_epochs").set_value(2).run()
    other.button(key="tr_start").click().run()
    wait_for(lambda: not other.session_state["train_job"].active, what="B's training to end")
    other.run()
    assert other.session_state["train_job"].status == "done"
    after = {p: _digest(state.shipped_model(p, "cpu")) for p in paths}
    assert before == after
    for p in paths:
        assert not any(t.requires_grad for t in state.shipped_model(p, "cpu").parameters())
    assert "my_models" not in app.session_state or not app.session_state["my_models"], "A does not see B's models"


def _rerun_until(at, cond, what: str):
    """Rerun the AppTest (as the progress panel's timer would) until cond() holds."""

    def check():
        at.run()
        return cond()

    return wait_for(check, timeout=180, what=what, interval=0.3)


def _session(page: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    return open_page(at, page)


def _train(at, epochs: int):
    at.number_input(key="tr_epochs").set_value(epochs).run()
    at.button(key="tr_start").click().run()
    return at.session_state["train_job"]


def _long_fit_args() -> dict:
    from vae_core import ModelConfig, TrainConfig

    return {
        "dataset": "digits",
        "model": ModelConfig(hidden=(8,)).to_dict(),
        "train": TrainConfig(epochs=10**5).to_dict(),
        "betas": [1.0],
    }


@pytest.mark.slow
def test_trainings_queue_in_the_pool_and_show_their_place():
    pool = training.pool()
    fillers = [  # every worker but one busy, whatever the pool size of this machine
        pool.submit(f"filler{i}", "fit_many", _long_fit_args(), label="filler", epochs=10**5)
        for i in range(pool.size - 1)
    ]
    a, b = _session("train"), _session("train")
    job_a = _train(a, 2000)
    _rerun_until(a, lambda: job_a.status == "running", "A to run")
    job_b = _train(b, 2)
    assert job_b.status == "waiting" and job_b.position == 1
    assert "waiting: number 1 in the queue" in b.get("progress")[0].proto.text
    assert b.button(key="tr_start").disabled  # Train is drawn disabled while its job is active: no second job
    assert b.session_state["train_job"] is job_b
    job_a.stop()
    _rerun_until(b, lambda: not job_b.active and job_b.meta.get("kept") is not None, "B to train after A")
    assert job_b.status == "done" and len(b.session_state["my_models"]) == 1
    for f in fillers:
        f.stop()


@pytest.mark.slow
def test_a_killed_training_process_costs_only_its_session_a_message():
    pool = training.pool()
    at = _session("train")
    job = _train(at, 2000)
    _rerun_until(at, lambda: job.status == "running" and job.epoch >= 1, "the training to run")
    os.kill(job.worker_pid, signal.SIGKILL)
    _rerun_until(at, lambda: not job.active, "the pool to notice")
    assert not at.exception
    assert any("stopped unexpectedly (killed by SIGKILL)" in e.value for e in at.error)
    again = _train(at, 2)  # the pool replaced the process: the same session trains again
    _rerun_until(at, lambda: not again.active and again.meta.get("kept") is not None, "a retry")
    assert again.status == "done" and pool.replaced >= 1
