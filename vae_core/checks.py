"""Argument validation shared by the library: numbers, seeds, data rows, models of the right kind, linear layers.

Every check raises InputError naming the argument, the value it got and what is accepted, so the app can show
the message as is. Modules call these instead of keeping private copies. torch is imported only inside the
checks that need it: config uses this module, and importing vae_core must stay light.
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


def require_model(model) -> None:
    """A vae_core model (VAE or AE) built by train.fit or checkpoints.load."""
    from .model import VAE

    if not isinstance(model, VAE):
        raise InputError(f"expected a vae_core model (from train.fit or checkpoints.load), got {type(model).__name__}.")


def require_vae(model, what: str) -> None:
    """A vae_core model of kind "vae"; `what` names the computation that needs a density, e.g. "the ELBO"."""
    require_model(model)
    if not model.is_vae:
        raise InputError(
            f"{what} needs a VAE: a deterministic autoencoder maps each input to one point and defines no "
            "density q(z|x) or p(x). Pick or train a VAE."
        )


def as_rows(model, x, name: str = "x", min_rows: int = 1, dtype=None, device=None, allow_1d: bool = False):
    """Validate data rows for `model`: (n, input_dim) finite real numbers -> a copy in `dtype` on `device`
    (default: the model's; dtype default float32). With allow_1d, a 1-D x of length input_dim is one row."""
    import torch

    if isinstance(x, torch.Tensor):
        if x.is_complex():
            raise InputError(f"{name} must hold real numbers, got a complex tensor.")
        t = x.detach()
    else:
        arr = np.asarray(x)
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise InputError(f"{name} must be an array of real numbers, got {arr.dtype} values.")
        t = torch.tensor(arr, dtype=torch.float64 if arr.dtype == np.float64 else torch.float32)  # a copy
    d = model.config.input_dim
    if allow_1d and t.ndim == 1 and t.shape[0] == d:
        t = t.unsqueeze(0)
    if t.ndim != 2 or t.shape[1] != d:
        raise InputError(
            f"{name} must have shape (n_samples, {d}) to match the model's input_dim; got shape {tuple(t.shape)}."
        )
    if t.shape[0] < min_rows:
        raise InputError(f"{name} has {t.shape[0]} row(s); this measurement needs at least {min_rows}.")
    t = t.to(device=model.device if device is None else device, dtype=torch.float32 if dtype is None else dtype)
    if not bool(torch.isfinite(t).all()):
        raise InputError(f"{name} contains NaN or infinite values; remove or replace them.")
    return t


def linear_layers(seq) -> list:
    """The nn.Linear layers of an encoder or decoder stack (an nn.Sequential), input to output."""
    import torch

    return [m for m in seq if isinstance(m, torch.nn.Linear)]


__all__ = [
    "as_rows",
    "check_float",
    "check_int",
    "check_seed",
    "linear_layers",
    "require_model",
    "require_vae",
]
