"""The worker process of the training pool: it imports torch once, warms up, then runs one job at a time at
lower priority with one torch thread, and reports over its pipes (ui.workers.pool starts it and reads them).

The protocol, one message a tuple: the server sends ("run", job_id, task, args), ("stop", job_id) or None
(exit); the worker sends ("ready", None) once warm, then per job ("progress", job_id, [(step, payload), ...])
batched, and one of ("done", job_id, result), ("stopped", job_id, result) or ("failed", job_id, message).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from multiprocessing.connection import Connection

from vae_core import InputError

log = logging.getLogger(__name__)
WORKER_NICENESS = 10
PROGRESS_EVERY_S = 0.2  # progress is batched: one message per 0.2 s at most keeps the server's GIL free


class JobStopped(Exception):
    """Raised inside a worker's progress callback when its job was asked to stop (for tasks with no
    should_stop of their own, such as the PCA comparison)."""


def _run_fit_many(args: dict, progress, should_stop):
    from vae_core import ModelConfig, TrainConfig, train

    results = train.fit_many(
        _dataset(args["dataset"]),
        ModelConfig.from_dict(args["model"]),
        TrainConfig.from_dict(args["train"]),
        args["betas"],
        device=args.get("device", "cpu"),
        on_epoch=lambda epoch, records: progress(epoch, records),
        should_stop=should_stop,
    )
    return train.pack(results)


def _run_pca_comparison(args: dict, progress, should_stop):
    from vae_core.pca_comparison import pca_comparison

    def on_step(i: int, total: int, label: str) -> None:
        if should_stop():
            raise JobStopped
        progress(i, label)

    ds = _dataset(args["dataset"])
    return pca_comparison(ds, **args["options"], on_step=on_step)


TASKS = {"fit_many": _run_fit_many, "pca_comparison": _run_pca_comparison}
_DATASETS: dict = {}


def _dataset(ref):
    """A built-in dataset arrives by name and is loaded (and kept) here; anything else arrives as a Dataset."""
    from vae_core import data

    if not isinstance(ref, str):
        return ref
    if ref not in _DATASETS:
        _DATASETS.clear()  # keep one: MNIST alone is 220 MB
        _DATASETS[ref] = data.load(ref)
    return _DATASETS[ref]


def _warm_up() -> None:
    """Import torch and run one tiny real training, so the first user's job does not pay for first calls."""
    import numpy as np

    from vae_core import ModelConfig, TrainConfig, data, train

    ds = data.load("digits").subset(np.arange(64))
    train.fit(ds, ModelConfig(input_dim=ds.dim, hidden=(8,)), TrainConfig(epochs=1, batch_size=32), device="cpu")


def _worker_main(inbox, outbox) -> None:
    """Loop: receive ("run", job_id, task, args), report ("progress" | "done" | "failed" | "stopped", job_id, ...)
    on outbox. A closed pipe (the server is gone) ends the worker."""
    try:
        _serve(inbox, outbox)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return


def _serve(inbox, outbox) -> None:
    try:
        os.nice(WORKER_NICENESS)  # the server's threads (every session's clicks) are scheduled first
    except OSError:
        pass
    import torch

    torch.set_num_threads(1)
    _warm_up()
    outbox.send(("ready", None))
    while True:
        msg = inbox.recv()
        if msg is None:
            return
        if msg[0] == "run" and _run_job(*msg[1:], inbox, outbox):  # a late ("stop", id) is stale: skipped
            return


def _run_job(job_id: int, task: str, args: dict, inbox, outbox) -> bool:
    """Run one job and report it; returns True when the server asked the worker to exit meanwhile."""
    stop = closing = False
    pending: list = []
    last_sent = 0.0

    def should_stop() -> bool:
        nonlocal stop, closing
        while not stop and inbox.poll():
            try:
                msg = inbox.recv()
            except EOFError:
                msg = None
            closing = closing or msg is None
            stop = closing or msg == ("stop", job_id)
        return stop

    def flush() -> None:
        nonlocal pending, last_sent
        if pending:
            outbox.send(("progress", job_id, pending))
            pending, last_sent = [], time.monotonic()

    def progress(step: int, payload) -> None:
        pending.append((step, payload))
        if time.monotonic() - last_sent >= PROGRESS_EVERY_S:
            flush()

    try:
        result = TASKS[task](args, progress, should_stop)
    except JobStopped:
        flush()
        outbox.send(("stopped", job_id, None))
    except InputError as e:
        flush()
        outbox.send(("failed", job_id, str(e)))
    except Exception as e:  # noqa: BLE001 - report every failure to the session that asked, keep serving
        log.exception("job %s failed", job_id)
        flush()
        outbox.send(("failed", job_id, f"training failed unexpectedly: {type(e).__name__}: {e}"))
    else:
        flush()
        outbox.send(("stopped" if should_stop() else "done", job_id, result))
    return closing


def main(argv: list[str] | None = None) -> int:
    """Entry point of a worker process: `python -m ui.workers.worker FD_IN FD_OUT` (started by Pool, not by hand)."""
    fd_in, fd_out = (int(a) for a in (sys.argv[1:] if argv is None else argv))
    _worker_main(Connection(fd_in, writable=False), Connection(fd_out, readable=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
