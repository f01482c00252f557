"""Load benchmark (not a test): many browser sessions on one app process. Prints JSON.

1. idle: one session clicks the explorer's latent plane N times: click -> server-decoded image p50/p95.
2. load: E sessions explore at once (clicks on the plane and KL-slider moves) while T other sessions train on the
   Train page; the same click latency under load, and the number of sessions that failed (an exception on the
   page, or an image that never came).
3. churn: open and close S sessions (explorer page) one after another; server RSS before and after.

Usage: python bench/bench_load.py [--explorers 10] [--trainers 2] [--clicks 12] [--churn 50] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402

CANVAS = "Object.values(window.__latentCanvas || {})[0]"
SEEN = """() => { window.__seen = {};
  const look = () => { const el = document.querySelector('[data-testid="decoded-image"]');
    const seq = el && el.dataset.seq;
    if (seq && !(seq in window.__seen)) window.__seen[seq] = performance.now(); };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, attributes: true}); }"""


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
        "p50_ms": float(np.percentile(a, 50)),
        "p95_ms": float(np.percentile(a, 95)),
        "max_ms": float(a.max()),
    }


async def open_explorer(browser, url: str):
    ctx = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await ctx.new_page()
    await page.goto(f"{url}/explorer")
    await page.wait_for_function(f"{CANVAS} && {CANVAS}.ready", timeout=180_000)
    await page.evaluate(SEEN)
    return ctx, page


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
        ctx, page = await open_explorer(browser, url)
        for i in range(clicks):
            ms = await click_once(page, rng)
            if ms is None:
                out["lost"] += 1
            else:
                out["clicks"].append(ms)
            if slider_moves and i % max(1, clicks // slider_moves) == 0:
                # The KL-weight slider (the page's first range input): one step, a full model switch.
                kl = page.locator('[data-testid="stSlider"] input[type="range"]').first
                await kl.press("ArrowLeft" if i % 2 else "ArrowRight")
                await page.wait_for_function(f"{CANVAS} && {CANVAS}.ready", timeout=60_000)
            await page.wait_for_timeout(int(rng.uniform(100, 400)))
        if await page.locator('[data-testid="stException"]').count():
            out["failed"] = "exception on the page"
        await ctx.close()
    except Exception as e:  # noqa: BLE001 - the benchmark reports a failed session instead of stopping
        out["failed"] = f"{type(e).__name__}: {e}"[:300]
    return out


async def trainer_session(browser, url: str, stop: asyncio.Event) -> dict:
    try:
        ctx = await browser.new_context()
        page = await ctx.new_page()
        await page.goto(f"{url}/train")
        await page.wait_for_selector('h1:has-text("Train a model")', timeout=180_000)
        epochs = page.get_by_label("Epochs")
        await epochs.fill("2000")
        await epochs.press("Enter")
        await page.wait_for_timeout(1000)
        await page.get_by_role("button", name="Train", exact=True).click()
        await page.wait_for_function("document.body.innerText.includes('running: epoch')", timeout=120_000)
        await stop.wait()
        await page.get_by_role("button", name="Stop", exact=True).click()
        await ctx.close()
        return {"failed": None}
    except Exception as e:  # noqa: BLE001
        return {"failed": f"{type(e).__name__}: {e}"[:300]}


async def main_async(args) -> dict:
    from playwright.async_api import async_playwright

    srv = Server(ROOT / "app.py")
    result: dict = {"explorers": args.explorers, "trainers": args.trainers, "clicks_per_session": args.clicks}
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            warm = await explorer_session(browser, srv.url, 3, 99, 0)  # loads torch, models, caches
            idle = await explorer_session(browser, srv.url, args.clicks * 2, 0, 0)
            result["idle"] = stats(idle["clicks"]) | {"lost": idle["lost"], "warmup_failed": warm["failed"]}
            stop = asyncio.Event()
            trainers = [asyncio.create_task(trainer_session(browser, srv.url, stop)) for _ in range(args.trainers)]
            await asyncio.sleep(5)
            t0 = time.perf_counter()
            sessions = await asyncio.gather(
                *[explorer_session(browser, srv.url, args.clicks, i + 1, 3) for i in range(args.explorers)]
            )
            stop.set()
            trained = await asyncio.gather(*trainers)
            clicks = [ms for s in sessions for ms in s["clicks"]]
            result["load"] = stats(clicks) | {
                "lost": sum(s["lost"] for s in sessions),
                "seconds": time.perf_counter() - t0,
                "failed_sessions": [s["failed"] for s in sessions + trained if s["failed"]],
            }
            await asyncio.sleep(3)
            before = rss_mb(srv.proc.pid)
            for _ in range(args.churn):
                ctx, page = await open_explorer(browser, srv.url)
                await ctx.close()
            await asyncio.sleep(5)  # let the server notice the closed websockets
            result["churn"] = {"sessions": args.churn, "rss_before_mb": before, "rss_after_mb": rss_mb(srv.proc.pid)}
            await browser.close()
    finally:
        srv.stop()
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--explorers", type=int, default=10)
    ap.add_argument("--trainers", type=int, default=2)
    ap.add_argument("--clicks", type=int, default=12)
    ap.add_argument("--churn", type=int, default=50)
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    text = json.dumps(asyncio.run(main_async(args)), indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
