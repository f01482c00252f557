"""Training beyond one process: one model with DistributedDataParallel over `torchrun` ranks, and a beta sweep
spread over ranks (gloo on CPU, NCCL on CUDA).

`train.fit_many` trains stacked copies of the parameters in one process; DDP wants one nn.Module, so this
module has its own step, inside the epoch loop's shared parts (vae_core.epochs: the seeded start, minibatches,
noise and records), which keep fit's seed rules exactly. Every rank draws the same
initialization, the same per-epoch permutation and the same per-step noise from one torch.Generator seeded
with tcfg.seed, and rank r takes the strided shard `batch[r::world]` of each global minibatch (the split
torch's DistributedSampler uses). Each rank's loss is its shard's sum divided by the global batch size and
multiplied by the world size, so DDP's gradient average is the gradient of the global minibatch mean: with
batch_size = the global batch, a run on N ranks takes the same steps as `fit` in one process, up to float
rounding (tests/test_distributed.py checks the final ELBO and the weights).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from . import epochs
from .config import ModelConfig, TrainConfig
from .data import Dataset
from .densities import log_likelihood
from .epochs import History
from .errors import InputError, TrainingDiverged
from .model import VAE
from .objectives import kl_per_dim
from .train import _check_fit_args

TORCHRUN_HINT = "torchrun --nproc_per_node N -m vae_core train ... --distributed"


@dataclass(frozen=True)
class Context:
    """Where this process sits in the job: rank in [0, world), the device it trains on, the backend used."""

    rank: int
    world: int
    local_rank: int
    device: torch.device
    backend: str

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init(device: str = "auto") -> Context:
    """Join the process group that torchrun describes in the environment (RANK, WORLD_SIZE, LOCAL_RANK,
    MASTER_ADDR, MASTER_PORT). CUDA uses NCCL with one GPU per local rank; CPU uses gloo."""
    if "WORLD_SIZE" not in os.environ or "RANK" not in os.environ:
        raise InputError(f"--distributed runs under torchrun, which sets RANK and WORLD_SIZE: {TORCHRUN_HINT}.")
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    name = str(device)
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    base = name.split(":")[0]
    if base == "cuda":
        # Not run on this project's machines (no GPU was lent): the path follows torch's DDP tutorial.
        if not torch.cuda.is_available() or not dist.is_nccl_available():
            raise InputError("--device cuda with --distributed needs CUDA and NCCL, which this machine lacks.")
        if local_rank >= torch.cuda.device_count():
            raise InputError(
                f"local rank {local_rank} has no GPU: this node has {torch.cuda.device_count()}; "
                "use --nproc_per_node at most the number of GPUs."
            )
        torch.cuda.set_device(local_rank)
        dev, backend = torch.device("cuda", local_rank), "nccl"
    elif base == "cpu":
        dev, backend = torch.device("cpu"), "gloo"
    else:
        raise InputError(f"--distributed trains on 'cpu' (gloo) or 'cuda' (NCCL), not {name!r}.")
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return Context(dist.get_rank(), dist.get_world_size(), local_rank, dev, backend)


def shutdown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def shard(batch_idx: torch.Tensor, rank: int, world: int) -> torch.Tensor:
    """This rank's part of one global minibatch: positions rank, rank + world, ... (every sample on exactly one
    rank; sizes differ by at most one when the batch does not divide evenly)."""
    return batch_idx[rank::world]


class _Objective(nn.Module):
    """Wraps a VAE so that DDP sees one forward: the shard's summed loss terms for given noise eps."""

    def __init__(self, model: VAE):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, eps: torch.Tensor, beta: float):
        """x (n, d), eps (n, latent) -> summed loss, summed recon (nats), summed KL per dim (latent,)."""
        mu, logvar = self.model.encode(x)
        z = self.model.reparameterize(mu, logvar, eps=eps)
        kl = torch.zeros_like(mu) if logvar is None else kl_per_dim(mu, logvar)
        cfg = self.model.config
        recon = -log_likelihood(x, self.model.decode_raw(z), cfg.likelihood, cfg.obs_var)
        kl_sum = kl.sum(0)
        return recon.sum() + beta * kl_sum.sum(), recon.sum(), kl_sum


