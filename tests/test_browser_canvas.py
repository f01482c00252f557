"""The latent canvas in real Chromium: the browser decoder is exact, a click anywhere is decoded by torch on
the server, and no click is lost.

Starts `streamlit run tests/canvas_app.py` on a free port of 127.0.0.1 and drives headless Chromium with
Playwright. Skipped when /usr/bin/chromium (or the playwright package) is missing; CI installs both.
"""

from __future__ import annotations

import itertools
from typing import get_args

import numpy as np
import pytest
import torch
from browser import NEEDS_CHROMIUM, ROOT, Server

from vae_core.config import Likelihood
from vae_core.model import ACTIVATIONS

APP = ROOT / "tests" / "canvas_app.py"
MODEL = ROOT / "models" / "digits-vae-beta1.safetensors"
HOOK = "window.__latentCanvas && window.__latentCanvas.canvas"
READY = f"{HOOK} && window.__latentCanvas.canvas.ready"
SLOW = 120_000  # ms: a cold start on a loaded 2-core machine (plotly.js is 4.8 MB) is slow

pytestmark = [
    NEEDS_CHROMIUM,
    pytest.mark.skipif(not MODEL.exists(), reason=f"needs the shipped checkpoint {MODEL.name}"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")


@pytest.fixture(scope="module")
def server(request):
    # Streamlit's gc.collect() after each run holds the GIL ~200 ms before a click's messages go out.
    srv = Server(APP, "--runner.postScriptGC", "false")
    request.addfinalizer(srv.stop)
    return srv.url


def _open(browser, url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors, frames = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(len(f))))
    page.goto(url)
    page.wait_for_function(READY, timeout=SLOW)
    # Record when each server-decoded image (by its seq) first appears.
    page.evaluate("""() => {
      window.__seen = {};
      const look = () => {
        const el = document.querySelector('[data-testid="decoded-image"]');
        const seq = el && el.dataset.seq;
        if (seq && !(seq in window.__seen)) window.__seen[seq] = JSON.parse(el.dataset.z);
      };
      new MutationObserver(look).observe(document.body, {subtree: true, childList: true, attributes: true});
      look();
    }""")
    page.errors = errors
    page.ws_frames = frames
    return page


@pytest.fixture(scope="module")
def page(server, browser):
    pg = _open(browser, server + "/")
    yield pg
    assert not pg.errors, pg.errors
    pg.close()


@pytest.fixture(scope="module")
def model():
    from vae_core import checkpoints

    m, _ = checkpoints.load(MODEL)
    return m


def _click_z(page, zx: float, zy: float) -> int:
    """Click the plot at latent (zx, zy); return the event's seq."""
    seq = page.evaluate(f"{HOOK}.seq") + 1
    x, y = page.evaluate(f"{HOOK}.toPixel({zx}, {zy})")
    page.mouse.click(x, y)
    return seq


def _wait_seq(page, seq: int, timeout=30_000) -> list[float]:
    page.wait_for_function(f"window.__seen['{seq}'] !== undefined", timeout=timeout)
    return page.evaluate(f"window.__seen['{seq}']")


def _empty_spot(page, model) -> tuple[float, float]:
    """The visible latent point farthest from every encoded data point."""
    from vae_core import data

    with torch.no_grad():
        mu = model.encode(data.load("digits").x)[0].numpy()[:, :2]
    x0, x1, y0, y1 = page.evaluate(f"{HOOK}.ranges")
    gx, gy = np.meshgrid(np.linspace(x0, x1, 60)[5:-5], np.linspace(y0, y1, 60)[5:-5])
    grid = np.stack([gx.ravel(), gy.ravel()], 1)
    d = np.sqrt(((grid[:, None, :] - mu[None]) ** 2).sum(-1)).min(1)
    i = int(d.argmax())
    assert d[i] > 0.05 * (x1 - x0), "no empty area in view"
    return float(grid[i, 0]), float(grid[i, 1])


def test_browser_decoder_is_exact(page, model):
    """(a) 20 random z decoded by the component's JavaScript decoder vs torch, float32 tolerance."""
    z = np.random.default_rng(0).normal(0, 1.5, (20, model.config.latent_dim))
    js = np.array(page.evaluate(f"zs => {HOOK}.decode(zs)", z.tolist()))
    with torch.no_grad():
        ref = model.decode(torch.as_tensor(z, dtype=torch.float32)).numpy()
    assert js.shape == ref.shape
    assert np.abs(js - ref).max() <= 1e-4
    assert page.evaluate(f"{HOOK}.mode") == "browser"


@pytest.mark.parametrize(
    "activation,likelihood,hidden",
    [("relu", "bernoulli", (512,))]
    + [(a, lik, (64, 32)) for a, lik in itertools.product(ACTIVATIONS, get_args(Likelihood))],
)
def test_decoder_payload_is_exact_for_other_decoders(browser, activation, likelihood, hidden):
    """The same JavaScript decoder in Chromium on an MNIST-size ReLU decoder (2-512-784), and a deeper one for
    every activation and likelihood the library has (tests/test_js_parity.py runs these in Node)."""
    from ui.canvas.payload import decoder_payload_of
    from vae_core import ModelConfig
    from vae_core.model import VAE, init_parameters

    model = VAE(
        ModelConfig(
            input_dim=784 if hidden == (512,) else 3,
            latent_dim=2,
            hidden=hidden,
            likelihood=likelihood,
            activation=activation,
        )
    )
    init_parameters(model, torch.Generator().manual_seed(1))
    z = np.random.default_rng(1).normal(0, 2.0, (20, 2))
    payload = decoder_payload_of(model)
    assert payload["supported"]
    src = (ROOT / "ui" / "canvas" / "static" / "data.js").read_text()
    page = browser.new_page()
    try:
        js = np.array(
            page.evaluate(
                """async ([src, payload, zs]) => {
            const url = URL.createObjectURL(new Blob([src], {type: 'text/javascript'}));
            const m = await import(url);
            return m.decodeWithPayload(payload, zs);
        }""",
                [src, payload, z.tolist()],
            )
        )
    finally:
        page.close()
    with torch.no_grad():
        ref = model.decode(torch.as_tensor(z, dtype=torch.float32)).numpy()
    assert np.abs(js - ref).max() <= 1e-5


def test_click_on_empty_area_is_decoded_on_the_server(page, model):
    """(b) A click where there is no data point still sends z; Python decodes it with torch."""
    zx, zy = _empty_spot(page, model)
    seq = _click_z(page, zx, zy)
    z = _wait_seq(page, seq)
    x0, x1, _, _ = page.evaluate(f"{HOOK}.ranges")
    tol = 0.01 * (x1 - x0)  # a few pixels
    assert abs(z[0] - zx) < tol and abs(z[1] - zy) < tol, (z, (zx, zy))
    box = page.locator(f'[data-testid="decoded-image"][data-seq="{seq}"]')
    assert box.get_attribute("data-device") == "cpu"
    assert box.locator("img").get_attribute("src").startswith("data:image/png;base64,")
    assert "ms" in box.inner_text()


def test_no_click_is_lost(page):
    """(c) Ten quick clicks at different places: every one produces its own server-decoded image, and none
    is taken for a double-click (which would redraw the whole plot)."""
    rng = np.random.default_rng(2)
    x0, x1, y0, y1 = page.evaluate(f"{HOOK}.ranges")
    redraws = page.evaluate(f"{HOOK}.redraws")
    for _ in range(10):
        fx, fy = rng.uniform(0.1, 0.9, 2)
        zx, zy = x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)
        seq = _click_z(page, zx, zy)
        z = _wait_seq(page, seq)
        assert abs(z[0] - zx) < 0.01 * (x1 - x0) and abs(z[1] - zy) < 0.01 * (y1 - y0)
    assert page.evaluate(f"{HOOK}.redraws") == redraws


