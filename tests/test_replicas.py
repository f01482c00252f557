"""Serving beyond one process: two app servers on different ports over the same checkout both serve the
explorer (what replicas behind a sticky-session load balancer need), and neither writes to models/."""

from __future__ import annotations

import hashlib

import pytest
from browser import CANVAS, NEEDS_CHROMIUM, ROOT, Server

pytestmark = NEEDS_CHROMIUM
pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")


def _models_digest() -> str:
    h = hashlib.sha256()
    for p in sorted(q for q in (ROOT / "models").rglob("*") if q.is_file()):  # models/layouts/ is a folder
        h.update(str(p.relative_to(ROOT)).encode() + p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def replicas(request):
    servers = []
    for _ in range(2):
        srv = Server(ROOT / "app.py")
        request.addfinalizer(srv.stop)
        servers.append(srv)
    return servers


def test_two_replicas_over_one_checkout_both_serve_the_explorer(replicas, browser):
    before = _models_digest()
    assert replicas[0].port != replicas[1].port
    for srv in replicas:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(f"{srv.url}/explorer")
        page.wait_for_selector('h1:has-text("Latent explorer")', timeout=180_000)
        page.wait_for_function(f"{CANVAS} && {CANVAS}.ready", timeout=180_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.close()
    assert _models_digest() == before  # models are read-only files: replicas can share them
    assert all(srv.proc.poll() is None for srv in replicas)
