"""The standalone page (ui.canvas.standalone): what the file holds, that user text cannot become markup or
code, its size for the shipped grids, the command line, and the JavaScript bundler behind it."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import numpy as np
import pytest
from conftest import ROOT, open_page
from safetensors import safe_open

from ui.canvas import bundle, standalone
from ui.canvas.payload import view_limit
from vae_core import InputError, align, checkpoints, layouts

MODELS = ROOT / "models"
BETAS = [0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0]
STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">&amp;'


@pytest.fixture(scope="module")
def digits():
    return standalone.shipped_grid("digits", MODELS)


def _page(text: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="lc-page">(.*?)</script>', text, re.S).group(1))


def _tensor(page: dict, file: str, name: str) -> np.ndarray:
    t = page["files"][file][name]
    dtype = {"F32": "<f4", "I32": "<i4", "F64": "<f8"}[t["dtype"]]
    return np.frombuffer(base64.b64decode(page["blobs"][t["blob"]]), dtype).reshape(t["shape"])


def test_the_cli_grid_is_the_explorers(digits):
    grid, cfg, dataset, names = digits
    assert [s.beta for s in grid.stops] == BETAS
    assert names == [f"digits-vae-beta{b:g}" for b in BETAS]
    assert BETAS[grid.index] == 1.0 and grid.kl_on and grid.off_index == 0
    assert dataset["name"] == "digits" and dataset["image_shape"] == [8, 8] and cfg.likelihood == "bernoulli"
    # The alignment the explorer uses (tests/test_browser_explorer.py computes it the same way).
    perms, _ = align.grid_permutations([layouts.read(s.layout).mu for s in grid.stops], BETAS)
    assert all(np.array_equal(p, s.perm) for p, s in zip(perms, grid.stops))


def test_the_page_holds_each_decoder_and_layout_exactly(digits):
    grid, cfg, dataset, names = digits
    text = standalone.page_html(grid, cfg, dataset, names, written_at="2026-01-01 00:00:00 UTC", version="9.9")
    page = _page(text)
    stops = page["grid"]["stops"]
    assert [s["beta"] for s in stops] == BETAS
    for i, s in enumerate(grid.stops):
        model, _ = checkpoints.load(s.checkpoint)
        assert stops[i]["checkpoint"] == f"inline:decoder-{i}" and stops[i]["layout"] == f"inline:layout-{i}"
        held = page["files"][stops[i]["checkpoint"]]
        assert sorted(held) == sorted(f"decoder.{k}" for k in model.decoder.state_dict())  # no encoder
        for name, value in model.decoder.state_dict().items():
            assert np.array_equal(_tensor(page, stops[i]["checkpoint"], f"decoder.{name}"), value.numpy())
        lay = layouts.read(s.layout)
        assert np.array_equal(_tensor(page, stops[i]["layout"], "mu"), lay.mu)
        assert np.array_equal(_tensor(page, stops[i]["layout"], "labels"), lay.labels)
        with safe_open(str(s.layout), "np") as f:  # every array of the layout, the holes map among them
            assert "holes_share" in f.keys()
            for k in f.keys():
                assert np.array_equal(_tensor(page, stops[i]["layout"], k), f.get_tensor(k)), k
    # The labels are the same in every layout: stored once.
    assert len({page["files"][f"inline:layout-{i}"]["labels"]["blob"] for i in range(len(BETAS))}) == 1
    light = page["light"]
    assert light["standalone"] and {k: light["grid"][k] for k in ("index", "kl_on", "off_index")} == {
        "index": 4,
        "kl_on": True,
        "off_index": 0,
    }
    # The visible square per stop is Python's (ui.canvas.payload.view_limit of the aligned codes): the page
    # has no rule of its own.
    limits = [view_limit((layouts.read(s.layout).mu @ s.perm)[:, :2]) for s in grid.stops]
    assert light["grid"]["limits"] == pytest.approx(limits, abs=1e-12)
    # The page names what it holds and who wrote it.
    assert "VAE latent explorer 9.9" in text and "2026-01-01 00:00:00 UTC" in text and 'id="sa-holes"' in text
    assert all(f"<code>{n}</code>" in text for n in names)


def test_only_the_pages_own_script_may_run(digits):
    text = standalone.page_html(*digits, written_at="t")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1).replace("&#x27;", "'")
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert "connect-src" not in csp  # no fetch of anything (default-src 'none')
    # Inline scripts run only by hash (an injected <script> would not); eval only because plotly's regl needs it.
    assert re.search(r"script-src 'sha256-[^']+' blob: 'unsafe-eval';", csp)
    script = re.search(r'<script type="module">(.*)</script>\s*</body>', text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    # The other two script elements are data blocks, which browsers never run.
    assert re.findall(r"<script[^>]*>", text) == [
        '<script type="application/json" id="lc-page">',
        '<script type="application/octet-stream" id="lc-plotly">',
        '<script type="module">',
    ]


def test_user_text_is_escaped_everywhere(digits):
    grid, cfg, dataset, names = digits
    text = standalone.page_html(
        grid, cfg, {**dataset, "name": HOSTILE}, [HOSTILE + n for n in names], written_at=HOSTILE
    )
    assert HOSTILE not in text and "<img" not in text
    assert len(re.findall(r"<script", text)) == 3
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in text
    # In the JSON the page reads, no '<' '>' or '&' survive as such: nothing can end the data block early.
    data = re.search(r'id="lc-page">(.*?)</script>', text, re.S).group(1)
    assert not set("<>&") & set(data)


@pytest.mark.parametrize(("dataset", "limit_mb"), [("digits", 5), ("mnist", 15)])
def test_the_shipped_grids_fit_the_size_limits(dataset, limit_mb):
    grid, cfg, ds, names = standalone.shipped_grid(dataset, MODELS)
    assert len(grid.stops) == 8
    size = len(standalone.page_html(grid, cfg, ds, names, written_at="t").encode())
    assert size <= limit_mb * 1_000_000, f"{dataset}: {size / 1e6:.2f} MB"


def test_the_cli_writes_the_page(tmp_path, digits, capsys):
    out = tmp_path / "digits.html"
    assert standalone.main(["--dataset", "digits", "--out", str(out)]) == 0
    written = out.read_text(encoding="utf-8")
    assert len(STAMP.findall(written)) == 1
    same = standalone.page_html(*digits, written_at="2000-01-01 00:00:00 UTC")
    assert STAMP.sub("T", written) == STAMP.sub("T", same)
    assert "wrote" in capsys.readouterr().out


def test_the_cli_refuses_what_it_cannot_build(tmp_path, capsys):
    out = tmp_path / "x.html"
    assert standalone.main(["--dataset", "no-such-data", "--out", str(out)]) == 2
    assert standalone.main(["--dataset", "digits", "--beta", "3", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no VAE checkpoint of the data set 'no-such-data'" in err and "beta 3 is not in the grid" in err
    assert not out.exists()
    with pytest.raises(InputError, match="no model 'nope'"):
        standalone.shipped_grid("digits", MODELS, model="nope")


def test_the_bundle_holds_every_part_the_page_imports():
    text = bundle.bundle("standalone.js")
    for part in ("data", "plot", "grid", "beta", "draw", "input", "server", "canvas", "standalone"):
        assert f"const __lc_{part} = (() => {{" in text
    assert not re.search(r"^\s*(import|export)\b", text, re.M)
    # Dependencies come before the parts that use them.
    assert text.index("const __lc_data =") < text.index("const __lc_grid =") < text.index("const __lc_canvas =")


def test_the_bundler_refuses_forms_it_does_not_handle(tmp_path):
    (tmp_path / "a.js").write_text('import { b } from "./b.js";\nexport const a = b;\n')
    (tmp_path / "b.js").write_text('import { a } from "./a.js";\nexport const b = 1;\n')
    with pytest.raises(ValueError, match="import cycle"):
        bundle.bundle("a.js", tmp_path)
    unsupported = ("export default 1;\n", "const x = 1;\nexport { x };\n", 'import x from "./y.js";\n')
    unsupported += ("import('./y.js');\n",)
    for src in unsupported:
        (tmp_path / "c.js").write_text(src)
        with pytest.raises(ValueError, match="cannot bundle"):
            bundle.bundle("c.js", tmp_path)
    (tmp_path / "d.js").write_text('import { e as f } from "./e.js";\nexport function d() { return f; }\n')
    (tmp_path / "e.js").write_text("export const e = 2;\n")
    assert "const { e: f } = __lc_e;" in bundle.bundle("d.js", tmp_path)


def test_the_explorer_offers_the_page_with_the_canvas_settings_it_shows(app, digits):
    open_page(app, "explorer")
    labels = [b.proto.label for b in app.get("download_button")]
    assert "Standalone HTML page" in labels
    # The page hands the canvas every setting the explorer hands it (a new one must reach the page too),
    # with the explorer's values where the page has no reason to differ.
    shown = json.loads(app.get("bidi_component")[0].proto.json)
    grid, cfg, dataset, _ = digits
    light = standalone.page_light(cfg, dataset, grid)
    served_only = {"key", "module_url", "css_url", "plotly_url", "blobs", "payloads", "server_hover"}
    assert set(shown) - served_only <= set(light), set(shown) - served_only - set(light)
    for k in ("latent_dim", "dims", "z_base", "dim_names", "axis_titles", "image_shape", "cmap", "prior", "grid"):
        assert light[k] == shown[k], k


def test_a_grid_trained_here_on_user_data_makes_a_page(tmp_path):
    """As the explorer does for a session's own beta grid: models trained now, their checkpoints and layouts
    written to a folder of the app's, a user's data set name. Standardized 2-D data: the page shows bars in
    data units, so it carries the standardization."""
    from ui.canvas.grid import Grid, GridStop
    from vae_core import ModelConfig, TrainConfig, data, train
    from vae_core.dataset import from_array

    moons = data.load("moons")
    ds = from_array(moons.x * moons.scale + moons.mean, y=moons.y, name=HOSTILE)
    assert ds.mean is not None and ds.image_shape is None
    cfg = ModelConfig(kind="vae", input_dim=2, latent_dim=2, hidden=(16,), likelihood="gaussian", obs_var=0.1)
    betas = [0.5, 1.0]
    fitted = train.fit_many(ds, cfg, TrainConfig(epochs=3, batch_size=256), betas=betas, device="cpu")
    files = []
    for b, (model, _) in zip(betas, fitted):
        ck = checkpoints.save(model, tmp_path / f"mine-{b:g}.safetensors")
        digest = layouts.file_digest(ck)
        files.append((ck, layouts.make(model, ds, tmp_path / "layouts" / f"{digest}.safetensors", digest)))
    perms, _ = align.grid_permutations([layouts.read(lp).mu for _, lp in files], betas)
    stops = tuple(GridStop(b, ck, lp, p, layouts.read(lp).summary) for b, (ck, lp), p in zip(betas, files, perms))
    text = standalone.page_html(Grid(stops, 1), cfg, ds.describe(), ["mine 0.5", HOSTILE], written_at="t")
    assert HOSTILE not in text and "<img" not in text
    page = _page(text)
    light = page["light"]
    assert light["image_shape"] is None and light["grid"]["index"] == 1 and light["grid"]["kl_on"]
    assert light["grid"]["off_index"] is None and len(light["grid"]["limits"]) == 2
    assert np.allclose(light["out_mean"], ds.mean) and np.allclose(light["out_scale"], ds.scale)
    assert 'id="sa-holes"' in text and _tensor(page, "inline:layout-1", "holes_share").shape == (48, 48)
    first = fitted[1][0].decoder[0].weight.detach().numpy()
    assert np.array_equal(_tensor(page, "inline:decoder-1", "decoder.0.weight"), first)
