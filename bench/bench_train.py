"""Training-speed benchmark (not a test): prints JSON.

1. Default digits VAE: wall time of train.fit with the default TrainConfig (issue target: < 5 s on 2 cores).
2. fit_many with 8 betas vs one fit, same epochs and batch: ratio of wall times (target <= 2).
3. Ours vs a plain reference loop written like pytorch/examples' VAE (DataLoader, batch 128, Adam 1e-3, same
   architecture, summed BCE + KL): the target is the full-data ELBO of our default run; each side's time to
   come within 1% of it (ours: the shortest fresh fit that gets there; the reference: epoch by epoch,
   evaluation not counted). Issue target: ours >= 3x faster. On digits and on MNIST.

Usage: python bench/bench_train.py [--quick] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import emit  # noqa: E402  (bench/ is the script's own folder, first on sys.path)

from vae_core import ModelConfig, TrainConfig, data, objectives, train  # noqa: E402
from vae_core.model import VAE, init_parameters  # noqa: E402

BETAS = [0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0]


def full_elbo(model, x) -> float:
    g = torch.Generator().manual_seed(123)
    return float(objectives.elbo(model, x, n_samples=4, generator=g).mean())


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def reference_loop(ds, cfg, target_elbo: float, max_epochs: int, budget_s: float) -> dict:
    """pytorch/examples vae/main.py, adapted: DataLoader over a TensorDataset, batch 128, Adam(lr=1e-3)."""
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    model = VAE(cfg)
    init_parameters(model, torch.Generator().manual_seed(0))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x_all = torch.tensor(ds.x)
    loader = DataLoader(TensorDataset(x_all), batch_size=128, shuffle=True)
    spent, history = 0.0, []
    for epoch in range(1, max_epochs + 1):
        t0 = time.perf_counter()
        model.train()
        for (xb,) in loader:
            opt.zero_grad()
            raw, mu, logvar, _ = model(xb)
            bce = torch.nn.functional.binary_cross_entropy_with_logits(raw, xb, reduction="sum")
            kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
            (bce + kld).backward()
            opt.step()
        spent += time.perf_counter() - t0
        elbo = full_elbo(model, x_all)  # evaluation is not counted
        history.append(elbo)
        if elbo >= target_elbo - 0.01 * abs(target_elbo):
            return {"reached": True, "epochs": epoch, "seconds": spent, "elbo": elbo}
        if spent > budget_s:
            break
    return {"reached": False, "epochs": len(history), "seconds": spent, "elbo": history[-1]}


def time_to_reach(ds, cfg, tcfg, band: float, epoch_grid) -> dict:
    """Fresh fits with more and more epochs: the first whose full-data ELBO is within the band, and its time."""
    x = torch.tensor(ds.x)
    for epochs in epoch_grid:
        (model, _), secs = timed(lambda e=epochs: train.fit(ds, cfg, tcfg.replace(epochs=e), device="cpu"))
        elbo = full_elbo(model, x)
        if elbo >= band:
            return {"reached": True, "epochs": epochs, "seconds": secs, "elbo": elbo, "settings": tcfg.to_dict()}
    return {"reached": False, "epochs": epochs, "seconds": secs, "elbo": elbo, "settings": tcfg.to_dict()}


def bench_dataset(name: str, tcfg: TrainConfig, fast: TrainConfig, hidden, budget_s: float) -> dict:
    """Target: the full-data ELBO our default settings reach; everyone's time to come within 1% of it."""
    ds = data.load(name)
    cfg = ModelConfig(input_dim=ds.dim, latent_dim=2, hidden=hidden)
    (model, _), secs = timed(lambda: train.fit(ds, cfg, tcfg, device="cpu"))
    target = full_elbo(model, torch.tensor(ds.x))
    band = target - 0.01 * abs(target)
    grid = [5, 10, 15, 20, 25, 30, 40, 50, 60, 80]
    ours = time_to_reach(ds, cfg, tcfg, band, grid)
    ours_fast = time_to_reach(ds, cfg, fast, band, grid)
    ref = reference_loop(ds, cfg, target, max_epochs=2000, budget_s=budget_s)
    best = min((r for r in (ours, ours_fast) if r["reached"]), key=lambda r: r["seconds"], default=None)
    return {
        "dataset": name,
        "target_elbo": target,
        "band": band,
        "default_run": {"seconds": secs},
        "ours_default": ours,
        "ours_tuned": ours_fast,
        "reference": ref,
        "speedup": (ref["seconds"] / best["seconds"]) if ref["reached"] and best else None,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip MNIST")
    ap.add_argument("--out", help="also write the JSON here")
    ap.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's own choice)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    ds = data.load("digits")
    cfg = ModelConfig(input_dim=ds.dim)
    tcfg = TrainConfig()
    train.fit(ds, cfg, tcfg.replace(epochs=2), device="cpu")  # warm-up (allocator, kernels)
    runs = [timed(lambda: train.fit(ds, cfg, tcfg, device="cpu"))[1] for _ in range(3)]
    out["default_digits_fit_seconds"] = {"runs": runs, "median": sorted(runs)[1], "settings": tcfg.to_dict()}
    # Interleaved and repeated: the machine's speed drifts, so compare medians of alternating runs.
    ones, manys = [], []
    for _ in range(3):
        ones.append(timed(lambda: train.fit(ds, cfg, tcfg, device="cpu"))[1])
        manys.append(timed(lambda: train.fit_many(ds, cfg, tcfg, BETAS, device="cpu"))[1])
    one, many = sorted(ones)[1], sorted(manys)[1]
    out["fit_many_8_vs_fit"] = {"fit_seconds": ones, "fit_many_seconds": manys, "ratio_of_medians": many / one}
    # Larger batches use the CPU's matrix units better: on digits, batch 512 with lr 8e-3 reaches the default
    # run's ELBO about 1.5x sooner (measured); on MNIST batch 128 stays best, so it is not the general default.
    out["vs_reference"] = [bench_dataset("digits", tcfg, tcfg.replace(batch_size=512, lr=8e-3), (256,), 120)]
    if not args.quick:
        mnist_cfg = TrainConfig(epochs=30, batch_size=128, lr=2e-3)
        out["vs_reference"].append(bench_dataset("mnist", mnist_cfg, mnist_cfg.replace(lr=3e-3), (512,), 400))
    emit(out, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
