"""What the benchmarks share: the page probe that times server-decoded images (browser benches; the canvas's
hook itself is tests/browser.py's CANVAS), and how every bench prints its result (JSON on stdout, and to --out
when given)."""

from __future__ import annotations

import json
from pathlib import Path

# Records when each server-decoded image (by its sequence number) reaches the page, on the in-page clock.
SEEN = """() => { window.__seen = {};
  const look = () => { const el = document.querySelector('[data-testid="decoded-image"]');
    const seq = el && el.dataset.seq;
    if (seq && !(seq in window.__seen)) window.__seen[seq] = performance.now(); };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, attributes: true}); }"""


def emit(result, out: str | Path | None, indent: int = 2) -> None:
    """Print the result as JSON, and write the same text to `out` when given."""
    text = json.dumps(result, indent=indent)
    print(text)
    if out:
        Path(out).write_text(text + "\n")
