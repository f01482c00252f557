"""The latent canvas of one beta grid as a single HTML file that works with no server and no network: the
explorer's "Standalone HTML page" download and `python -m ui.canvas.standalone`.

What the page holds: the canvas's JavaScript (static/, bundled into one module by bundle.py) and CSS, plotly.js
(the plotly package's copy, gzip-compressed, unpacked by the browser), the grid manifest (betas, alignments,
each model's summary metrics) and, per model, its decoder's weights and its layout (posterior means and
log-variances of every input, labels), as base64 little-endian arrays. No encoder, no training images.

Safe to open: text that came from a user (data set and model names) is HTML-escaped, and in the JSON that the
page reads `<`, `>` and `&` are written as \\u escapes, so no data can close a script element. The data is only
ever parsed as JSON; a Content-Security-Policy lets only this page's own script (by its hash) and the plotly.js
it unpacks run (no injected markup can add a script), and allows no request.

`page_html` is pure: the same grid, names and timestamp give the same bytes (the CLI and the button agree).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import functools
import gzip
import hashlib
import html
import json
import math
from pathlib import Path

import numpy as np

from .bundle import STATIC_DIR, bundle
from .grid import Grid, decoder_layout, grid_blob
from .payload import view_limit

ELLIPSES = 40  # inputs whose q(z|x) the ellipse switch draws, as the explorer's default
_DTYPES = {np.dtype("float32"): "F32", np.dtype("int32"): "I32", np.dtype("float64"): "F64"}
_LIKELIHOODS = {"bernoulli": "Bernoulli", "continuous_bernoulli": "continuous Bernoulli", "gaussian": "Gaussian"}


def app_version() -> str:
    from vae_core import __version__

    return __version__


def timestamp() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@functools.lru_cache(maxsize=1)
def _plotly_packed() -> tuple[str, str]:
    """(plotly.js version, the plotly package's plotly.min.js gzip-compressed (mtime 0: same bytes each time)
    in base64)."""
    from .assets import plotly_dir

    js = (plotly_dir() / "plotly.min.js").read_bytes()
    head = js[:200].decode("ascii", "replace")
    version = head.split("plotly.js v", 1)[1].split()[0] if "plotly.js v" in head else "unknown"
    return version, base64.b64encode(gzip.compress(js, compresslevel=9, mtime=0)).decode("ascii")


def _json_for_script(obj) -> str:
    """JSON that can sit inside a <script> element: no `<`, `>` or `&` outside \\u escapes; NaN and
    infinities (which JSON cannot say) become null."""

    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v

    text = json.dumps(clean(obj), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _tensors(path: Path, names=None) -> dict[str, np.ndarray]:
    """Named tensors of a safetensors file (all when names is None), read without torch."""
    from safetensors import safe_open

    with safe_open(str(path), "np") as f:
        return {k: f.get_tensor(k) for k in (names if names is not None else sorted(f.keys()))}


class _Blobs:
    """Base64 arrays, each stored once however many files share it (the layouts' labels, for one)."""

    def __init__(self):
        self.items: list[str] = []
        self.index: dict[bytes, int] = {}

    def add(self, a: np.ndarray) -> dict:
        a = np.ascontiguousarray(a)
        if a.dtype not in _DTYPES:
            raise ValueError(f"cannot put a {a.dtype} array in the page")
        raw = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        key = hashlib.blake2b(_DTYPES[a.dtype].encode() + raw, digest_size=16).digest()
        if key not in self.index:
            self.index[key] = len(self.items)
            self.items.append(base64.b64encode(raw).decode("ascii"))
        return {"dtype": _DTYPES[a.dtype], "shape": list(a.shape), "blob": self.index[key]}


def _limits(grid: Grid) -> tuple:
    """The visible square per stop in the page's dims (0, 1): payload.view_limit of its aligned codes."""
    from vae_core import layouts

    return tuple(view_limit((layouts.read(s.layout).mu @ np.asarray(s.perm))[:, :2]) for s in grid.stops)


def page_light(cfg, dataset: dict, grid: Grid) -> dict:
    """The canvas's settings (as ui.canvas.widget sends them for the explorer's grid), for this page."""
    k = int(cfg.latent_dim)
    names = [f"z{i + 1}" for i in range(k)]
    mean, scale = dataset.get("mean"), dataset.get("scale")
    transform = dataset.get("image_shape") is None and mean is not None and scale is not None
    return {
        "latent_dim": k,
        "dims": [0, 1],
        "z_base": [0.0] * k,
        "dim_names": names,
        "axis_titles": names[:2],
        "image_shape": None if dataset.get("image_shape") is None else [int(v) for v in dataset["image_shape"]],
        "cmap": "gray_r",
        "prior": True,
        "height": 560,
        "slider_range": [-4.0, 4.0],
        "device_label": "this browser",
        "out_mean": [float(v) for v in mean] if transform else None,
        "out_scale": [float(v) for v in scale] if transform else None,
        "out_names": None,
        "hover_interval_ms": 150,
        "epoch": 0,  # the page's view number: this page never changes the view itself, the person does
        "view_limit": None,  # a grid's visible square is per stop (grid.limits)
        "grid": {
            "index": int(grid.index),
            "kl_on": bool(grid.kl_on),
            "off_index": grid.off_index,
            "limits": [float(v) for v in (grid.limits or _limits(grid))],
        },
        "ellipse_n": ELLIPSES,
        "density": False,
        "holes": False,  # each stop's stored holes map (layout format 2), when it has one
        "standalone": True,
    }


def _architecture(cfg) -> str:
    _, dec = cfg.layer_sizes()
    likelihood = _LIKELIHOODS.get(cfg.likelihood, cfg.likelihood)
    return f"decoder {'-'.join(str(v) for v in dec)} ({cfg.activation}), p(x|z) {likelihood}"


def page_html(grid: Grid, cfg, dataset: dict, models, *, written_at: str, version: str | None = None) -> str:
    """The standalone page of a beta grid, as HTML text.

    grid: the canvas's Grid (stops with checkpoint and layout files, alignments, summaries; the stop and KL
    switch it opens on); cfg: the grid's ModelConfig; dataset: {"name", "image_shape", "mean", "scale"} as
    Dataset.describe() writes it; models: one name per stop; written_at: the time shown on the page (the
    only part that differs between two builds of the same grid); version: the app's (vae_core's) version."""
    models = [str(m) for m in models]
    if len(models) != len(grid.stops) or len(grid.stops) < 1:
        raise ValueError(f"one model name per grid stop: {len(models)} names for {len(grid.stops)} stops")
    dec = decoder_layout(cfg)
    if dec["reason"] is not None:
        raise ValueError(f"this grid's decoder cannot run in a browser: {dec['reason']}")
    names = {}
    for i, s in enumerate(grid.stops):
        names[str(s.checkpoint)] = f"inline:decoder-{i}"
        names[str(s.layout)] = f"inline:layout-{i}"
    # The manifest's identity must not depend on where the app keeps its files.
    _, build = grid_blob(dataclasses.replace(grid, name="standalone"), cfg, "plotly", file_url=lambda p: names[str(p)])
    manifest = build()
    blobs, files, n_points, has_holes = _Blobs(), {}, None, True
    decoder_names = [op["param"] + part for op in dec["ops"] if op["op"] == "linear" for part in (".weight", ".bias")]
    for i, s in enumerate(grid.stops):
        files[f"inline:decoder-{i}"] = {k: blobs.add(v) for k, v in _tensors(Path(s.checkpoint), decoder_names).items()}
        lay = _tensors(Path(s.layout))
        files[f"inline:layout-{i}"] = {k: blobs.add(v) for k, v in lay.items()}
        n_points = int(lay["mu"].shape[0])
        has_holes = has_holes and "holes_share" in lay
    light = page_light(cfg, dataset, grid)
    page = {"light": light, "grid": manifest, "files": files, "blobs": blobs.items, "ellipse_n": ELLIPSES}
    plotly_version, plotly_b64 = _plotly_packed()
    script = bundle("standalone.js")
    for bad in ("</script", "<!--"):
        if bad in script.lower():
            raise ValueError(f"the canvas's JavaScript contains {bad!r}, which would end the page's script early")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (
        # 'unsafe-eval': plotly.js's WebGL layer (regl) compiles its draw calls with new Function. It lets the
        # scripts that run compile code; it runs nothing by itself, and no data is ever given to eval.
        f"default-src 'none'; script-src 'sha256-{digest}' blob: 'unsafe-eval'; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'"
    )
    css = (STATIC_DIR / "canvas.css").read_text(encoding="utf-8") + (STATIC_DIR / "standalone.css").read_text(
        encoding="utf-8"
    )
    e = html.escape
    holes_box = (
        '<label><input type="checkbox" id="sa-holes"> Holes: where the prior\'s mass finds no code</label>\n'
        if has_holes
        else ""
    )
    ds_name = str(dataset.get("name") or "data")
    shape = dataset.get("image_shape")
    what = f"{n_points:,} inputs" + (f", {shape[0]}x{shape[1]} images" if shape else "")
    betas = ", ".join(f"{s.beta:g}" for s in grid.stops)
    model_items = "".join(f"<li><code>{e(m)}</code> (β = {s.beta:g})</li>" for m, s in zip(models, grid.stops))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{e(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="VAE latent explorer {e(version or app_version())}">
<title>Latent space of {e(ds_name)}: {len(models)} VAEs across the KL weight</title>
<style>{css}</style></head>
<body><main class="sa-page">
<header class="sa-head">
<h1>Latent space of <span class="sa-dataset">{e(ds_name)}</span> across the KL weight β</h1>
<p>{len(models)} variational autoencoders that differ only in β ({betas}), trained on <b>{e(ds_name)}</b>
({e(what)}); {e(_architecture(cfg))}, {int(cfg.latent_dim)}-D latent space. Move the β slider and flip the KL switch;
hover the plane to decode any z in this browser.</p>
<p class="sa-meta">Written by the VAE latent explorer {e(version or app_version())} on <time>{e(written_at)}</time>.
This page needs no server and makes no network request.</p>
</header>
<div class="sa-controls">
<label><input type="checkbox" id="sa-ellipses" checked> Ellipses: q(z|x) at 1 and 2 σ for {ELLIPSES} inputs</label>
<label><input type="checkbox" id="sa-prior" checked> Prior contours</label>
<label><input type="checkbox" id="sa-density"> Aggregate posterior density</label>
{holes_box}</div>
<div id="lc-app" class="sa-app"></div>
<footer class="sa-foot">
<h2>What is inside this file</h2>
<ul>
<li>For each model, its decoder's weights (float32; no encoder) and its layout: the posterior mean and log-variance
of each of the {n_points:,} inputs, their labels, {"its holes map, " if has_holes else ""}and its summary scores
with their standard errors. No image of the data set is stored: every image on this page is decoded here, in your
browser. The models:<ul>{model_items}</ul></li>
<li>The explorer's canvas code (JavaScript, CSS) and plotly.js {e(plotly_version)} (MIT license), compressed.</li>
</ul></footer></main>
<script type="application/json" id="lc-page">{_json_for_script(page)}</script>
<script type="application/octet-stream" id="lc-plotly">{plotly_b64}</script>
<script type="module">{script}</script>
</body></html>
"""


# ------------------------------------------------------------------------------------------ command line
def shipped_grid(dataset: str, models_dir, model: str | None = None, beta: float | None = None, kl_on: bool = True):
    """The explorer's grid of shipped models for a data set, from files alone: (Grid, ModelConfig, dataset
    description, model names). model: the file stem whose architecture the grid has (default: the beta = 1
    VAE, the explorer's default); beta: the stop the page opens on (default: that model's)."""
    from vae_core import InputError, align, checkpoints, layouts
    from vae_core.config import ModelConfig

    from .grid import GridStop

    rows = []
    for path in sorted(Path(models_dir).glob("*.safetensors")):
        try:
            meta = checkpoints.read_meta(path)
        except InputError:
            continue
        beta_of = (meta.get("train") or {}).get("beta")
        same_data = (meta.get("dataset") or {}).get("name") == dataset
        if same_data and meta["model"]["kind"] == "vae" and beta_of is not None:
            rows.append((path, meta, float(beta_of)))
    if not rows:
        raise InputError(f"no VAE checkpoint of the data set {dataset!r} in {models_dir}.")
    if model is None:
        pick = next((r for r in rows if r[2] == 1.0), rows[0])
    else:
        pick = next((r for r in rows if r[0].stem == model), None)
        if pick is None:
            raise InputError(f"no model {model!r} for {dataset!r}; there are: {', '.join(r[0].stem for r in rows)}.")
    by_beta = {r[2]: r for r in rows if r[1]["model"] == pick[1]["model"]}
    by_beta[pick[2]] = pick  # the chosen model wins its beta, as in the explorer
    betas = sorted(by_beta)
    lays = []
    for b in betas:
        lay = layouts.load(by_beta[b][0])
        if lay is None:
            raise InputError(f"{by_beta[b][0]} has no current layout: run `python -m vae_core layouts` first.")
        lays.append(lay)
    perms, _ = align.grid_permutations([lay.mu for lay in lays], betas)
    stops = tuple(
        GridStop(b, by_beta[b][0], layouts.path_for(by_beta[b][0]), perm, lay.summary)
        for b, lay, perm in zip(betas, lays, perms)
    )
    start = pick[2] if beta is None else float(beta)
    if start not in betas:
        raise InputError(f"beta {start:g} is not in the grid; it has {', '.join(f'{b:g}' for b in betas)}.")
    grid = Grid(stops, betas.index(start), kl_on, betas.index(0.0) if 0.0 in betas else None)
    return grid, ModelConfig.from_dict(pick[1]["model"]), pick[1]["dataset"], [by_beta[b][0].stem for b in betas]


def main(argv=None) -> int:
    import argparse
    import sys

    from vae_core import InputError

    root = Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(
        prog="python -m ui.canvas.standalone",
        description="Write the latent explorer of one data set's beta grid as a single HTML file (no server needed).",
    )
    ap.add_argument("--dataset", default="digits", help="data set of the shipped models (default: digits)")
    ap.add_argument("--out", required=True, help="the .html file to write")
    ap.add_argument("--model", help="a model whose architecture the grid has (file stem; default: the beta=1 VAE)")
    ap.add_argument("--beta", type=float, help="the KL weight the page opens on (default: the model's)")
    ap.add_argument("--kl-off", action="store_true", help="open with the KL term switched off")
    ap.add_argument("--models-dir", default=str(root / "models"), help="where the checkpoints are (default: models/)")
    args = ap.parse_args(argv)
    try:
        grid, cfg, dataset, names = shipped_grid(args.dataset, args.models_dir, args.model, args.beta, not args.kl_off)
        text = page_html(grid, cfg, dataset, names, written_at=timestamp())
    except (InputError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.write_bytes(text.encode("utf-8"))
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB): {len(names)} models of {dataset['name']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
