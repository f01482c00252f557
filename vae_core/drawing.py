"""A person's drawing -> the model's input image, made the way the training images were made.

A drawing is a list of strokes; a stroke is a list of [x, y] integer points on a square pad of PAD_SIZE
units (y down). The pen is a disc: a pixel (or sub-pixel sample) is ink when its centre lies within the pen
radius of a stroke's centre line. Integer points and half-integer sample centres make every step a fixed
sequence of float64 operations, so `ui/drawpad/drawpad.js` computes the same image bit for bit (a browser
test checks it); the page encodes what this function returns.

digits (8x8, 0..16): scikit-learn's digits are UCI "optdigits": NIST's 32x32 normalized bitmaps, each 4x4
block's count of ink pixels giving one of 17 grey levels. The digit's bounding box fills the 32x32 field
(aspect kept, centred), and the ink per image barely depends on the class (19.0 to 20.6 of 64 blocks, mean
19.5, measured on the data set), i.e. the stroke width was normalized. So the pen radius is the one of
DIGITS_RADII whose 32x32 ink count is closest to DIGITS_INK (312 of 1,024 pixels).

MNIST (28x28, [0, 1]): LeCun et al.'s recipe. The bounding box is scaled to fit a 20x20 box (aspect kept,
anti-aliased: here the fraction of 8x8 samples per pixel that are ink), then placed in 28x28 so that its
centre of mass falls on the centre, rounded to whole pixels. The pen radius, 1.4 px of the 20x20 box, gives
about the data's ink (a drawn "1" about 55, the data's ones 60.5; all images 103, in sum of pixel values).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import InputError

PAD_SIZE = 256  # pad coordinates run from 0 to PAD_SIZE in both axes
MAX_STROKES = 64
MAX_POINTS = 4096  # in all strokes together
DIGITS_INK = 312  # mean number of ink pixels of a 32x32 optdigits bitmap (19.54 blocks x 16)
DIGITS_RADII = tuple(1.0 + 0.25 * i for i in range(13))  # 1.0 .. 4.0 pixels of the 32x32 field
MNIST_RADIUS = 1.5


@dataclass(frozen=True)
class Style:
    """How one data set's images were made from a drawing.

    box: side of the square field the bounding box is scaled into (32 for optdigits, 20 for MNIST).
    samples: samples per pixel side (1 = binary pixels; 8 = 64 grey levels of anti-aliasing).
    block: pixels summed into one output pixel (4 for optdigits' 4x4 blocks; 1 for MNIST).
    out: output side (8 or 28); the box is placed in it by centre of mass when out > box // block.
    radii: pen radii to try; with more than one, the one closest to `ink` ink pixels wins (ties: thinner).
    """

    box: int
    samples: int
    block: int
    out: int
    radii: tuple[float, ...]
    ink: int | None = None


STYLES = {
    (8, 8): Style(box=32, samples=1, block=4, out=8, radii=DIGITS_RADII, ink=DIGITS_INK),
    (28, 28): Style(box=20, samples=8, block=1, out=28, radii=(MNIST_RADIUS,)),
}


def supports(image_shape) -> bool:
    """Whether drawings can be made for this image shape (digits' (8, 8) and MNIST's (28, 28))."""
    return image_shape is not None and tuple(int(v) for v in image_shape) in STYLES


def style_for(image_shape) -> Style:
    """The drawing style of an image shape: (8, 8) digits or (28, 28) MNIST; InputError otherwise."""
    shape = tuple(int(v) for v in image_shape) if image_shape is not None else None
    if shape not in STYLES:
        raise InputError(
            f"drawing is supported for 8x8 (digits) and 28x28 (MNIST) images, not {shape}; "
            "pick digits or MNIST in the sidebar."
        )
    return STYLES[shape]


def check_strokes(strokes) -> list[np.ndarray]:
    """Validate a drawing: a list of at most MAX_STROKES strokes, each a non-empty list of [x, y] integers in
    [0, PAD_SIZE], at most MAX_POINTS points in all. Returns one float64 (n, 2) array per stroke."""
    if not isinstance(strokes, (list, tuple)):
        raise InputError(f"a drawing must be a list of strokes, got {type(strokes).__name__}.")
    if len(strokes) > MAX_STROKES:
        raise InputError(f"a drawing has at most {MAX_STROKES} strokes, got {len(strokes)}; clear the pad.")
    out, total = [], 0
    for i, s in enumerate(strokes):
        if not isinstance(s, (list, tuple)) or not s:
            raise InputError(f"stroke {i} must be a non-empty list of [x, y] points.")
        total += len(s)
        if total > MAX_POINTS:
            raise InputError(f"a drawing has at most {MAX_POINTS} points in all; clear the pad.")
        pts = []
        for p in s:
            if (
                not isinstance(p, (list, tuple))
                or len(p) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in p)
                or not all(0 <= v <= PAD_SIZE for v in p)
            ):
                raise InputError(f"stroke {i} has the point {p!r}; points are [x, y] integers in 0..{PAD_SIZE}.")
            pts.append(p)
        out.append(np.asarray(pts, dtype=np.float64))
    return out


def _segments(strokes: list[np.ndarray], box: float, radius: float) -> np.ndarray:
    """(n_seg, 4) segments [ax, ay, bx, by] in the box's pixel units: bounding box centred, longest side
    scaled to box - 2 radius (so the ink fills the box). A one-point stroke is a zero-length segment."""
    allp = np.concatenate(strokes)
    x0, y0 = allp.min(0)
    x1, y1 = allp.max(0)
    ext = max(x1 - x0, y1 - y0, 1.0)
    s = (box - 2.0 * radius) / ext
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    segs = []
    for p in strokes:
        q = np.empty_like(p)
        q[:, 0] = (p[:, 0] - cx) * s + box / 2.0
        q[:, 1] = (p[:, 1] - cy) * s + box / 2.0
        if len(q) == 1:
            q = np.concatenate([q, q])
        segs.append(np.concatenate([q[:-1], q[1:]], axis=1))
    return np.concatenate(segs)


def coverage(segs: np.ndarray, radius: float, box: int, samples: int) -> np.ndarray:
    """Ink samples per pixel, int (box, box) in 0..samples**2. Sample (k, l) of the fine grid sits at
    ((l + 0.5) / samples, (k + 0.5) / samples) in pixel units; it is ink when its distance to a segment is at
    most radius. Each segment tests only the samples near it (the window is one sample wider than needed)."""
    n = box * samples
    ink = np.zeros((n, n), dtype=bool)
    r2 = radius * radius
    for ax, ay, bx, by in segs:
        lo_x = max(0, math.floor((min(ax, bx) - radius) * samples) - 1)
        hi_x = min(n - 1, math.ceil((max(ax, bx) + radius) * samples) + 1)
        lo_y = max(0, math.floor((min(ay, by) - radius) * samples) - 1)
        hi_y = min(n - 1, math.ceil((max(ay, by) + radius) * samples) + 1)
        if lo_x > hi_x or lo_y > hi_y:
            continue
        px = (np.arange(lo_x, hi_x + 1, dtype=np.float64) + 0.5) / samples
        py = (np.arange(lo_y, hi_y + 1, dtype=np.float64) + 0.5) / samples
        px, py = px[None, :], py[:, None]
        dx, dy = bx - ax, by - ay
        l2 = dx * dx + dy * dy
        if l2 > 0:
            t = np.clip(((px - ax) * dx + (py - ay) * dy) / l2, 0.0, 1.0)
        else:
            t = np.zeros((1, 1))
        ex = px - (ax + t * dx)
        ey = py - (ay + t * dy)
        ink[lo_y : hi_y + 1, lo_x : hi_x + 1] |= ex * ex + ey * ey <= r2
    return ink.reshape(box, samples, box, samples).sum(axis=(1, 3))


def _centre_of_mass_shift(img: np.ndarray, out: int) -> tuple[int, int]:
    """Whole-pixel offsets (row, col) that put the image's centre of mass (pixel centres at i + 0.5) nearest
    the centre of an out x out field. Sums of k/64 * (i + 0.5) are exact in float64, so any summation order
    gives the same offsets."""
    total = float(img.sum())
    i = np.arange(img.shape[0], dtype=np.float64) + 0.5
    cy = float((img.sum(1) * i).sum()) / total
    cx = float((img.sum(0) * i).sum()) / total
    return math.floor(out / 2.0 - cy + 0.5), math.floor(out / 2.0 - cx + 0.5)


def to_image(strokes, image_shape) -> np.ndarray:
    """The model's input for a drawing: float32 (h * w,), values in [0, 1] (k/16 for digits, k/64 for MNIST).

    strokes: see `check_strokes`; image_shape: (8, 8) or (28, 28). Raises InputError for an empty drawing,
    a bad one, or another image shape."""
    st = style_for(image_shape)
    pts = check_strokes(strokes)
    if not pts:
        raise InputError("the drawing is empty: draw a digit on the pad first.")
    best = None
    for r in st.radii:
        cov = coverage(_segments(pts, st.box, r), r, st.box, st.samples)
        miss = abs(int(cov.sum()) - st.ink) if st.ink is not None else 0
        if best is None or miss < best[0]:
            best = (miss, cov)
    cov = best[1]
    levels = st.samples * st.samples * st.block * st.block
    if st.block > 1:
        k = st.box // st.block
        cov = cov.reshape(k, st.block, k, st.block).sum(axis=(1, 3))
    img = np.zeros((st.out, st.out), dtype=np.int64)
    if cov.shape[0] == st.out:
        img[:] = cov
    else:
        oy, ox = _centre_of_mass_shift(cov, st.out)
        h = cov.shape[0]
        ys, xs = np.arange(h) + oy, np.arange(h) + ox
        ky, kx = (ys >= 0) & (ys < st.out), (xs >= 0) & (xs < st.out)
        img[np.ix_(ys[ky], xs[kx])] = cov[np.ix_(ky, kx)]
    return (img.reshape(-1) / levels).astype(np.float32)


def nearest(x_train: np.ndarray, x: np.ndarray, k: int = 5) -> np.ndarray:
    """Indices of the k rows of x_train (n, d) closest to x (d,) in Euclidean distance, nearest first."""
    d2 = ((np.asarray(x_train, np.float32) - np.asarray(x, np.float32).reshape(1, -1)) ** 2).sum(1)
    k = min(int(k), len(d2))
    idx = np.argpartition(d2, k - 1)[:k]
    return idx[np.argsort(d2[idx], kind="stable")]
