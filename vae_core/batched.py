"""Encoder and decoder calls over many rows, in batches, and the row subsamples the estimators draw."""

from __future__ import annotations

import torch

_BATCH = 4096  # rows per encoder / decoder call


@torch.no_grad()
def encode_rows(model, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Posterior means and log-variances (None for an AE) for all rows, computed in batches."""
    mus, lvs = [], []
    for i in range(0, x.shape[0], _BATCH):
        mu, lv = model.encode(x[i : i + _BATCH])
        mus.append(mu)
        lvs.append(lv)
    mu = torch.cat(mus)
    return mu, (None if lvs[0] is None else torch.cat(lvs))


@torch.no_grad()
def decode_rows(model, z: torch.Tensor) -> torch.Tensor:
    return torch.cat([model.decode(z[i : i + _BATCH]) for i in range(0, z.shape[0], _BATCH)])


def subsample(n: int, m: int | None, gen: torch.Generator) -> torch.Tensor:
    """m distinct row indices out of n (all of them, in order, when m is None or m >= n)."""
    if m is None or m >= n:
        return torch.arange(n)
    return torch.randperm(n, generator=gen)[:m].sort().values


__all__ = ["decode_rows", "encode_rows", "subsample"]
