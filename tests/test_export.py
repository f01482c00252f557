"""vae_core.export: the latent-code CSV parses back with one row per sample; image sheets are real PNGs."""

import csv
import io

import numpy as np
import pytest
import torch
from conftest import ROOT
from PIL import Image

from vae_core import InputError, checkpoints, data, export
from vae_core.config import ModelConfig
from vae_core.model import VAE


def test_csv_of_digits_parses_back_with_the_models_codes():
    model, _ = checkpoints.load(ROOT / "models" / "digits-vae-beta1.safetensors")
    ds = data.load("digits")
    rows = list(csv.DictReader(io.StringIO(export.latents_csv(model, ds))))
    assert len(rows) == ds.n == 1797
    assert list(rows[0]) == ["index", "label", "mu_1", "mu_2", "logvar_1", "logvar_2"]
    assert [int(r["index"]) for r in rows] == list(range(ds.n))
    assert [int(r["label"]) for r in rows] == ds.y.tolist()
    with torch.no_grad():
        mu, logvar = model.encode(ds.x[[0, 1000]])
    for i, j in enumerate((0, 1000)):
        got = [float(rows[j][c]) for c in ("mu_1", "mu_2", "logvar_1", "logvar_2")]
        np.testing.assert_allclose(got, torch.cat([mu[i], logvar[i]]).numpy(), rtol=1e-6, atol=1e-7)


def test_csv_of_an_autoencoder_without_labels_has_no_logvar():
    model = VAE(ModelConfig(kind="ae", input_dim=3, latent_dim=2, hidden=(4,), likelihood="gaussian"))
    ds = data.from_array(np.random.default_rng(0).normal(size=(7, 3)))
    rows = list(csv.reader(io.StringIO(export.latents_csv(model, ds, batch=3))))
    assert rows[0] == ["index", "label", "mu_1", "mu_2"]
    assert len(rows) == 8 and all(r[1] == "" for r in rows[1:]) and [r[0] for r in rows[1:]] == list("0123456")


def test_csv_refuses_a_model_of_another_width():
    model = VAE(ModelConfig(kind="vae", input_dim=5, latent_dim=2, hidden=(4,)))
    with pytest.raises(InputError, match="takes 5 features"):
        export.latents_csv(model, data.load("digits"))


def test_png_sheet_has_the_tiles_where_they_belong():
    imgs = np.zeros((5, 4), np.float32)
    imgs[1] = 1.0  # the second tile is white, the others black
    png = export.images_png(imgs, (2, 2), ncols=3, scale=2, gap=1)
    sheet = np.asarray(Image.open(io.BytesIO(png)))
    assert sheet.shape == (2 * 5 - 1, 3 * 5 - 1)
    assert (sheet[:4, :4] == 0).all() and (sheet[:4, 5:9] == 255).all() and (sheet[5:9, 5:9] == 0).all()
    assert (sheet[5:, 10:] == 255).all()  # no sixth image: background
    inv = np.asarray(Image.open(io.BytesIO(export.images_png(imgs, (2, 2), 3, 2, invert=True))))
    assert (inv[:4, :4] == 255).all()


@pytest.mark.parametrize("shape,ncols,match", [((3, 3), 2, "must be .n, 9."), ((2, 2), 0, "ncols must be")])
def test_png_refuses_bad_requests(shape, ncols, match):
    with pytest.raises(InputError, match=match):
        export.images_png(np.zeros((2, 4)), shape, ncols)
