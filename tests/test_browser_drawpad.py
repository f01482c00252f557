"""The draw pad in real Chromium: a drawn stroke becomes exactly vae_core.drawing's image, and the server's
code for it is model.encode of that image. Touch and undo/clear work.

Starts `streamlit run tests/drawpad_app.py`; skipped without /usr/bin/chromium or playwright (CI has both).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from browser import NEEDS_CHROMIUM, ROOT, Server

from vae_core import checkpoints, drawing

SLOW = 120_000
pytestmark = NEEDS_CHROMIUM
pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")
SEVEN = [(0.3, 0.2), (0.7, 0.2), (0.45, 0.85)]
DOT = [(0.6, 0.4)]


@pytest.fixture(scope="module")
def page(request, browser):
    srv = Server(ROOT / "tests" / "drawpad_app.py")
    request.addfinalizer(srv.stop)
    pg = browser.new_page(viewport={"width": 1200, "height": 800})
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.base = srv.url
    yield pg
    assert not errors, errors
    pg.close()


def pad_box(page):
    pad = page.locator('[data-testid="drawpad"] canvas').first
    pad.wait_for(timeout=SLOW)
    pad.scroll_into_view_if_needed()  # the mouse only reaches what is on screen
    return pad.bounding_box()


def draw(page, pts, steps=8):
    """Drag the mouse through pts (fractions of the pad) as one stroke."""
    b = pad_box(page)
    at = lambda p: (b["x"] + b["width"] * p[0], b["y"] + b["height"] * p[1])  # noqa: E731
    page.mouse.move(*at(pts[0]))
    page.mouse.down()
    for p, q in zip(pts, pts[1:]):
        for t in range(1, steps + 1):
            page.mouse.move(*at((p[0] + (q[0] - p[0]) * t / steps, p[1] + (q[1] - p[1]) * t / steps)))
    page.mouse.up()


def pad_state(page) -> dict:
    return page.locator('[data-testid="drawpad"]').evaluate(
        "el => ({strokes: JSON.parse(el.dataset.strokes || '[]'), image: el.dataset.image, scale: el.dataset.scale,"
        " seq: +el.dataset.seq})"
    )


def server_mu(page, n_strokes: int) -> np.ndarray:
    """The code the server encoded, once it is for a drawing of n_strokes strokes (waits for the rerun)."""
    page.wait_for_function(
        f"""() => {{ const el = document.querySelector('[data-testid="drawing-code"]');
              return el && el.dataset.strokes === '{n_strokes}'; }}""",
        timeout=SLOW,
    )
    return np.array(json.loads(page.locator('[data-testid="drawing-code"]').get_attribute("data-mu")))


@pytest.mark.parametrize("name", ["digits", "mnist"])
def test_drawn_stroke_is_the_library_image_and_its_code(page, name):
    page.goto(f"{page.base}/?dataset={name}")
    draw(page, SEVEN)
    mu = server_mu(page, 1)
    st = pad_state(page)
    assert len(st["strokes"]) == 1 and len(st["strokes"][0]) > 5
    shape = (8, 8) if name == "digits" else (28, 28)
    ours = drawing.to_image(st["strokes"], shape)
    theirs = np.array(json.loads(st["image"]), np.float64) / float(st["scale"])
    np.testing.assert_array_equal(theirs.astype(np.float32), ours)  # bit for bit
    assert ours.sum() > 5  # a real drawing, not two empty images
    model, _ = checkpoints.load(ROOT / "models" / f"{name}-vae-beta1.safetensors")
    with torch.no_grad():
        want = model.encode(torch.from_numpy(ours[None]))[0][0].numpy()
    np.testing.assert_allclose(mu, want, atol=1e-4)
    # a second stroke (a dot) changes the code; undo brings the first one back; clear empties the panel
    draw(page, DOT)
    mu2 = server_mu(page, 2)
    assert not np.allclose(mu2, mu, atol=1e-3)
    page.get_by_role("button", name="Undo").click()
    np.testing.assert_allclose(server_mu(page, 1), mu, atol=1e-6)
    page.get_by_role("button", name="Clear").click()
    page.get_by_text("Draw a digit on the pad").wait_for(timeout=SLOW)
    assert pad_state(page)["image"] == ""


def test_a_finger_draws_too(page):
    page.goto(f"{page.base}/?dataset=digits")
    b = pad_box(page)
    page.locator('[data-testid="drawpad"] canvas').first.evaluate(
        """(c, b) => {
          const ev = (type, fx, fy) => c.dispatchEvent(new PointerEvent(type, {pointerId: 9, pointerType: 'touch',
              isPrimary: true, bubbles: true, clientX: b.x + b.width * fx, clientY: b.y + b.height * fy}));
          ev('pointerdown', 0.5, 0.1);
          for (let i = 1; i <= 10; i++) ev('pointermove', 0.5, 0.1 + 0.08 * i);
          ev('pointerup', 0.5, 0.9);
        }""",
        b,
    )
    server_mu(page, 1)
    st = pad_state(page)
    assert len(st["strokes"][0]) >= 10
    np.testing.assert_array_equal(
        np.array(json.loads(st["image"])) / 16.0, drawing.to_image(st["strokes"], (8, 8)).astype(np.float64)
    )
