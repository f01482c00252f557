"""Helpers for browser tests: start a Streamlit server on 127.0.0.1 and stop it; Chromium's launch flags; the
mark that skips a browser test where Chromium is missing (never in CI); the explorer opened with its whole grid."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NEEDS_CHROMIUM = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason=f"browser tests need Chromium at {CHROMIUM} (CI installs it and never skips)",
)
CANVAS = "Object.values(window.__latentCanvas || {})[0]"  # the latent canvas's test hook in the page


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run SCRIPT` on a free loopback port; `stop()` ends it (tests call it in a finalizer)."""

    def __init__(self, script: Path, *extra: str, timeout: float = 90):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(script),
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
                *extra,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                out = self.proc.stdout.read().decode(errors="replace")
                raise RuntimeError(f"streamlit did not start on {self.url}:\n{out}")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def open_explorer(browser, request, n_stops: int, height: int = 1000, timeout: int = 180_000):
    """A page on the explorer of a fresh app server (stopped when the requesting scope ends), once its canvas is
    interactive and holds all n_stops grid models. page.errors collects page errors, page.sent the sizes of
    the websocket frames the browser sent (a frame is a script run asked of the server)."""
    srv = Server(ROOT / "app.py", "--runner.postScriptGC", "false")
    request.addfinalizer(srv.stop)
    pg = browser.new_page(viewport={"width": 1400, "height": height})
    pg.errors, pg.sent = [], []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("websocket", lambda ws: ws.on("framesent", lambda f: pg.sent.append(len(f))))
    pg.goto(srv.url + "/explorer")
    pg.wait_for_function(f"{CANVAS} && {CANVAS}.ready && {CANVAS}.gridLoaded === {n_stops}", timeout=timeout)
    return pg


GRID_BETAS = [0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0]  # the shipped digits grid the explorer opens on


def aligned_digits_grid(betas=GRID_BETAS):
    """The shipped digits VAEs aligned as the server aligns them, independently of the page: (models with their
    latent axes mapped, stored layouts (unmapped), signed permutations), one each per beta."""
    from vae_core import align, checkpoints, layouts

    paths = [ROOT / "models" / f"digits-vae-beta{b:g}.safetensors" for b in betas]
    lays = [layouts.read(layouts.path_for(p)) for p in paths]
    perms, _ = align.grid_permutations([lay.mu for lay in lays], list(betas))
    models = [align.apply_signed_permutation(checkpoints.load(p)[0], q) for p, q in zip(paths, perms)]
    return models, lays, perms
