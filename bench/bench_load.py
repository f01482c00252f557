"""Load benchmark (not a test): browser sessions against one app process. Prints JSON.

Scenarios, one after another on the same server:
- idle: one session clicks the explorer's latent plane;
- explore: E sessions click and step the KL slider at once;
- explore_train: the same, while T more sessions train on the Train page (in the worker pool).
Per scenario, two figures per click: "server", recorded by the app (ui/clicklog.py: the click's rerun request
arriving at the server to the decoded-image delta leaving it), and "browser", click to image in the page
(performance.now()); clicks lost (no image within 20 s); failed sessions; and the explorer's load time for a
first visitor (a new browser profile, nothing cached) and a warm visitor (the same profile, a second tab),
measured while the scenario runs. Also the first visit after the server starts (cold server caches), and
optionally churn (open and close S sessions: server RSS before and after).

Every tab runs on this machine too, so the clicking sessions' browser is niced (--browser-nice, default 19,
kept so: Chromium re-prioritises its renderers): the server figure then approaches what a server with remote
clients sees, and the browser figure includes those niced tabs' own wait for CPU. The load-time probe uses a
second, un-niced browser, like a visitor with a machine of their own competing for this one. The server runs
at --server-nice (default -5) so that other work on a shared machine disturbs it less; its training
processes keep their 10 steps of niceness below it.

Usage: python bench/bench_load.py [--explorers 10] [--trainers 2] [--clicks 12] [--churn 0] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser import CANVAS, CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402
from common import SEEN, emit  # noqa: E402
from playwright.async_api import TimeoutError as PlaywrightTimeout  # noqa: E402

READY = f"{CANVAS} && {CANVAS}.ready"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stats(ms: list[float]) -> dict:
    if not ms:
        return {"n": 0}
    a = np.asarray(ms)
    return {
        "n": len(ms),
        "p50_ms": round(float(np.percentile(a, 50)), 1),
        "p95_ms": round(float(np.percentile(a, 95)), 1),
        "max_ms": round(float(a.max()), 1),
    }


def server_clicks(log: Path, t0: float, t1: float) -> list[float]:
    """The app's own per-click handling times (ms) logged between wall-clock times t0 and t1."""
    if not log.exists():
        return []
    rows = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return [r["server_ms"] for r in rows if t0 <= r["t"] <= t1]


async def open_explorer(ctx, url: str):
    """A new tab on the explorer; returns (page, ms from navigation to a drawn, clickable canvas)."""
    page = await ctx.new_page()
    t0 = time.perf_counter()
    await page.goto(f"{url}/explorer")
    await page.wait_for_function(READY, timeout=240_000)
    ms = (time.perf_counter() - t0) * 1000
    await page.evaluate(SEEN)
    return page, ms


async def new_context(browser):
    return await browser.new_context(viewport={"width": 1440, "height": 1000})


async def click_once(page, rng) -> float | None:
    x0, x1, y0, y1 = await page.evaluate(f"{CANVAS}.ranges")
    fx, fy = rng.uniform(0.1, 0.9, 2)
    px, py = await page.evaluate(f"{CANVAS}.toPixel({x0 + fx * (x1 - x0)}, {y0 + fy * (y1 - y0)})")
    seq = await page.evaluate(f"{CANVAS}.seq") + 1
    t0 = await page.evaluate("performance.now()")
    await page.mouse.click(px, py)
    try:
        await page.wait_for_function(f"window.__seen['{seq}'] !== undefined", timeout=20_000)
    except Exception:  # noqa: BLE001 - a timeout is a lost click, counted by the caller
        return None
    return await page.evaluate(f"window.__seen['{seq}']") - t0


