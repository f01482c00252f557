"""Shared test fixtures: paths and a helper to run the real app in Streamlit's AppTest."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
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


PAGES_DIR = "pages"


def open_page(at, name: str):
    """Switch the AppTest to a page by file stem (e.g. "explorer") and run it."""
    at.switch_page(f"{PAGES_DIR}/{name}.py")
    at.run()
    assert not at.exception, at.exception
    return at
