"""Completeness in data space: what decoded prior draws look like against the data, by class mix (a small logistic
regression fitted on the data set's labels) and by precision and recall (Kynkaanniemi et al. 2019).

The classifier is stored without pickle: its weights in a safetensors file, its classes, held-out accuracy and
the digest of the data it was fitted on in the header.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import arrayfiles
from .batched import decode_rows, encode_rows
from .checks import check_int, check_seed
from .errors import InputError
from .model_checks import as_rows, require_model

HOLDOUT_FRACTION = 0.3  # rows the classifier never sees; also the real set of precision and recall
HOLDOUT_SEED = 0
MAX_FIT_ROWS = 5000  # the classifier is fitted on at most this many training rows (cost)
MAX_CLASSES = 100  # more classes than this: no classifier (and no class mix)
PR_NEIGHBOURS = 3  # k of the k-NN radii (Kynkaanniemi et al. 2019 use k = 3)
MAX_PR_ROWS = 1000  # real rows (and as many decoded draws) in precision and recall
META_KEY = "vae_core_classifier"
SHIPPED_DIR = Path(__file__).resolve().parent.parent / "models" / "layouts"


@dataclass(frozen=True)
class Classifier:
    """A multinomial logistic regression: class = classes[argmax(x @ coef.T + intercept)].
    coef float32 (C, d), intercept float32 (C,), classes int (C,); accuracy on the held-out rows."""

    coef: np.ndarray
    intercept: np.ndarray
    classes: np.ndarray
    accuracy: float
    n_train: int
    n_test: int
    data_digest: str

    def predict_index(self, x) -> np.ndarray:
        """Index into `classes` (not the label itself) for each row of x (n, d) -> (n,)."""
        x = np.asarray(x, np.float32)
        return np.argmax(x @ self.coef.T + self.intercept, axis=1)


def data_digest(ds) -> str:
    """blake2b-128 of a data set's rows and labels: which data a classifier was fitted on."""
    h = hashlib.blake2b(digest_size=16)
    h.update(np.ascontiguousarray(ds.x, np.float32).tobytes())
    h.update(b"" if ds.y is None else np.ascontiguousarray(ds.y, np.int64).tobytes())
    return h.hexdigest()


def holdout_split(
    n: int, fraction: float = HOLDOUT_FRACTION, seed: int = HOLDOUT_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, held-out rows) of n rows: a fixed random split, so the classifier's accuracy and the
    precision/recall real set are the same rows every time."""
    perm = np.random.default_rng(seed).permutation(n)
    h = max(1, int(round(n * fraction)))
    return np.sort(perm[h:]), np.sort(perm[:h])


def fit_classifier(ds) -> Classifier:
    """Fit scikit-learn's LogisticRegression on the data set's labels (at most MAX_FIT_ROWS training rows) and
    measure its accuracy on the held-out rows. Raises InputError without labels or with a single class."""
    from sklearn.linear_model import LogisticRegression

    if ds.y is None:
        raise InputError(f"the data set {ds.name!r} has no labels; a classifier needs them.")
    train_idx, test_idx = holdout_split(ds.n)
    train_idx = train_idx[:MAX_FIT_ROWS]
    y = np.asarray(ds.y)
    if np.unique(y[train_idx]).shape[0] < 2:
        raise InputError("a classifier needs at least two classes among the training rows.")
    clf = LogisticRegression(max_iter=300)
    clf.fit(ds.x[train_idx], y[train_idx])
    acc = float((clf.predict(ds.x[test_idx]) == y[test_idx]).mean())
    coef, intercept = clf.coef_, clf.intercept_
    if coef.shape[0] == 1:  # binary: sklearn keeps one row (class 1 against class 0)
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
    return Classifier(
        coef=coef.astype(np.float32),
        intercept=intercept.astype(np.float32),
        classes=clf.classes_.astype(np.int64),
        accuracy=acc,
        n_train=int(train_idx.shape[0]),
        n_test=int(test_idx.shape[0]),
        data_digest=data_digest(ds),
    )


def save_classifier(path, clf: Classifier) -> Path:
    """Write a classifier as safetensors (atomically); nothing is pickled."""
    meta = {
        "classes": [int(c) for c in clf.classes],
        "accuracy": clf.accuracy,
        "n_train": clf.n_train,
        "n_test": clf.n_test,
        "data_digest": clf.data_digest,
    }
    return arrayfiles.write(path, {"coef": clf.coef, "intercept": clf.intercept}, META_KEY, meta)


def load_classifier(path) -> Classifier:
    """Read a classifier written by save_classifier. Raises InputError if the file is not one."""
    meta, arrays = arrayfiles.read(path, META_KEY, "classifier file")
    try:
        coef, intercept = arrays["coef"], arrays["intercept"]
        classes = np.asarray(meta["classes"], np.int64)
        clf = Classifier(
            coef,
            intercept,
            classes,
            float(meta["accuracy"]),
            int(meta["n_train"]),
            int(meta["n_test"]),
            str(meta["data_digest"]),
        )
    except (KeyError, ValueError, TypeError) as e:
        raise InputError(f"{path} is not a classifier file: {e}") from None
    if coef.ndim != 2 or coef.shape[0] != classes.shape[0] or intercept.shape != classes.shape:
        raise InputError(f"{path} is not a classifier file: shapes {coef.shape}, {intercept.shape}, {classes.shape}.")
    return clf


def classifier_path(folder, dataset_name: str) -> Path:
    return Path(folder) / f"{dataset_name}-classifier.safetensors"


_FITTED: dict[str, Classifier] = {}


def classifier_for(ds, folder=None) -> Classifier | None:
    """The classifier of a data set: the stored one in `folder` (default: the shipped models/layouts) when it was
    fitted on exactly these rows and labels, else one fitted now (kept for this process). None without labels."""
    if ds.y is None or not 2 <= np.unique(np.asarray(ds.y)).shape[0] <= MAX_CLASSES:
        return None
    digest = data_digest(ds)
    if digest in _FITTED:
        return _FITTED[digest]
    path = classifier_path(folder or SHIPPED_DIR, ds.name)
    clf = None
    if path.is_file():
        try:
            clf = load_classifier(path)
        except InputError:
            clf = None
    if clf is None or clf.data_digest != digest or clf.coef.shape[1] != ds.x.shape[1]:
        clf = fit_classifier(ds)
    _FITTED[digest] = clf
    return clf


def precision_recall(real, fake, k: int = PR_NEIGHBOURS) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi, Karras, Laine, Lehtinen & Aila 2019, NeurIPS).

    Each set's manifold is the union of balls around its points, of radius the distance to the point's k-th
    nearest neighbour in the same set. precision = share of fake rows inside the real manifold (are the
    samples like the real set?), recall = share of real rows inside the fake manifold (is all of the real set
    reached?). Both in [0, 1]; 1 = ideal. real (n, d), fake (m, d); k < min(n, m). Distances within
    1e-5 sqrt(d) count as equal (float noise: a collapsed decoder's outputs differ only by rounding).
    """
    real = torch.as_tensor(np.asarray(real, np.float32))
    fake = torch.as_tensor(np.asarray(fake, np.float32))
    k = check_int("k", k, 1, 100)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        shapes = f"{tuple(real.shape)} and {tuple(fake.shape)}"
        raise InputError(f"real and fake must be (n, d) arrays of one width d, got {shapes}.")
    if min(real.shape[0], fake.shape[0]) <= k:
        raise InputError(f"precision and recall need more than k = {k} rows in each set.")
    tol = 1e-5 * math.sqrt(real.shape[1])

    def radii(a: torch.Tensor) -> torch.Tensor:
        return torch.cdist(a, a).kthvalue(k + 1, dim=1).values + tol  # the 1st smallest is the point itself

    r_real, r_fake = radii(real), radii(fake)
    cross = torch.cdist(fake, real)  # (m, n)
    precision = float((cross <= r_real[None, :]).any(1).float().mean())
    recall = float((cross <= r_fake[:, None]).any(0).float().mean())
    return precision, recall


