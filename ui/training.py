"""Background trainings of a browser session and the one panel that shows their progress.

The job API is small on purpose (`submit`, `Job.progress`, `Job.stop`, `Job.result`), so the way jobs run
can change behind it. Today a job runs in a thread at lower priority; trainings from all sessions share a
small pool of slots (ui.cache.training_slots) and the rest wait and say so. A job stops by itself when its
browser session closes, so an abandoned tab frees its CPU and memory.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from ui import state
from ui.cache import MAX_CONCURRENT_TRAININGS, training_slots
from ui.figures import training_curves
from vae_core import InputError

log = logging.getLogger(__name__)
TRAINING_NICENESS = 10
MAX_CONCURRENT = MAX_CONCURRENT_TRAININGS


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
    """State of one training run, written by its worker and read by the progress panel.

    result: what work returned (train.fit_many: a list of (model or None, history) per beta), once done.
    records: per finished epoch, the list of per-model records (None for a diverged model)."""

    label: str
    epochs: int
    status: str = "waiting"  # waiting -> running -> done | stopped | failed
    epoch: int = 0
    records: list = field(default_factory=list)
    result: object = None
    error: str | None = None
    started: float = field(default_factory=time.perf_counter)
    finished: float | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    meta: dict = field(default_factory=dict)  # what the page needs to label and keep the result

    @property
    def active(self) -> bool:
        return self.status in ("waiting", "running")

    @property
    def progress(self) -> float:
        """Fraction of epochs done, in [0, 1]."""
        return min(1.0, self.epoch / max(1, self.epochs))

    def stop(self) -> None:
        self.stop_event.set()


def _lower_priority() -> None:
    """Nice this thread (Linux applies setpriority to one thread when given its id), so that clicks and reruns
    of every browser session are scheduled ahead of background training on a small server."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), TRAINING_NICENESS)
    except (AttributeError, OSError) as e:
        log.info("training runs at normal priority: %s", e)


def submit(label: str, epochs: int, work: Callable[[Callable, Callable], object], meta: dict | None = None) -> Job:
    """Run work(on_epoch, should_stop) in the background once a training slot is free; returns the Job.

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
        except Exception as e:  # noqa: BLE001 - a worker must report every failure to its page, not die silently
            job.status, job.error = "failed", f"training failed unexpectedly: {type(e).__name__}: {e}"
            log.exception("training %s failed", label)
        finally:
            job.finished = time.perf_counter()
            slots.release()

    threading.Thread(target=run, name=f"train:{label}", daemon=True).start()
    return job


def _labels(job: Job) -> list[str]:
    if job.meta.get("kind", "vae") != "vae":
        return ["autoencoder"]
    return [f"beta={b:g}" for b in job.meta["betas"]]


def _keep(job: Job, select: bool) -> list[str]:
    """Register the job's trained models in this session; warn about the ones that did not train."""
    kept = []
    kind = job.meta.get("kind", "vae")
    for b, (model, hist) in zip(job.meta["betas"], job.result):
        if model is None:
            st.warning(hist.diverged or f"beta={b:g}: stopped before the first epoch finished; nothing kept.")
            continue
        suffix = f"-beta{b:g}" if kind == "vae" else ""
        name = f"{job.meta['dataset']}-{kind}{suffix} #{len(state.session_models()) + 1}"
        kept.append(state.add_session_model(name, model, job.meta["dataset"], "trained"))
    if not select:  # keep the current selection (the new betas join the KL-weight slider)
        st.session_state.pop("pending_model", None)
        st.session_state.pop("pending_dataset", None)
    return kept


@st.fragment(run_every=0.5)
def progress_panel(
    job_key: str, *, idle: str | None = None, select: bool = True, where: str = "", after: Callable | None = None
) -> None:
    """The one training progress panel: status, progress bar, Stop, live loss curves, errors; when the job in
    st.session_state[job_key] ends, its models join this session (selected if select) and the app reruns.
    idle: shown when there is no job; where: said after the kept names; after(job, names): more UI for a
    finished job (e.g. download buttons)."""
    job: Job | None = st.session_state.get(job_key)
    if job is None:
        if idle:
            st.info(idle)
        return
    if job.status == "waiting":
        st.warning(f"Waiting for a free training slot: {MAX_CONCURRENT} trainings already run on this server.")
    st.progress(job.progress, text=f"{job.status}: epoch {job.epoch}/{job.epochs}")
    if job.active and st.button("Stop", key=f"{job_key}:stop"):
        job.stop()
    if job.records:
        kind = job.meta.get("kind", "vae")
        st.plotly_chart(training_curves(job.records, _labels(job), kind=kind), key=f"{job_key}:curves")
    if job.status == "failed":
        st.error(job.error)
    if job.active:
        return
    if job.result is not None and "kept" not in job.meta:
        job.meta["kept"] = _keep(job, select)
        st.rerun(scope="app")
    names = job.meta.get("kept") or []
    if names:
        secs = (job.finished or 0) - job.started
        how = "Stopped early; kept" if job.status == "stopped" else "Done in"
        st.success(f"{how} {secs:.1f} s: {', '.join(names)}. {where}")
        if after is not None:
            after(job, names)
