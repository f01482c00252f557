"""The explorer's lesson layers in real Chromium: the continuity walk (a strip of decoded images and the change
per step) and the holes map follow the KL slider with no script run, and both are the numbers the library
defines: the walk scores as vae_core.metrics.continuity scores a pair, and the holes layer is the stored
share min(1, q/p) of each stop, turned into the slider's aligned axes.

Starts `streamlit run app.py` on a free port of 127.0.0.1 and drives headless Chromium with Playwright."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from browser import CANVAS, NEEDS_CHROMIUM, aligned_digits_grid, open_explorer

from vae_core.densities import mean_from_raw

SLOW = 180_000  # ms: a cold start on a loaded 2-core machine
BETAS = [0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0]

pytestmark = NEEDS_CHROMIUM
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")


@pytest.fixture(scope="module")
def page(browser, request):
    pg = open_explorer(browser, request, len(BETAS), height=1000, timeout=SLOW)
    yield pg
    assert not pg.errors, pg.errors
    pg.close()


@pytest.fixture(scope="module")
def grid():
    """Each shipped digits VAE aligned as the server aligns them, with its layout and permutation."""
    return aligned_digits_grid(BETAS)


def _each_stop(page, expr: str) -> list:
    """Move the KL slider over every stop in one go, as fast as a drag, reading expr (JS) at each."""
    return page.evaluate(
        """([n, expr]) => {
            const s = document.querySelector('.lc-root input.lc-beta'), h = Object.values(window.__latentCanvas)[0];
            const out = [];
            for (let i = 0; i < n; i++) {
                s.value = String(i);
                s.dispatchEvent(new Event('input', {bubbles: true}));
                out.push({stop: h.stop, value: eval(expr)});
            }
            return out;
        }""",
        [len(BETAS), expr],
    )


def _walk_score(model, a, b, steps: int) -> tuple[float, np.ndarray]:
    """One pair's continuity score as vae_core.metrics.continuity computes it, decoded with torch in float64
    (the browser accumulates in float64 too: a collapsed model's changes are below float32's rounding)."""
    t = torch.linspace(0.0, 1.0, steps + 1, dtype=torch.float64)[:, None]
    a, b = torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)
    with torch.no_grad():
        m = copy.deepcopy(model).double()
        f = mean_from_raw(m.decoder(a + t * (b - a)), m.config.likelihood)
    c = (f[1:] - f[:-1]).norm(dim=-1) + 1e-4 * math.sqrt(f.shape[1]) / steps
    share = c / c.sum()
    return float(((1 / share.max() - 1) / (steps - 1)).clamp(0, 1)), share.numpy()


def test_the_continuity_walk_follows_the_slider_with_no_script_run(page, grid):
    models, _, _ = grid
    assert page.locator(".lc-walk canvas.lc-strip").is_visible()
    before = len(page.sent)
    seen = _each_stop(page, "h.walk")
    assert len(page.sent) == before, "moving the KL slider sent nothing to the server"
    for i, row in enumerate(seen):
        assert row["stop"] == i
        w = row["value"]
        score, share = _walk_score(models[i], w["a"], w["b"], len(w["share"]))
        assert abs(w["score"] - score) <= 1e-4, f"beta {BETAS[i]:g}"
        assert np.abs(np.array(w["share"]) - share).max() <= 1e-4
    # The walk is each stop's own: its profile differs between beta = 0 and beta = 1.
    assert np.abs(np.array(seen[0]["value"]["share"]) - np.array(seen[4]["value"]["share"])).max() > 0.01
    # The strip and the sparkline are drawn for the stop on screen: one bar per step.
    assert page.locator(".lc-spark rect").count() == len(seen[-1]["value"]["share"])


def test_a_pinned_walk_is_decoded_by_every_stop(page, grid):
    models, _, _ = grid
    page.locator(".lc-lbtns button[data-end='0']").click()  # start at the pin: z = (0, 0) before any click
    page.wait_for_function(f"{CANVAS}.walk && {CANVAS}.walk.a[0] === 0 && {CANVAS}.walk.a[1] === 0", timeout=10_000)
    seen = _each_stop(page, "h.walk")
    for i, row in enumerate(seen):
        w = row["value"]
        assert w["a"] == [0.0, 0.0], "the pinned end stays put across beta"
        assert abs(w["score"] - _walk_score(models[i], w["a"], w["b"], len(w["share"]))[0]) <= 1e-4
    page.locator(".lc-lbtns button[data-end='worst']").click()


def _aligned_holes(share: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """The stored holes grid (row = z2, column = z1 of the model's axes) in the slider's axes z' = z P, by
    looking up, for every aligned grid point, the model's grid point it came from."""
    n = share.shape[0]
    xs = np.linspace(-1.0, 1.0, n)  # any symmetric grid: only the index mapping matters
    out = np.empty_like(share)
    for r in range(n):
        for c in range(n):
            z = perm @ np.array([xs[c], xs[r]])  # z_i = sum_j z'_j P[i][j]
            i1, i2 = (int(np.argmin(np.abs(xs - v))) for v in z)
            out[r, c] = share[i2, i1]
    return out


def test_the_holes_layer_follows_the_slider_with_no_script_run(page, grid):
    _, raw, perms = grid
    assert all(lay.holes_share is not None for lay in raw), "every digits layout carries its holes map"
    page.get_by_text("Holes", exact=True).click()  # a toggle: one script run, before the slider moves
    page.wait_for_function(f"{CANVAS}.holes !== null", timeout=60_000)
    page.wait_for_timeout(1500)  # let the rerun settle
    before = len(page.sent)
    seen = _each_stop(page, "h.holes")
    assert len(page.sent) == before, "moving the KL slider sent nothing to the server"
    drawn = page.evaluate(
        "() => document.querySelector('.lc-plot').data"
        ".filter((t) => t.type === 'heatmap' && t.visible !== false).length"
    )
    assert drawn == 1, "one holes heatmap on the plot"
    for i, row in enumerate(seen):
        h = row["value"]
        assert row["stop"] == i and h["stop"] == i
        share = np.asarray(raw[i].holes_share, np.float32)
        got = np.array(h["share"], np.float32).reshape(h["n"], h["n"])
        assert np.array_equal(got, _aligned_holes(share, perms[i])), f"beta {BETAS[i]:g}"
    assert not np.array_equal(np.array(seen[0]["value"]["share"]), np.array(seen[4]["value"]["share"]))
