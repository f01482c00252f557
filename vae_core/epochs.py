"""The parts of the training loop that train.fit_many (stacked models in one process) and distributed.fit_ddp
(one model over torchrun ranks) share, so that both draw the same numbers from a seed and write the same
records: the seeded start, each epoch's minibatches and noise, the per-epoch record, the History, and what a
trained model keeps about its training. Randomness comes only from the torch.Generators made here: the app
runs browser sessions as threads of one process, so nothing touches the global RNG."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import torch

from .config import ModelConfig, TrainConfig
from .dataset import Dataset
from .model import VAE, empty, init_parameters


class History(list):
    """Per-epoch records (dicts with "epoch", "recon", "kl", "kl_per_dim", "elbo" (None for an AE), "loss",
    "seconds"), all in nats per sample on the training data, averaged over the epoch's minibatches. `diverged`
    holds the reason when training stopped on a non-finite loss, `stopped` is True when should_stop ended it
    early."""

    diverged: str | None = None
    stopped: bool = False

    @classmethod
    def of(cls, records, diverged: str | None = None, stopped: bool = False) -> History:
        """A History rebuilt from its records and flags (as they come back from another process)."""
        out = cls(records)
        out.diverged, out.stopped = diverged, stopped
        return out


@dataclass
class Run:
    """One training's start: the initialised model (on the CPU), the data on the device, the generators."""

    model: VAE
    x: torch.Tensor  # (n, input_dim) float32 on the training device
    batch_size: int
    gen: torch.Generator  # initialization and the per-epoch permutations (CPU)
    noise: torch.Generator  # the reparameterization noise: `gen` itself on the CPU, a seed + 1 one on a device
    t0: float = field(default_factory=time.perf_counter)


def start(ds: Dataset, cfg: ModelConfig, tcfg: TrainConfig, device: torch.device) -> Run:
    """The seeded start every training shares: the same initialization, data order and noise for one seed."""
    gen = torch.Generator().manual_seed(tcfg.seed)
    model = empty(cfg)
    init_parameters(model, gen)
    x = torch.tensor(ds.x, dtype=torch.float32, device=device)
    noise = gen if device.type == "cpu" else torch.Generator(device=device).manual_seed(tcfg.seed + 1)
    return Run(model, x, min(tcfg.batch_size, x.shape[0]), gen, noise)


def minibatches(run: Run, latent_dim: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """One epoch: a fresh permutation of the rows, then per minibatch (row indices (b,), noise eps (b, latent_dim))."""
    dev = run.x.device
    perm = torch.randperm(run.x.shape[0], generator=run.gen).to(dev)
    for s in range(0, run.x.shape[0], run.batch_size):
        idx = perm[s : s + run.batch_size]
        yield idx, torch.randn(idx.shape[0], latent_dim, generator=run.noise, device=dev)


def record(epoch: int, means: torch.Tensor, is_vae: bool, t0: float) -> dict:
    """The epoch's record from its per-sample means (2 + latent_dim,): loss, recon, then KL per dimension.

    ELBO = -(recon + KL) (the beta = 1 bound, whatever beta trained the model); an autoencoder has none."""
    kl_d = means[2:]
    return {
        "epoch": epoch,
        "loss": float(means[0]),
        "recon": float(means[1]),
        "kl": float(kl_d.sum()),
        "kl_per_dim": [float(v) for v in kl_d],
        "elbo": -float(means[1] + kl_d.sum()) if is_vae else None,
        "seconds": time.perf_counter() - t0,
    }


def trained_info(tcfg: TrainConfig, ds: Dataset, history: History) -> dict:
    """What a trained model keeps about its training (model.info; checkpoints.save stores it)."""
    return {
        "train": tcfg.to_dict(),
        "dataset": ds.describe(),
        "metrics": {k: history[-1][k] for k in ("elbo", "recon", "kl", "kl_per_dim")},
        "epochs_done": len(history),
    }


__all__ = ["History", "Run", "minibatches", "record", "start", "trained_info"]
