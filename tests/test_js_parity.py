"""No Python/JavaScript twins that can drift: the browser's decoder and view limit against the library's.

The canvas's JavaScript (ui/canvas/static/*.js) runs here in Node.js, on fixed weights:
- the decoder (data.js MLP, executing vae_core.model.decoder_ops) equals VAE.decode within 1e-5 for every
  hidden-layer activation (vae_core.model.ACTIVATIONS) and every likelihood (vae_core.config.Likelihood);
- the view limit the canvas draws is the number Python computed (ui.explorer.plane.view_limit): the page has
  no rule of its own.
Skipped without Node.js; tests/test_browser_canvas.py runs the same decoder check in Chromium (CI).
"""

from __future__ import annotations

import html
import itertools
import json
import re
import shutil
import subprocess
from typing import get_args

import numpy as np
import pytest
import torch
from conftest import ROOT

from ui.canvas.payload import decoder_payload_of
from vae_core import ModelConfig
from vae_core.config import Likelihood
from vae_core.densities import LINKS, MEAN_LINKS
from vae_core.model import ACTIVATIONS, VAE, decoder_ops, init_parameters

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js (tests/test_browser_canvas.py runs in Chromium)")
STATIC = ROOT / "ui" / "canvas" / "static"


def run_js(module: str, body: str, args) -> object:
    """Import static/<module> in Node (with `window` defined, as in a page), run `body` (an async function
    body that sees `m`, the module, and `args`) and return what it returns."""
    script = (
        "globalThis.window = globalThis;\n"
        f"const m = await import({json.dumps((STATIC / module).as_uri())});\n"
        "let input = '';\nfor await (const c of process.stdin) input += c;\n"
        "const args = JSON.parse(input);\n"
        f"const out = await (async () => {{ {body} }})();\n"
        "process.stdout.write(JSON.stringify(out));\n"
    )
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script], input=json.dumps(args), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def model_with(activation: str, likelihood: str, small_logits: bool = False) -> VAE:
    model = VAE(ModelConfig(input_dim=12, latent_dim=3, hidden=(16, 8), likelihood=likelihood, activation=activation))
    init_parameters(model, torch.Generator().manual_seed(7))
    if small_logits:  # logits mostly within +-0.1: the continuous Bernoulli mean's series branch
        with torch.no_grad():
            last = model.decoder[-1]
            last.weight.mul_(0.02)
            last.bias.mul_(0.02)
    return model


CASES = [(a, lik, False) for a, lik in itertools.product(ACTIVATIONS, get_args(Likelihood))]
CASES.append(("relu", "continuous_bernoulli", True))


def test_the_cases_cover_every_op_the_library_has():
    ops = {op["op"] for a, lik, _ in CASES for op in decoder_ops(model_with(a, lik).config)}
    assert ops == {"linear"} | set(ACTIVATIONS) | set(LINKS)
    assert set(MEAN_LINKS) == set(get_args(Likelihood)) and set(MEAN_LINKS.values()) == set(LINKS)


@pytest.mark.parametrize("activation,likelihood,small_logits", CASES)
def test_js_decoder_equals_torch(activation, likelihood, small_logits):
    model = model_with(activation, likelihood, small_logits)
    rng = np.random.default_rng(3)
    z = np.concatenate([rng.normal(0, 2.0, (30, 3)), np.zeros((1, 3)), np.full((1, 3), 9.0), np.full((1, 3), -9.0)])
    payload = decoder_payload_of(model)
    assert payload["supported"], payload["reason"]
    js = np.array(
        run_js("data.js", "return m.decodeWithPayload(args.payload, args.zs);", {"payload": payload, "zs": z.tolist()})
    )
    with torch.no_grad():
        ref = model.decode(torch.as_tensor(z, dtype=torch.float32)).numpy()
    assert js.shape == ref.shape
    assert np.abs(js - ref).max() <= 1e-5
    if small_logits:
        with torch.no_grad():
            raw = model.decode_raw(torch.as_tensor(z, dtype=torch.float32)).numpy()
        assert (np.abs(raw) < 0.1).mean() > 0.5, "most outputs take the series branch"


def test_js_refuses_an_op_it_does_not_know():
    payload = decoder_payload_of(model_with("relu", "bernoulli"))
    payload["ops"] = [{**op, "op": "softsign"} if op["op"] == "relu" else op for op in payload["ops"]]
    err = run_js(
        "data.js",
        "try { m.decodeWithPayload(args.payload, [[0, 0, 0]]); return null; } catch (e) { return String(e.message); }",
        {"payload": payload},
    )
    assert err is not None and "softsign" in err


@pytest.mark.parametrize("beta", [1.0, 8.0])
def test_the_canvas_shows_the_metrics_words_python_wrote(beta):
    """The canvas's "This model" panel (static/beta.js MetricsPanel) shows ui.scores.panel's title, numbers,
    notes and collapse warning for a shipped grid model, and no words of its own."""
    from ui import scores
    from vae_core import layouts

    s = layouts.read(layouts.path_for(ROOT / "models" / f"digits-vae-beta{beta:g}.safetensors")).summary
    panel = scores.panel(s, beta)
    shown = run_js(
        "beta.js",
        "const box = {innerHTML: ''}; new m.MetricsPanel(box).show(args.s, args.beta, null); return box.innerHTML;",
        {"s": {**s, "panel": panel}, "beta": beta},
    )
    text = lambda pattern: [html.unescape(t) for t in re.findall(pattern, shown, re.S)]  # noqa: E731
    assert text(r'<div class="lc-mhead[^"]*">(.*?)</div>') == [panel["title"], panel["bars"]["title"]]
    assert text(r'<div class="lc-mnote">(.*?)</div>') == panel["notes"]
    assert text(r"<small>(.*?)</small>") == [m["label"] for m in panel["metrics"]]
    assert text(r'<b data-metric="[a-z_]+">(.*?)</b>') == [m["value"] for m in panel["metrics"]]
    assert text(r"<em>(.*?)</em>") == panel["bars"]["labels"]
    assert text(r'<div class="lc-warn">(.*?)</div>') == ([panel["warning"]] if panel["warning"] else [])
    assert (panel["warning"] is not None) == (beta == 8.0), "the beta = 8 model has collapsed"
    # Everything between the tags is one of Python's strings.
    words = {html.unescape(w) for w in re.sub(r"<[^>]+>", "\n", shown).split("\n") if w.strip()}
    said = {panel["title"], panel["bars"]["title"], *panel["notes"], *panel["bars"]["names"], *panel["bars"]["labels"]}
    said |= {m[k] for m in panel["metrics"] for k in ("label", "value")} | {panel["warning"]}
    assert {w.strip() for w in words} <= said