@torch.no_grad()
def data_space(model, ds, classifier: Classifier | None = None, n: int = 2000, seed: int = 0) -> dict:
    """Decode n prior draws z ~ N(0, I) and compare them with the data set.

    Returns "class_mix": fraction of the decodes per class of `classifier` (the list follows "classes"), None
    without a classifier; "data_class_mix": the data set's own label fractions in the same order;
    "classifier_accuracy": the classifier's held-out accuracy; "sample_precision" and "sample_recall":
    precision_recall of as many decodes as held-out rows (at most MAX_PR_ROWS) against the model's decodes of
    those rows' codes (posterior means), in the data's units. Like is compared with like: a decoded mean is an
    average image, blurrier than any row, so against the raw rows recall is 0 for every shipped model and
    precision near 1 whatever the model. Precision asks whether prior draws decode to what codes of real data
    decode to; recall whether prior draws reach the decodes of every kind of real row. "n_draws", "n_real".
    The models are trained on every row: the held-out rows are held out from the classifier, not the VAE.
    """
    require_model(model)
    n = check_int("n", n, PR_NEIGHBOURS + 1, 100_000)
    gen = torch.Generator().manual_seed(check_seed(seed))
    z = torch.randn(n, model.config.latent_dim, generator=gen, dtype=torch.float32).to(model.device)
    decoded = decode_rows(model, z).cpu().numpy()
    _, held = holdout_split(ds.n)
    held = held[:MAX_PR_ROWS]
    xh = as_rows(model, np.asarray(ds.x)[held])
    real = decode_rows(model, encode_rows(model, xh)[0]).cpu().numpy()
    m = min(real.shape[0], n)
    precision, recall = precision_recall(real[:m], decoded[:m]) if m > PR_NEIGHBOURS else (None, None)
    out = {
        "class_mix": None,
        "data_class_mix": None,
        "classes": None,
        "classifier_accuracy": None,
        "sample_precision": precision,
        "sample_recall": recall,
        "n_draws": n,
        "n_real": m,
    }
    if classifier is not None:
        c = classifier.classes.shape[0]
        pred = classifier.predict_index(decoded)
        out["class_mix"] = (np.bincount(pred, minlength=c) / n).tolist()
        y = np.asarray(ds.y)
        out["data_class_mix"] = [float((y == cls).mean()) for cls in classifier.classes]
        out["classes"] = [int(cls) for cls in classifier.classes]
        out["classifier_accuracy"] = classifier.accuracy
    return out


__all__ = [
    "Classifier",
    "classifier_for",
    "data_space",
    "fit_classifier",
    "holdout_split",
    "load_classifier",
    "precision_recall",
    "save_classifier",
]
