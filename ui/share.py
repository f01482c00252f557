"""Shareable views: the URL's query parameters <-> what a page shows. No Streamlit here, so it is unit-tested.

A link carries dataset, model, beta, kl (on/off) and z (the pinned latent point); the page itself is the URL's
path (st.navigation). Whatever arrives is untrusted text: each value is checked on its own, and a bad one is
dropped with a short notice (naming the parameter, never echoing its text), so the rest of the link still
works and nothing raises.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAX_VALUE_CHARS = 200
MAX_Z_DIMS = 16
# |z| beyond this decodes to nothing meaningful for a model trained with a N(0, I) prior: the one limit on a z
# that arrives from outside (a link here, a canvas click in ui.canvas.events).
Z_LIMIT = 50.0
BETA_LIMIT = 1000.0
KEYS = ("dataset", "model", "beta", "kl", "z")
_TRUE, _FALSE = {"1", "on", "true", "yes"}, {"0", "off", "false", "no"}


@dataclass(frozen=True)
class LinkView:
    """A parsed link; None = not given (the page's default)."""

    dataset: str | None = None
    model: str | None = None
    beta: float | None = None
    kl: bool | None = None
    z: tuple[float, ...] | None = None


def _text(params: Mapping, key: str) -> str | None:
    v = params.get(key)
    if isinstance(v, (list, tuple)):  # a repeated parameter: the last one wins, as in st.query_params
        v = v[-1] if v else None
    return v if isinstance(v, str) else None


def _number(s: str) -> float | None:
    if not s.isascii():  # float() also reads other scripts' digits; a link is plain ASCII
        return None
    try:
        v = float(s)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def parse_view(
    params: Mapping, datasets: Sequence[str], models: Mapping[str, Sequence[str]]
) -> tuple[LinkView, list[str]]:
    """Check a link's parameters; returns (view, notices).

    params: query parameters (str -> str, or str -> list of str). datasets: the names a link may pick.
    models: dataset -> the model names a link may pick for it. A model must belong to the link's dataset
    (or, without one, to any); beta must be a number in [0, BETA_LIMIT]; kl one of 1/0/on/off/true/false/
    yes/no; z 1..MAX_Z_DIMS comma-separated numbers within +-Z_LIMIT. Unknown parameters are ignored."""
    notes: list[str] = []
    got = {k: _text(params, k) for k in KEYS}
    for k, v in list(got.items()):
        if v is not None and (len(v) > MAX_VALUE_CHARS or not v.isprintable()):
            notes.append(f"the link's {k} was too long or not plain text; using the default.")
            got[k] = None
    dataset = got["dataset"]
    if dataset is not None and dataset not in datasets:
        notes.append("the link's dataset is not one of the built-in data sets; using the default.")
        dataset = None
    model = got["model"]
    if model is not None:
        allowed = models.get(dataset, ()) if dataset else [m for ms in models.values() for m in ms]
        if model not in allowed:
            notes.append("the link's model is not a shipped model of that data set; using the default.")
            model = None
    beta = None
    if got["beta"] is not None:
        beta = _number(got["beta"])
        if beta is None or not 0.0 <= beta <= BETA_LIMIT:
            notes.append(f"the link's beta is not a number from 0 to {BETA_LIMIT:g}; using the default.")
            beta = None
    kl = None
    if got["kl"] is not None:
        word = got["kl"].strip().lower()
        kl = True if word in _TRUE else False if word in _FALSE else None
        if kl is None:
            notes.append("the link's kl is not on or off; using the default.")
    z = None
    if got["z"] is not None:
        parts = got["z"].split(",")
        vals = [_number(p) for p in parts] if len(parts) <= MAX_Z_DIMS else [None]
        if any(v is None or abs(v) > Z_LIMIT for v in vals):
            notes.append(
                f"the link's z is not 1 to {MAX_Z_DIMS} comma-separated numbers within +-{Z_LIMIT:g}; "
                "using the default."
            )
        else:
            z = tuple(vals)
    return LinkView(dataset, model, beta, kl, z), notes


def view_params(view: LinkView) -> dict[str, str]:
    """The query parameters of a view (only what is set); parse_view reads them back to the same view, z to
    6 significant digits."""
    out: dict[str, str] = {}
    if view.dataset is not None:
        out["dataset"] = view.dataset
    if view.model is not None:
        out["model"] = view.model
    if view.beta is not None:
        out["beta"] = f"{view.beta:g}"
    if view.kl is not None:
        out["kl"] = "on" if view.kl else "off"
    if view.z is not None:
        out["z"] = ",".join(f"{v:.6g}" for v in view.z)
    return out
