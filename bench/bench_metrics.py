"""Benchmark of the latent-regularity estimators (metrics.summary): error against an every-row reference with many
more draws, spread over seeds, cost on MNIST-5k, and the stored layouts' scores (the README's table).

    python bench/bench_metrics.py [--quick]

Prints one JSON object. One torch thread, CPU. Targets (from the project's issue): |summary - reference| <= 0.03,
seeds 0-3 on mnist-vae-beta1 ranging <= 0.02 (completeness) and <= 0.015 (continuity), summary <= 3 s CPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import emit  # noqa: E402  (bench/ is the script's own folder, first on sys.path)

from vae_core import checkpoints, data, layouts, metrics, samples  # noqa: E402

REF_DRAWS = 65_536
REF_PAIRS = 8_192
MODELS = ["digits-vae-beta0", "digits-vae-beta0.1", "digits-vae-beta1", "digits-vae-beta8"] + [
    f"mnist-vae-beta{b}" for b in ("0", "0.1", "1", "8")
]


def load(name: str):
    model, meta = checkpoints.load(ROOT / "models" / f"{name}.safetensors")
    return model, data.load(meta["dataset"]["name"])


def accuracy(name: str, model, ds) -> dict:
    s = metrics.summary(model, ds.x, seed=0)
    ref_comp = metrics.completeness(model, ds.x, n=REF_DRAWS, seed=101, n_precision=10)
    ref_cont = metrics.continuity(model, ds.x, n_pairs=REF_PAIRS, steps=metrics.SUMMARY_STEPS, seed=101)
    old = metrics.summary(model, ds.x, seed=0, max_points=1000)  # rows subsampled as before (draws as now)
    return {
        "completeness": s["completeness"]["score"],
        "completeness_se": s["completeness"]["se"],
        "completeness_reference": ref_comp["score"],
        "completeness_reference_se": ref_comp["se"],
        "completeness_error": abs(s["completeness"]["score"] - ref_comp["score"]),
        "completeness_on_1000_rows": old["completeness"]["score"],
        "continuity": s["continuity"]["score"],
        "continuity_se": s["continuity"]["se"],
        "continuity_reference": ref_cont["score"],
        "continuity_reference_se": ref_cont["se"],
        "continuity_error": abs(s["continuity"]["score"] - ref_cont["score"]),
        "mutual_information": s["mutual_information"],
        "mi_se": s["mi_se"],
        "mi_upper_bound": s["mi_upper_bound"],
        "mi_growth": s["mi_growth"],
        "mi_saturated": s["mi_saturated"],
        "mi_on_1000_rows": old["mutual_information"],
        "kl": s["kl"],
        "marginal_kl": s["marginal_kl"],
    }


def seed_spread(name: str, seeds=range(4)) -> dict:
    model, ds = load(name)
    rows = [metrics.summary(model, ds.x, seed=s) for s in seeds]
    comp = [r["completeness"]["score"] for r in rows]
    cont = [r["continuity"]["score"] for r in rows]
    return {
        "model": name,
        "seeds": list(seeds),
        "completeness": comp,
        "continuity": cont,
        "completeness_range": max(comp) - min(comp),
        "continuity_range": max(cont) - min(cont),
    }


def timing(name: str, repeats: int = 3) -> dict:
    model, ds = load(name)
    metrics.summary(model, ds.x)  # warm-up (imports, allocator)
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        metrics.summary(model, ds.x)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    c0, w0 = time.process_time(), time.perf_counter()
    layouts.build(model, ds)  # what a server does for a stale or absent layout (stored classifier)
    build_cpu, build_wall = time.process_time() - c0, time.perf_counter() - w0
    return {
        "model": name,
        "rows": ds.n,
        "summary_cpu_s_median": statistics.median(cpu),
        "summary_cpu_s": cpu,
        "summary_wall_s": wall,
        "layout_build_cpu_s": build_cpu,
        "layout_build_wall_s": build_wall,
    }


def stored_table() -> list[dict]:
    """The README's scores table: every shipped VAE's stored layout; the autoencoders measured here."""
    rows = []
    for ck in sorted((ROOT / "models").glob("*.safetensors"), key=_order):
        lay = layouts.load(ck)
        if lay is None:
            model, ds = load(ck.stem)
            if model.is_vae:
                raise SystemExit(f"{ck.name}: no current layout; run python -m vae_core layouts")
            s = metrics.summary(model, ds.x)
            summ = layouts.compact_summary(s)
        else:
            summ = lay.summary
        rows.append({"model": ck.stem, **{k: v for k, v in summ.items() if k not in ("message", "kl_per_dim")}})
    return rows


def _order(path: Path) -> tuple:
    """data set, then the VAEs by beta, then the other models: the README's order."""
    name = path.stem
    ds, _, rest = name.partition("-")
    plain = rest.startswith("vae-beta")
    return (ds, not plain, float(rest[len("vae-beta") :]) if plain else 0.0, name)


def classifiers() -> dict:
    out = {}
    for path in sorted((ROOT / "models" / "layouts").glob("*-classifier.safetensors")):
        clf = samples.load_classifier(path)
        out[path.name] = {"accuracy": clf.accuracy, "n_train": clf.n_train, "n_test": clf.n_test}
    return out


def markdown(rows: list[dict]) -> str:
    def pm(v, se, digits=3):
        return "–" if v is None else f"{v:.{digits}f} ± {se:.{digits}f}"

    lines = [
        "| model | continuity | completeness | I(x;z) | log N | recon | KL |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        mi = "–" if r["mutual_information"] is None else pm(r["mutual_information"], r["mi_se"], 2)
        if r.get("mi_saturated"):
            mi += " (cap)"
        log_n = "–" if r["mi_upper_bound"] is None else f"{r['mi_upper_bound']:.2f}"
        cont, comp = pm(r["continuity"], r["continuity_se"]), pm(r["completeness"], r["completeness_se"])
        lines.append(f"| {r['model']} | {cont} | {comp} | {mi} | {log_n} | {r['reconstruction']:.2f} | {r['kl']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="two models only (for a smoke run)")
    ap.add_argument("--markdown", action="store_true", help="print the README's scores table instead of JSON")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.markdown:
        print(markdown(stored_table()))
        return
    load_before = os.getloadavg()
    names = MODELS[:1] + MODELS[-2:-1] if args.quick else MODELS
    out = {
        "conditions": {"torch_threads": 1, "device": "cpu", "cores": os.cpu_count(), "loadavg_before": load_before},
        "reference": {"prior_draws": REF_DRAWS, "pairs": REF_PAIRS, "rows": "all"},
        "accuracy": {n: accuracy(n, *load(n)) for n in names},
        "seed_spread": seed_spread("mnist-vae-beta1"),
        "timing": timing("mnist-vae-beta1"),
        "classifiers": classifiers(),
        "stored_layouts": stored_table(),
    }
    acc = out["accuracy"].values()
    sp = out["seed_spread"]
    out["targets"] = {
        "max_error_completeness": max(a["completeness_error"] for a in acc),
        "max_error_continuity": max(a["continuity_error"] for a in acc),
        "error_target": 0.03,
        "completeness_seed_range": sp["completeness_range"],
        "completeness_range_target": 0.02,
        "continuity_seed_range": sp["continuity_range"],
        "continuity_range_target": 0.015,
        "summary_cpu_s_mnist": out["timing"]["summary_cpu_s_median"],
        "summary_cpu_target_s": 3.0,
    }
    out["conditions"]["loadavg_after"] = os.getloadavg()
    emit(out, None, indent=1)


if __name__ == "__main__":
    main()
