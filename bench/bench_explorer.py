"""Latent-canvas benchmark (not a test): drives headless Chromium with Playwright and prints JSON.

For each scenario it opens a fresh browser context (cold cache) and reports
  first_load_s       navigation start -> latent plot drawn (in-page performance.now()); for the explorer's
                     MNIST runs, switch_s instead: choosing MNIST in the sidebar -> its plot drawn
  plotly_load_ms     loading plotly.js (4.8 MB) + building the figure, part of the above
  render_ms          Plotly.react of the figure until two frames later (the "points render" time)
  hover_ms           decode + draw per frame while the mouse sweeps the plane (in-page performance measures)
  click_ms           mouseup -> the server-decoded image (data-testid="decoded-image") for that click in the DOM
  lost_clicks        clicks that produced no server image within 10 s
  exact_max_abs_diff browser decoder vs torch decode on 20 random z
Scenarios: the real app (`streamlit run app.py`, page /explorer; digits, and MNIST when models/ has an MNIST
checkpoint; with the app's own config and with --runner.postScriptGC false: Streamlit's gc.collect() after
every run holds the GIL for ~200 ms before a click's messages go out), and tests/canvas_app.py with digits
and MNIST models at their own size and tiled to 70,000 points. A trivial component -> st.html round trip on
the same machine is reported as `calibration`: the Streamlit floor under the current load (the machine is
shared; its load average is reported too).

Usage: python bench/bench_explorer.py [--clicks 20] [--hovers 240] [--mnist-model PATH] [--only NAME] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DIGITS = ROOT / "models" / "digits-vae-beta1.safetensors"
HOOK = "Object.values(window.__latentCanvas || {})[0]"

TRIVIAL_APP = '''
import streamlit as st
btn = st.components.v2.component("bench_trivial", isolate_styles=False, js="""
export default function (component) {
  const { parentElement, setTriggerValue } = component;
  if (parentElement.querySelector("button")) return;
  const b = document.createElement("button"); b.id = "go"; b.textContent = "go";
  window.__clicks = {}; let n = 0;
  b.onclick = (e) => { n += 1; window.__clicks[n] = e.timeStamp; setTriggerValue("ev", n); };
  parentElement.appendChild(b);
}""")
@st.fragment
def f():
    r = btn(key="b", on_ev_change=lambda: None)
    if r.ev:
        st.html(f'<div data-testid="decoded-image" data-seq="{r.ev}">event {r.ev}</div>')
f()
'''

# Records, per event seq, when a server-decoded image for it first appears. The seq comes from the image's
# data-seq, else from a "click #N" / "slider #N" caption next to it (the explorer page writes one).
OBSERVER = """() => {
  window.__seen = {};
  const look = () => {
    const el = document.querySelector('[data-testid="decoded-image"]');
    if (!el) return;
    let seq = el.dataset.seq;
    if (!seq) {
      const block = el.closest('[data-testid="stVerticalBlock"]') || document.body;
      const m = block.innerText.match(/(?:click|slider) #(\\d+)/);
      seq = m && m[1];
    }
    if (seq && !(seq in window.__seen)) window.__seen[seq] = performance.now();
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                     characterData: true});
  look();
}"""


def pct(values, q):
    if not values:
        return None
    return round(float(np.percentile(np.asarray(values, float), q)), 3)


def stats(values):
    return {
        "n": len(values),
        "p50": pct(values, 50),
        "p95": pct(values, 95),
        "max": round(max(values), 3) if values else None,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run SCRIPT` on a free local port, stopped on exit."""

    def __init__(self, script: Path, flags: tuple = (), env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()
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
                *flags,
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def __enter__(self):
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.log.seek(0)
        raise RuntimeError(f"streamlit did not start:\n{self.log.read().decode(errors='replace')[-3000:]}")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def torch_decode(model_path: Path, z: np.ndarray) -> np.ndarray:
    import torch

    from vae_core import checkpoints

    model, _ = checkpoints.load(model_path)
    with torch.no_grad():
        return model.decode(torch.as_tensor(z, dtype=torch.float32)).numpy()


def measure(browser, url: str, model_path: Path | None, clicks: int, hovers: int, prepare=None) -> dict:
    ctx = browser.new_context(viewport={"width": 1600, "height": 1100})
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    out: dict = {"url": url, "loadavg_before": [round(v, 2) for v in os.getloadavg()]}
    try:
        page.goto(url)
        page.wait_for_function(f"{HOOK} && {HOOK}.ready", timeout=180_000)
        out["first_load_s"] = round(page.evaluate(f"{HOOK}.readyAt") / 1000, 3)
        if prepare is not None:  # e.g. switch the data set in the sidebar: time from the switch to the new plot
            t = prepare(page)
            out["first_load_s"] = None
            out["switch_s"] = round((page.evaluate(f"{HOOK}.lastRenderAt") - t) / 1000, 3)
        out["plotly_load_ms"] = round(page.evaluate(f"{HOOK}.loadMs"), 1)
        out["render_ms"] = round(page.evaluate(f"{HOOK}.renderMs"), 1)
        out["n_points"] = page.evaluate(f"{HOOK}.nPoints")
        out["decoder"] = page.evaluate(f"{HOOK}.mode")
        out["plotly_js"] = page.evaluate(f"{HOOK}.plotlyVersion")
        # exactness (the explorer page may flip/swap latent axes to align models across beta: skipped there)
        if out["decoder"] == "browser" and model_path is not None:
            lat = len(page.evaluate(f"{HOOK}.pinned"))
            z = np.random.default_rng(0).normal(0, 1.5, (20, lat))
            js = np.asarray(page.evaluate(f"zs => {HOOK}.decode(zs)", z.tolist()))
            out["exact_max_abs_diff"] = float(np.abs(js - torch_decode(model_path, z)).max())
        x0, x1, y0, y1 = page.evaluate(f"{HOOK}.ranges")

        def to_px(fx, fy):
            return page.evaluate(f"{HOOK}.toPixel({x0 + (x1 - x0) * fx}, {y0 + (y1 - y0) * fy})")

        # hover sweep
        page.evaluate(f"{HOOK}.clearTimings()")
        for i in range(hovers):
            t = i / max(1, hovers - 1)
            px, py = to_px(0.1 + 0.8 * t, 0.5 + 0.4 * np.sin(6.283 * 3 * t))
            page.mouse.move(px, py)
        page.wait_for_timeout(300)
        out["hover_ms"] = stats(page.evaluate(f"{HOOK}.timings"))
        # clicks
        page.evaluate(OBSERVER)
        rng = np.random.default_rng(1)
        lat_ms, lost = [], 0
        for _ in range(clicks):
            seq = page.evaluate(f"{HOOK}.seq") + 1
            px, py = to_px(*rng.uniform(0.1, 0.9, 2))
            page.mouse.click(px, py)
            try:
                page.wait_for_function(f"window.__seen['{seq}'] !== undefined", timeout=10_000)
                lat_ms.append(page.evaluate(f"window.__seen['{seq}'] - {HOOK}.clickTimes[{seq}]"))
            except Exception:  # noqa: BLE001 - a timeout is a lost click
                lost += 1
            page.wait_for_timeout(120)
        out["click_ms"] = stats(lat_ms)
        out["lost_clicks"] = lost
    except Exception as e:  # noqa: BLE001 - report and go on with the other scenarios
        out["error"] = f"{type(e).__name__}: {e}"[:500]
    finally:
        out["page_errors"] = errors[:5]
        out["loadavg_after"] = [round(v, 2) for v in os.getloadavg()]
        ctx.close()
    return out


def calibration(browser, clicks: int, flags: tuple) -> dict:
    with tempfile.TemporaryDirectory() as d:
        script = Path(d) / "trivial_app.py"
        script.write_text(TRIVIAL_APP)
        with Server(script, flags) as srv:
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(srv.url)
            page.wait_for_selector("#go", timeout=120_000)
            page.evaluate(OBSERVER)
            lat = []
            for k in range(1, clicks + 1):
                page.click("#go")
                page.wait_for_function(f"window.__seen['{k}'] !== undefined", timeout=10_000)
                lat.append(page.evaluate(f"window.__seen['{k}'] - window.__clicks[{k}]"))
                page.wait_for_timeout(120)
            ctx.close()
    return {
        "what": "trivial components.v2 trigger -> fragment rerun -> st.html, same machine and load "
        "(runner.postScriptGC=false)",
        "click_ms": stats(lat),
    }


def mnist_model(arg: str | None) -> tuple[Path, str]:
    if arg:
        return Path(arg), "given"
    shipped = sorted((ROOT / "models").glob("mnist-vae-beta1*.safetensors")) or sorted(
        (ROOT / "models").glob("mnist-vae*.safetensors")
    )
    if shipped:
        return shipped[0], "shipped"
    from vae_core import ModelConfig, TrainConfig, checkpoints, data, train

    path = Path(tempfile.gettempdir()) / "bench_explorer_mnist_vae.safetensors"
    if not path.exists():
        ds = data.load("mnist")
        model, _ = train.fit(
            ds, ModelConfig(input_dim=784, latent_dim=2, hidden=(512,)), TrainConfig(beta=1.0, epochs=4), device="cpu"
        )
        checkpoints.save(model, path)
    return path, "trained by the bench (no MNIST checkpoint in models/)"


def select_mnist(page) -> float:
    """In the real app: pick MNIST in the sidebar's Dataset select box; wait for its latent plot. Returns the
    in-page time of the selection."""
    page.wait_for_function(f"{HOOK} && {HOOK}.ready", timeout=180_000)
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    t = page.evaluate("performance.now()")
    page.get_by_role("option", name=re.compile("MNIST")).first.click()
    page.wait_for_function(
        f"{HOOK} && {HOOK}.ready && {HOOK}.outDim === 784 && {HOOK}.lastRenderAt > {t}", timeout=180_000
    )
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clicks", type=int, default=20)
    ap.add_argument("--hovers", type=int, default=240)
    ap.add_argument("--mnist-model", default=None, help="MNIST checkpoint (default: models/mnist-vae-beta1*)")
    ap.add_argument("--only", default=None, help="run only scenarios whose name contains this")
    ap.add_argument("--out", default=None, help="also write the JSON here")
    args = ap.parse_args()
    if not os.path.exists(CHROMIUM):
        sys.exit(f"needs Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    mnist, mnist_src = mnist_model(args.mnist_model)
    q = urllib.parse.quote
    test_app = ROOT / "tests" / "canvas_app.py"
    app, no_gc = ROOT / "app.py", ("--runner.postScriptGC", "false")
    # (name, script, server flags, url path, model, page preparation)
    scenarios = [
        ("explorer digits (app.py /explorer, app's config)", app, (), "/explorer", None, None),
        ("explorer digits (app.py /explorer, runner.postScriptGC=false)", app, no_gc, "/explorer", None, None),
        ("canvas_app digits 1,797 points", test_app, no_gc, "/", DIGITS, None),
        ("canvas_app digits 70,000 points", test_app, no_gc, "/?n=70000", DIGITS, None),
        ("canvas_app mnist 5,000 points", test_app, no_gc, f"/?dataset=mnist&model={q(str(mnist))}", mnist, None),
        (
            "canvas_app mnist 70,000 points + overlays",
            test_app,
            no_gc,
            f"/?dataset=mnist&n=70000&overlays=1&model={q(str(mnist))}",
            mnist,
            None,
        ),
    ]
    if mnist_src == "shipped":
        scenarios[2:2] = [
            ("explorer mnist (app.py /explorer, app's config)", app, (), "/explorer", None, select_mnist),
            (
                "explorer mnist (app.py /explorer, runner.postScriptGC=false)",
                app,
                no_gc,
                "/explorer",
                None,
                select_mnist,
            ),
        ]
    if args.only:
        scenarios = [s for s in scenarios if args.only in s[0]]
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_start": [round(v, 2) for v in os.getloadavg()],
            "browser": "headless Chromium (--disable-gpu: WebGL by SwiftShader)",
        },
        "mnist_model": {"path": str(mnist), "source": mnist_src},
        "targets": {"hover_p95_ms": 4, "click_p50_ms": 120, "click_p95_ms": 250, "render_70k_s": 2, "lost_clicks": 0},
        "scenarios": {},
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            result["calibration"] = calibration(browser, args.clicks, no_gc)
            groups: dict[tuple, list] = {}
            for sc in scenarios:
                groups.setdefault((sc[1], sc[2]), []).append(sc)
            for (script, flags), group in groups.items():
                with Server(script, flags) as srv:
                    for name, _, _, path, model_path, prepare in group:
                        print(f"# {name}", file=sys.stderr, flush=True)
                        result["scenarios"][name] = measure(
                            browser, srv.url + path, model_path, args.clicks, args.hovers, prepare
                        )
        finally:
            browser.close()
    result["machine"]["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
