"""Sessions stay apart: shared models are never mutated, trainings queue for slots, closed sessions stop."""

import hashlib
import threading

import pytest
import torch
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


def test_trainings_wait_for_a_slot(monkeypatch):
    slots = threading.BoundedSemaphore(2)
    monkeypatch.setattr(training, "training_slots", lambda: slots)
    release = threading.Event()

    def work(on_epoch, should_stop):
        while not release.wait(0.01) and not should_stop():
            pass
        return "ok"

    started = [training.submit(f"j{i}", 1, work) for i in range(3)]
    statuses = lambda: sorted(j.status for j in started)
    wait_for(lambda: statuses().count("running") == 2, what="two jobs running")
    assert statuses() == ["running", "running", "waiting"]  # the third waits while both slots are held
    release.set()
    wait_for(lambda: not any(j.active for j in started), what="all jobs to end")
    assert [j.status for j in started] == ["done"] * 3


def test_closed_session_stops_its_training(monkeypatch):
    alive = {"yes": True}
    monkeypatch.setattr(training, "_session_alive_checker", lambda: lambda: alive["yes"])
    from vae_core import ModelConfig, TrainConfig, data, train

    ds = data.load("digits")

    def work(on_epoch, should_stop):
        return train.fit_many(
            ds, ModelConfig(), TrainConfig(epochs=500), [1.0], device="cpu", on_epoch=on_epoch, should_stop=should_stop
        )

    job = training.submit("long", 500, work)
    wait_for(lambda: job.epoch >= 1, what="the first epoch")
    alive["yes"] = False  # the browser tab closed
    wait_for(lambda: not job.active, what="the job to stop")
    assert job.status == "stopped" and job.epoch < 500
    model, hist = job.result[0]
    assert hist.stopped and all(torch.isfinite(p).all() for p in model.parameters())


def test_training_threads_run_at_lower_priority():
    import os

    def work(on_epoch, should_stop):
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    job = training.submit("nice", 1, work)
    wait_for(lambda: not job.active, what="the job to end")
    assert job.status == "done"
    assert job.result >= min(training.TRAINING_NICENESS, 19), "clicks of other sessions are scheduled first"
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < job.result, "only the training thread"
