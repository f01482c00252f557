"""Background training jobs for a browser session: run in a thread, report progress, stop on request.

Trainings from all sessions share a small pool of slots (MAX_CONCURRENT); the rest wait and say so.
A job stops by itself when its browser session closes, so an abandoned tab frees its CPU and memory.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from vae_core import InputError

MAX_CONCURRENT = 2
TRAINING_NICENESS = 10


@st.cache_resource
def training_slots() -> threading.BoundedSemaphore:
    """One process-wide pool of training slots, shared by every session."""
    return threading.BoundedSemaphore(MAX_CONCURRENT)


def _session_alive_checker() -> Callable[[], bool]:
    """A callable telling whether the current browser session is still connected (True outside a server)."""
    try:
        from streamlit import runtime
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is None or not runtime.exists():
            return lambda: True
        rt, sid = runtime.get_instance(), ctx.session_id
        return lambda: rt.is_active_session(sid)
    except (ImportError, RuntimeError):
        return lambda: True


@dataclass
class Job:
    """State of one training run, written by its thread and read by the page's polling fragment."""

    label: str
    epochs: int
    status: str = "waiting"  # waiting -> running -> done | stopped | failed
    epoch: int = 0
    records: list = field(default_factory=list)  # per epoch: list of per-model records (None if diverged)
    result: object = None
    error: str | None = None
    started: float = field(default_factory=time.perf_counter)
    finished: float | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    meta: dict = field(default_factory=dict)  # what the page needs to label and keep the result

    @property
    def active(self) -> bool:
        return self.status in ("waiting", "running")

    def stop(self) -> None:
        self.stop_event.set()


def _lower_priority() -> None:
    """Nice this thread (Linux applies setpriority to one thread when given its id), so that clicks and reruns
    of every browser session are scheduled ahead of background training on a small server."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), TRAINING_NICENESS)
    except (AttributeError, OSError, PermissionError):
        pass  # not Linux, or not allowed: training simply runs at normal priority


def start(label: str, epochs: int, work: Callable[[Callable, Callable], object], meta: dict | None = None) -> Job:
    """Run work(on_epoch, should_stop) in a daemon thread once a training slot is free; returns the Job.

    work must call on_epoch(epoch, records) after each epoch and poll should_stop()."""
    job = Job(label=label, epochs=epochs, meta=dict(meta or {}))
    alive = _session_alive_checker()

    def should_stop() -> bool:
        return job.stop_event.is_set() or not alive()

    def on_epoch(epoch: int, records) -> None:
        job.epoch = epoch
        job.records.append(records if isinstance(records, list) else [records])

    def run() -> None:
        _lower_priority()
        slots = training_slots()
        while not slots.acquire(timeout=0.25):
            if should_stop():
                job.status, job.finished = "stopped", time.perf_counter()
                return
        try:
            job.status = "running"
            job.started = time.perf_counter()
            job.result = work(on_epoch, should_stop)
            job.status = "stopped" if should_stop() else "done"
        except InputError as e:
            job.status, job.error = "failed", str(e)
        except Exception as e:  # noqa: BLE001 - a thread must report every failure to its page, not die silently
            job.status, job.error = "failed", f"training failed unexpectedly: {type(e).__name__}: {e}"
            traceback.print_exc()
        finally:
            job.finished = time.perf_counter()
            slots.release()

    threading.Thread(target=run, name=f"train:{label}", daemon=True).start()
    return job
