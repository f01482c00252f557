"""Refusal-cost benchmark (not a test): full-size hostile files, each loaded in a fresh process. Prints JSON.

For each case: the verdict (InputError, or loaded), the wall time of the load call, and the process's peak
resident memory above what it held before the call (VmHWM after, less VmRSS before, with the peak reset
through /proc/self/clear_refs first; Linux only), in MB. The cases are the classes of the
second hostile corpus (issue 12) at or just inside the documented limits, plus the slowest refusals we know
of: a CSV or an image ZIP of the largest accepted size whose very last value or image is broken.

Usage: python bench/bench_refusals.py [--only NAME] [--out FILE]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from common import emit  # noqa: E402  (bench/ is the script's own folder, first on sys.path)

MB = 2**20


def _cases() -> dict:
    """name -> (filename, builder() -> bytes, loader: "data" or "checkpoint")."""
    import filemakers as fm
    import numpy as np

    img = np.random.default_rng(0).integers(0, 256, size=(8, 8), dtype=np.uint8)
    png = fm.image(img)

    def zip_stored(members: dict[str, bytes]) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for name, content in members.items():
                zf.writestr(name, content)
        return buf.getvalue()

    def last_image_broken(n: int) -> bytes:
        members = {f"{k:06d}.png": png for k in range(n - 1)}
        members[f"{n - 1:06d}.png"] = png[:60]
        return zip_stored(members)

    def npz_listing() -> bytes:
        buf = io.BytesIO()
        np.savez(buf, **{f"a{k}": np.zeros(1) for k in range(20_000)})
        return buf.getvalue()

    def checkpoint_emoji_header() -> bytes:
        import struct

        head = json.dumps({"__metadata__": {"vae_core": "\U0001f600" * 240_000}}, ensure_ascii=False).encode()
        return struct.pack("<Q", len(head)) + head

    def checkpoint_last_nan() -> bytes:
        import torch

        from vae_core import ModelConfig, checkpoints
        from vae_core.model import empty

        model = empty(ModelConfig(kind="vae", input_dim=50_000, latent_dim=2, hidden=(480,), likelihood="gaussian"))
        with torch.no_grad():
            for p in model.parameters():
                p.zero_()
            model.decoder[-1].bias[-1] = float("nan")
        return checkpoints.to_bytes(model)

    zeros_row = b"0," * 4095 + b"0\n"
    return {
        "csv one 150 MB line": ("l.csv", lambda: b"1," * (75 * MB) + b"1\n", "data"),
        "csv 125 MB over the value limit": ("v.csv", lambda: zeros_row * 15_300, "data"),
        "csv 60M values, last value bad": ("b.csv", lambda: zeros_row * 14_647 + b"0," * 4095 + b"1..2\n", "data"),
        "csv 60M values, last line text": ("t.csv", lambda: zeros_row * 14_647 + b"0," * 4095 + b"x\n", "data"),
        "csv 60M values (loads)": ("ok.csv", lambda: zeros_row * 14_648, "data"),
        "csv 200 MB of blank lines": ("n.csv", lambda: b"\n" * (199 * MB), "data"),
        "gzip of 190 MB blank lines": ("n.csv.gz", lambda: gzip.compress(b"\n" * (190 * MB), 9), "data"),
        "gzip 500k empty members": ("m.gz", lambda: fm.gzip_members([b""] * 500_000), "data"),
        "zip bzip2 member 3 GB": (
            "b.zip",
            lambda: fm.zip_with({"x.npy": b"\0" * (300 * MB)}, zipfile.ZIP_BZIP2),
            "data",
        ),
        "zip png with 10M empty chunks": (
            "p.zip",
            lambda: zip_stored({"a.png": fm.png_chunks(img, 10_000_000)}),
            "data",
        ),
        "zip jpeg with 10M empty segments": (
            "j.zip",
            lambda: zip_stored({"a.jpg": fm.jpeg_segments(img, 10_000_000)}),
            "data",
        ),
        "zip 200k images, last broken": ("i.zip", lambda: last_image_broken(200_000), "data"),
        "npz with 20,000 arrays": ("n.npz", npz_listing, "data"),
        "npy 60M float64 values, last NaN": ("f.npy", lambda: _npy_last_nan(np), "data"),
        "checkpoint header 960 KB of emoji": ("e.safetensors", checkpoint_emoji_header, "checkpoint"),
        "checkpoint 48M weights, last one NaN": ("n.safetensors", checkpoint_last_nan, "checkpoint"),
    }


def _npy_last_nan(np) -> bytes:
    x = np.zeros((20_000, 1250))  # 25M float64 values = 200 MB, the file limit
    x[-1, -1] = np.nan
    buf = io.BytesIO()
    np.save(buf, x)
    return buf.getvalue()[: 200 * MB]


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {key} in /proc/self/status")


def _child(path: str, kind: str) -> None:
    import torch

    torch.set_num_threads(1)
    from vae_core import InputError, checkpoints, data

    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) left by importing torch
    before = _status_kb("VmRSS")
    t0 = time.perf_counter()
    try:
        (data.load_file if kind == "data" else checkpoints.load)(path)
        verdict, message = "loaded", ""
    except InputError as e:
        verdict, message = "InputError", str(e)
    except BaseException as e:  # noqa: BLE001 (the point is to report anything that is not an InputError)
        verdict, message = type(e).__name__, str(e)
    seconds = time.perf_counter() - t0
    peak = (_status_kb("VmHWM") - before) / 1024
    print(
        json.dumps({"verdict": verdict, "seconds": round(seconds, 2), "peak_mb": round(peak), "message": message[:160]})
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=None, help="run the cases whose name contains this text")
    ap.add_argument("--out", default=None)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return _child(*args.child)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (filename, build, kind) in _cases().items():
            if args.only and args.only not in name:
                continue
            path = Path(tmp) / filename
            path.write_bytes(build())
            size = path.stat().st_size
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(path), kind], capture_output=True, text=True, timeout=300
            )
            try:
                results[name] = {"file_mb": round(size / MB, 2), **json.loads(out.stdout.strip().splitlines()[-1])}
            except (IndexError, json.JSONDecodeError):
                results[name] = {"file_mb": round(size / MB, 2), "verdict": "crashed", "stderr": out.stderr[-300:]}
            path.unlink()
            print(name, json.dumps(results[name]), file=sys.stderr, flush=True)
    emit(results, args.out, indent=1)


if __name__ == "__main__":
    main()
