"""Shared test fixtures: paths and a helper to run the real app in Streamlit's AppTest."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent

# The models under test are tiny: one intra-op thread is as fast as two and leaves the other core to the
# Streamlit servers that browser tests start.
torch.set_num_threads(1)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


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
