"""Typed, frozen configuration for models and training; unknown keys are rejected by name."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Literal, get_args

from .checks import check_float, check_int
from .errors import InputError

Kind = Literal["ae", "vae"]
Likelihood = Literal["bernoulli", "continuous_bernoulli", "gaussian"]
Activation = Literal["relu", "tanh"]

# Limits that keep a config (from a user or a checkpoint header) from allocating absurd models.
MAX_INPUT_DIM = 100_000
MAX_LATENT_DIM = 256
MAX_HIDDEN_WIDTH = 8192
MAX_HIDDEN_LAYERS = 8
MAX_PARAMETERS = 50_000_000
# The Gaussian likelihood divides by obs_var: below 1e-6, log p(x|z) of a poor fit overflows float32 to -inf.
MIN_OBS_VAR, MAX_OBS_VAR = 1e-6, 1e6

# The KL weights of the shipped model grids (pretrain) and the explorer's default grid.
BETA_GRID = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
MAX_BETAS = 16  # one batched training (train.fit_many) of more betas is slow and rarely teaches more


def _check_choice(name: str, value: Any, literal: Any) -> None:
    allowed = get_args(literal)
    if value not in allowed:
        raise InputError(f"{name}={value!r} is not supported; choose one of {', '.join(map(repr, allowed))}.")


def _from_dict(cls, d: Any):
    if not isinstance(d, dict):
        raise InputError(f"{cls.__name__} must be a mapping of settings, got {type(d).__name__}.")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(d) - names)
    if unknown:
        raise InputError(
            f"{cls.__name__} has no setting(s) {', '.join(map(repr, unknown))}; "
            f"known settings are {', '.join(sorted(names))}."
        )
    return cls(**d)


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of an autoencoder.

    kind: "ae" (deterministic code z = e(x)) or "vae" (diagonal Gaussian q(z|x)).
    hidden: widths of the hidden layers of the encoder; the decoder mirrors them. () means linear maps.
    likelihood: "bernoulli" (decoder outputs logits; data in [0, 1]; a normalised probability only for binary
        data), "continuous_bernoulli" (logits; a density on [0, 1] for grey levels) or "gaussian" with fixed
        variance obs_var, the tutorial's p(x|z) = N(f(z), c I) with c = obs_var (see vae_core.densities).
    """

    kind: Kind = "vae"
    input_dim: int = 64
    latent_dim: int = 2
    hidden: tuple[int, ...] = (256,)
    likelihood: Likelihood = "bernoulli"
    obs_var: float = 1.0
    activation: Activation = "relu"

    def __post_init__(self) -> None:
        _check_choice("kind", self.kind, Kind)
        _check_choice("likelihood", self.likelihood, Likelihood)
        _check_choice("activation", self.activation, Activation)
        check_int("input_dim", self.input_dim, 1, MAX_INPUT_DIM)
        check_int("latent_dim", self.latent_dim, 1, MAX_LATENT_DIM)
        if isinstance(self.hidden, list):
            object.__setattr__(self, "hidden", tuple(self.hidden))
        if not isinstance(self.hidden, tuple) or len(self.hidden) > MAX_HIDDEN_LAYERS:
            raise InputError(f"hidden must be a list of at most {MAX_HIDDEN_LAYERS} layer widths, got {self.hidden!r}.")
        for i, w in enumerate(self.hidden):
            check_int(f"hidden[{i}]", w, 1, MAX_HIDDEN_WIDTH)
        check_float("obs_var", self.obs_var, MIN_OBS_VAR, MAX_OBS_VAR)
        n = self.n_parameters()
        if n > MAX_PARAMETERS:
            raise InputError(
                f"this model would have {n:,} parameters; the limit is {MAX_PARAMETERS:,}. "
                "Use fewer or narrower hidden layers."
            )

    def layer_sizes(self) -> tuple[list[int], list[int]]:
        """Widths of the encoder and decoder layer stacks, input to output."""
        out = self.latent_dim * (2 if self.kind == "vae" else 1)
        enc = [self.input_dim, *self.hidden, out]
        dec = [self.latent_dim, *reversed(self.hidden), self.input_dim]
        return enc, dec

    def n_parameters(self) -> int:
        """Parameter count, computed from the sizes alone (before anything is allocated)."""
        enc, dec = self.layer_sizes()
        return sum((a + 1) * b for sizes in (enc, dec) for a, b in zip(sizes[:-1], sizes[1:]))

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        return _from_dict(cls, d)


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings. beta weighs the KL term (beta = 0: KL off, 1: the true ELBO)."""

    beta: float = 1.0
    epochs: int = 60
    batch_size: int = 128
    lr: float = 2e-3
    seed: int = 0

    def __post_init__(self) -> None:
        check_float("beta", self.beta, 0.0, 1000.0)
        check_int("epochs", self.epochs, 1, 100_000)
        check_int("batch_size", self.batch_size, 1, 1_000_000)
        check_float("lr", self.lr, 0.0, 100.0, lo_open=True)
        check_int("seed", self.seed, 0, 2**63 - 1)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        return _from_dict(cls, d)

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)


def parse_betas(tokens, what: str = "--betas", max_count: int = MAX_BETAS) -> list[float]:
    """A list of KL weights as people type it -> floats, for the CLI and the app alike.

    tokens: one string ("0, 0.5 1; 4") or a list of such strings (command-line arguments). Values are
    separated by commas, semicolons or spaces; each must be a valid TrainConfig beta; none may repeat;
    1 to max_count values. what names the field in error messages (InputError)."""
    tokens = [tokens] if isinstance(tokens, str) else list(tokens or [])
    parts = [p for tok in tokens for p in re.split(r"[,;\s]+", str(tok)) if p]
    try:
        betas = [float(p) for p in parts]
    except ValueError:
        raise InputError(
            f"{what} must be numbers separated by spaces or commas, got {' '.join(map(str, tokens))!r}."
        ) from None
    if not betas:
        raise InputError(f"{what} needs at least one value, e.g. 0, 0.5, 1, 4.")
    if len(betas) > max_count:
        raise InputError(f"{what} holds at most {max_count} values; got {len(betas)}.")
    seen = set()
    for b in betas:
        TrainConfig(beta=b)  # the range check, with its message
        if f"{b:g}" in seen:
            raise InputError(f"beta {b:g} is listed twice in {what}; give each beta once.")
        seen.add(f"{b:g}")
    return betas


__all__ = ["BETA_GRID", "MAX_BETAS", "ModelConfig", "TrainConfig", "parse_betas"]
