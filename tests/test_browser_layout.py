"""Layout and privacy guards in real Chromium, on every page and every tab:

- at 1400x1000 and 1024x768 no formula is clipped, no plot title or axis title is cut or hidden under a legend,
  no point labels overlap, and every image of data keeps square pixels (tests/layout_checks.py says how);
- offline: every request a page makes goes to the app's own address (nothing is fetched from elsewhere).

One server for the module; one browser page per viewport, reused for every page of the app.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from browser import NEEDS_CHROMIUM
from layout_checks import LAYOUT_JS

pytestmark = NEEDS_CHROMIUM
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")

# The explorer twice: with a KL-weight grid (digits) and with one model of 3-D points (its own side column).
PAGES = ["", "pca", "explorer", "explorer?dataset=swiss_roll", "information", "elbo", "reparam", "train"]
SLOW = 120_000  # ms: a cold start on a loaded 2-core machine is slow
IDLE = "!document.querySelector('[data-testid=\"stStatusWidget\"]')"
# A panel still computing (its spinner shown) is not laid out yet; a fragment's run shows no status widget.
NO_SPINNER = "!document.querySelector('[data-testid=\"stSpinner\"]')"
# Every plotly figure on the page has drawn (plotly marks a figure with _fullLayout once it has).
DRAWN = (
    "[...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
    ".every(c => { const g = c.querySelector('.js-plotly-plot'); return g && g._fullLayout; })"
)


def _settle(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE, timeout=SLOW)
    page.wait_for_function(NO_SPINNER, timeout=SLOW)
    page.wait_for_function(DRAWN, timeout=SLOW)
    page.evaluate("document.fonts.ready.then(() => true)")  # KaTeX's own fonts set a formula's final width
    page.wait_for_timeout(400)  # plotly lays out text (legends, titles) in a frame after it has drawn


PANELS = '[data-testid="stMain"] [role="radiogroup"][aria-label="Panel"] [data-testid="stRadioOption"]'


def _visit_every_tab(page, url: str, path: str):
    """Open one page and show each of its tabs, or each panel of its panel switch (the explorer builds only the
    open panel), in turn; or the page itself when it has neither. Yields a name after each."""
    page.goto(f"{url}/{path}")
    page.wait_for_selector("h1", timeout=SLOW)
    _settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0, f"/{path}: an exception is shown"
    tabs = page.locator('[data-testid="stTab"]')
    panels = page.locator(PANELS)
    n, m = tabs.count(), panels.count()
    if n == 0 and m == 0:
        yield "page"
    for i in range(m):
        name = panels.nth(i).inner_text()
        panels.nth(i).click()
        page.wait_for_function(
            "a => document.querySelectorAll(a[0])[a[1]].parentElement.getAttribute('data-selected') === 'true'",
            arg=[PANELS, i],
        )
        _settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0, f"/{path}, panel {name}: an exception"
        yield name
    for i in range(n):
        name = tabs.nth(i).inner_text()
        tabs.nth(i).click()
        page.wait_for_function(
            "i => document.querySelectorAll('[data-testid=\"stTab\"]')[i].getAttribute('aria-selected') === 'true'",
            arg=i,
        )
        _settle(page)
        yield name


@pytest.mark.parametrize("width,height", [(1400, 1000), (1024, 768)])
def test_no_clipped_formula_cut_plot_text_or_squashed_image(app_url, browser, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    problems = []
    for path in PAGES:
        for _ in _visit_every_tab(page, app_url, path):
            problems += page.evaluate(LAYOUT_JS)
    page.close()
    assert not problems, f"{len(problems)} layout problems at {width}x{height}:\n" + "\n".join(problems)


def test_nothing_is_fetched_from_another_address(app_url, browser):
    own = urlsplit(app_url).netloc
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    requests = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    seen = set()
    for path in PAGES:
        for tab in _visit_every_tab(page, app_url, path):
            seen.add((path, tab))
    context.close()
    assert len(seen) > len(PAGES), "the explorer's and the information page's tabs were visited"
    assert any(urlsplit(u).netloc == own for u in requests), "requests were recorded"
    foreign = sorted({u for u in requests if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != own})
    assert not foreign, "requests left the machine:\n" + "\n".join(foreign)
