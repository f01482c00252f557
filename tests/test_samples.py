"""Completeness in data space (vae_core.samples): the classifier, the class mix of decoded prior draws, and
precision and recall (Kynkaanniemi et al. 2019) on hand-built sets whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vae_core import InputError, ModelConfig, data, samples
from vae_core.model import VAE


@pytest.fixture(scope="module")
def digits():
    return data.load("digits")


@pytest.fixture(scope="module")
def clf(digits):
    return samples.fit_classifier(digits)


def constant_decoder(image: np.ndarray) -> VAE:
    """A collapsed VAE: its decoder ignores z (zero weights) and always gives `image` (bias = its logits)."""
    m = VAE(ModelConfig(kind="vae", input_dim=image.shape[0], latent_dim=2, hidden=()))
    p = np.clip(image, 1e-4, 1 - 1e-4)
    with torch.no_grad():
        m.decoder[0].weight.zero_()
        m.decoder[0].bias.copy_(torch.as_tensor(np.log(p / (1 - p)), dtype=torch.float32))
    return m


def test_the_classifier_is_accurate_and_round_trips_without_pickle(tmp_path, digits, clf):
    assert clf.accuracy > 0.9 and clf.n_test == round(0.3 * digits.n)
    assert clf.coef.shape == (10, 64) and list(clf.classes) == list(range(10))
    path = samples.save_classifier(tmp_path / "digits-classifier.safetensors", clf)
    back = samples.load_classifier(path)
    assert np.array_equal(back.coef, clf.coef) and back.accuracy == clf.accuracy
    assert np.array_equal(back.predict_index(digits.x[:50]), clf.predict_index(digits.x[:50]))
    assert samples.classifier_for(digits, tmp_path).data_digest == samples.data_digest(digits)
    (tmp_path / "bad.safetensors").write_bytes(b"not a file")
    with pytest.raises(InputError, match="not a classifier file"):
        samples.load_classifier(tmp_path / "bad.safetensors")


def test_a_collapsed_models_prior_draws_all_get_the_class_of_its_average_decode(digits, clf):
    mean_image = digits.x[digits.y == 3].mean(0)
    model = constant_decoder(mean_image)
    with torch.no_grad():
        avg = model.decode(torch.zeros(1, 2)).numpy()
    expected = int(clf.predict_index(avg)[0])
    out = samples.data_space(model, digits, clf, n=500)
    assert out["class_mix"][expected] == 1.0 and sum(out["class_mix"]) == pytest.approx(1.0)
    assert clf.classes[expected] == 3  # the mean 3 is read as a 3
    assert out["data_class_mix"] == pytest.approx(np.bincount(digits.y, minlength=10) / digits.n)
    assert out["classifier_accuracy"] == clf.accuracy
    # its decodes are all one image, and so are its reconstructions: in the decoder's output they coincide
    assert out["sample_precision"] == 1.0 and out["sample_recall"] == 1.0


def test_precision_and_recall_on_sets_with_known_answers():
    """real: 400 points in a square; fake inside its left half: precision 1 (all like real data) and recall
    about 1/2 (half of the real set is reached); fake far away: both 0; fake = real: both 1."""
    rng = np.random.default_rng(0)
    real = rng.uniform(0, 1, size=(400, 2))
    half = rng.uniform(0, 1, size=(400, 2)) * [0.5, 1.0]
    p, r = samples.precision_recall(real, half)
    assert p > 0.9 and 0.4 < r < 0.65
    assert samples.precision_recall(real, half + 10.0) == (0.0, 0.0)
    assert samples.precision_recall(real, real) == (1.0, 1.0)


def test_bad_arguments_raise_input_error(digits):
    with pytest.raises(InputError, match="more than k"):
        samples.precision_recall(np.zeros((3, 2)), np.zeros((10, 2)))
    with pytest.raises(InputError, match="one width"):
        samples.precision_recall(np.zeros((10, 2)), np.zeros((10, 3)))
    with pytest.raises(InputError, match="k=0"):
        samples.precision_recall(np.zeros((10, 2)), np.zeros((10, 2)), k=0)
    unlabelled = data.from_array(digits.x[:100])
    with pytest.raises(InputError, match="no labels"):
        samples.fit_classifier(unlabelled)
    assert samples.classifier_for(unlabelled) is None
    with pytest.raises(InputError, match="n="):
        samples.data_space(constant_decoder(digits.x[0]), digits, None, n=2)
