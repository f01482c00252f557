"""What a person takes away from a view: the latent codes as CSV, decoded images as PNG."""

from __future__ import annotations

import csv
import io

import numpy as np
import torch

from .data import Dataset
from .errors import InputError


@torch.no_grad()
def latents_csv(model, ds: Dataset, batch: int = 4096) -> str:
    """The codes of every row of ds under model, as CSV text with a header row.

    Columns: index (row of the data set), label (empty without labels), mu_1..mu_k, and for a VAE
    logvar_1..logvar_k (natural log of the posterior variance; an autoencoder has none). One row per sample,
    floats with 9 significant digits (float32 round-trips)."""
    if ds.dim != model.config.input_dim:
        raise InputError(f"the model takes {model.config.input_dim} features but {ds.name!r} has {ds.dim}.")
    k = model.config.latent_dim
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    header = ["index", "label"] + [f"mu_{j + 1}" for j in range(k)]
    if model.is_vae:
        header += [f"logvar_{j + 1}" for j in range(k)]
    w.writerow(header)
    for i in range(0, ds.n, batch):
        mu, logvar = model.encode(np.asarray(ds.x[i : i + batch]))
        cols = [mu.cpu().numpy()] + ([] if logvar is None else [logvar.cpu().numpy()])
        vals = np.concatenate(cols, axis=1)
        for r, row in enumerate(vals):
            j = i + r
            label = "" if ds.y is None else int(ds.y[j])
            w.writerow([j, label, *(f"{v:.9g}" for v in row)])
    return out.getvalue()


def images_png(images, image_shape, ncols: int, scale: int = 4, gap: int = 1, invert: bool = False) -> bytes:
    """Tile decoded images into one grey PNG.

    images: (n, h * w) values in [0, 1] (clipped); image_shape: (h, w); ncols images per row; each pixel
    becomes scale x scale pixels; gap pixels of white between tiles. invert draws 1 as black (ink on paper)."""
    from PIL import Image

    x = np.clip(np.asarray(images, np.float32), 0.0, 1.0)
    h, w = (int(v) for v in image_shape)
    if x.ndim != 2 or x.shape[1] != h * w or x.shape[0] < 1:
        raise InputError(f"images must be (n, {h * w}) for image_shape {(h, w)}; got {x.shape}.")
    if not 1 <= ncols <= 256 or not 1 <= scale <= 32:
        raise InputError(f"ncols must be 1..256 and scale 1..32; got {ncols} and {scale}.")
    n = x.shape[0]
    nrows = -(-n // ncols)
    th, tw = h * scale + gap, w * scale + gap
    sheet = np.full((nrows * th - gap, ncols * tw - gap), 255, np.uint8)
    for i, img in enumerate(x.reshape(n, h, w)):
        v = 1.0 - img if invert else img
        tile = np.repeat(np.repeat(np.rint(v * 255).astype(np.uint8), scale, 0), scale, 1)
        r, c = divmod(i, ncols)
        sheet[r * th : r * th + h * scale, c * tw : c * tw + w * scale] = tile
    buf = io.BytesIO()
    Image.fromarray(sheet).save(buf, format="PNG")
    return buf.getvalue()
