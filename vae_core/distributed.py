"""Training beyond one process: one model with DistributedDataParallel over `torchrun` ranks, and a beta sweep
spread over ranks (gloo on CPU, NCCL on CUDA).

`train.fit_many` trains stacked copies of the parameters in one process; DDP wants one nn.Module, so this
module has its own small loop, and it keeps fit's seed rules exactly. Every rank draws the same
initialization, the same per-epoch permutation and the same per-step noise from one torch.Generator seeded
with tcfg.seed, and rank r takes the strided shard `batch[r::world]` of each global minibatch (the split
torch's DistributedSampler uses). Each rank's loss is its shard's sum divided by the global batch size and
multiplied by the world size, so DDP's gradient average is the gradient of the global minibatch mean: with
batch_size = the global batch, a run on N ranks takes the same steps as `fit` in one process, up to float
rounding (tests/test_distributed.py checks the final ELBO and the weights).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from .config import ModelConfig, TrainConfig
from .data import Dataset
from .errors import InputError, TrainingDiverged
from .model import VAE, empty, init_parameters, log_likelihood
from .objectives import kl_per_dim
from .train import History, _check_fit_args

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
    gen = torch.Generator().manual_seed(tcfg.seed)
    model = empty(cfg)
    init_parameters(model, gen)  # the same draws as train.fit, so the start is identical
    model = model.to(dev)
    ddp = nn.parallel.DistributedDataParallel(_Objective(model), device_ids=[dev.index] if dev.type == "cuda" else None)
    opt = torch.optim.Adam(ddp.parameters(), lr=tcfg.lr, fused=dev.type in ("cpu", "cuda"))
    x_all = torch.tensor(ds.x, dtype=torch.float32, device=dev)
    n, bs = x_all.shape[0], min(tcfg.batch_size, x_all.shape[0])
    noise_gen = gen if dev.type == "cpu" else torch.Generator(device=dev).manual_seed(tcfg.seed + 1)
    history, t0, latent = History(), time.perf_counter(), cfg.latent_dim
    for epoch in range(1, tcfg.epochs + 1):
        perm = torch.randperm(n, generator=gen).to(dev)
        sums = torch.zeros(2 + latent, device=dev, dtype=torch.float64)  # loss, recon, kl per dim (global)
        seen = 0
        for start in range(0, n, bs):
            stop_here = should_stop is not None and should_stop()
            idx = perm[start : start + bs]
            eps = torch.randn(idx.shape[0], latent, generator=noise_gen, device=dev)  # the whole batch, as fit
            mine = shard(torch.arange(idx.shape[0], device=dev), ctx.rank, ctx.world)
            loss, recon, kl = ddp(x_all[idx[mine]], eps[mine], tcfg.beta)
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
            means = (sums / seen).cpu()
            kl_d = means[2:]
            rec = {
                "epoch": epoch,
                "loss": float(means[0]),
                "recon": float(means[1]),
                "kl": float(kl_d.sum()),
                "kl_per_dim": [float(v) for v in kl_d],
                "elbo": -float(means[1] + kl_d.sum()) if cfg.kind == "vae" else None,  # an AE has no ELBO
                "seconds": time.perf_counter() - t0,
            }
            history.append(rec)
            if on_epoch is not None:
                on_epoch(epoch, rec)
        if history.stopped:
            break
    if not history:
        raise InputError("training was stopped before the first epoch finished; no model was kept.")
    model.eval()
    model.info = {
        "train": tcfg.to_dict(),
        "dataset": ds.describe(),
        "metrics": {k: history[-1][k] for k in ("elbo", "recon", "kl", "kl_per_dim")},
        "epochs_done": len(history),
    }
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
