"""Trainings of a browser session and the one panel that shows their progress.

Every training (the Train page, the explorer's "train at a beta" and grids, the PCA page's autoencoders) runs
in the server's pool of worker processes (ui/workers/, one pool per server in st.cache_resource): a page
submits a task with its data and settings, the panel polls the Job, and trained models come back as
checkpoint bytes that this session loads. One job per session at a time; waiting jobs show their place in the
queue; a closed tab cancels its job; a worker that dies fails only its own job, with a message.
"""

from __future__ import annotations

import math
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable

import streamlit as st

from ui import keys, state, workers
from ui.cache import dataset_key
from ui.figures import training_curves
from vae_core import Dataset, InputError, ModelConfig, TrainConfig, data

Job = workers.Job
PCA_RESULTS_KEPT = 16
# The panel reruns every second for every session with a job, inside the server process; building a plotly
# figure of a long run holds the GIL for 100+ ms, which every other session's clicks would wait for. So a
# running job's chart is rebuilt at most every CURVES_EVERY_S seconds, from at most CURVE_POINTS epochs.
CURVES_EVERY_S = 3.0
CURVE_POINTS = 200
MAX_EPOCHS = 2000  # the most epochs any epochs box offers (Train page, the explorer's Train at a beta)


def clamp(value, lo, hi):
    """A widget default taken from state (a past training, another dataset), put inside the widget's range:
    Streamlit refuses a default outside [min, max] with an error instead of a page."""
    return min(max(value, lo), hi)


@st.cache_resource(show_spinner=False)
def pool() -> workers.Pool:
    """The server's training processes, started once (size: VAE_WORKERS, default cores - 1)."""
    return workers.Pool()


@st.cache_resource(show_spinner=False)
def pca_results() -> OrderedDict:
    """Finished PCA comparisons, shared by every session: (dataset key, dims, epochs, device) -> result."""
    return OrderedDict()


def _session() -> tuple[str, Callable[[], bool]]:
    """An id of this browser session for the pool, and a callable telling whether it is still connected."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    owner = st.session_state.setdefault(keys.TRAINING_OWNER, uuid.uuid4().hex)  # AppTest ids are all equal
    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():  # AppTest or a bare script: no server that could drop the session
        return owner, lambda: True
    rt, sid = runtime.get_instance(), ctx.session_id
    return owner, lambda: rt.is_active_session(sid)


def _dataset_ref(name: str, ds: Dataset):
    """A built-in dataset travels to the worker by name (it loads its own copy); anything else by value."""
    return name if name in data.names() and name not in state.session_datasets() else ds


def _start(job_key: str, task: str, args: dict, *, label: str, epochs: int, meta: dict) -> Job | None:
    owner, alive = _session()
    try:
        job = pool().submit(owner, task, args, label=label, epochs=epochs, meta=meta, alive=alive)
    except InputError as e:
        st.error(f"Cannot start: {e}")
        return None
    st.session_state[job_key] = job
    return job


def start_fit(
    job_key: str, label: str, name: str, ds: Dataset, cfg: ModelConfig, tcfg: TrainConfig, betas, device: str, **meta
) -> Job | None:
    """train.fit_many(ds, cfg, tcfg, betas) in a worker; the Job goes to st.session_state[job_key]."""
    args = {
        "dataset": _dataset_ref(name, ds),
        "model": cfg.to_dict(),
        "train": tcfg.to_dict(),
        "betas": list(betas),
        "device": device,
    }
    meta = {"betas": list(betas), "dataset": name, "device": device, **meta}
    return _start(job_key, "fit_many", args, label=label, epochs=tcfg.epochs, meta=meta)


def pca_key(ds: Dataset, dims: tuple, epochs: int, device: str) -> tuple:
    return (dataset_key(ds), tuple(dims), int(epochs), device)


def start_pca(job_key: str, name: str, ds: Dataset, dims: tuple, epochs: int, device: str) -> Job | None:
    """metrics.pca_comparison in a worker; its result joins pca_results() for every session."""
    args = {"dataset": _dataset_ref(name, ds), "options": {"latent_dims": dims, "epochs": epochs, "device": device}}
    meta = {"pca_key": pca_key(ds, dims, epochs, device)}
    return _start(job_key, "pca_comparison", args, label=f"{name}-pca", epochs=3 * len(dims), meta=meta)


def _labels(job: Job) -> list[str]:
    if job.meta.get("kind", "vae") != "vae":
        return ["autoencoder"]
    return [f"beta={b:g}" for b in job.meta["betas"]]


def _keep(job: Job, select: bool) -> list[str]:
    """Load the job's trained models into this session; warn about the ones that did not train."""
    if job.task == "pca_comparison":
        results = pca_results()
        results[job.meta["pca_key"]] = job.result
        while len(results) > PCA_RESULTS_KEPT:
            results.popitem(last=False)
        return []
    from vae_core import train

    kept = []
    kind = job.meta.get("kind", "vae")
    for b, (model, hist) in zip(job.meta["betas"], train.unpack(job.result, job.meta["device"])):
        if model is None:
            st.warning(hist.diverged or f"beta={b:g}: stopped before the first epoch finished; nothing kept.")
            continue
        suffix = f"-beta{b:g}" if kind == "vae" else ""
        name = f"{job.meta['dataset']}-{kind}{suffix} #{len(state.session_models()) + 1}"
        kept.append(state.add_session_model(name, model, job.meta["dataset"], "trained"))
    if not select:  # keep the current selection (the new betas join the KL-weight slider)
        st.session_state.pop(keys.PENDING_MODEL, None)
        st.session_state.pop(keys.PENDING_DATASET, None)
    return kept