def test_burst_of_clicks_ends_on_the_last_one(page):
    """Clicks faster than the server answers: each is sent (seq + 1 per click) and the last one is shown.
    (Streamlit merges queued trigger events into the newest, so images for intermediate clicks may be skipped.)"""
    x0, x1, y0, y1 = page.evaluate(f"{HOOK}.ranges")
    first = page.evaluate(f"{HOOK}.seq") + 1
    pts = [(x0 + (x1 - x0) * (0.2 + 0.06 * i), y0 + (y1 - y0) * (0.3 + 0.04 * i)) for i in range(10)]
    for zx, zy in pts:
        _click_z(page, zx, zy)
        page.wait_for_timeout(40)
    last = page.evaluate(f"{HOOK}.seq")
    assert last == first + 9
    z = _wait_seq(page, last)
    assert abs(z[0] - pts[-1][0]) < 0.01 * (x1 - x0) and abs(z[1] - pts[-1][1]) < 0.01 * (y1 - y0)


def test_slider_release_is_decoded_on_the_server(page):
    seq = page.evaluate(f"{HOOK}.seq") + 1
    page.evaluate("""() => {
        const s = document.querySelector('.lc-root input[type=range][data-dim="1"]');
        s.value = "1.25";
        s.dispatchEvent(new Event('input', {bubbles: true}));
        s.dispatchEvent(new Event('change', {bubbles: true}));
    }""")
    z = _wait_seq(page, seq)
    assert z[1] == pytest.approx(1.25)
    assert page.evaluate(f"{HOOK}.pinned")[1] == pytest.approx(1.25)


