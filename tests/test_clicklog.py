"""ui/clicklog.py: the load benchmark's server-side click timing reads a click's sequence number from the
rerun request, and stays out of the way unless VAE_CLICK_LOG is set."""

from __future__ import annotations

import json

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime.app_session import AppSession

from ui import clicklog


def _rerun(*values: tuple[str, str]) -> BackMsg:
    msg = BackMsg()
    for field, value in values:
        w = msg.rerun_script.widget_states.widgets.add()
        w.id = f"w{len(msg.rerun_script.widget_states.widgets)}"
        setattr(w, field, value)
    return msg


def test_a_click_carries_its_sequence_number_and_hovers_do_not():
    click = json.dumps({"event": {"z": [0.1, -2.0], "source": "click", "seq": 7}})
    hover = json.dumps({"z": [0.0, 0.0], "hseq": 3})
    assert clicklog._arrivals(_rerun(("json_trigger_value", click), ("json_trigger_value", hover))) == [7]
    assert clicklog._arrivals(_rerun(("string_value", "seq"), ("json_value", hover))) == []


def test_install_does_nothing_without_the_environment_variable(monkeypatch):
    monkeypatch.delenv(clicklog.ENV, raising=False)
    before = (AppSession.handle_backmsg, AppSession._enqueue_forward_msg)
    clicklog.install()
    assert (AppSession.handle_backmsg, AppSession._enqueue_forward_msg) == before
