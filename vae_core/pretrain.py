"""The shipped models: one recipe list that rebuilds every file in models/ deterministically, and a table of them.

`python -m vae_core pretrain` runs `build`; the app and the README read `shipped_table`. Each file is named
`{dataset}-vae-beta{beta:g}.safetensors` or `{dataset}-ae.safetensors`, and its metadata "extra" holds the
recipe name and metrics measured on the whole data set after training (nats per sample).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .config import BETA_GRID, ModelConfig, TrainConfig
from .data import Dataset
from .errors import InputError, TrainingDiverged

EVAL_SEED = 0


@dataclass(frozen=True)
class Recipe:
    """How to train one group of shipped models.

    model: ModelConfig settings except input_dim (taken from the data). For kind "vae" one model per beta in
    `betas` is trained together with train.fit_many; for kind "ae" one model (beta plays no role). variant
    tells apart files of the same data and kind (e.g. "cb" for the continuous Bernoulli).
    """

    name: str
    dataset: str
    model: dict
    train: TrainConfig
    betas: tuple[float, ...] = field(default=(0.0,))
    variant: str = ""

    @property
    def kind(self) -> str:
        return self.model.get("kind", "vae")

    def filename(self, beta: float) -> str:
        kind = self.kind + (f"-{self.variant}" if self.variant else "")
        if self.kind == "ae":
            return f"{self.dataset}-{kind}.safetensors"
        return f"{self.dataset}-{kind}-beta{beta:g}.safetensors"

    def filenames(self) -> list[str]:
        return [self.filename(b) for b in self.betas]


_IMAGE_VAE = {"kind": "vae", "latent_dim": 2, "hidden": (256,), "likelihood": "bernoulli"}
# A Bernoulli on grey levels scores a cross-entropy, not a log-likelihood; these two give real ones: the
# continuous Bernoulli on the grey levels, and the Bernoulli on binarized copies of the images.
_IMAGE_CB = {**_IMAGE_VAE, "likelihood": "continuous_bernoulli"}
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
    Recipe("digits-vae-cb", "digits", _IMAGE_CB, _DIGITS_TRAIN, (1.0,), variant="cb"),
    Recipe("digits_binarized-vae", "digits_binarized", _IMAGE_VAE, _DIGITS_TRAIN, (1.0,)),
    Recipe("mnist-vae", "mnist", _IMAGE_VAE, _MNIST_TRAIN, BETA_GRID),
    Recipe("mnist-ae", "mnist", {**_IMAGE_VAE, "kind": "ae"}, _MNIST_TRAIN.replace(beta=0.0)),
    Recipe("mnist-vae-cb", "mnist", _IMAGE_CB, _MNIST_TRAIN, (1.0,), variant="cb"),
    Recipe("mnist_binarized-vae", "mnist_binarized", _IMAGE_VAE, _MNIST_TRAIN, (1.0,)),
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


def evaluate(model, ds: Dataset) -> dict:
    """Metrics on the whole data set with a fixed noise seed (deterministic), nats per sample.

    elbo (None for an AE, which defines no density), recon = -E_q log p(x|z) (a binary cross-entropy for a
    Bernoulli decoder on grey levels: "cross_entropy" is then True), kl, kl_per_dim, active_units (None for an
    AE), likelihood."""
    from .densities import is_cross_entropy
    from .metrics import active_units
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
        "active_units": active_units(model, x)[0] if is_vae else None,
        "likelihood": model.config.likelihood,
        "cross_entropy": is_cross_entropy(model.config.likelihood, ds.x),
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
        ev = evaluate(model, ds)
        # The header's metrics become the evaluated numbers (not the last epoch's running means), so the app,
        # the CLI and the README all show one number per model.
        model.info["metrics"] = {k: ev[k] for k in ("elbo", "recon", "kl", "kl_per_dim")}
        extra = {"recipe": recipe.name, "eval": ev}
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

    try:
        return checkpoints.read_meta(path)
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
                "likelihood": model.get("likelihood"),
                "cross_entropy": ev.get("cross_entropy"),
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

    Row keys: name, file, data, kind, beta (None for an AE), latent_dim, hidden, likelihood, cross_entropy
    (True for a Bernoulli on grey levels), elbo, recon, kl (nats per sample on the whole data set; elbo and kl
    None for an AE), active_units, epochs, recipe. Sorted by data
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

    lines = [f"{'file':<40} {'kind':<4} {'p(x|z)':<21} {'beta':>5} {'ELBO':>9} {'recon':>9} {'KL':>7} {'active':>6}"]
    for r in rows:
        lines.append(
            f"{r['file']:<40} {r['kind']:<4} {likelihood_label(r):<21} {num(r['beta'], 'g'):>5} "
            f"{num(r['elbo']):>9} {num(r['recon']):>9} {num(r['kl']):>7} {num(r['active_units'], 'd'):>6}"
        )
    lines.append("* Bernoulli on grey levels: recon is a binary cross-entropy and ELBO bounds no log-likelihood.")
    return "\n".join(lines)


def likelihood_label(row: dict) -> str:
    """The decoder's p(x|z) for a table row; "bernoulli*" marks a Bernoulli on grey levels (a cross-entropy)."""
    lik = row.get("likelihood") or "?"
    return lik + ("*" if row.get("cross_entropy") else "")
