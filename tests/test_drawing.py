"""vae_core.drawing: a drawing becomes the model's input the way the data sets' images were made."""

import math

import numpy as np
import pytest

from vae_core import InputError, data
from vae_core import drawing as D

ZERO = [[[int(128 + 60 * math.cos(t)), int(128 + 95 * math.sin(t))] for t in np.linspace(0, 2 * math.pi, 60)]]
SEVEN = [[[60, 40], [200, 40], [110, 230]]]


def brute_coverage(segs, radius, box, samples):
    """The same rule, sample by sample, with no windows: the reference for `coverage`."""
    out = np.zeros((box, box), int)
    for k in range(box * samples):
        for j in range(box * samples):
            px, py = (j + 0.5) / samples, (k + 0.5) / samples
            for ax, ay, bx, by in segs:
                dx, dy = bx - ax, by - ay
                l2 = dx * dx + dy * dy
                t = 0.0 if l2 == 0 else min(1.0, max(0.0, ((px - ax) * dx + (py - ay) * dy) / l2))
                if (px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2 <= radius * radius:
                    out[k // samples, j // samples] += 1
                    break
    return out


def test_a_dot_on_digits_is_the_known_disc():
    # One point: the thickest pen (4 px of the 32x32 field) is closest to the data's ink. Pixel centres
    # (half-integers) within 4 of (16, 16): 13 per quadrant, and each quadrant is one central 4x4 block.
    img = D.to_image([[[100, 100]]], (8, 8)).reshape(8, 8)
    expect = np.zeros((8, 8), np.float32)
    expect[3:5, 3:5] = 13 / 16
    np.testing.assert_array_equal(img, expect)


def test_a_dot_on_mnist_is_centred_by_mass():
    img = D.to_image([[[7, 250]]], (28, 28)).reshape(28, 28)
    # a disc of radius 1.5 px around the box centre (10, 10), moved to the field's centre (14, 14)
    assert img.sum() == pytest.approx(math.pi * 1.5**2, abs=0.15)
    np.testing.assert_array_equal(img, img[::-1, ::-1])
    np.testing.assert_array_equal(img, img.T)
    assert img[13, 13] == 1.0 and img[12:16, 12:16].sum() == img.sum()


@pytest.mark.parametrize("shape", [(8, 8), (28, 28)])
def test_images_are_in_the_data_grey_levels(shape):
    img = D.to_image(ZERO, shape)
    levels = 16 if shape == (8, 8) else 64
    assert img.dtype == np.float32 and img.shape == (shape[0] * shape[1],)
    assert img.min() >= 0 and img.max() <= 1
    np.testing.assert_array_equal(img * levels, np.round(img * levels))


@pytest.mark.parametrize("shape", [(8, 8), (28, 28)])
def test_position_and_size_on_the_pad_do_not_matter(shape):
    small = [[[x // 2 + 10, y // 2 + 5] for x, y in s] for s in SEVEN]
    big = [[[2 * x, 2 * y] for x, y in s] for s in small]
    np.testing.assert_array_equal(D.to_image(small, shape), D.to_image(big, shape))
    moved = [[[x + 90, y + 100] for x, y in s] for s in small]
    np.testing.assert_array_equal(D.to_image(small, shape), D.to_image(moved, shape))


def test_coverage_matches_the_sample_by_sample_rule():
    for r, box, samples in ((1.5, 20, 8), (2.25, 32, 1)):
        segs = D._segments(D.check_strokes(SEVEN + [[[10, 10]]]), box, r)
        np.testing.assert_array_equal(D.coverage(segs, r, box, samples), brute_coverage(segs, r, box, samples))


def test_digits_ink_is_normalized_like_the_data():
    ds = data.load("digits")
    data_ink = ds.x.sum(1).mean()  # blocks of 16 pixels
    for strokes in (ZERO, SEVEN, [[[128, 20], [128, 230]]]):
        ink = D.to_image(strokes, (8, 8)).sum()
        assert abs(ink - data_ink) < 4.5, ink
    # the bounding box fills the field's height, as in the data
    img = D.to_image(SEVEN, (8, 8)).reshape(8, 8)
    assert img[0].any() and img[-1].any()


def test_mnist_box_fits_20_pixels_and_centre_of_mass_is_central():
    img = D.to_image(SEVEN, (28, 28)).reshape(28, 28)
    rows, cols = np.nonzero(img.any(1))[0], np.nonzero(img.any(0))[0]
    assert rows[-1] - rows[0] + 1 <= 20 and cols[-1] - cols[0] + 1 <= 20
    i = np.arange(28) + 0.5
    assert abs((img.sum(1) * i).sum() / img.sum() - 14) <= 0.5
    assert abs((img.sum(0) * i).sum() / img.sum() - 14) <= 0.5


@pytest.mark.parametrize(
    "strokes,match",
    [
        ("0,0", "list of strokes"),
        ({"a": 1}, "list of strokes"),
        ([], "empty"),
        ([[]], "non-empty"),
        ([[[1.5, 2]]], "integers"),
        ([[[True, 2]]], "integers"),
        ([[[-1, 2]]], "0..256"),
        ([[[1, 10**30]]], "0..256"),
        ([[[1, 2, 3]]], "integers"),
        ([[["1", "2"]]], "integers"),
        ([[None]], "integers"),
        ([[[float("nan"), 1]]], "integers"),
        ([[[1, 1]]] * (D.MAX_STROKES + 1), "at most 64 strokes"),
        ([[[1, 1]] * (D.MAX_POINTS + 1)], "at most 4096 points"),
    ],
)
def test_bad_drawings_are_refused(strokes, match):
    with pytest.raises(InputError, match=match):
        D.to_image(strokes, (8, 8))


def test_other_image_shapes_are_refused():
    with pytest.raises(InputError, match="8x8 .digits. and 28x28"):
        D.to_image(SEVEN, (16, 16))
    with pytest.raises(InputError, match="not None"):
        D.style_for(None)


def test_nearest_orders_by_distance():
    x = np.array([[0.0, 0], [3, 0], [1, 0], [10, 10]], np.float32)
    assert D.nearest(x, np.array([0.9, 0]), 3).tolist() == [2, 0, 1]
    assert D.nearest(x, np.array([0.0, 0]), 10).tolist() == [0, 2, 1, 3]


def test_encode_each_gives_one_row_per_model():
    from conftest import ROOT

    from ui.drawpad.panel import encode_each
    from vae_core import checkpoints

    x = D.to_image(SEVEN, (8, 8))
    models = [checkpoints.load(ROOT / "models" / f"digits-vae-beta{b}.safetensors")[0] for b in (0.5, 1)]
    mu, logvar = encode_each(models, x)
    assert mu.shape == logvar.shape == (2, 2)
    for row, m in enumerate(models):
        want = m.encode(x[None])
        np.testing.assert_allclose(mu[row], want[0][0].detach().numpy(), atol=1e-6)
        np.testing.assert_allclose(logvar[row], want[1][0].detach().numpy(), atol=1e-6)
    ae = checkpoints.load(ROOT / "models" / "digits-ae.safetensors")[0]
    assert encode_each([models[0], ae], x)[1] is None
