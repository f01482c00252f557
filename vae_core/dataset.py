"""The Dataset type and the validation every user array goes through (sizes, values, labels, standardization).

data.py (the registry) and files/ (the file readers) both build Datasets here, so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .errors import InputError

# A user's data must fit comfortably in memory next to the app; checked before anything is allocated.
MAX_ROWS = 200_000
MAX_FEATURES = 4096
MAX_VALUES = 60_000_000
# Class labels are stored as int64 but kept to the int32 range, so every loader refuses the same values.
LABEL_MIN, LABEL_MAX = -(2**31), 2**31 - 1
_F32_MAX = float(np.finfo(np.float32).max)
# Standardization works on row blocks of about this many values, so it needs no float64 copy of the data.
_BLOCK_VALUES = 1 << 20


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set ready for training.

    x: float32 (n_samples, n_features), in [0, 1] for images, standardized otherwise.
    y: int64 (n_samples,) class labels, or None.
    color: float32 (n_samples,) a continuous position to colour points by (swiss roll), or None.
    image_shape: (height, width) when each row is an image, else None.
    mean, scale: float32 (n_features,) the standardization, x_data = x * scale + mean; None for images.
    feature_names: one name per feature (a CSV file's header), or None.
    """

    x: np.ndarray
    y: np.ndarray | None = None
    image_shape: tuple[int, int] | None = None
    name: str = "data"
    color: np.ndarray | None = None
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    feature_names: tuple[str, ...] | None = None

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


