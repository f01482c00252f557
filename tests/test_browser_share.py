"""The real app in Chromium: a digit drawn on the explorer lands on the canvas at model.encode of its image;
a link reopens the view (beta, pinned z) in a fresh browser; a hostile link gives the defaults; the codes
CSV and the canvas PNG download.

Starts `streamlit run app.py` once for the module; skipped without Chromium or playwright (CI has both).
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
import torch
from browser import NEEDS_CHROMIUM, ROOT
from test_browser_drawpad import SEVEN, draw, pad_state

from vae_core import checkpoints, drawing

SLOW = 120_000
pytestmark = NEEDS_CHROMIUM
pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")
PLOT = ".lc-plot"


@pytest.fixture
def page(browser):
    """A fresh browser context per test (no cookies, no session): what a person opening a link gets."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    assert not errors, errors
    ctx.close()


def settle(page):
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=SLOW)


def open_explorer(page, url):
    page.goto(url)
    page.wait_for_function(f"() => {{ const p = document.querySelector('{PLOT}'); return p && p.data; }}", timeout=SLOW)
    settle(page)


def trace(page, name):
    return page.evaluate(
        f"""() => {{ const t = (document.querySelector('{PLOT}').data || []).find((t) => t.name === '{name}');
                 return t ? [Array.from(t.x), Array.from(t.y)] : null; }}"""
    )


def slider_beta(page) -> float:
    return float(page.get_by_role("slider", name="KL weight beta").get_attribute("aria-valuetext"))


@pytest.mark.parametrize("name", ["digits", "mnist"])
def test_drawing_lands_on_the_canvas_at_its_code(app_url, page, name):
    open_explorer(page, f"{app_url}/explorer?dataset={name}")
    draw(page, SEVEN)
    page.wait_for_function(
        f"() => (document.querySelector('{PLOT}').data || []).some((t) => t.name === 'my drawing')", timeout=SLOW
    )
    xy = np.array(trace(page, "my drawing"), float).reshape(-1)
    st = pad_state(page)
    image = drawing.to_image(st["strokes"], (8, 8) if name == "digits" else (28, 28))
    np.testing.assert_array_equal(np.array(json.loads(st["image"])) / float(st["scale"]), image.astype(np.float64))
    model, _ = checkpoints.load(ROOT / "models" / f"{name}-vae-beta1.safetensors")  # the grid's anchor: not flipped
    with torch.no_grad():
        mu = model.encode(torch.from_numpy(image[None]))[0][0].numpy()
    np.testing.assert_allclose(xy, mu, atol=1e-4)


def test_link_round_trip_restores_beta_and_z(app_url, browser, page):
    open_explorer(page, f"{app_url}/explorer?dataset=digits")
    page.get_by_role("slider", name="KL weight beta").press("ArrowLeft")  # 1 -> 0.5
    page.wait_for_function("() => new URL(location.href).searchParams.get('beta') === '0.5'", timeout=SLOW)
    settle(page)
    box = page.locator(PLOT).bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.62, box["y"] + box["height"] * 0.4)
    page.wait_for_function("() => new URL(location.href).searchParams.get('z')", timeout=SLOW)
    z = json.loads(page.locator('[data-testid="decoded-image"]').get_attribute("data-z"))
    link = page.url
    assert "beta=0.5" in link and "model=digits-vae-beta0.5" in link, "the sidebar (and the link) follow the slider"
    fresh = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    try:
        open_explorer(fresh, link)
        assert slider_beta(fresh) == 0.5
        fresh.locator('[data-testid="decoded-image"]').wait_for(timeout=SLOW)
        z2 = json.loads(fresh.locator('[data-testid="decoded-image"]').get_attribute("data-z"))
        np.testing.assert_allclose(z2, z, atol=1e-5)
        # The canvas's own pin starts at the link's z too (not at the origin).
        fresh.get_by_text(f"pinned z = ({z[0]:.2f}, {z[1]:.2f})").wait_for(timeout=SLOW)
    finally:
        fresh.context.close()


def test_hostile_link_opens_the_defaults_with_a_notice(app_url, page):
    bad = "dataset=%3Cscript%3E&model=..%2F..%2Fetc&beta=nan&kl=maybe&z=1e999,2"
    open_explorer(page, f"{app_url}/explorer?{bad}")
    page.get_by_text("Some of this link was not usable").wait_for(timeout=SLOW)
    assert slider_beta(page) == 1.0
    assert page.locator('[data-testid="stException"]').count() == 0
    page.wait_for_function("() => new URL(location.href).searchParams.get('beta') === '1'", timeout=SLOW)
    assert "dataset=digits" in page.url and "script" not in page.url and "nan" not in page.url


def test_codes_csv_and_canvas_png_download(app_url, page):
    open_explorer(page, f"{app_url}/explorer?dataset=digits")
    with page.expect_download(timeout=SLOW) as dl:
        page.get_by_role("button", name="Codes (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(open(dl.value.path()).read())))
    assert len(rows) == 1797 and {"index", "label", "mu_1", "mu_2", "logvar_1", "logvar_2"} <= set(rows[0])
    page.locator(PLOT).hover()
    with page.expect_download(timeout=SLOW) as dl:
        page.locator(f'{PLOT} [data-title="Download plot as a PNG"]').click()
    png = open(dl.value.path(), "rb").read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_drawing_follows_the_kl_slider(app_url, page):
    """Each grid stop's encoding of the drawing is in the page: a slider step moves the star with no redraw."""
    open_explorer(page, f"{app_url}/explorer?dataset=digits")
    draw(page, SEVEN)
    page.wait_for_function(
        f"() => (document.querySelector('{PLOT}').data || []).some((t) => t.name === 'my drawing')", timeout=SLOW
    )
    before = trace(page, "my drawing")
    image = drawing.to_image(pad_state(page)["strokes"], (8, 8))
    page.get_by_role("slider", name="KL weight beta").press("ArrowLeft")  # 1 -> 0.5
    page.wait_for_function(
        f"() => JSON.stringify((document.querySelector('{PLOT}').data || []).filter((t) => t.name === 'my drawing')"
        f".map((t) => [Array.from(t.x), Array.from(t.y)])[0]) !== '{json.dumps(before, separators=(',', ':'))}'",
        timeout=SLOW,
    )
    page.wait_for_timeout(600)  # the glide (about 250 ms) ends on the new stop's layout
    xy = np.array(trace(page, "my drawing"), float).reshape(-1)
    model, _ = checkpoints.load(ROOT / "models" / "digits-vae-beta0.5.safetensors")
    with torch.no_grad():
        mu = model.encode(torch.from_numpy(image[None]))[0][0].numpy()
    # the grid's layouts are aligned by a flip or swap of axes: the star is mu up to a signed permutation
    candidates = [
        s * mu[list(p)] for p in ((0, 1), (1, 0)) for s in (np.array(a) for a in ((1, 1), (1, -1), (-1, 1), (-1, -1)))
    ]
    assert min(np.abs(c - xy).max() for c in candidates) < 1e-4, (xy, mu)
