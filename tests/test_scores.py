"""ui.scores: every score written with its standard error the same way, and the plain-words sentence about a
model's prior draws built from its stored numbers."""

from __future__ import annotations

from ui import scores


def test_a_score_carries_its_standard_error_to_the_same_decimals():
    assert scores.fmt(0.8342, 0.012) == "0.83 ± 0.01"
    assert scores.fmt(0.8342, 0.004) == "0.834 ± 0.004"
    assert scores.fmt(0.99812, 0.0004) == "0.9981 ± 0.0004"
    assert scores.fmt(0.99771, 0.00002) == "0.9977 ± <0.0001"  # never "± 0.0000"
    assert scores.fmt(0.8342) == "0.83"
    assert scores.fmt(None) == "n/a"
    assert scores.fmt(float("nan"), 0.1) == "n/a"


def test_a_score_that_rounds_to_zero_is_never_negative():
    assert scores.fmt(-0.0004) == "0.00"
    assert scores.fmt(-0.0004, 0.01) == "0.00 ± 0.01"


def test_the_canvas_gets_the_same_strings_as_the_panels():
    s = {"continuity": 0.72, "continuity_se": 0.004, "completeness": 0.081, "completeness_se": 0.003}
    t = scores.texts({**s, "kl_per_dim": [1.0, 2.0]})
    assert t["continuity"] == scores.fmt(0.72, 0.004) == "0.720 ± 0.004"
    assert t["completeness"] == "0.081 ± 0.003"
    assert t["caveat"] is None  # 2-D codes: no warning about latent sizes
    assert "latent size" in scores.texts({**s, "kl_per_dim": [1.0] * 8})["caveat"]


def test_the_samples_sentence_says_which_classes_come_out_too_often_and_which_hardly_ever():
    data = [0.25, 0.25, 0.25, 0.25]
    s = {"sample_precision": 0.77, "sample_recall": 0.6, "class_mix": [0.7, 0.28, 0.02, 0.0], "data_class_mix": data}
    text = scores.samples_sentence(s, {"0": "zero", "1": "one", "2": "two", "3": "three"})
    assert text.startswith("77% of the draws")
    assert "zero (70%) far more often" in text and "two, three hardly ever" in text
    assert "48% of the draws would have to change class" in text  # total variation: (0.45 + 0.03 + 0.23 + 0.25) / 2
    assert text.endswith("60% of real images have a draw like them (recall).")


def test_the_samples_sentence_for_an_even_mix_and_for_a_collapsed_model():
    even = {"sample_precision": 0.9, "class_mix": [0.26, 0.24, 0.25, 0.25], "data_class_mix": [0.25] * 4}
    assert "close to the data's proportions (1% apart)" in scores.samples_sentence(even)
    gone = {**even, "class_mix": [0.0, 0.0, 1.0, 0.0], "collapsed": True, "active_units": 0, "classes": [3, 5, 7, 9]}
    assert scores.samples_sentence(gone) == (
        "Every draw decodes to the same average image, which the classifier calls 7: the code carries nothing, "
        "so neither does a sample. Precision and recall mean nothing here: every real image decodes to almost the "
        "same picture, so their nearest-neighbour radii shrink to nothing."
    )
    gone_texts = scores.texts({**gone, "sample_recall": 1.0, "kl_per_dim": [0.0, 0.0]})
    assert (gone_texts["precision"], gone_texts["recall"]) == ("n/a", "n/a")
    assert scores.texts({**even, "kl_per_dim": [1.0, 1.0]})["precision"] == "90%"
    assert scores.samples_sentence({"kl": 1.0}) is None


def test_the_across_beta_caption_counts_the_steps_within_the_noise():
    from ui.explorer.across_beta import _noise_sentence

    # steps: +0.005 (within 2 x 0.0042), +0.05 (a finding), -0.001 (within)
    text = _noise_sentence([0.70, 0.705, 0.755, 0.754], [0.003] * 4)
    assert "Of continuity's 3 steps between neighbouring betas, 2 lie within" in text
    assert _noise_sentence([0.7, 0.8], None) == "A difference smaller than the noise is not a finding."
    assert "Each of continuity's 1 steps" in _noise_sentence([0.7, 0.8], [0.01, 0.01])
