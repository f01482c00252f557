"""Shareable links: a session's first run starts from the URL's view; runs write the view back into the URL.

ui.share checks the parameters (no Streamlit there, so it is unit-tested with hostile values); this module
only moves them between st.query_params and the widgets' session-state keys. The page is the URL's path.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import streamlit as st

from ui import keys, state
from ui.share import LinkView, parse_view, view_params
from vae_core import data

_RESTORED, _PENDING, _NOTES = keys.LINK_RESTORED, keys.LINK_VIEW, keys.LINK_NOTES


def _shipped_names() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in state.shipped_index():
        out.setdefault(row["dataset"], []).append(row["name"])
    return out


def restore() -> None:
    """On a session's first run (call it before the sidebar is drawn), turn the URL's dataset and model into
    the sidebar's starting choice and keep its beta, kl and z for the explorer. Bad values are dropped with
    a notice (see notices())."""
    if st.session_state.get(_RESTORED):
        return
    st.session_state[_RESTORED] = True
    params = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
    if not params:
        return
    shipped = _shipped_names()
    view, notes = parse_view(params, data.names(), shipped)
    dataset = view.dataset
    if view.model is not None:
        dataset = dataset or next(d for d, names in shipped.items() if view.model in names)
        for label, key in state.model_choices(dataset).items():
            if key.startswith("shipped:") and Path(key.removeprefix("shipped:")).stem == view.model:
                st.session_state[keys.MODEL] = label
    if dataset is not None:
        st.session_state[keys.DATASET] = dataset
    st.session_state[_PENDING] = view
    st.session_state[_NOTES] = notes


def notices() -> None:
    """Show (once) what was wrong with the link this session was opened with."""
    notes = st.session_state.pop(_NOTES, None)
    if notes:
        # stays until closed: the person who opened the link should see why the view differs from the sender's
        st.toast(
            "Some of this link was not usable: " + " ".join(notes), icon=":material/link_off:", duration="infinite"
        )


def take_explorer_link() -> LinkView | None:
    """Once per link: its beta, kl and z for the explorer (ui.view.read checks them against the model), or
    None when the link had none."""
    view = st.session_state.get(_PENDING)
    if view is None or (view.beta is None and view.kl is None and view.z is None):
        return None
    st.session_state[_PENDING] = replace(view, beta=None, kl=None, z=None)
    return view


def publish(view: LinkView, keys=("dataset", "model")) -> None:
    """Write a view's `keys` into the URL (only what changed), so the address bar is a link to what is shown.
    app.py owns dataset and model on every page; the explorer adds beta, kl and z."""
    want = {k: v for k, v in view_params(view).items() if k in keys}
    have = {k: st.query_params.get(k) for k in keys}
    for k, v in want.items():
        if have.get(k) != v:
            st.query_params[k] = v
    for k, v in have.items():
        if v is not None and k not in want:
            del st.query_params[k]


def publish_selection(sel) -> None:
    """The sidebar's dataset (built-in ones) and shipped model into the URL, on every page."""
    dataset = sel.dataset_name if sel.dataset_name in data.names() else None
    publish(LinkView(dataset=dataset, model=model_name(sel)))


def model_name(sel) -> str | None:
    """The shipped model's file stem for the link (a session's own model cannot be shared: None)."""
    key = state.model_choices(sel.dataset_name).get(sel.model_name or "")
    if key and key.startswith("shipped:"):
        return Path(key.removeprefix("shipped:")).stem
    return None
