"""ui.share: links round-trip; hostile query values fall back to defaults with a notice and never raise."""

import pytest

from ui.share import LinkView, parse_view, view_params

DATASETS = ["digits", "mnist", "moons"]
MODELS = {"digits": ["digits-vae-beta1", "digits-ae"], "mnist": ["mnist-vae-beta1"]}


def parse(params):
    return parse_view(params, DATASETS, MODELS)


def test_round_trip():
    v = LinkView("mnist", "mnist-vae-beta1", 0.25, False, (1.5, -0.3125))
    back, notes = parse(view_params(v))
    assert back == v and notes == []
    assert view_params(LinkView()) == {} and parse({}) == (LinkView(), [])


def test_lists_take_the_last_value_and_unknown_keys_are_ignored():
    v, notes = parse({"beta": ["2", "4"], "kl": ["off"], "utm_source": "x", "z": []})
    assert v == LinkView(beta=4.0, kl=False) and notes == []


@pytest.mark.parametrize(
    "key,value",
    [
        ("dataset", "../../etc/passwd"),
        ("dataset", "DIGITS"),
        ("dataset", "<script>alert(1)</script>"),
        ("model", "mnist-vae-beta1"),  # exists, but not for digits
        ("model", "../models/digits-vae-beta1"),
        ("beta", "nan"),
        ("beta", "inf"),
        ("beta", "1e309"),
        ("beta", "-1"),
        ("beta", "1e6"),
        ("beta", "0x10"),
        ("beta", ""),
        ("kl", "maybe"),
        ("kl", ""),
        ("z", "1,2,nan"),
        ("z", "1;2"),
        ("z", "1e400,0"),
        ("z", "100,0"),
        ("z", ",".join(["0"] * 17)),
        ("z", ""),
        ("z", "1," * 5000),
        ("beta", "1\x00"),
        ("dataset", "digits\n"),
        ("beta", "١"),  # an Arabic-Indic one: Python's float() reads it
        ("model", ["digits-ae", "bogus"]),
        ("beta", 3),
    ],
)
def test_hostile_values_fall_back_to_defaults(key, value):
    params = {"dataset": "digits", key: value} if key != "dataset" else {key: value}
    v, notes = parse(params)
    field = getattr(v, key)
    if not isinstance(value, (str, list)):
        assert field is None and notes == []  # a non-text value (only possible outside a URL) is ignored
        return
    assert field is None
    assert len(notes) == 1 and f"link's {key}" in notes[0] and "default" in notes[0]
    assert "<" not in notes[0] and "passwd" not in notes[0]  # the notice never echoes the value
    if key != "dataset":
        assert v.dataset == "digits"  # the rest of the link still works


def test_model_without_dataset_may_be_any_shipped_one():
    assert parse({"model": "mnist-vae-beta1"})[0].model == "mnist-vae-beta1"
