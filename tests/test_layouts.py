"""Stored layouts: a round trip, stale ones refused, and the shipped ones equal a fresh encoding."""

import json

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


def test_layout_v2_round_trip_keeps_the_holes_maps(tmp_path):
    ck = tmp_path / "m.safetensors"
    ck.write_bytes(b"weights")
    mu = np.zeros((4, 2), np.float32)
    share = np.linspace(0, 1, 48 * 48, dtype=np.float32).reshape(48, 48)
    holes = {"holes_share": share, "holes_log_ratio": np.log(share + 1e-3)}
    summary = {"completeness_se": 0.004, "worst_pair": [[0.0, 1.0], [2.0, 3.0]], "holes_extent": [-4.0, 4.0]}
    layouts.save(layouts.path_for(ck), layouts.file_digest(ck), mu, mu, summary, holes=holes)
    lay = layouts.load(ck)
    assert np.array_equal(lay.holes_share, share) and lay.holes_log_ratio.dtype == np.float32
    assert lay.summary == summary
    layouts.save(layouts.path_for(ck), layouts.file_digest(ck), mu, None, {})
    assert layouts.load(ck).holes_share is None and layouts.load(ck).logvar is None
    with pytest.raises(ValueError, match="unknown layout array"):
        layouts.save(layouts.path_for(ck), "x", mu, mu, {}, holes={"holes": share})


def test_a_version_1_layout_is_not_read_as_current(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / "old.safetensors"
    meta = {"format_version": 1, "checkpoint": "x", "summary": {}}
    save_file({"mu": np.zeros((2, 2), np.float32)}, str(path), metadata={layouts.META_KEY: json.dumps(meta)})
    with pytest.raises(ValueError, match="layout format 1"):
        layouts.read(path)


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
    s = lay.summary
    assert 0.0 <= s["completeness"] <= 1.0 and 0.0 <= s["continuity"] <= 1.0
    # the names the explorer reads (layout format 2)
    for key in ("completeness_se", "continuity_se", "mi_se", "classifier_accuracy", "sample_precision"):
        assert 0.0 <= s[key] < 1.0, key
    assert np.array(s["worst_pair"]).shape == (2, 2) and s["holes_extent"] == [-4.0, 4.0]
    assert len(s["class_mix"]) == len(s["data_class_mix"]) == 10 and sum(s["class_mix"]) == pytest.approx(1.0)
    assert 0.0 <= s["sample_recall"] <= 1.0
    assert lay.holes_share.shape == lay.holes_log_ratio.shape == (48, 48)
    # the holes share's prior-weighted mean is the completeness score (vae_core.coverage.holes_map)
    assert abs(s["holes_mean"] - s["completeness"]) < 3 * (s["holes_mean_se"] + s["completeness_se"]) + 1.3e-4


def test_grid_permutations_undo_a_known_flip_and_swap():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 2)) * [3.0, 1.0]
    p_true = np.array([[0.0, -1.0], [1.0, 0.0]])  # b's axes are a's, swapped and one flipped
    b = a @ p_true + rng.normal(0, 0.01, a.shape)
    perms, report = align.grid_permutations([a, b], [1.0, 2.0])
    assert np.array_equal(perms[0], np.eye(2))
    assert np.allclose(b @ perms[1], a, atol=0.05)
    assert report[0]["after (signed permutation)"] < 1e-3 < report[0]["disparity before"]