async def explorer_session(browser, url: str, clicks: int, seed: int, slider_moves: int) -> dict:
    rng = np.random.default_rng(seed)
    out = {"clicks": [], "lost": 0, "failed": None}
    try:
        ctx = await new_context(browser)
        page, _ = await open_explorer(ctx, url)
        for i in range(clicks):
            ms = await click_once(page, rng)
            if ms is None:
                out["lost"] += 1
            else:
                out["clicks"].append(ms)
            if slider_moves and i % max(1, clicks // slider_moves) == 0:
                # The canvas's KL-weight slider: one step, a model switch in the browser.
                kl = page.get_by_role("slider", name="KL weight beta")
                await kl.press("ArrowLeft" if i % 2 else "ArrowRight")
                await page.wait_for_function(READY, timeout=60_000)
            await page.wait_for_timeout(int(rng.uniform(100, 400)))
        if await page.locator('[data-testid="stException"]').count():
            out["failed"] = "exception on the page"
        await ctx.close()
    except Exception as e:  # noqa: BLE001 - the benchmark reports a failed session instead of stopping
        out["failed"] = f"{type(e).__name__}: {e}"[:300]
    return out


async def visitor_probe(browser, url: str, delay_s: float) -> dict:
    """First visitor (fresh profile) and warm visitor (same profile, second tab) load times of the explorer."""
    await asyncio.sleep(delay_s)
    try:
        ctx = await new_context(browser)
        page, first = await open_explorer(ctx, url)
        await page.close()
        page, warm = await open_explorer(ctx, url)
        await ctx.close()
        return {"first_visitor_ms": round(first), "warm_visitor_ms": round(warm)}
    except Exception as e:  # noqa: BLE001
        return {"failed": f"{type(e).__name__}: {e}"[:300]}


async def trainer_session(browser, url: str, stop: asyncio.Event) -> dict:
    """Train on the Train page until told to stop, starting again whenever a training ends."""
    out = {"trainings": 0, "failed": None}
    try:
        ctx = await new_context(browser)
        page = await ctx.new_page()
        await page.goto(f"{url}/train")
        await page.wait_for_selector('h1:has-text("Train a model")', timeout=240_000)
        epochs = page.get_by_label("Epochs")
        await epochs.fill("2000")
        await epochs.press("Enter")
        await page.wait_for_timeout(1000)
        train = page.get_by_role("button", name="Train", exact=True)
        while not stop.is_set():
            if await train.is_enabled():
                try:
                    await train.click(timeout=10_000)
                    await page.wait_for_function("/running: epoch|waiting/.test(document.body.innerText)")
                    out["trainings"] += 1
                except PlaywrightTimeout:
                    pass  # the page was re-rendering (a training had just ended): look again
            try:
                await asyncio.wait_for(stop.wait(), 2)
            except TimeoutError:
                pass
        stop_btn = page.get_by_role("button", name="Stop", exact=True)
        if await stop_btn.count() and await stop_btn.first.is_enabled():
            await stop_btn.first.click()
        await ctx.close()
    except Exception as e:  # noqa: BLE001
        out["failed"] = f"{type(e).__name__}: {e}"[:300]
    return out


async def scenario(
    browser, probe_browser, url: str, log: Path, n_sessions: int, clicks: int, trainers: int, moves: int
) -> dict:
    stop = asyncio.Event()
    train_tasks = [asyncio.create_task(trainer_session(browser, url, stop)) for _ in range(trainers)]
    if trainers:
        await asyncio.sleep(15)  # the trainings are running (or queued) before anyone clicks
    t0 = time.time()
    probe = asyncio.create_task(visitor_probe(probe_browser, url, delay_s=5 if n_sessions > 1 else 0))
    sessions = await asyncio.gather(
        *[explorer_session(browser, url, clicks, 100 * n_sessions + i, moves) for i in range(n_sessions)]
    )
    visitors = await probe
    t1 = time.time()
    stop.set()
    trained = await asyncio.gather(*train_tasks)
    browser_ms = [ms for s in sessions for ms in s["clicks"]]
    return {
        "load_average": os.getloadavg()[0],
        "sessions": n_sessions,
        "trainers": trainers,
        "server": stats(server_clicks(log, t0, t1)),
        "browser": stats(browser_ms),
        "lost": sum(s["lost"] for s in sessions),
        "failed_sessions": [s["failed"] for s in sessions + trained if s["failed"]],
        "trainings_started": sum(t["trainings"] for t in trained),
        "explorer_load": visitors,
        "seconds": round(t1 - t0, 1),
    }


MARK = "--vae-bench-niced"  # an unknown switch Chromium ignores; it marks the browser to keep niced


def _proc_table() -> dict[int, tuple[int, bool]]:
    """pid -> (parent pid, whether its command line carries MARK) for every process we can read."""
    out = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            text = (d / "stat").read_text()
            marked = "chrom" in text[: text.rindex(")")] and MARK.encode() in (d / "cmdline").read_bytes()
        except OSError:
            continue
        out[int(d.name)] = (int(text[text.rindex(")") + 2 :].split()[1]), marked)
    return out


async def keep_browsers_niced(niceness: int, stop: asyncio.Event) -> None:
    """Chromium sets its own processes' priorities (nice -8 for some, when run as root): put the marked browser
    and every process under it at `niceness`, once a second."""
    while niceness > 0 and not stop.is_set():
        table = _proc_table()
        for pid in table:
            p, seen = pid, set()
            while p in table and not table[p][1] and p not in seen:
                seen.add(p)
                p = table[p][0]
            if p in table and table[p][1]:
                try:
                    if os.getpriority(os.PRIO_PROCESS, pid) != niceness:
                        os.setpriority(os.PRIO_PROCESS, pid, niceness)
                except OSError:
                    pass
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except TimeoutError:
            pass


async def main_async(args) -> dict:
    from playwright.async_api import async_playwright

    log = Path(tempfile.mkdtemp(prefix="clicklog-")) / "clicks.jsonl"
    os.environ["VAE_CLICK_LOG"] = str(log)  # the server inherits it: ui/clicklog.py records every click
    srv = Server(ROOT / "app.py")
    server_log = log.with_name("server.log")
    # Drain the server's output (its training processes share it): a full pipe would stall them all.
    threading.Thread(target=shutil.copyfileobj, args=(srv.proc.stdout, server_log.open("wb")), daemon=True).start()
    # Before the first session starts the training pool: its workers inherit this and add their own 10.
    os.setpriority(os.PRIO_PROCESS, srv.proc.pid, args.server_nice)
    result: dict = {
        "clicks_per_session": args.clicks,
        "browser_nice": args.browser_nice,
        "server_nice": args.server_nice,
        "cores": os.cpu_count(),
        "load_average_at_start": os.getloadavg()[0],
        "server_log": str(server_log),
    }
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, MARK])
            probe_browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            stop_nice = asyncio.Event()
            nicer = asyncio.create_task(keep_browsers_niced(args.browser_nice, stop_nice))
            cold = await visitor_probe(probe_browser, srv.url, 0)  # the server's first visitor: caches are cold
            result["server_first_visit"] = cold
            run = functools.partial(scenario, browser, probe_browser, srv.url, log)
            result["idle"] = await run(1, args.clicks * 2, 0, 0)
            result["explore"] = await run(args.explorers, args.clicks, 0, 3)
            result["explore_train"] = await run(args.explorers, args.clicks, args.trainers, 3)
            stop_nice.set()
            await nicer
            idle95, train95 = result["idle"]["server"].get("p95_ms"), result["explore_train"]["server"].get("p95_ms")
            if idle95 and train95:
                result["server_p95_ratio_train_vs_idle"] = round(train95 / idle95, 2)
            if args.churn:
                await asyncio.sleep(3)
                before = rss_mb(srv.proc.pid)
                for _ in range(args.churn):
                    ctx = await new_context(browser)
                    await open_explorer(ctx, srv.url)
                    await ctx.close()
                await asyncio.sleep(5)  # let the server notice the closed websockets
                after = rss_mb(srv.proc.pid)
                result["churn"] = {"sessions": args.churn, "rss_before_mb": before, "rss_after_mb": after}
            await browser.close()
            await probe_browser.close()
    finally:
        srv.stop()
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--explorers", type=int, default=10)
    ap.add_argument("--trainers", type=int, default=2)
    ap.add_argument("--clicks", type=int, default=12)
    ap.add_argument("--churn", type=int, default=0)
    ap.add_argument("--browser-nice", type=int, default=19, help="niceness of every Chromium process (0: none)")
    ap.add_argument(
        "--server-nice", type=int, default=-5, help="niceness of the app server (below 0 needs root; 0: as started)"
    )
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    emit(asyncio.run(main_async(args)), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
