"""What each `python -m vae_core` subcommand does (train, sweep, pretrain, layouts, info), from parsed
arguments; vae_core.cli builds the parser and maps errors to exit codes. The work itself is in the library
modules, imported inside each command so that `--help` stays fast."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

from .config import ModelConfig, TrainConfig, parse_betas
from .errors import InputError

EXIT_PARTIAL = 1  # a sweep saved some models; others diverged


# ---- argument values ----


def _numbers(tokens, what: str, kind):
    """Tokens like ["256", "128"], ["256,128"] or ["none"] -> a tuple of numbers (() for none or "")."""
    parts = [p.strip() for tok in (tokens or []) for p in str(tok).split(",")]
    parts = [p for p in parts if p]
    if len(parts) == 1 and parts[0].lower() == "none":
        return ()
    try:
        return tuple(kind(p) for p in parts)
    except ValueError:
        noun = "whole numbers" if kind is int else "numbers"
        raise InputError(f"{what} must be {noun} separated by spaces or commas, got {' '.join(tokens)!r}.") from None


def parse_hidden(tokens) -> tuple[int, ...]:
    """--hidden 256 128 | 256,128 | none | "" -> (256, 128) | ... | () (a linear model)."""
    return _numbers(tokens, "--hidden", int)


def load_dataset(spec: str):
    """A built-in name (digits, mnist, ...) or the path of a data file (csv, npy, npz, idx, zip of images)."""
    from . import data

    if spec in data.names():
        return data.load(spec)
    p = Path(spec)
    if p.is_file():
        return data.load_file(p)
    raise InputError(
        f"--dataset {spec!r} is neither a built-in dataset ({', '.join(data.names())}) nor an "
        "existing file (csv, npy, npz, MNIST idx or a zip of images)."
    )


def _dataset_tag(spec: str) -> str:
    """A file-name-safe name for a dataset argument (a path becomes its stem)."""
    name = Path(spec).stem if ("/" in spec or "." in spec) else spec
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "data"


def _configs(args, ds) -> tuple[ModelConfig, TrainConfig]:
    likelihood = args.likelihood or ds.default_likelihood
    cfg = ModelConfig(
        kind=args.kind,
        input_dim=ds.dim,
        latent_dim=args.latent,
        hidden=parse_hidden(args.hidden),
        likelihood=likelihood,
        obs_var=args.obs_var,
        activation=args.activation,
    )
    beta = getattr(args, "beta", TrainConfig().beta)  # a sweep sets beta per model
    tcfg = TrainConfig(beta=beta, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed)
    return cfg, tcfg


def _check_out(path, what: str) -> None:
    """Refuse an output location that cannot work before spending time on training."""
    p = Path(path)
    if what == "file" and p.is_dir():
        raise InputError(f"--out {str(p)!r} is a folder; give a file name such as {str(p / 'model.safetensors')!r}.")
    if what == "dir" and p.exists() and not p.is_dir():
        raise InputError(f"--out-dir {str(p)!r} is a file; give a folder.")
    parent = next((q for q in [p if what == "dir" else p.parent, *p.parents] if q.exists()), None)
    if parent is not None and not os.access(parent, os.W_OK):
        raise InputError(f"cannot write under {str(parent)!r} (permission denied); choose another location.")


def _set_threads(n: int) -> None:
    import torch

    if n < 1:
        raise InputError(f"--threads must be at least 1, got {n}.")
    torch.set_num_threads(n)


def _fmt(v, spec=".2f") -> str:
    return "-" if v is None else format(v, spec)


# ---- commands ----


def _join(args):
    """The torch.distributed context under `--distributed` (this process is one torchrun rank), else None."""
    if not getattr(args, "distributed", False):
        return None
    from . import distributed

    return distributed.init(args.device)


def _progress(total: int, desc: str, args, ctx):
    """A tqdm bar on stderr; under torchrun only rank 0 shows one."""
    from tqdm import tqdm

    if ctx is not None:
        desc += f" (rank 0 of {ctx.world}, {ctx.backend})"
    return tqdm(total=total, unit="epoch", desc=desc, file=sys.stderr, disable=args.quiet or not _is_main(ctx))


def _is_main(ctx) -> bool:
    return ctx is None or ctx.is_main


def _prepare(args, out, what: str):
    """What train and sweep check and build before training: threads, the output location, the data, the
    configs, the device; then the torchrun context (None outside torchrun). Returns (ds, cfg, tcfg, ctx)."""
    from . import devices

    _set_threads(args.threads)
    _check_out(out, what)
    ds = load_dataset(args.dataset)
    cfg, tcfg = _configs(args, ds)
    if not args.distributed:
        devices.pick_device(args.device)  # fail on a bad device before training
    return ds, cfg, tcfg, _join(args)


def cmd_train(args) -> int:
    from . import checkpoints, distributed, train

    ds, cfg, tcfg, ctx = _prepare(args, args.out, "file")
    try:
        with _progress(tcfg.epochs, f"train {ds.name}", args, ctx) as bar:

            def on_epoch(epoch: int, rec: dict) -> None:
                bar.set_postfix(loss=f"{rec['loss']:.3f}", elbo=_fmt(rec["elbo"], ".3f"), kl=f"{rec['kl']:.2f}")
                bar.update(1)

            if ctx is None:
                model, history = train.fit(ds, cfg, tcfg, device=args.device, on_epoch=on_epoch)
            else:
                model, history = distributed.fit_ddp(ds, cfg, tcfg, ctx, on_epoch=on_epoch if ctx.is_main else None)
        if not _is_main(ctx):
            return 0
        meta = {"command": "train"} | ({"world_size": ctx.world} if ctx else {})
        path = checkpoints.save(model, args.out, meta=meta)
    finally:
        distributed.shutdown()
    last = history[-1]
    print(
        f"saved {path} ({cfg.kind}, {cfg.n_parameters():,} parameters, {len(history)} epochs"
        + (f", {ctx.world} ranks" if ctx else "")
        + f"); last epoch: ELBO {_fmt(last['elbo'], '.3f')}, recon {last['recon']:.3f}, KL {last['kl']:.3f} "
        "nats/sample"
    )
    return 0


def _spread_sweep(ds, cfg, tcfg, betas, ctx, on_epoch) -> list | None:
    """Under torchrun: this rank trains betas rank, rank + world, ... with fit_many; rank 0 gets every
    (model, history) back in the order of betas (as checkpoint bytes), the other ranks get None."""
    from . import distributed, train

    mine = distributed.my_betas(betas, ctx)
    results = train.fit_many(ds, cfg, tcfg, [betas[i] for i in mine], ctx.device, on_epoch) if mine else []
    merged = distributed.gather_to_main(list(zip(mine, train.pack(results), strict=True)), ctx)
    return None if merged is None else train.unpack(merged)


def cmd_sweep(args) -> int:
    from . import checkpoints, distributed, train

    betas = parse_betas(args.betas)
    if args.kind != "vae":
        raise InputError("a sweep over beta needs --kind vae: the KL weight plays no role in a plain autoencoder.")
    ds, cfg, tcfg, ctx = _prepare(args, args.out_dir, "dir")
    try:
        n_here = len(betas) if ctx is None else len(distributed.my_betas(betas, ctx))
        with _progress(tcfg.epochs, f"sweep {ds.name} x{n_here}", args, ctx) as bar:

            def on_epoch(epoch: int, recs: list) -> None:
                alive = [r for r in recs if r is not None]
                elbos = [r["elbo"] for r in alive if r["elbo"] is not None]
                bar.set_postfix(models=len(alive), best_elbo=_fmt(max(elbos) if elbos else None, ".3f"))
                bar.update(1)

            if ctx is None:
                results = train.fit_many(ds, cfg, tcfg, betas, device=args.device, on_epoch=on_epoch)
            else:
                results = _spread_sweep(ds, cfg, tcfg, betas, ctx, on_epoch if ctx.is_main else None)
    finally:
        distributed.shutdown()
    if results is None:
        return 0  # a rank other than 0: rank 0 writes the files
    tag = _dataset_tag(args.dataset)
    out_dir = Path(args.out_dir)
    diverged = []
    for beta, (model, history) in zip(betas, results, strict=True):
        if model is None:
            diverged.append(beta)
            print(f"warning: {history.diverged}", file=sys.stderr)
            continue
        path = checkpoints.save(
            model, out_dir / f"{tag}-{cfg.kind}-beta{beta:g}.safetensors", meta={"command": "sweep"}
        )
        last = history[-1]
        print(f"saved {path}: ELBO {_fmt(last['elbo'], '.3f')}, recon {last['recon']:.3f}, KL {last['kl']:.3f}")
    if diverged:
        listed = ", ".join(f"{b:g}" for b in diverged)
        if len(diverged) == len(betas):
            raise InputError(f"every run diverged (beta {listed}); nothing was saved. Try a smaller --lr.")
        print(f"warning: beta {listed} diverged and were not saved; the others were.", file=sys.stderr)
        return EXIT_PARTIAL
    return 0


def cmd_pretrain(args) -> int:
    from tqdm import tqdm

    from . import pretrain

    _set_threads(args.threads)
    _check_out(args.out_dir, "dir")
    recipes = pretrain.recipes_for(args.only)
    t0 = time.perf_counter()
    for recipe in recipes:
        epochs = args.epochs or recipe.train.epochs
        r0 = time.perf_counter()
        with tqdm(total=epochs, unit="epoch", desc=recipe.name, file=sys.stderr, disable=args.quiet) as bar:

            def on_epoch(epoch: int, recs: list, bar=bar) -> None:
                alive = [r for r in recs if r is not None]
                if alive:
                    bar.set_postfix(models=len(alive), loss=f"{alive[-1]['loss']:.3f}")
                bar.update(1)

            paths = pretrain.run_recipe(recipe, args.out_dir, device=args.device, epochs=args.epochs, on_epoch=on_epoch)
        print(f"{recipe.name}: {len(paths)} file(s) in {time.perf_counter() - r0:.1f} s", file=sys.stderr)
    print(f"pretrain finished in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    # The explorer's first paint reads each checkpoint's stored layout; one made for an older file is ignored,
    # so rebuild them here rather than leave every fresh server to recompute them.
    from . import layouts

    layouts.rebuild(args.out_dir)
    names = {f for r in recipes for f in r.filenames()}
    rows = [r for r in pretrain.shipped_table(args.out_dir) if r["file"] in names]
    print(pretrain.format_table(rows))
    return 0


def cmd_layouts(args) -> int:
    from . import layouts

    _set_threads(1)
    for path in layouts.rebuild(args.models_dir):
        print(path)
    return 0


def cmd_info(args) -> int:
    from . import checkpoints

    model, rec = checkpoints.load(args.file)
    if args.json:
        print(json.dumps(rec, indent=2))
        return 0
    m, t, d = rec.get("model") or {}, rec.get("train") or {}, rec.get("dataset") or {}
    size = Path(args.file).stat().st_size
    print(f"file:     {args.file} ({size:,} bytes, format version {rec.get('format_version')})")
    print("model:    " + ", ".join(f"{k}={v}" for k, v in m.items()) + f" ({model.config.n_parameters():,} parameters)")
    if t:
        print("training: " + ", ".join(f"{k}={v}" for k, v in t.items()) + f", epochs_done={rec.get('epochs_done')}")
    if d:
        shape = d.get("image_shape")
        print(
            f"dataset:  {d.get('name')} ({d.get('n')} samples x {d.get('dim')} features"
            + (f", images {shape[0]}x{shape[1]}" if shape else "")
            + (", standardized" if d.get("standardized") else "")
            + ")"
        )
    met = rec.get("metrics") or {}
    if met:
        print(
            f"metrics:  ELBO {_fmt(met.get('elbo'), '.3f')}, recon {_fmt(met.get('recon'), '.3f')}, "
            f"KL {_fmt(met.get('kl'), '.3f')} nats/sample (training data, last epoch)"
        )
        if met.get("kl_per_dim"):
            print("          KL per latent dim: " + ", ".join(f"{v:.3f}" for v in met["kl_per_dim"]))
    extra = rec.get("extra") or {}
    if extra:
        print(f"extra:    {json.dumps(extra)}")
    return 0
