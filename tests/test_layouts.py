"""Stored layouts: a round trip, stale ones refused, and the shipped ones equal a fresh encoding."""

import numpy as np
import pytest
import torch
from conftest import ROOT

from vae_core import align, checkpoints, data, layouts


def test_layout_round_trip_and_staleness(tmp_path):
    ck = tmp_path / "m.safetensors"
    ck.write_bytes(b"weights v1")
    mu = np.arange(12, dtype=np.float32).reshape(6, 2)
    summary = {"kl": 1.5, "kl_per_dim": [1.0, 0.5]}
    layouts.save(layouts.path_for(ck), layouts.file_digest(ck), mu, -mu, summary, labels=np.arange(6))
    lay = layouts.load(ck)
    assert np.array_equal(lay.mu, mu) and np.array_equal(lay.logvar, -mu) and lay.labels.dtype == np.int32
    assert lay.summary == summary and lay.color is None
    ck.write_bytes(b"weights v2")  # the checkpoint changed: its old layout no longer describes it
    assert layouts.load(ck) is None


def test_a_file_that_is_not_a_layout_is_refused(tmp_path):
    bad = tmp_path / "layouts" / "x.safetensors"
    bad.parent.mkdir()
    bad.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    with pytest.raises(ValueError, match="not a layout file"):
        layouts.read(bad)


@pytest.mark.parametrize("name", ["digits-vae-beta1", "digits-vae-beta0"])
def test_shipped_layout_is_the_models_encoding(name):
    path = ROOT / "models" / f"{name}.safetensors"
    lay = layouts.load(path)
    assert lay is not None, "models/layouts is rebuilt with `python -m vae_core layouts` after pretrain"
    model, _ = checkpoints.load(path)
    with torch.no_grad():
        mu, logvar = model.encode(data.load("digits").x)
    assert np.allclose(lay.mu, mu.numpy(), atol=1e-5) and np.allclose(lay.logvar, logvar.numpy(), atol=1e-5)
    assert 0.0 <= lay.summary["completeness"] <= 1.0 and 0.0 <= lay.summary["continuity"] <= 1.0


def test_grid_permutations_undo_a_known_flip_and_swap():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 2)) * [3.0, 1.0]
    p_true = np.array([[0.0, -1.0], [1.0, 0.0]])  # b's axes are a's, swapped and one flipped
    b = a @ p_true + rng.normal(0, 0.01, a.shape)
    perms, report = align.grid_permutations([a, b], [1.0, 2.0])
    assert np.array_equal(perms[0], np.eye(2))
    assert np.allclose(b @ perms[1], a, atol=0.05)
    assert report[0]["after (signed permutation)"] < 1e-3 < report[0]["disparity before"]
