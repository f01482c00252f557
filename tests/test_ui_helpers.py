"""Small pure helpers of the UI: the browser's z is validated before anything decodes it."""

import math

import numpy as np
import pytest

from ui.canvas.events import check_z
from ui.explorer.plane import ellipses, view_limit
from vae_core import InputError


@pytest.mark.parametrize(
    "z,match",
    [
        ([0.1], "2 values"),
        ([float("nan"), 0], "finite"),
        ([1e9, 0], "within"),
        (["a", 0], "list of 2 numbers"),
        (None, "list of 2 numbers"),
        ([math.inf, 1], "finite"),
    ],
)
def test_check_z_refuses_bad_vectors(z, match):
    with pytest.raises(InputError, match=match):
        check_z(z, 2)


def test_check_z_accepts_a_latent_vector():
    assert check_z([0.5, -1.25], 2).tolist() == [0.5, -1.25]


def test_view_limit_and_ellipses():
    pts = np.random.default_rng(0).normal(size=(500, 2))
    assert view_limit(pts) >= 3.0
    assert view_limit(pts * 10) > 20
    mu = np.zeros((10, 3), np.float32)
    logvar = np.log(np.full((10, 3), 4.0, np.float32))
    e = ellipses(mu, logvar, (0, 2), 4)
    assert e.shape == (4, 4) and np.allclose(e[:, 2:], 2.0)
    assert ellipses(mu, None, (0, 1), 4) is None


def test_training_curves_of_an_autoencoder_show_no_elbo():
    from ui.figures import training_curves

    recs = [[{"recon": 30.0 - e, "kl": 0.0, "kl_per_dim": [0.0, 0.0], "elbo": None}] for e in range(3)]
    fig = training_curves(recs, ["autoencoder"], kind="ae")
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["reconstruction term (the AE's whole loss)"]
    assert len(fig.data) == 1 and list(fig.data[0].y) == [30.0, 29.0, 28.0]
    vae = training_curves([[{"recon": 1.0, "kl": 2.0, "kl_per_dim": [1.0, 1.0], "elbo": -3.0}]], ["beta=1"])
    assert "ELBO" in [a.text for a in vae.layout.annotations]


def test_export_file_names_say_data_and_model_once():
    from ui.explorer.export import file_stem

    assert file_stem("digits-vae-beta1 (VAE, beta=1)", "digits") == "digits-vae-beta1"
    assert file_stem("digits-vae-beta1 #3 (this session)", "digits") == "digits-vae-beta1-3"
    assert file_stem("mine-vae #1 (this session)", "points") == "points-mine-vae-1"


def test_the_model_list_sorts_by_kind_then_beta_as_a_number():
    from ui.state import model_choices

    labels = list(model_choices("digits"))
    assert labels[0] == "digits-ae (autoencoder)"
    betas = [float(lab.split("beta=")[1].rstrip(")")) for lab in labels if "-vae-beta" in lab]
    assert betas == sorted(betas) and betas[0] == 0.0 and len(betas) == 8
    assert labels[-1] == "digits-vae-cb-beta1 (VAE, beta=1)"  # another likelihood comes after the grid
