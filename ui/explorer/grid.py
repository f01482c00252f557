"""The KL-weight grid as the explorer shows it: the grid's models with aligned latent axes."""

from __future__ import annotations

from ui import cache, state
from vae_core.model import VAE


def aligned_models(grid: list[dict], sel) -> tuple[list[VAE], list[dict]]:
    """The models of state.beta_grid(sel), axes aligned to their neighbours (vae_core.align.aligned_grid,
    cached per set of models), and the alignment report."""
    models = tuple(state.resolve_model(g["key"], str(sel.device)) for g in grid)
    return cache.aligned_grid(models, tuple(g["beta"] for g in grid), sel.dataset)
