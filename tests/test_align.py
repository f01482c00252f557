"""Layout alignment: signed permutations are exact reparameterizations and recover a known flip/swap."""

import numpy as np
import pytest
import torch

from vae_core import InputError, ModelConfig, TrainConfig, align, data, objectives, train


@pytest.fixture(scope="module")
def model_and_x():
    ds = data.load("digits").subset(slice(0, 400))
    model, _ = train.fit(ds, ModelConfig(latent_dim=3, hidden=(32,)), TrainConfig(epochs=3), device="cpu")
    return model, ds.x


P = np.array([[0, -1, 0], [0, 0, 1], [1, 0, 0]], dtype=np.float64)


def test_signed_permutation_is_exact(model_and_x):
    model, x = model_and_x
    moved = align.apply_signed_permutation(model, P)
    mu, logvar = model.encode(x)
    mu2, logvar2 = moved.encode(x)
    pt = torch.tensor(P, dtype=torch.float32)
    assert torch.allclose(mu @ pt, mu2, atol=1e-6)
    assert torch.allclose(logvar @ pt.abs(), logvar2, atol=1e-6)
    assert torch.allclose(model.decode(mu), moved.decode(mu2), atol=1e-6)
    # KL to N(0, I) is unchanged, and so is every decoding: the two models define the same distributions.
    assert torch.allclose(objectives.kl_per_dim(mu, logvar).sum(1), objectives.kl_per_dim(mu2, logvar2).sum(1))
    z = torch.randn(50, 3, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(model.decode(z), moved.decode(z @ pt), atol=1e-6)
    assert model.encode(x)[0].equal(mu), "the original is not modified"


def test_signed_permutation_recovers_a_known_flip(model_and_x):
    model, x = model_and_x
    mu = model.encode(x)[0].detach().numpy()
    moved = mu @ P
    p, after = align.signed_permutation(moved, mu)
    assert np.allclose(p, P.T) and after < 1e-10
    assert align.disparity(moved, mu) > 0.1
    q, rot_after = align.orthogonal(moved, mu)
    assert rot_after < 1e-10 and np.allclose(q @ q.T, np.eye(3), atol=1e-8)


def test_bad_shapes_are_refused(model_and_x):
    model, _ = model_and_x
    with pytest.raises(InputError, match="same shape"):
        align.signed_permutation(np.zeros((5, 2)), np.zeros((4, 2)))
    with pytest.raises(InputError, match="signed permutation"):
        align.apply_signed_permutation(model, np.ones((3, 3)))
