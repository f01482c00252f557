"""The real app in headless Chromium: every page opens without an error, the explorer decodes a click.

Starts `streamlit run app.py` (with the repository's .streamlit/config.toml) on a free loopback port.
Screenshots go to $SCREENSHOT_DIR when it is set (the README's screenshot is made this way), else to pytest's
temporary folder.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from browser import CANVAS, NEEDS_CHROMIUM

pytestmark = NEEDS_CHROMIUM
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")

PAGES = [
    ("", "Variational autoencoders"),
    ("pca", "PCA vs autoencoder"),
    ("explorer", "Latent explorer"),
    ("information", "Information and KL"),
    ("elbo", "ELBO"),
    ("reparam", "Reparameterization"),
    ("train", "Train a model"),
]


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    out = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path_factory.mktemp("screens"))
    out.mkdir(parents=True, exist_ok=True)
    return out


def _settle(page, timeout=90_000):
    """Wait until Streamlit has finished running the script (its status widget is gone)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


@pytest.mark.parametrize("path,title", PAGES)
def test_every_page_opens_cleanly(app_url, browser, shots, path, title):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    t0 = time.perf_counter()
    page.goto(f"{app_url}/{path}")
    page.wait_for_selector(f'h1:has-text("{title}")', timeout=120_000)
    _settle(page)
    seconds = time.perf_counter() - t0
    page.wait_for_timeout(1500)  # charts draw after the script has finished: let the screenshot show them
    page.screenshot(path=str(shots / f"{path or 'home'}.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.inner_text("body")
    assert not errors, errors
    print(f"page {path or 'home'}: {seconds:.2f} s to load and settle")
    page.close()


def test_explorer_click_anywhere_shows_a_server_decoded_image(app_url, browser, shots):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(f"{app_url}/explorer")
    page.wait_for_function(f"{CANVAS} && {CANVAS}.ready", timeout=120_000)
    _settle(page)
    x0, x1, y0, y1 = page.evaluate(f"{CANVAS}.ranges")
    # The far corner of the view holds no data point: a click there must still decode.
    zx, zy = x0 + 0.93 * (x1 - x0), y0 + 0.93 * (y1 - y0)
    x, y = page.evaluate(f"{CANVAS}.toPixel({zx}, {zy})")
    t0 = time.perf_counter()
    page.mouse.click(x, y)
    box = page.locator('[data-testid="decoded-image"]')
    box.wait_for(timeout=60_000)
    print(f"click to server image: {(time.perf_counter() - t0) * 1000:.0f} ms")
    assert box.get_attribute("data-device") == "cpu"
    z = [float(v) for v in box.get_attribute("data-z").strip("[]").split(",")]
    assert abs(z[0] - zx) < 0.02 * (x1 - x0) and abs(z[1] - zy) < 0.02 * (y1 - y0)
    assert box.locator("img").get_attribute("src").startswith("data:image/png;base64,")
    # The answer sits beside the canvas, inside the window, not below the fold.
    bb = box.bounding_box()
    assert bb["y"] + bb["height"] <= 1000, bb
    page.screenshot(path=str(shots / "explorer-clicked.png"), full_page=False)
    # Moving the KL-weight slider switches to another model without an error.
    page.get_by_text("KL term on").click()
    _settle(page)
    page.wait_for_function(f"{CANVAS} && {CANVAS}.ready", timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_bad_uploads_show_a_message_and_keep_the_data(app_url, browser, tmp_path):
    bad_csv = tmp_path / "ragged.csv"
    bad_csv.write_text("a,b,c\n1,2,3\n4,5\n")
    evil = tmp_path / "model.safetensors"
    evil.write_bytes(b"\x80\x04\x95" + b"\x00" * 64)  # a pickle header under a checkpoint name
    good = tmp_path / "points.csv"
    good.write_text("x,y,label\n" + "\n".join(f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(40)) + "\n")
    page = browser.new_page(viewport={"width": 1440, "height": 1400})
    page.goto(f"{app_url}/train")
    page.wait_for_selector('h1:has-text("Train a model")', timeout=120_000)
    _settle(page)
    page.get_by_text("Use your own data").click()
    uploaders = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    uploaders.nth(0).set_input_files(str(bad_csv))
    page.wait_for_selector('[data-testid="stAlertContentError"]', timeout=60_000)
    error = page.inner_text('[data-testid="stAlertContentError"]')
    assert "Could not use ragged.csv" in error and error.count("ragged.csv") == 1, error
    assert "digits: 1,797 samples" in page.inner_text("body"), "the previous data is still selected"
    uploaders.nth(1).set_input_files(str(evil))
    page.wait_for_function("document.body.innerText.includes('Could not use model.safetensors')", timeout=60_000)
    assert "pickle" in page.inner_text("body").lower() or "not a vae_core checkpoint" in page.inner_text("body")
    uploaders.nth(0).set_input_files(str(good))
    page.wait_for_function("document.body.innerText.includes('40 samples')", timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    _settle(page)
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0, "an older upload's error stays"
    page.close()
