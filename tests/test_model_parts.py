"""VAE.encoder_parts reads the tutorial's shared trunk and two heads off the real layers, and the binarized
datasets are fixed 0/1 draws with the grey levels as probabilities."""

import numpy as np
import torch

from vae_core import ModelConfig, data
from vae_core.model import VAE


def test_encoder_parts_match_the_layers():
    vae = VAE(ModelConfig(kind="vae", input_dim=10, latent_dim=3, hidden=(8, 6)))
    parts = vae.encoder_parts()
    assert parts["trunk"] == [("Linear", 10, 8), ("ReLU", 8, 8), ("Linear", 8, 6), ("ReLU", 6, 6)]
    assert parts["heads"] == {"mu": (6, 3), "logvar": (6, 3)}
    n_all = sum(p.numel() for p in vae.encoder.parameters())
    assert parts["parameters"]["trunk"] + parts["parameters"]["mu"] + parts["parameters"]["logvar"] == n_all
    # The two heads are the two halves of the last layer: mu from the first k rows, log-variance from the rest.
    x = torch.randn(4, 10)
    with torch.no_grad():
        h = vae.encoder[:-1](x)
        last = vae.encoder[-1]
        mu, _ = vae.encode(x)
        torch.testing.assert_close(mu, h @ last.weight[:3].T + last.bias[:3])
    ae = VAE(ModelConfig(kind="ae", input_dim=10, latent_dim=2, hidden=()))
    assert ae.encoder_parts()["trunk"] == [] and ae.encoder_parts()["heads"] == {"z": (10, 2)}


def test_binarized_datasets_are_fixed_bernoulli_draws_of_the_grey_levels():
    grey, binary = data.load("digits"), data.load("digits_binarized")
    assert binary.name == "digits_binarized" and binary.image_shape == grey.image_shape
    assert set(np.unique(binary.x)) == {0.0, 1.0}
    np.testing.assert_array_equal(binary.y, grey.y)
    assert abs(float(binary.x.mean()) - float(grey.x.mean())) < 0.005  # E[pixel] = grey level
    assert np.all(binary.x[grey.x == 0] == 0) and np.all(binary.x[grey.x == 1] == 1)
    rng = np.random.default_rng(data.BINARIZE_SEED)  # the same fixed seed gives the same draws
    np.testing.assert_array_equal(binary.x, (rng.random(grey.x.shape, dtype=np.float32) < grey.x).astype(np.float32))


def test_sample_and_reparameterize_draw_from_the_generator_they_are_given():
    # The one place each draw is made: sample decodes z ~ N(0, I), reparameterize adds sigma * eps to mu, both
    # from the generator's own stream, so the same seed gives the same numbers as drawing by hand.
    vae = VAE(ModelConfig(kind="vae", input_dim=6, latent_dim=2, hidden=(5,))).eval()
    with torch.no_grad():
        got = vae.sample(7, torch.Generator().manual_seed(3))
        want = vae.decode(torch.randn(7, 2, generator=torch.Generator().manual_seed(3)))
    torch.testing.assert_close(got, want, rtol=0, atol=0)
    assert got.shape == (7, 6) and bool(((got > 0) & (got < 1)).all())  # Bernoulli means
    mu, logvar = torch.tensor([[1.0, -2.0]]), torch.log(torch.tensor([[4.0, 0.25]]))
    eps = torch.randn(1, 2, generator=torch.Generator().manual_seed(5))
    z = VAE.reparameterize(mu, logvar, torch.Generator().manual_seed(5))
    torch.testing.assert_close(z, mu + torch.tensor([[2.0, 0.5]]) * eps)
    torch.testing.assert_close(VAE.reparameterize(mu, logvar, eps=eps), z)
    torch.testing.assert_close(VAE.reparameterize(mu, None, eps=eps), mu)  # an autoencoder's code is mu
