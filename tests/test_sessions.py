"""Sessions stay apart: shared models are never mutated, trainings queue for slots, closed sessions stop."""

import hashlib
import threading
import time

import torch
from conftest import ROOT, open_page

from ui import state, training


def _digest(model) -> str:
    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().cpu().numpy().tobytes())
    return h.hexdigest()


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
    t0 = time.time()
    while other.session_state["train_job"].active and time.time() - t0 < 120:
        time.sleep(0.3)
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
        while not release.is_set() and not should_stop():
            time.sleep(0.01)
        return "ok"

    started = [training.submit(f"j{i}", 1, work) for i in range(3)]
    time.sleep(0.5)
    assert sorted(j.status for j in started) == ["running", "running", "waiting"]
    release.set()
    t0 = time.time()
    while any(j.active for j in started) and time.time() - t0 < 10:
        time.sleep(0.05)
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
    t0 = time.time()
    while job.epoch < 1 and time.time() - t0 < 30:
        time.sleep(0.05)
    alive["yes"] = False  # the browser tab closed
    while job.active and time.time() - t0 < 30:
        time.sleep(0.05)
    assert job.status == "stopped" and job.epoch < 500
    model, hist = job.result[0]
    assert hist.stopped and all(torch.isfinite(p).all() for p in model.parameters())


def test_training_threads_run_at_lower_priority():
    import os

    def work(on_epoch, should_stop):
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    job = training.submit("nice", 1, work)
    t0 = time.time()
    while job.active and time.time() - t0 < 10:
        time.sleep(0.05)
    assert job.status == "done"
    assert job.result >= min(training.TRAINING_NICENESS, 19), "clicks of other sessions are scheduled first"
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < job.result, "only the training thread"