def fit_ddp(
    ds: Dataset,
    cfg: ModelConfig,
    tcfg: TrainConfig,
    ctx: Context,
    on_epoch: Callable[[int, dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[VAE, History]:
    """Train one model with DDP over ctx's ranks; tcfg.batch_size is the global batch. Returns the same
    (model, history) on every rank; history records are global (all ranks' samples), as in `fit`.

    Raises TrainingDiverged on every rank when any rank's loss turns NaN/Inf; should_stop() on any rank
    stops all of them after the current step."""
    _check_fit_args(ds, cfg, [tcfg.beta])
    dev = ctx.device
    run = epochs.start(ds, cfg, tcfg, dev)  # the same draws as train.fit, so the start is identical
    model = run.model.to(dev)
    ddp = nn.parallel.DistributedDataParallel(_Objective(model), device_ids=[dev.index] if dev.type == "cuda" else None)
    opt = torch.optim.Adam(ddp.parameters(), lr=tcfg.lr, fused=dev.type in ("cpu", "cuda"))
    history, latent = History(), cfg.latent_dim
    for epoch in range(1, tcfg.epochs + 1):
        sums = torch.zeros(2 + latent, device=dev, dtype=torch.float64)  # loss, recon, kl per dim (global)
        seen = 0
        for idx, eps in epochs.minibatches(run, latent):  # eps for the whole batch, as fit draws it
            stop_here = should_stop is not None and should_stop()
            mine = shard(torch.arange(idx.shape[0], device=dev), ctx.rank, ctx.world)
            loss, recon, kl = ddp(run.x[idx[mine]], eps[mine], tcfg.beta)
            # One small all-reduce per step: global sums for the record, and the stop / diverged flags.
            step = torch.cat([torch.stack([loss, recon]).detach(), kl.detach()]).double()
            flags = torch.tensor([float(stop_here), float(not bool(torch.isfinite(step).all()))], device=dev)
            shared = torch.cat([step, flags.double()])
            dist.all_reduce(shared)
            if shared[-1] > 0:
                raise TrainingDiverged(
                    f"distributed training diverged in epoch {epoch} (the loss became NaN or infinite); no "
                    f"weights were kept. Try a smaller learning rate (was {tcfg.lr:g})."
                )
            if shared[-2] > 0:
                history.stopped = True
                break
            opt.zero_grad(set_to_none=True)
            (loss * (ctx.world / idx.shape[0])).backward()  # DDP averages over ranks -> the global mean
            opt.step()
            sums += shared[: 2 + latent]
            seen += idx.shape[0]
        if seen:
            rec = epochs.record(epoch, (sums / seen).cpu(), cfg.kind == "vae", run.t0)
            history.append(rec)
            if on_epoch is not None:
                on_epoch(epoch, rec)
        if history.stopped:
            break
    if not history:
        raise InputError("training was stopped before the first epoch finished; no model was kept.")
    model.eval()
    model.info = epochs.trained_info(tcfg, ds, history)
    return model, history


def my_betas(betas: Sequence[float], ctx: Context) -> list[int]:
    """Indices of the betas this rank trains in a spread sweep: rank, rank + world, ... (round robin)."""
    return list(range(ctx.rank, len(betas), ctx.world))


def gather_to_main(items: list, ctx: Context) -> list | None:
    """Every rank's list of (index, payload) pairs, merged on rank 0 in index order; None on other ranks.
    Payloads are this job's own checkpoint bytes and records (pickled by torch.distributed between its ranks)."""
    out = [None] * ctx.world if ctx.is_main else None
    dist.gather_object(items, out, dst=0)
    if not ctx.is_main:
        return None
    return [payload for _, payload in sorted((pair for part in out for pair in part), key=lambda p: p[0])]
