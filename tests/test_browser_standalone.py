"""The standalone page in real Chromium: downloaded from the explorer, opened from file:// with every other
request refused, it draws the grid, its KL slider changes the layout, its hover preview is the torch decode,
a hostile data set name stays text, and the command line writes the same file as the button.

Starts `streamlit run app.py` on a free port of 127.0.0.1 and drives headless Chromium with Playwright."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from browser import NEEDS_CHROMIUM, ROOT, Server
from conftest import wait_for

from ui.canvas import standalone

HOOK = "window.__latentCanvas.standalone"
SLOW = 180_000  # ms: a cold start on a loaded 2-core machine
BETAS = [0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0]
STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
HOSTILE = "<script>window.__pwned = 1</script>digits"

pytestmark = [
    NEEDS_CHROMIUM,
]
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")


@pytest.fixture(scope="module")
def downloaded(browser, request, tmp_path_factory):
    """The explorer's "Standalone HTML page" download (digits, the default beta = 1 model)."""
    srv = Server(ROOT / "app.py")
    request.addfinalizer(srv.stop)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    pg.goto(srv.url + "/explorer")
    pg.wait_for_function("Object.values(window.__latentCanvas || {})[0]?.ready", timeout=SLOW)
    button = pg.get_by_role("button", name="Standalone HTML page")
    with pg.expect_download(timeout=SLOW) as dl:
        button.click()
    path = tmp_path_factory.mktemp("standalone") / dl.value.suggested_filename
    dl.value.save_as(path)
    ctx.close()
    assert path.name == "digits-beta-grid.html"
    return path


def _until(pg, expr: str, timeout: float = 60) -> None:
    """Poll a JavaScript expression until true. (Playwright's wait_for_function evaluates its predicate with
    eval, which the page's Content-Security-Policy forbids; page.evaluate is not subject to it.)"""
    wait_for(lambda: pg.evaluate(f"() => !!({expr})"), timeout=timeout, what=expr, interval=0.1)