def from_array(x, y=None, image_shape=None, name: str = "mine", color=None, feature_names=None) -> Dataset:
    """Validate a user array and make a Dataset.

    x: (n_samples, n_features) or (n_samples, h, w) numbers. Image stacks (3-D, or 2-D with image_shape)
    must lie in [0, 1] or [0, 255] (the latter is rescaled); other data is standardized per feature.
    y: optional (n_samples,) integer labels in the int32 range.
    feature_names: optional, one short name per feature (for points; images name no pixels).
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
    if image_shape is not None:
        image_shape = (int(image_shape[0]), int(image_shape[1]))
        if image_shape[0] * image_shape[1] != arr.shape[1]:
            raise InputError(
                f"image_shape {image_shape} has {image_shape[0] * image_shape[1]} pixels but each "
                f"row has {arr.shape[1]} values."
            )
    _check_finite(arr)
    names = _check_names(feature_names, arr.shape[1]) if feature_names is not None else None
    labels = _check_labels(y, arr.shape[0]) if y is not None else None
    col = None
    if color is not None:
        col = np.asarray(color, dtype=np.float32).reshape(-1)
        if col.shape[0] != arr.shape[0]:
            raise InputError(f"color has {col.shape[0]} values for {arr.shape[0]} samples.")
    if image_shape is not None:
        lo, hi = float(arr.min()), float(arr.max())
        if lo < 0 or hi > 255:
            raise InputError(f"image pixels must lie in [0, 1] or [0, 255]; found values from {lo:g} to {hi:g}.")
        pixels = arr.astype(np.float32)
        if hi > 1.0:
            pixels /= 255.0
        return Dataset(x=np.ascontiguousarray(pixels), y=labels, image_shape=image_shape, name=name, color=col)
    xs, mean, scale = _standardize(arr)
    return Dataset(x=xs, y=labels, name=name, color=col, mean=mean, scale=scale, feature_names=names)


MAX_NAME_CHARS = 40


def _check_names(names, d: int) -> tuple[str, ...]:
    out = tuple(str(v) for v in names)
    if len(out) != d:
        raise InputError(f"feature_names has {len(out)} names for {d} features; give one name per feature.")
    bad = next((v for v in out if not v.strip() or len(v) > MAX_NAME_CHARS), None)
    if bad is not None:
        raise InputError(f"feature name {bad[:60]!r} must be 1 to {MAX_NAME_CHARS} characters.")
    return out


def _check_finite(arr: np.ndarray) -> None:
    at = first_bad(arr)
    if at is not None:
        r, c = at
        raise InputError(
            f"data contains NaN or infinite (or too large) values (the first at row {r + 1}, column {c + 1}: "
            f"{arr[r, c]:g}); accepted: finite numbers within float32 (about ±3.4e38)."
        )


def first_bad(arr: np.ndarray) -> tuple[int, int] | None:
    """(row, column) of the first NaN, infinite or beyond-float32 value of a 2-D array, or None.

    Two reductions answer the usual case (min and max propagate NaN) without a temporary the size of the
    data; only a bad array is searched, block by block."""
    if arr.dtype.kind != "f" or not arr.size:
        return None  # every integer type fits float32's range
    lo, hi = arr.min(), arr.max()
    if -_F32_MAX <= lo and hi <= _F32_MAX:
        return None
    step = max(1, _BLOCK_VALUES // arr.shape[1])
    for i in range(0, arr.shape[0], step):
        block = arr[i : i + step]
        bad = ~(np.abs(block) <= _F32_MAX)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            return i + int(r), int(c)
    return None


def _standardize(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-feature (x - mean) / std, computed in float64 block by block (float32 sums overflow near 1e19).

    Returns x float32 (n, d), mean and scale float32 (d,); a constant feature keeps scale 1."""
    n, d = arr.shape
    step = max(1, _BLOCK_VALUES // d)
    total = np.zeros(d)
    for i in range(0, n, step):
        total += arr[i : i + step].sum(axis=0, dtype=np.float64)
    mean = total / n
    sq = np.zeros(d)
    for i in range(0, n, step):
        sq += np.square(arr[i : i + step] - mean).sum(axis=0)
    std = np.sqrt(sq / n)
    # Constant up to the rounding of the float64 sums: keep such a feature as is, centred (scale 1).
    constant = std <= 1e-12 * np.abs(mean)
    scale = np.where(constant, 1.0, std)
    mean32, scale32 = mean.astype(np.float32), scale.astype(np.float32)
    if not (np.isfinite(mean32).all() and np.isfinite(scale32).all() and (scale32 > 0).all()):
        k = int(np.argmax(~np.isfinite(scale32) | ~(scale32 > 0) | ~np.isfinite(mean32)))
        raise InputError(
            f"feature {k + 1} cannot be standardized in float32 (mean {mean[k]:g}, spread {std[k]:g}); accepted: "
            "features whose spread and mean lie between about 1e-38 and 3e38. Rescale that column."
        )
    out = np.empty((n, d), dtype=np.float32)
    for i in range(0, n, step):
        out[i : i + step] = (arr[i : i + step] - mean) / scale
    return out, mean32, scale32


def _check_labels(y, n: int) -> np.ndarray:
    lab = np.asarray(y)
    if lab.ndim != 1 or lab.shape[0] != n:
        raise InputError(f"labels must be one value per sample: expected shape ({n},), got {lab.shape}.")
    if lab.dtype.kind == "f":
        bad = ~np.isfinite(lab) | (lab != np.round(lab))
        if bad.any():
            k = int(np.argmax(bad))
            raise InputError(f"label {lab[k]:g} (sample {k + 1}) is not a whole number; accepted: class indices.")
    elif lab.dtype.kind not in "biu":
        raise InputError(f"labels must be integers, got {lab.dtype} values.")
    if lab.size and lab.dtype.kind != "b":
        lo, hi = lab.min(), lab.max()
        if lo < LABEL_MIN or hi > LABEL_MAX:
            k = int(np.argmax((lab < LABEL_MIN) | (lab > LABEL_MAX)))
            raise InputError(
                f"label {label_text(lab[k])} (sample {k + 1}) is out of range; accepted: whole numbers from "
                f"{LABEL_MIN:,} to {LABEL_MAX:,}."
            )
    return lab.astype(np.int64)


def label_text(v) -> str:
    """A label as a user wrote it: 3000000000 for integers, 3e+09 for floats."""
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(int(v))
