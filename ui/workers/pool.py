"""The server's side of the training pool: warm worker processes, a FIFO of waiting jobs, one monitor thread.

Each worker (ui.workers.worker) is a process started as `python -m ui.workers.worker FD_IN FD_OUT` with its own
pair of pipes: jobs and stop requests in, progress and results out. A pipe per worker (not one shared queue)
because a worker killed mid-write can only tear its own pipe; the monitor notices the death (end of file on
that pipe), fails that job with a clear message, and starts a replacement. Trained models come back as
safetensors checkpoint bytes (vae_core.train.pack), which the session loads.

No Streamlit here (ui/training.py holds the one pool per server in st.cache_resource), so tests drive it
directly. Size: VAE_WORKERS (environment), default max(1, cores - 1): one core stays with the server.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

from vae_core import InputError

from .worker import TASKS

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
ENV_SIZE = "VAE_WORKERS"
MAX_WORKERS = 64
MAX_FAILED_STARTS = 3


def pool_size(env: dict | None = None) -> int:
    """VAE_WORKERS if set (a whole number 1..64), else max(1, usable cores - 1)."""
    raw = (os.environ if env is None else env).get(ENV_SIZE, "").strip()
    if not raw:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return max(1, cores - 1)
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_WORKERS:
        raise InputError(f"{ENV_SIZE}={raw!r} is not a worker count; set a whole number from 1 to {MAX_WORKERS}.")
    return int(raw)


@dataclass
class Job:
    """One queued or running job, as the server sees it. Written by the pool's monitor thread, read by pages.

    records: per-epoch progress payloads (for fit_many: the list of per-model records); result: the task's
    return value once done (for fit_many: [(checkpoint bytes or None, records, diverged, stopped)] per beta)."""

    id: int
    owner: str
    task: str
    label: str
    epochs: int
    meta: dict = field(default_factory=dict)
    status: str = "waiting"  # waiting -> running -> done | stopped | failed
    epoch: int = 0
    records: list = field(default_factory=list)
    note: str = ""  # the latest progress label (e.g. which model the PCA comparison trains)
    result: object = None
    error: str | None = None
    position: int = 0  # 1, 2, ... while waiting; 0 once running
    worker_pid: int | None = None
    submitted: float = field(default_factory=time.perf_counter)
    started: float | None = None
    finished: float | None = None
    _cancel: Callable[[], None] | None = field(default=None, repr=False)
    _args: dict | None = field(default=None, repr=False)

    @property
    def active(self) -> bool:
        return self.status in ("waiting", "running")

    @property
    def progress(self) -> float:
        return min(1.0, self.epoch / max(1, self.epochs))

    def stop(self) -> None:
        if self._cancel is not None:
            self._cancel()


class _Proc:
    """A worker started as `python -m ui.workers.worker FD_IN FD_OUT`. Not multiprocessing's spawn: it re-runs
    the parent's __main__ module in the child, and under Streamlit that module is the app script itself."""

    def __init__(self, fd_in: int, fd_out: int):
        cmd = [sys.executable, "-m", "ui.workers.worker", str(fd_in), str(fd_out)]
        self.popen = subprocess.Popen(cmd, pass_fds=(fd_in, fd_out), cwd=ROOT)
        self.pid = self.popen.pid

    @property
    def exitcode(self) -> int | None:
        return self.popen.poll()

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    def join(self, timeout: float | None = None) -> None:
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            pass

    def kill(self) -> None:
        self.popen.kill()


@dataclass
class _Worker:
    proc: _Proc
    inbox: Connection  # the server's sending end
    outbox: Connection  # the server's receiving end
    ready: bool = False
    eof: bool = False  # the worker's end of outbox closed: it died (or is exiting)
    job: Job | None = None


