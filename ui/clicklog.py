"""Server-side timing of explorer clicks, for the load benchmark: per click, the time from the browser's rerun
request reaching this server to the decoded-image delta being handed to that browser's websocket queue.

Off unless the environment variable VAE_CLICK_LOG names a file; bench/bench_load.py sets it. Then each click
appends one JSON line {"session", "seq", "server_ms", "t"} to that file. It hooks two methods of Streamlit's
AppSession (both run on the server's event loop): handle_backmsg, where a canvas click arrives as a trigger
value carrying its sequence number "seq", and _enqueue_forward_msg, where the st.html element with
data-testid="decoded-image" and the same data-seq leaves. Measuring there, not in the page script, includes
the time a click waits for the script thread and for the GIL, which is what contention costs.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time

ENV = "VAE_CLICK_LOG"
_SEQ_IN = re.compile(r'"seq"\s*:\s*(\d+)')
_SEQ_OUT = re.compile(r'data-seq="(\d+)"')
_lock = threading.Lock()
_installed = False


def _arrivals(msg) -> list[int]:
    """Click sequence numbers carried by a rerun request's trigger values (a click fires exactly one)."""
    out = []
    for w in msg.rerun_script.widget_states.widgets:
        field = w.WhichOneof("value")
        value = getattr(w, field) if field else None
        if isinstance(value, str) and '"seq"' in value:
            out += [int(m) for m in _SEQ_IN.findall(value)]
    return out


def install() -> None:
    """Hook Streamlit's AppSession once per process, if VAE_CLICK_LOG is set; otherwise do nothing."""
    global _installed
    path = os.environ.get(ENV)
    if not path or _installed:
        return
    from streamlit.runtime.app_session import AppSession

    with _lock:
        if _installed:
            return
        _installed = True
        handle, enqueue = AppSession.handle_backmsg, AppSession._enqueue_forward_msg

        def handle_backmsg(self, msg):
            if msg.WhichOneof("type") == "rerun_script":
                now = time.perf_counter()
                pending = self.__dict__.setdefault("_vae_click_arrivals", {})
                for seq in _arrivals(msg):
                    pending.setdefault(seq, now)
            return handle(self, msg)

        def _enqueue_forward_msg(self, msg):
            if msg.WhichOneof("type") == "delta" and msg.delta.new_element.WhichOneof("type") == "html":
                body = msg.delta.new_element.html.body
                m = _SEQ_OUT.search(body) if 'data-testid="decoded-image"' in body else None
                pending = self.__dict__.get("_vae_click_arrivals", {})
                seq = int(m.group(1)) if m else None
                if seq in pending:
                    ms = (time.perf_counter() - pending.pop(seq)) * 1000
                    line = json.dumps({"session": self.id, "seq": seq, "server_ms": ms, "t": time.time()})
                    with _lock, open(path, "a") as f:
                        f.write(line + "\n")
            return enqueue(self, msg)

        AppSession.handle_backmsg = handle_backmsg
        AppSession._enqueue_forward_msg = _enqueue_forward_msg
