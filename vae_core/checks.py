"""Scalar argument validation shared by the library: whole numbers, seeds, finite reals in a range.

Every check raises InputError naming the argument, the value it got and what is accepted, so the app can show
the message as is. Modules call these instead of keeping private copies. No model here, and torch only inside
`check_rows` (the one validator of data rows, which the model itself uses): config uses this module, and
importing vae_core must stay light. The checks that need a model (its kind, its layers, rows for its input) are
in vae_core.model_checks, above vae_core.model.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import InputError

MAX_SEED = 2**63 - 1


def check_int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    """A whole number (Python or NumPy int, not bool) in [lo, hi] (hi None: no upper limit); returns an int."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        rng = f">= {lo}" if hi is None else f"between {lo} and {hi}"
        raise InputError(f"{name} must be an integer {rng} (a whole number), got {short(value)}.")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        rng = f"at least {lo}" if hi is None else f"between {lo} and {hi}"
        raise InputError(f"{name}={short(value)} is out of range; it must be {rng}.")
    return value


def check_seed(seed: Any) -> int:
    return check_int("seed", seed, 0, MAX_SEED)


def check_float(name: str, value: Any, lo: float = -math.inf, hi: float = math.inf, lo_open: bool = False) -> float:
    """A finite real number (not bool) with lo <= value <= hi (lo < value when lo_open); returns a float."""
    # float() first: math.isfinite raises OverflowError for an integer beyond float range (10**400).
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not math.isfinite(_as_float(value))
    ):
        raise InputError(f"{name} must be a finite number, got {short(value)}.")
    if value < lo or value > hi or (lo_open and value == lo):
        lo_txt = f"> {lo:g}" if lo_open else f">= {lo:g}"
        hi_txt = "" if hi == math.inf else f" and <= {hi:g}"
        raise InputError(f"{name}={short(value)} is out of range; it must be {lo_txt}{hi_txt}.")
    return float(value)


def _as_float(value) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf


def short(value: Any) -> str:
    """repr() cut to a message's length (str() of an integer past 4,300 digits would itself raise)."""
    if isinstance(value, int) and abs(value) >= 10**30:
        return f"an integer of about {int(value.bit_length() * 0.30103):,} digits"
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "..."


def check_rows(
    name: str,
    x,
    width: int,
    *,
    of: str = "the model's input_dim",
    min_rows: int = 1,
    max_rows: int | None = None,
    dtype=None,
    device=None,
    allow_1d: bool = False,
    stacked: bool = False,
    finite: bool = True,
):
    """Validate rows of `width` real numbers: an array or tensor (n, width) -> a torch tensor in `dtype`
    (default float32) on `device` (default CPU). An array is always copied (shared datasets are read-only, and
    torch cannot wrap those); a tensor is converted only when its dtype or device differ, and keeps its graph.
    With allow_1d a 1-D x of length width is one row; with stacked, leading axes are allowed (..., n, width),
    as for k draws of z per input; finite=False skips the NaN/inf scan (the model's own
    forward pass, where a scan per call would make every step wait for the device). `of` names what the width
    is, for the message."""
    import torch

    if isinstance(x, torch.Tensor):
        if x.is_complex():
            raise InputError(f"{name} must hold real numbers, got a complex tensor.")
        t = x
    else:
        arr = np.asarray(x)
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise InputError(f"{name} must be an array of real numbers, got {arr.dtype} values.")
        t = torch.tensor(arr, dtype=torch.float64 if arr.dtype == np.float64 else torch.float32)  # a copy
    if allow_1d and t.ndim == 1 and t.shape[0] == width:
        t = t.unsqueeze(0)
    if (t.ndim != 2 and not (stacked and t.ndim > 2)) or t.shape[-1] != width:
        raise InputError(f"{name} must have shape (n_samples, {width}) to match {of}; got shape {tuple(t.shape)}.")
    if t.shape[0] < min_rows:
        raise InputError(f"{name} has {t.shape[0]} row(s); this measurement needs at least {min_rows}.")
    if max_rows is not None and t.shape[0] > max_rows:
        raise InputError(f"{name} must be at most {max_rows} input(s) of {width} values, got shape {tuple(t.shape)}.")
    t = t.to(device="cpu" if device is None else device, dtype=torch.float32 if dtype is None else dtype)
    if finite and not bool(torch.isfinite(t).all()):
        raise InputError(f"{name} contains NaN or infinite values; remove or replace them.")
    return t


__all__ = ["check_float", "check_int", "check_rows", "check_seed", "short"]
