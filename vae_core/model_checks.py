"""Checks that need a model: that an argument is a vae_core model (of kind "vae" where a density is needed),
data rows sized for its input, and its linear layers. Above vae_core.model (it imports it), so that the scalar
checks in vae_core.checks stay below config and model and no import runs in a circle."""

from __future__ import annotations

from torch import nn

from .checks import check_rows
from .errors import InputError
from .model import VAE


def require_model(model) -> None:
    """A vae_core model (VAE or AE) built by train.fit or checkpoints.load."""
    if not isinstance(model, VAE):
        raise InputError(f"expected a vae_core model (from train.fit or checkpoints.load), got {type(model).__name__}.")


def require_vae(model, what: str) -> None:
    """A vae_core model of kind "vae"; `what` names the computation that needs a density, e.g. "the ELBO"."""
    require_model(model)
    if not model.is_vae:
        raise InputError(
            f"{what} needs a VAE: a deterministic autoencoder maps each input to one point and defines no "
            "density q(z|x) or p(x). Pick or train a VAE."
        )


def as_rows(
    model, x, name: str = "x", min_rows: int = 1, dtype=None, device=None, allow_1d: bool = False, max_rows=None
):
    """Validate data rows for `model`: (n, input_dim) finite real numbers -> a tensor in `dtype` on `device`
    (default: the model's; dtype default float32; an array is copied). With allow_1d, a 1-D x of length
    input_dim is one row. vae_core.checks.check_rows with the model's width and device."""
    return check_rows(
        name,
        x,
        model.config.input_dim,
        min_rows=min_rows,
        max_rows=max_rows,
        dtype=dtype,
        device=model.device if device is None else device,
        allow_1d=allow_1d,
    )


def linear_layers(seq) -> list:
    """The nn.Linear layers of an encoder or decoder stack (an nn.Sequential), input to output."""
    return [m for m in seq if isinstance(m, nn.Linear)]


__all__ = ["as_rows", "linear_layers", "require_model", "require_vae"]
