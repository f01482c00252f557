"""The explorer's view in real Chromium: after a click, a KL-slider move, a switch of the sidebar's model and
opening the address as a link, the canvas, the sidebar, the URL and the server's decoded image agree, and the
image names the model, beta and z it was decoded with.

Starts `streamlit run app.py` once for the module (conftest.app_url); skipped without Chromium or playwright.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
import torch
from browser import NEEDS_CHROMIUM, ROOT

SLOW = 180_000  # ms: a cold start on a loaded 2-core machine
HOOK = "Object.values(window.__latentCanvas || {})[0]"
MODEL_BOX = '[data-testid="stSidebar"] input[aria-label="Model"]'
IMAGE = '[data-testid="decoded-image"]'
pytestmark = NEEDS_CHROMIUM
pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")


@pytest.fixture(scope="module")
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    assert not pg.errors, pg.errors
    ctx.close()


def settle(page):
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=SLOW)


def ready(page, n_stops: int | None):
    cond = f"{HOOK} && {HOOK}.ready" + (f" && {HOOK}.gridLoaded === {n_stops}" if n_stops else "")
    page.wait_for_function(cond, timeout=SLOW)


def wait_image(page, model: str):
    page.wait_for_function(
        f"() => {{ const el = document.querySelector('{IMAGE}'); return el && el.dataset.model === '{model}'; }}",
        timeout=SLOW,
    )
    settle(page)


def agreement(page) -> dict:
    """What each place says: the canvas's pin and stop, the sidebar's model, the URL, the server's image."""
    canvas = page.evaluate(f"({{pin: {HOOK}.pinned, stop: {HOOK}.stop, betaIndex: {HOOK}.betaIndex}})")
    img = page.locator(IMAGE)
    url = {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}
    return {
        "pin": canvas["pin"],
        "stop": canvas["stop"],
        "betaIndex": canvas["betaIndex"],
        "sidebar": page.locator(MODEL_BOX).input_value(),
        "url": url,
        "image_model": img.get_attribute("data-model"),
        "image_beta": img.get_attribute("data-beta"),
        "image_z": json.loads(img.get_attribute("data-z")),
        "caption": img.inner_text(),
    }


def check(seen: dict, model: str, beta: str | None):
    """The canvas's pin = the image's z = the URL's z; the sidebar, the URL and the image name `model`."""
    np.testing.assert_allclose(seen["image_z"], seen["pin"], atol=1e-5)
    np.testing.assert_allclose([float(v) for v in seen["url"]["z"].split(",")], seen["pin"], atol=1e-5)
    assert seen["sidebar"].startswith(model + " "), seen["sidebar"]
    assert seen["url"]["model"] == model and seen["image_model"] == model
    assert seen["image_beta"] == beta and seen["url"].get("beta") == beta
    assert f"by {model}" + (f" (β = {beta})" if beta is not None else "") in seen["caption"], seen["caption"]
    z = seen["image_z"]
    assert f"z = ({z[0]:.2f}, {z[1]:.2f})" in seen["caption"]


def test_click_slide_switch_and_link_agree(app_url, browser, page):
    page.goto(f"{app_url}/explorer?dataset=digits")
    ready(page, 8)
    settle(page)
    x, y = page.evaluate(f"{HOOK}.toPixel(0.7, -1.3)")
    page.mouse.click(x, y)  # pins z at beta = 1
    wait_image(page, "digits-vae-beta1")
    page.wait_for_function("() => new URL(location.href).searchParams.get('z')", timeout=SLOW)
    seen = agreement(page)
    check(seen, "digits-vae-beta1", "1")
    pin = seen["pin"]
    assert abs(pin[0] - 0.7) < 0.05 and abs(pin[1] + 1.3) < 0.05

    slider = page.get_by_role("slider", name="KL weight beta")
    slider.press("ArrowLeft")
    slider.press("ArrowLeft")  # 1 -> 0.5 -> 0.25; once it rests the server decodes the pin again
    wait_image(page, "digits-vae-beta0.25")
    page.wait_for_function("() => new URL(location.href).searchParams.get('beta') === '0.25'", timeout=SLOW)
    seen = agreement(page)
    check(seen, "digits-vae-beta0.25", "0.25")
    assert seen["pin"] == pin and seen["stop"] == seen["betaIndex"] == 2, "the pin stays; the model under it changes"

    page.locator(MODEL_BOX).click()
    page.get_by_role("option", name="digits-ae (autoencoder)").click()
    wait_image(page, "digits-ae")
    page.wait_for_function("() => !new URL(location.href).searchParams.get('beta')", timeout=SLOW)
    ready(page, None)
    seen = agreement(page)
    check(seen, "digits-ae", None)
    # the pin stays where it was (to float32, as the server keeps it); the image is the autoencoder's decoding
    np.testing.assert_allclose(seen["pin"], pin, atol=1e-6)
    assert page.evaluate(f"{HOOK}.mode") == "browser"
    # A single model's plot is drawn in the square Python computed (ui.canvas.payload.view_limit).
    from ui.canvas.payload import view_limit
    from vae_core import checkpoints, data

    ae, _ = checkpoints.load(ROOT / "models" / "digits-ae.safetensors")
    with torch.no_grad():
        lim = view_limit(ae.encode(data.load("digits").x)[0].numpy()[:, :2])
    square = "document.querySelector('.lc-plot').layout.xaxis.range"
    page.wait_for_function(f"() => {square} && Math.abs({square}[1] - {lim}) < 1e-6", timeout=SLOW)
    assert page.evaluate(square) == pytest.approx([-lim, lim], abs=1e-9)

    link = page.url
    fresh = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    try:
        fresh.goto(link)
        ready(fresh, None)
        wait_image(fresh, "digits-ae")
        seen = agreement(fresh)
        check(seen, "digits-ae", None)
        np.testing.assert_allclose(seen["pin"], pin, atol=1e-5)
    finally:
        fresh.context.close()
