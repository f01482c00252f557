"""Command line: `python -m vae_core train | sweep | pretrain | layouts | info` (arguments are parsed only in
`main`; each subcommand's work is in vae_core.commands).

User errors (bad arguments, data, configs or files, a diverged run) print one message on stderr and exit
with status 2; nothing is written in that case.
"""

from __future__ import annotations

import argparse
import sys
from typing import get_args

from . import commands
from .commands import EXIT_PARTIAL, parse_hidden
from .config import Activation, Kind, Likelihood, ModelConfig, TrainConfig
from .errors import InputError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


# ---- parser ----


def _model_options(p: argparse.ArgumentParser, sweep: bool) -> None:
    from . import data

    # Every choice comes from the library's own lists (the config's Literal types, the dataset registry), so a
    # new likelihood or dataset reaches the command line without an edit here.
    m, t = ModelConfig(), TrainConfig()
    p.add_argument(
        "--dataset",
        default="digits",
        help=f"built-in dataset ({', '.join(data.names())}) or a data file path (default: digits)",
    )
    p.add_argument("--kind", choices=get_args(Kind), default=m.kind, help=f"default: {m.kind}")
    p.add_argument("--latent", type=int, default=m.latent_dim, help=f"latent dimensions (default: {m.latent_dim})")
    p.add_argument(
        "--hidden",
        nargs="+",
        default=[str(w) for w in m.hidden],
        metavar="WIDTH",
        help="hidden layer widths: '256 128' or '256,128'; 'none' or '' for linear maps "
        f"(default: {' '.join(map(str, m.hidden))})",
    )
    p.add_argument("--activation", choices=get_args(Activation), default=m.activation, help=f"default: {m.activation}")
    p.add_argument(
        "--likelihood",
        choices=get_args(Likelihood),
        default=None,
        help="default: bernoulli for data in [0, 1] (images), gaussian otherwise",
    )
    p.add_argument(
        "--obs-var",
        type=float,
        default=m.obs_var,
        help=f"variance c of the Gaussian likelihood N(f(z), cI) (default: {m.obs_var:g})",
    )
    if not sweep:
        p.add_argument("--beta", type=float, default=t.beta, help=f"KL weight (default: {t.beta:g})")
    p.add_argument("--epochs", type=int, default=t.epochs, help=f"default: {t.epochs}")
    p.add_argument("--batch-size", type=int, default=t.batch_size, help=f"default: {t.batch_size}")
    p.add_argument("--lr", type=float, default=t.lr, help=f"Adam learning rate (default: {t.lr:g})")
    p.add_argument("--seed", type=int, default=t.seed, help=f"default: {t.seed}")
    _run_options(p, device="auto", threads=1)
    p.add_argument(
        "--distributed",
        action="store_true",
        help="one rank of a torchrun job: train spreads one model over the ranks with DistributedDataParallel "
        "(--batch-size is the global batch), sweep spreads the betas; gloo on CPU, NCCL on CUDA",
    )


def _run_options(p: argparse.ArgumentParser, device: str, threads: int = 1) -> None:
    p.add_argument("--device", default=device, help=f"auto, cpu, cuda or mps (default: {device})")
    # One thread by default: these models are small, so extra threads add synchronisation, not speed, and
    # they collapse when other processes share the cores (README, "Command line"). pretrain also needs the
    # fixed count for its bytes: float reductions depend on the thread count.
    p.add_argument("--threads", type=int, default=threads, help=f"CPU threads for torch (default: {threads})")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vae_core", description="Train, sweep, rebuild and inspect vae_core autoencoders."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("train", help="train one model and save it as .safetensors")
    _model_options(p, sweep=False)
    p.add_argument("--out", required=True, metavar="FILE.safetensors", help="where to save the model")
    p.set_defaults(func=commands.cmd_train)

    p = sub.add_parser(
        "sweep",
        help="train one VAE per KL weight (beta) together and save each",
        epilog="Files are named {dataset}-{kind}-beta{beta}.safetensors. Exit status 1 when some "
        "betas diverged (the others are saved), 2 when nothing could be trained.",
    )
    _model_options(p, sweep=True)
    p.add_argument("--betas", nargs="+", required=True, metavar="BETA", help="e.g. 0,0.5,1,4 or 0 0.5 1 4")
    p.add_argument("--out-dir", required=True, metavar="DIR")
    p.set_defaults(func=commands.cmd_sweep)

    from .pretrain import RECIPES

    p = sub.add_parser("pretrain", help="rebuild the shipped models deterministically from their recipes")
    p.add_argument("--out-dir", default="models", metavar="DIR", help="default: models")
    p.add_argument(
        "--only", choices=sorted({r.dataset for r in RECIPES}), default=None, help="rebuild one dataset's models only"
    )
    p.add_argument("--epochs", type=int, default=None, help=argparse.SUPPRESS)  # quick runs for tests
    _run_options(p, device="cpu", threads=1)
    p.set_defaults(func=commands.cmd_pretrain)

    p = sub.add_parser("layouts", help="store each VAE checkpoint's encoded layout and metrics in DIR/layouts/")
    p.add_argument("--models-dir", default="models", metavar="DIR", help="default: models")
    p.set_defaults(func=commands.cmd_layouts)

    p = sub.add_parser("info", help="print a checkpoint's config, training settings, dataset and metrics")
    p.add_argument("file", metavar="FILE.safetensors")
    p.add_argument("--json", action="store_true", help="print the raw metadata as JSON")
    p.set_defaults(func=commands.cmd_info)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 partly failed sweep, 2 user error, 130 interrupted)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
    except OSError as e:  # unreadable input or unwritable output: the user can fix the path
        print(f"error: {e.strerror or e} ({e.filename})" if e.filename else f"error: {e}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted; nothing more was saved.", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_USER_ERROR


__all__ = ["EXIT_INTERRUPTED", "EXIT_PARTIAL", "EXIT_USER_ERROR", "build_parser", "main", "parse_hidden"]
