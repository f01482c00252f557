"""Number boxes that refuse a value out of range where the student looks, instead of silently keeping another.

Streamlit's own min/max reject a typed value in the browser: the box turns red, the reason shows only on
hover, and the script keeps the previous value, so a Train button would run a number nobody chose. These boxes
take any number, and a value outside the range is refused in words right under the box; the caller gets None
and must not act on it."""

from __future__ import annotations

import math

import streamlit as st


def _show(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:g}"


def refusal(label: str, value: float | None, lo: float, hi: float) -> str | None:
    """Why value is refused for the box label (None when it lies in [lo, hi])."""
    if value is None or not math.isfinite(value):
        return f"{label}: enter a number from {_show(lo)} to {_show(hi)}."
    enter = f"Enter {_show(lo)} to {_show(hi)}."
    if value > hi:
        return f"{label}: {_show(value)} is more than {_show(hi)}, the most allowed here. {enter}"
    if value < lo:
        return f"{label}: {_show(value)} is less than {_show(lo)}, the least allowed here. {enter}"
    return None


def number_in_range(
    label: str,
    lo: float,
    hi: float,
    value: float,
    *,
    key: str,
    where=st,
    step: float | None = None,
    format: str | None = None,
    help: str | None = None,
    disabled: bool = False,
) -> float | None:
    """A number box in `where` (st or a column) whose value must lie in [lo, hi]: returns it, or None after
    showing the refusal under the box. A disabled box is not checked (its value is not used)."""
    rng = f"{_show(lo)} to {_show(hi)}."
    got = where.number_input(
        label,
        value=value,
        step=step,
        format=format,
        key=key,
        disabled=disabled,
        help=f"{help} Allowed: {rng}" if help else f"Allowed: {rng}",
    )
    if disabled:
        return got
    why = refusal(label, got, lo, hi)
    if why is not None:
        where.error(why)
        return None
    return got
