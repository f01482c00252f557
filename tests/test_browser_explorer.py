"""The Latent explorer's KL slider in real Chromium: every grid model is in the page, moving the slider across
the whole grid switches the browser's decoder with no script run, the glide ends exactly on the new layout,
and Python hears of the chosen beta afterwards (the sidebar follows).

Starts `streamlit run app.py` on a free port of 127.0.0.1 and drives headless Chromium with Playwright."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from browser import CANVAS, NEEDS_CHROMIUM, aligned_digits_grid, open_explorer

SLOW = 180_000  # ms: a cold start on a loaded 2-core machine
BETAS = [0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0]
Z = [0.7, -1.3]

pytestmark = NEEDS_CHROMIUM
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")


@pytest.fixture(scope="module")
def page(browser, request):
    pg = open_explorer(browser, request, len(BETAS), height=1100, timeout=SLOW)
    yield pg
    assert not pg.errors, pg.errors
    pg.close()


@pytest.fixture(scope="module")
def grid():
    """Each shipped digits VAE aligned as the server aligns them, independently of the page, with its codes."""
    models, lays, perms = aligned_digits_grid(BETAS)
    return models, [lay.mu @ q for lay, q in zip(lays, perms)]


MODEL_BOX = '[data-testid="stSidebar"] input[aria-label="Model"]'


def _sidebar_model(page) -> str:
    return page.locator(MODEL_BOX).input_value()


def test_slider_across_the_grid_switches_the_decoder_with_no_script_run(page, grid):
    models, _ = grid
    slider = page.get_by_role("slider", name="KL weight beta")
    assert slider.is_visible()
    before = len(page.sent)
    # Every stop in one go, as fast as a drag: the page must answer each from what it holds.
    seen = page.evaluate(
        """([n, z]) => {
            const s = document.querySelector('.lc-root input.lc-beta'), h = Object.values(window.__latentCanvas)[0];
            const out = [];
            for (let i = 0; i < n; i++) {
                s.value = String(i);
                s.dispatchEvent(new Event('input', {bubbles: true}));
                out.push({stop: h.stop, x: h.decode([z])[0]});
            }
            return out;
        }""",
        [len(BETAS), Z],
    )
    assert len(page.sent) == before, "moving the KL slider sent nothing to the server"
    for i, row in enumerate(seen):
        assert row["stop"] == i
        with torch.no_grad():
            ref = models[i].decode(torch.tensor([Z], dtype=torch.float32))[0].numpy()
        assert np.abs(np.array(row["x"]) - ref).max() <= 1e-4, f"beta {BETAS[i]:g}"


def test_the_glide_ends_on_the_exact_layout(page, grid):
    _, layouts_ = grid
    page.wait_for_function(f"!{CANVAS}.morphing", timeout=30_000)
    shown = page.evaluate(f"{CANVAS}.stop")
    xy = np.array(page.evaluate(f"{CANVAS}.shownLayout"), np.float32).reshape(-1, 2)
    assert np.array_equal(xy, layouts_[shown][:, :2].astype(np.float32))
    # And the plot holds those points (one trace per digit class).
    drawn = page.evaluate(
        """() => document.querySelector('.lc-plot').data.filter((t) => t.type === 'scattergl' && t.mode === 'markers'
            && /^[0-9]$/.test(t.name)).map((t) => [Array.from(t.x), Array.from(t.y)])"""
    )
    pts = np.concatenate([np.stack(d, 1) for d in drawn])
    ref = layouts_[shown][:, :2]
    assert pts.shape == ref.shape
    assert np.allclose(np.sort(pts[:, 0]), np.sort(ref[:, 0]), atol=1e-6)


def test_python_hears_the_beta_once_the_slider_rests(page):
    shown = page.evaluate(f"{CANVAS}.stop")
    want = f"beta={BETAS[shown]:g})"
    page.wait_for_function(
        f"""() => {{ const el = document.querySelector('{MODEL_BOX}');
            return !!el && el.value.endsWith('{want}'); }}""",
        timeout=60_000,
    )
    assert _sidebar_model(page).startswith(f"digits-vae-beta{BETAS[shown]:g} ")
    assert f"model=digits-vae-beta{BETAS[shown]:g}" in page.url, "a shareable URL follows"


def test_keyboard_and_kl_switch(page):
    page.wait_for_function(f"!{CANVAS}.morphing", timeout=30_000)
    slider = page.get_by_role("slider", name="KL weight beta")
    slider.focus()
    start = page.evaluate(f"{CANVAS}.betaIndex")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"{CANVAS}.stop === {start - 1}", timeout=10_000)
    switch = page.get_by_role("switch", name="KL term on")
    switch.click()
    page.wait_for_function(f"{CANVAS}.stop === 0 && !{CANVAS}.klOn", timeout=10_000)
    assert slider.is_disabled()
    assert "KL term off" in page.locator(".lc-shown").inner_text()
    switch.click()
    page.wait_for_function(f"{CANVAS}.stop === {start - 1} && {CANVAS}.klOn", timeout=10_000)


def test_the_view_square_is_the_number_python_sent(page, grid):
    """The canvas has no view-limit rule of its own: at every stop it draws the square of
    ui.canvas.payload.view_limit over that stop's aligned codes (the rule ui.explorer.plane uses too)."""
    from ui.canvas.payload import view_limit

    _, layouts_ = grid
    page.get_by_role("switch", name="KL term on").wait_for()
    if not page.evaluate(f"{CANVAS}.klOn"):
        page.get_by_role("switch", name="KL term on").click()
    for i in (0, 3, 7):
        page.evaluate(
            """(i) => { const s = document.querySelector('.lc-root input.lc-beta');
                s.value = String(i); s.dispatchEvent(new Event('input', {bubbles: true})); }""",
            i,
        )
        page.wait_for_function(f"{CANVAS}.stop === {i} && !{CANVAS}.morphing", timeout=30_000)
        lim = view_limit(layouts_[i][:, :2])
        xr, yr = page.evaluate(
            "() => { const l = document.querySelector('.lc-plot').layout; return [l.xaxis.range, l.yaxis.range]; }"
        )
        assert xr == pytest.approx([-lim, lim], abs=1e-9) and yr == pytest.approx([-lim, lim], abs=1e-9), (i, xr, lim)