def _curves(job_key: str, job: Job):
    """The job's loss curves, rebuilt only when stale (see CURVES_EVERY_S), thinned to CURVE_POINTS epochs."""
    cache_key = keys.curves_figure(job_key)
    cached = st.session_state.get(cache_key)
    n = len(job.records)
    if (
        cached
        and cached[0] == job.id
        and (cached[1] == n or (job.active and time.monotonic() - cached[2] < CURVES_EVERY_S))
    ):
        return cached[3]
    step = max(1, math.ceil(n / CURVE_POINTS))
    records = job.records[::step] + ([job.records[-1]] if (n - 1) % step else [])
    fig = training_curves(records, _labels(job), kind=job.meta.get("kind", "vae"))
    st.session_state[cache_key] = (job.id, n, time.monotonic(), fig)
    return fig


def _status(job: Job) -> str:
    if job.status == "waiting":
        procs = pool().workers()
        n, ready = len(procs), sum(w["ready"] for w in procs)
        if job.position == 1 and any(w["ready"] and w["job"] is None for w in procs):
            return "starting: a free training process is taking the job"  # not a wait: nothing else trains
        why = "all busy" if ready == n else f"{n - ready} of them starting"
        return (
            f"waiting: number {job.position} in the queue; {n} training process{'es' if n > 1 else ''} on this "
            f"server, {why}. It starts by itself."
        )
    if job.task == "pca_comparison":
        return f"{job.status}: step {job.epoch}/{job.epochs} {job.note}"
    return f"{job.status}: epoch {job.epoch}/{job.epochs}"


@st.fragment(run_every=1.0)
def progress_panel(
    job_key: str, *, idle: str | None = None, select: bool = True, where: str = "", after: Callable | None = None
) -> None:
    """The one training progress panel: status (and place in the queue), progress bar, Stop, live loss curves,
    errors; when the job in st.session_state[job_key] ends, its models join this session (selected if select)
    and the app reruns. idle: shown when there is no job; where: said after the kept names; after(job, names):
    more UI for a finished job (e.g. download buttons)."""
    job: Job | None = st.session_state.get(job_key)
    if job is None:
        if idle:
            st.info(idle)
        return
    if job.task == "pca_comparison" and job.status == "done" and "kept" in job.meta:
        return  # the page draws the result itself
    st.progress(job.progress, text=_status(job))
    if job.active and st.button("Stop", key=f"{job_key}:stop"):
        job.stop()
    if job.status == "failed":
        st.error(job.error)
    if job.records:
        st.plotly_chart(_curves(job_key, job), key=f"{job_key}:curves")
    if job.active:
        return
    if "kept" not in job.meta:  # the job just ended: keep its models, and rerun so Train buttons enable again
        job.meta["kept"] = _keep(job, select) if job.result is not None else []
        st.rerun(scope="app")
    names = job.meta.get("kept") or []
    if names:
        secs = (job.finished or 0) - (job.started or 0)
        how = "Stopped early after" if job.status == "stopped" else "Done in"
        st.success(f"{how} {secs:.1f} s. Kept {', '.join(names)}. {where}")
        if after is not None:
            after(job, names)