class Pool:
    """`size` warm worker processes, a FIFO of waiting jobs, one monitor thread.

    submit() queues a job (one active job per owner); the monitor hands waiting jobs to idle workers, relays
    progress into the Job, cancels jobs whose owner is gone, fails the job of a worker that died and starts
    a replacement."""

    def __init__(self, size: int | None = None):
        self.size = pool_size() if size is None else size
        self._lock = threading.RLock()
        self._workers: list[_Worker] = []
        self._waiting: deque[Job] = deque()
        self._jobs: dict[int, Job] = {}
        self._alive: dict[int, Callable[[], bool]] = {}
        self._ids = itertools.count(1)
        self._closed = False
        self._monitoring = True
        self._broken: str | None = None
        self._failed_starts = 0
        self.replaced = 0  # workers started to replace dead ones
        for _ in range(self.size):
            self._workers.append(self._spawn())
        atexit.register(self.close, 2.0)  # workers also end by themselves when the server's pipe ends close
        self._thread = threading.Thread(target=self._monitor, name="training-pool", daemon=True)
        self._thread.start()

    def _spawn(self) -> _Worker:
        # os.pipe() ends are not inherited (PEP 446) except through pass_fds: each pipe joins the server and
        # one worker only, so a worker's death shows as end-of-file at once.
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        try:
            proc = _Proc(in_r, out_w)
        finally:
            os.close(in_r)
            os.close(out_w)
        return _Worker(proc, Connection(in_w, readable=False), Connection(out_r, writable=False))

    # -- the API pages use --

    def submit(
        self, owner: str, task: str, args: dict, *, label: str, epochs: int, meta: dict | None = None, alive=None
    ) -> Job:
        """Queue task(args) for `owner` (a browser session id); alive() -> False cancels the job (closed tab).
        Raises InputError if this owner already has a waiting or running job."""
        if task not in TASKS:
            raise InputError(f"unknown task {task!r}; known: {', '.join(TASKS)}.")
        with self._lock:
            if self._closed or self._broken:
                raise InputError(self._broken or "the training pool is shut down.")
            if any(j.owner == owner and j.active for j in self._jobs.values()):
                raise InputError("this session already has a training waiting or running; stop it first.")
            job = Job(next(self._ids), owner, task, label, epochs, meta=dict(meta or {}))
            job._cancel = lambda: self.cancel(job.id)
            job._args = args
            self._jobs[job.id] = job
            self._alive[job.id] = alive or (lambda: True)
            self._waiting.append(job)
            self._dispatch()
        return job

    def cancel(self, job_id: int) -> None:
        """Stop a job: a waiting one leaves the queue, a running one is asked to stop (it returns what it has)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or not job.active:
                return
            if job.status == "waiting":
                self._waiting.remove(job)
                self._finish(job, "stopped")
                self._renumber()
                return
            for w in self._workers:
                if w.job is job:
                    try:
                        w.inbox.send(("stop", job_id))
                    except OSError:
                        pass  # the worker is dying; the monitor fails the job

    def workers(self) -> list[dict]:
        """pid, alive, ready and current job id of every worker (for tests and the status line)."""
        with self._lock:
            return [
                {"pid": w.proc.pid, "alive": w.proc.is_alive(), "ready": w.ready, "job": w.job and w.job.id}
                for w in self._workers
            ]

    def close(self, timeout: float = 5.0) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for job in list(self._waiting):
                self._finish(job, "stopped")
            self._waiting.clear()
            for w in self._workers:
                try:
                    w.inbox.send(None)
                except OSError:
                    pass
        # The monitor keeps reading meanwhile: a worker ending its job must be able to send the result.
        deadline = time.monotonic() + timeout
        for w in self._workers:
            w.proc.join(max(0.0, deadline - time.monotonic()))
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join()
        self._monitoring = False
        self._thread.join(timeout)

    # -- the monitor thread --

    def _monitor(self) -> None:
        while self._monitoring:
            with self._lock:
                conns = {w.outbox: w for w in self._workers if not w.eof}
            for ready in wait(list(conns), timeout=0.25):
                self._receive(conns[ready])
            with self._lock:
                for w in list(self._workers):
                    if w.proc.exitcode is not None and not self._closed:
                        self._replace(w)
                for job_id, alive in list(self._alive.items()):
                    job = self._jobs[job_id]
                    if job.active and not _safe(alive):
                        self.cancel(job_id)
                self._dispatch()

    def _receive(self, w: _Worker) -> None:
        try:
            while w.outbox.poll():
                self._handle(w, w.outbox.recv())
        except (EOFError, OSError):
            w.eof = True  # the worker died or is exiting: the check below sees its exit status
            w.proc.join(1.0)

    def _handle(self, w: _Worker, msg: tuple) -> None:
        with self._lock:
            kind = msg[0]
            if kind == "ready":
                w.ready = True
            elif w.job is not None and msg[1] == w.job.id:
                job = w.job
                if kind == "progress":
                    for step, payload in msg[2]:
                        job.epoch = step
                        if isinstance(payload, str):
                            job.note = payload
                        else:
                            job.records.append(payload if isinstance(payload, list) else [payload])
                else:  # done | stopped | failed
                    if kind == "failed":
                        job.error = msg[2]
                    else:
                        job.result = msg[2]
                    self._finish(job, kind)
                    w.job = None
            self._dispatch()

    def _replace(self, w: _Worker) -> None:
        code = w.proc.exitcode
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        self._failed_starts = 0 if w.ready else self._failed_starts + 1
        if self._failed_starts >= MAX_FAILED_STARTS:  # a worker that cannot even start: do not spin
            self._broken = f"training processes cannot start ({how}); see the server log."
            for job in list(self._waiting):
                job.error = self._broken
                self._finish(job, "failed")
            self._waiting.clear()
            self._workers.remove(w)
            return
        if w.job is not None:
            w.job.error = (
                f"The training process stopped unexpectedly ({how}), so this training was lost. The server is fine "
                "and a fresh training process has taken its place: press the button again to retrain."
            )
            self._finish(w.job, "failed")
        log.warning("training worker %s died (%s); starting a replacement", w.proc.pid, how)
        for end in (w.inbox, w.outbox):
            end.close()
        self._workers[self._workers.index(w)] = self._spawn()
        self.replaced += 1

    def _dispatch(self) -> None:
        for w in self._workers:
            if not self._waiting:
                break
            if w.ready and w.job is None and w.proc.is_alive():
                job = self._waiting.popleft()
                try:
                    w.inbox.send(("run", job.id, job.task, job._args))
                except OSError:
                    self._waiting.appendleft(job)  # the worker is dying; the monitor replaces it
                    continue
                w.job, job.status, job.started, job.worker_pid = job, "running", time.perf_counter(), w.proc.pid
        self._renumber()

    def _renumber(self) -> None:
        for i, job in enumerate(self._waiting, 1):
            job.position = i
        for w in self._workers:
            if w.job is not None:
                w.job.position = 0

    def _finish(self, job: Job, status: str) -> None:
        job.status, job.finished, job.position = status, time.perf_counter(), 0
        job._args = None  # a dataset may be large; the job itself stays for the page to read
        self._alive.pop(job.id, None)
        self._jobs.pop(job.id, None)


def _safe(alive: Callable[[], bool]) -> bool:
    try:
        return bool(alive())
    except Exception:  # noqa: BLE001 - a broken liveness check must not stop the monitor; keep the job
        return True