def test_hover_decodes_in_the_browser(page):
    before = len(page.evaluate(f"{HOOK}.timings"))
    x0, x1, y0, y1 = page.evaluate(f"{HOOK}.ranges")
    for i in range(12):
        x, y = page.evaluate(f"{HOOK}.toPixel({x0 + (x1 - x0) * (0.2 + 0.05 * i)}, {(y0 + y1) / 2})")
        page.mouse.move(x, y)
        page.wait_for_timeout(20)
    page.wait_for_timeout(100)
    timings = page.evaluate(f"{HOOK}.timings")
    assert len(timings) > before
    assert page.locator(".lc-thumb").is_visible()


def test_server_fallback_decodes_hover_on_the_server(server, browser):
    """A decoder the browser does not run: hover is decoded by Python (throttled), and the page says so."""
    pg = _open(browser, server + "/?browser=0")
    try:
        assert pg.evaluate(f"{HOOK}.mode") == "server"
        assert "cannot run in the browser" in pg.evaluate(f"{HOOK}.note")
        x0, x1, y0, y1 = pg.evaluate(f"{HOOK}.ranges")
        for i in range(8):
            x, y = pg.evaluate(f"{HOOK}.toPixel({x0 + (x1 - x0) * (0.3 + 0.05 * i)}, {(y0 + y1) / 2})")
            pg.mouse.move(x, y)
            pg.wait_for_timeout(60)
        pg.wait_for_function(f"{HOOK}.serverHovers > 0", timeout=30_000)
        seq = _click_z(pg, (x0 + x1) / 2, (y0 + y1) / 2)
        _wait_seq(pg, seq)
        assert not pg.errors, pg.errors
    finally:
        pg.close()


def test_click_does_not_resend_the_scatter(page):
    """After the first render a click's messages carry the hashes only: small, whatever the number of points."""
    frames = page.ws_frames
    assert max(frames) > 50_000  # the first render brought the points and the decoder weights
    mark = len(frames)
    seq = _click_z(page, 0.1, 0.1)
    _wait_seq(page, seq)
    page.wait_for_timeout(200)
    after = frames[mark:]
    assert after and max(after) < 8_000, after


def test_page_that_lost_the_data_asks_for_it_again(page):
    """If the page no longer has the data a render refers to (evicted, or a new page in an old session), it
    asks Python, which sends it again; the plot comes back."""
    page.evaluate("() => window.__lcStore.blobs.clear()")
    page.get_by_text("Prior contours").click()  # any change of the light data makes the page re-read it
    page.wait_for_function("window.__lcStore.blobs.size >= 2", timeout=30_000)
    seq = _click_z(page, 0.2, -0.3)
    _wait_seq(page, seq)
    assert page.evaluate(f"{HOOK}.mode") == "browser"


def test_extra_gaussians_are_drawn_to_scale(server, browser):
    """The overlay hook: an extra Gaussian is a point at mu with ellipses at 1 and 2 sigma."""
    pg = _open(browser, server + "/?gauss=1")
    try:
        traces = pg.evaluate("""() => document.querySelector('.lc-plot').data
            .filter((t) => (t.name || '').startsWith('test gaussian'))
            .map((t) => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y)}))""")
        point = next(t for t in traces if t["name"] == "test gaussian")
        assert point["x"] == [1.0] and point["y"] == [-0.5]
        ring = next(t for t in traces if t["name"] != "test gaussian")
        xs = np.array([v for v in ring["x"] if v is not None], float)
        ys = np.array([v for v in ring["y"] if v is not None], float)
        assert np.nanmax(xs) == pytest.approx(1.0 + 2 * 0.5, abs=1e-6) and np.nanmin(ys) == pytest.approx(
            -0.5 - 2 * 1.0, abs=1e-6
        )
        assert not pg.errors, pg.errors
    finally:
        pg.close()
