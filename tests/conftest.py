"""Shared test fixtures: paths, a helper to run the real app in Streamlit's AppTest, and one polling helper.

pyproject.toml puts the repository root and tests/ on the import path (pytest's `pythonpath` setting).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent

# The models under test are tiny: one intra-op thread is as fast as two and leaves the other core to the
# Streamlit servers that browser tests start.
torch.set_num_threads(1)


def wait_for(condition, timeout: float = 120.0, what: str = "the condition", interval: float = 0.05):
    """Poll condition() until it returns something truthy, and return that; fail after `timeout` seconds.

    The timeout only bounds a hung test: no test asserts how long anything takes."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
    return result


def pytest_collection_modifyitems(items):
    """Every test that drives Chromium carries the `browser` marker (deselect with -m "not browser")."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) or item.module.__name__.startswith("test_browser"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def app():
    """The real app (app.py) in AppTest, already run once (home page)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


PAGES_DIR = "app_pages"


def open_page(at, name: str):
    """Switch the AppTest to a page by file stem (e.g. "explorer") and run it."""
    at.switch_page(f"{PAGES_DIR}/{name}.py")
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright, one per test module (see tests/browser.py for flags)."""
    from browser import CHROMIUM, CHROMIUM_ARGS

    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app_url(request):
    """The real app (`streamlit run app.py`) on a free loopback port, one server per test module, stopped after it."""
    from browser import Server

    srv = Server(ROOT / "app.py")
    request.addfinalizer(srv.stop)
    return srv.url