def _open_offline(browser, path):
    """A page with the file opened from disk; every request that is not for a file:// URL is refused and
    recorded (pg.refused), as are errors and Content-Security-Policy violations."""
    pg = browser.new_page(viewport={"width": 1400, "height": 1100})
    pg.errors, pg.refused = [], []
    # Init scripts run outside the page's Content-Security-Policy: record every violation of it.
    pg.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => "
        "(window.__violations = window.__violations || []).push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("console", lambda m: pg.errors.append(m.text) if "Content Security Policy" in m.text else None)

    def gate(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            pg.refused.append(route.request.url)
            route.abort()

    pg.route("**/*", gate)
    pg.goto(path.as_uri())
    _until(pg, f"window.__latentCanvas?.standalone?.ready && {HOOK}.gridLoaded === {len(BETAS)}", SLOW / 1000)
    # The points are drawn with WebGL: plotly says so in the plot instead when it cannot (e.g. eval refused).
    assert "WebGL is not supported" not in pg.locator(".lc-plot").inner_text()
    return pg


def _clean(pg) -> None:
    """Nothing refused, no error, no policy violation in the page's life."""
    assert pg.refused == [] and pg.errors == []
    assert pg.evaluate("window.__violations || []") == []


@pytest.fixture(scope="module")
def grid():
    """Each shipped digits VAE aligned as the explorer aligns them, independently of the page."""
    from vae_core import align, checkpoints, layouts

    paths = [ROOT / "models" / f"digits-vae-beta{b:g}.safetensors" for b in BETAS]
    mus = [layouts.read(layouts.path_for(p)).mu for p in paths]
    perms, _ = align.grid_permutations(mus, BETAS)
    return [align.apply_signed_permutation(checkpoints.load(p)[0], q) for p, q in zip(paths, perms)]


def _hover_preview(pg, zx: float, zy: float) -> tuple[list, list]:
    """Move the mouse to latent (zx, zy); (the z under it, the image the page drew for it)."""
    x, y = pg.evaluate(f"{HOOK}.toPixel({zx}, {zy})")
    pg.mouse.move(x, y)
    _until(pg, f"{HOOK}.hoverZ !== null")
    pg.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return pg.evaluate(f"{HOOK}.hoverZ"), pg.evaluate(f"{HOOK}.shownOutput")


def _choose_stop(pg, i: int) -> None:
    pg.evaluate(
        """(i) => { const s = document.querySelector('.lc-root input.lc-beta'); s.value = String(i);
            s.dispatchEvent(new Event('input', {bubbles: true})); }""",
        i,
    )
    _until(pg, f"{HOOK}.stop === {i} && !{HOOK}.morphing")


def test_the_downloaded_file_works_offline(browser, downloaded, grid):
    pg = _open_offline(browser, downloaded)
    assert pg.evaluate(f"{HOOK}.stop") == BETAS.index(1.0)
    text = pg.locator(".sa-head").inner_text()
    assert "digits" in text and "VAE latent explorer" in text and "digits-vae-beta0.1" in pg.content()

    # The KL slider (by keyboard, as a person would) changes the layout on screen and in the plot.
    before = pg.evaluate(f"{HOOK}.shownLayout")
    drawn = "document.querySelector('.lc-plot').data.find((t) => t.name === '0').x[0]"
    plotted = pg.evaluate(drawn)
    pg.get_by_role("slider", name="KL weight beta").focus()
    pg.keyboard.press("ArrowLeft")
    _until(pg, f"{HOOK}.stop === {BETAS.index(0.5)} && !{HOOK}.morphing")
    after = pg.evaluate(f"{HOOK}.shownLayout")
    assert len(after) == len(before) and np.abs(np.subtract(after, before)).max() > 0.1
    assert pg.evaluate(drawn) != plotted

    # At three stops the hover preview is the torch decode of the z under the mouse.
    for i, (zx, zy) in zip((0, 4, 7), ((0.6, -1.1), (-0.8, 0.4), (1.3, 1.2))):
        _choose_stop(pg, i)
        z, shown = _hover_preview(pg, zx, zy)
        assert abs(z[0] - zx) < 0.05 and abs(z[1] - zy) < 0.05
        with torch.no_grad():
            ref = grid[i].decode(torch.tensor([z], dtype=torch.float32))[0].numpy()
        assert np.abs(np.array(shown) - ref).max() <= 1e-4, f"beta {BETAS[i]:g}"

    # A click pins z and shows the browser's decode: there is no server to ask.
    x, y = pg.evaluate(f"{HOOK}.toPixel(0.2, 0.3)")
    pg.mouse.click(x, y)
    _until(pg, f"{HOOK}.seq === 1")
    assert "decoded in this browser" in pg.locator(".lc-status").inner_text()

    # The overlay switches redraw from what the page holds (the density is computed here too).
    pg.locator("#sa-density").check()
    _until(pg, "document.querySelector('.lc-plot').data.some((t) => t.type === 'contour')")
    # The lesson layers travel too: the holes map of the stop on screen, the continuity walk, the class mix.
    pg.locator("#sa-holes").check()
    _until(pg, f"{HOOK}.holes !== null")
    holes = pg.evaluate(f"{HOOK}.holes")
    assert holes["stop"] == pg.evaluate(f"{HOOK}.stop") and len(holes["share"]) == holes["n"] ** 2
    assert pg.locator(".lc-walk").is_visible() and pg.locator(".lc-mix").is_visible()
    _clean(pg)
    pg.close()


def test_the_cli_writes_the_file_the_button_wrote(downloaded, tmp_path):
    out = tmp_path / "digits.html"
    subprocess.run(
        [sys.executable, "-m", "ui.canvas.standalone", "--dataset", "digits", "--out", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    button, cli = downloaded.read_bytes(), out.read_bytes()
    assert len(STAMP.findall(cli.decode())) == 1 and len(button) == len(cli)
    assert STAMP.sub("T", button.decode()) == STAMP.sub("T", cli.decode())  # identical but for the time


def test_a_script_in_the_data_set_name_is_text(browser, tmp_path):
    grid, cfg, dataset, names = standalone.shipped_grid("digits", ROOT / "models")
    path = tmp_path / "hostile.html"
    path.write_text(standalone.page_html(grid, cfg, {**dataset, "name": HOSTILE}, names, written_at="t"), "utf-8")
    pg = _open_offline(browser, path)
    assert pg.locator(".sa-dataset").inner_text() == HOSTILE
    assert HOSTILE in pg.title()
    assert pg.evaluate("window.__pwned") is None
    _clean(pg)
    pg.close()
