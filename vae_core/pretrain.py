"""The shipped models: one recipe list that rebuilds every file in models/ deterministically, and a table of them.

`python -m vae_core pretrain` runs `build`; the app and the README read `shipped_table`. Each file is named
`{dataset}-vae-beta{beta:g}.safetensors` or `{dataset}-ae.safetensors`, and its metadata "extra" holds the
recipe name and metrics measured on the whole data set after training (nats per sample).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .config import BETA_GRID, ModelConfig, TrainConfig
from .data import Dataset
from .errors import InputError, TrainingDiverged

# Burda et al. (2016): a latent unit is "active" when Cov_x(E_q[z_j|x]) > 0.01.
ACTIVE_UNIT_THRESHOLD = 0.01
EVAL_SEED = 0


@dataclass(frozen=True)
class Recipe:
    """How to train one group of shipped models.

    model: ModelConfig settings except input_dim (taken from the data). For kind "vae" one model per beta in
    `betas` is trained together with train.fit_many; for kind "ae" one model (beta plays no role).
    """

    name: str
    dataset: str
    model: dict
    train: TrainConfig
    betas: tuple[float, ...] = field(default=(0.0,))

    @property
    def kind(self) -> str:
        return self.model.get("kind", "vae")

    def filename(self, beta: float) -> str:
        if self.kind == "ae":
            return f"{self.dataset}-ae.safetensors"
        return f"{self.dataset}-vae-beta{beta:g}.safetensors"

    def filenames(self) -> list[str]:
        return [self.filename(b) for b in self.betas]


_IMAGE_VAE = {"kind": "vae", "latent_dim": 2, "hidden": (256,), "likelihood": "bernoulli"}
# Small obs_var: the decoder must place points precisely, so the layers of the roll separate in the 2-D latent
# (a nearest-neighbour regression recovers the roll angle from z with R^2 ~0.97, against ~0.58 from PCA's plane).
_ROLL_VAE = {
    "kind": "vae",
    "latent_dim": 2,
    "hidden": (128, 128),
    "likelihood": "gaussian",
    "obs_var": 0.01,
    "activation": "relu",
}
_DIGITS_TRAIN = TrainConfig(epochs=40, batch_size=128, lr=2e-3, seed=0)
_MNIST_TRAIN = TrainConfig(epochs=30, batch_size=128, lr=1e-3, seed=0)
# Seed, batch and step size chosen among a few trials for the cleanest unrolling (others curl the sheet more).
_ROLL_TRAIN = TrainConfig(epochs=300, batch_size=64, lr=5e-3, seed=1)

RECIPES: list[Recipe] = [
    Recipe("digits-vae", "digits", _IMAGE_VAE, _DIGITS_TRAIN, BETA_GRID),
    Recipe("digits-ae", "digits", {**_IMAGE_VAE, "kind": "ae"}, _DIGITS_TRAIN.replace(beta=0.0)),
    Recipe("mnist-vae", "mnist", _IMAGE_VAE, _MNIST_TRAIN, BETA_GRID),
    Recipe("mnist-ae", "mnist", {**_IMAGE_VAE, "kind": "ae"}, _MNIST_TRAIN.replace(beta=0.0)),
    Recipe("swiss_roll-vae", "swiss_roll", _ROLL_VAE, _ROLL_TRAIN, (1.0,)),
    Recipe("swiss_roll-ae", "swiss_roll", {**_ROLL_VAE, "kind": "ae"}, _ROLL_TRAIN.replace(beta=0.0)),
]


def recipes_for(only: str | None = None) -> list[Recipe]:
    """All recipes, or those of one data set (raises InputError for a data set without recipes)."""
    if only is None:
        return list(RECIPES)
    chosen = [r for r in RECIPES if r.dataset == only]
    if not chosen:
        raise InputError(
            f"no pretrain recipe for dataset {only!r}; recipes exist for "
            f"{', '.join(sorted({r.dataset for r in RECIPES}))}."
        )
    return chosen


def active_units(model, x: torch.Tensor) -> int:
    """Number of latent dimensions j with Var_x(mu_j(x)) > 0.01 over the rows of x (n, input_dim)."""
    try:
        from .metrics import active_units as shared
    except ImportError:
        shared = None
    if shared is not None:
        out = shared(model, x)  # metrics.active_units returns (n_active, variances)
        return int(out[0] if isinstance(out, tuple) else out)
    with torch.no_grad():
        mu, _ = model.encode(x)
    return int((mu.var(dim=0) > ACTIVE_UNIT_THRESHOLD).sum())


def evaluate(model, ds: Dataset) -> dict:
    """Metrics on the whole data set with a fixed noise seed (deterministic), nats per sample.

    elbo (None for an AE, which defines no density), recon = -E_q log p(x|z), kl, kl_per_dim, active_units
    (None for an AE)."""
    from .objectives import terms

    x = torch.tensor(ds.x, dtype=torch.float32, device=model.device)  # a copy: registry arrays are read-only
    gen = torch.Generator(device=model.device).manual_seed(EVAL_SEED)
    with torch.no_grad():
        recon, kl = terms(model, x, generator=gen)
    recon_m, kl_d = float(recon.mean()), [float(v) for v in kl.mean(0)]
    is_vae = model.config.kind == "vae"
    return {
        "elbo": -(recon_m + sum(kl_d)) if is_vae else None,
        "recon": recon_m,
        "kl": sum(kl_d) if is_vae else None,
        "kl_per_dim": kl_d if is_vae else None,
        "active_units": active_units(model, x) if is_vae else None,
        "n": ds.n,
    }


def run_recipe(
    recipe: Recipe,
    out_dir,
    device: str = "cpu",
    epochs: int | None = None,
    on_epoch: Callable[[int, list], None] | None = None,
) -> list[Path]:
    """Train one recipe and write its files into out_dir; returns their paths.

    epochs overrides the recipe's (tests use a few). Raises TrainingDiverged if any model diverges: a
    shipped recipe must train cleanly."""
    from . import checkpoints, data, train

    ds = data.load(recipe.dataset)
    cfg = ModelConfig(input_dim=ds.dim, **recipe.model)
    tcfg = recipe.train if epochs is None else recipe.train.replace(epochs=epochs)
    results = train.fit_many(ds, cfg, tcfg, list(recipe.betas), device=device, on_epoch=on_epoch)
    paths = []
    for beta, (model, history) in zip(recipe.betas, results, strict=True):
        if model is None:
            raise TrainingDiverged(f"recipe {recipe.name!r}: {history.diverged}")
        extra = {"recipe": recipe.name, "eval": evaluate(model, ds)}
        paths.append(checkpoints.save(model, Path(out_dir) / recipe.filename(beta), meta=extra))
    return paths


def build(
    out_dir="models",
    only: str | None = None,
    device: str = "cpu",
    epochs: int | None = None,
    on_epoch: Callable[[Recipe, int, list], None] | None = None,
) -> list[Path]:
    """Run every recipe (or those of dataset `only`); returns the written paths."""
    paths = []
    for recipe in recipes_for(only):
        cb = None if on_epoch is None else (lambda e, recs, r=recipe: on_epoch(r, e, recs))
        paths += run_recipe(recipe, out_dir, device=device, epochs=epochs, on_epoch=cb)
    return paths


def _header_record(path: Path) -> dict:
    from . import checkpoints

    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) == 8:
            (hlen,) = struct.unpack("<Q", head)
            head += f.read(min(hlen, checkpoints.MAX_HEADER_BYTES))
    try:
        return checkpoints.read_header(head)[1]
    except InputError as e:
        raise InputError(f"{path.name}: {e}") from None


def _rows(paths: Iterable[Path]) -> list[dict]:
    rows = []
    for p in paths:
        rec = _header_record(p)
        model, train_s, ds = rec.get("model") or {}, rec.get("train") or {}, rec.get("dataset") or {}
        extra = rec.get("extra") or {}
        ev = extra.get("eval") if isinstance(extra.get("eval"), dict) else {}
        last = rec.get("metrics") or {}
        kind = model.get("kind")
        rows.append(
            {
                "name": p.name.removesuffix(".safetensors"),
                "file": p.name,
                "data": ds.get("name"),
                "kind": kind,
                "beta": train_s.get("beta") if kind == "vae" else None,
                "latent_dim": model.get("latent_dim"),
                "hidden": model.get("hidden"),
                "elbo": ev.get("elbo", last.get("elbo") if kind == "vae" else None),
                "recon": ev.get("recon", last.get("recon")),
                "kl": ev.get("kl", last.get("kl") if kind == "vae" else None),
                "active_units": ev.get("active_units"),
                "epochs": rec.get("epochs_done"),
                "recipe": extra.get("recipe"),
            }
        )
    return rows


def shipped_table(models_dir="models") -> list[dict]:
    """One row per checkpoint in models_dir, read from file headers only (no weights are loaded).

    Row keys: name, file, data, kind, beta (None for an AE), latent_dim, hidden, elbo, recon, kl (nats per
    sample on the whole data set; elbo and kl None for an AE), active_units, epochs, recipe. Sorted by data
    set, then kind, then beta. Raises InputError naming a file that is not a vae_core checkpoint."""
    d = Path(models_dir)
    if not d.is_dir():
        raise InputError(f"models folder {str(d)!r} does not exist; build it with `python -m vae_core pretrain`.")
    rows = _rows(sorted(d.glob("*.safetensors")))
    order = {name: i for i, name in enumerate(dict.fromkeys(r.dataset for r in RECIPES))}
    rows.sort(
        key=lambda r: (
            order.get(r["data"], len(order)),
            str(r["data"]),
            r["kind"] != "vae",
            r["beta"] if r["beta"] is not None else 0.0,
        )
    )
    return rows


def format_table(rows: list[dict]) -> str:
    """The table as fixed-width text (for the CLI and the README)."""

    def num(v, fmt=".2f"):
        return "-" if v is None else format(v, fmt)

    lines = [f"{'file':<34} {'kind':<4} {'beta':>5} {'ELBO':>9} {'recon':>9} {'KL':>7} {'active':>6}"]
    for r in rows:
        lines.append(
            f"{r['file']:<34} {r['kind']:<4} {num(r['beta'], 'g'):>5} {num(r['elbo']):>9} "
            f"{num(r['recon']):>9} {num(r['kl']):>7} {num(r['active_units'], 'd'):>6}"
        )
    return "\n".join(lines)
