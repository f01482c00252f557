"""What comes back from the canvas: click and slider events, server decoding, and the hover fallback.

Everything the browser sends is validated here before anything decodes it (`check_z`)."""

from __future__ import annotations

import logging
import time

import numpy as np
import torch
from torch import nn

from ui.share import Z_LIMIT
from vae_core import InputError

from .payload import b64

log = logging.getLogger(__name__)
SOURCES = ("click", "slider")


def model_latent_dim(model) -> int:
    cfg = getattr(model, "config", None)
    if cfg is not None and getattr(cfg, "latent_dim", None):
        return int(cfg.latent_dim)
    return int(next(m for m in model.decoder if isinstance(m, nn.Linear)).in_features)


def check_z(z, k: int) -> np.ndarray:
    """A latent vector sent by the browser: k finite numbers within +-Z_LIMIT -> float32 (k,); else InputError."""
    if not isinstance(z, (list, tuple, np.ndarray)):
        raise InputError(f"z must be a list of {k} numbers.")
    try:
        arr = np.asarray(z, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InputError(f"z must be a list of {k} numbers.") from None
    if arr.shape[0] != k:
        raise InputError(f"z must have {k} values for this model, got {arr.shape[0]}.")
    if not np.isfinite(arr).all() or np.abs(arr).max() > Z_LIMIT:
        raise InputError(f"z must be finite with every value within +-{Z_LIMIT:g}; got {arr.tolist()}.")
    return arr.astype(np.float32)


def server_decode(model, z) -> tuple[np.ndarray, float]:
    """Decode one latent vector with torch on the model's device: (x as float32 numpy (input_dim,), ms).
    The time covers the decode, a device sync and the copy back."""
    t0 = time.perf_counter()
    with torch.inference_mode():
        zt = torch.as_tensor(np.asarray(z, dtype=np.float32).reshape(1, -1), device=model.device)
        x = model.decode(zt)
        if x.device.type == "cuda":
            torch.cuda.synchronize(x.device)
        out = x[0].to("cpu").numpy()
    return out, (time.perf_counter() - t0) * 1000.0


def read_event(ev, latent_dim: int, n_stops: int = 0) -> dict | None:
    """A component "event" value -> {"z": [floats], "source": "click" | "slider", "seq": int, "epoch": int}
    (with a beta grid of n_stops also "index", the KL slider's stop, and "kl_on"), or None when it is absent
    or malformed (logged: the page keeps its last good event)."""
    if not isinstance(ev, dict):
        return None
    seq, src = ev.get("seq"), ev.get("source")
    try:
        z = check_z(ev.get("z"), latent_dim)
    except InputError as e:
        log.warning("canvas event ignored: %s", e)
        return None
    epoch = ev.get("epoch", 0)
    if src not in SOURCES or not isinstance(seq, int) or not isinstance(epoch, int):
        log.warning("canvas event ignored: source %r, seq %r, epoch %r", src, seq, epoch)
        return None
    out = {"z": [float(v) for v in z], "source": src, "seq": seq, "epoch": epoch}
    if n_stops:
        index, kl_on = ev.get("index"), ev.get("kl_on")
        if not (isinstance(index, int) and 0 <= index < n_stops and isinstance(kl_on, bool)):
            log.warning("canvas event ignored: index %r of %d, kl_on %r", index, n_stops, kl_on)
            return None
        out.update(index=index, kl_on=kl_on)
    return out


def hover_answer(request, model) -> dict | None:
    """Fallback path: decode the browser's (throttled) hover request {"z", "hseq"} on the server.
    Returns {"hseq", "z", "x" (base64 float32), "ms"}, or None for a malformed request (logged)."""
    if not isinstance(request, dict):
        return None
    try:
        z = check_z(request.get("z"), model_latent_dim(model))
    except InputError as e:
        log.warning("hover request ignored: %s", e)
        return None
    x, ms = server_decode(model, z)
    return {"hseq": int(request.get("hseq", 0)), "z": z.tolist(), "x": b64(x.astype(np.float32)), "ms": ms}
