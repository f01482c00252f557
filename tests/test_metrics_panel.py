"""ui.scores.panel: the "This model" words, written once for the Streamlit column and the canvas."""

from ui import scores

BASE = {
    "kl_per_dim": [2.5, -0.0001],
    "active_units": 1,
    "kl": 2.4999,
    "continuity": 0.8312,
    "continuity_se": 0.0123,
    "completeness": 0.5,
    "completeness_se": None,
    "reconstruction_is_cross_entropy": True,
    "reconstruction": 30.0,
    "mutual_information": 2.3,
    "mi_se": None,
    "mi_saturated": True,
    "mi_upper_bound": 2.3026,
    "marginal_kl": 0.2,
    "precision": 0.91,
    "quantile": 0.95,
    "collapsed": False,
    "message": "",
}


def test_a_vae_panel_says_each_number_once():
    p = scores.panel(BASE, 0.5)
    assert p["title"] == "This model (β = 0.5)"
    values = {m["key"]: m["value"] for m in p["metrics"]}
    assert values == {"active_units": "1 / 2", "kl": "2.50", "continuity": "0.83 ± 0.01", "completeness": "0.50"}
    assert [m["wide"] for m in p["metrics"]] == [False, False, True, True]
    assert p["notes"][0] == (
        "What the code carries: I(x; z) = 2.30 nats; Bernoulli cross-entropy 30.00 nats. A collapsed model scores "
        "1 on both scores while carrying nothing: read them beside these two numbers."
    )
    assert "that cap holds it down" in p["notes"][1] and "log M = 2.30" in p["notes"][1]
    assert p["notes"][2].startswith("Prior samples near real data: 91% (nearest-neighbour test at the 95% level")
    assert p["bars"]["labels"] == ["2.50", "0.00"], "a KL a hair below zero is 0.00, never -0.00"
    assert p["warning"] is None


def test_an_autoencoder_and_a_collapsed_model():
    ae = {**BASE, "mutual_information": None, "reconstruction_is_cross_entropy": False, "sample_precision": 0.5}
    p = scores.panel(ae, None, is_vae=False)
    assert p["title"] == "This model (an autoencoder: no KL term, so no beta)"
    assert p["notes"] == [
        "What the code carries: I(x; z): none (a deterministic code); reconstruction -log p(x|z) 30.00 nats. A "
        "collapsed model scores 1 on both scores while carrying nothing: read them beside these two numbers."
    ], "no I(x; z) cap without an estimate; the samples sentence (sample_precision) replaces the precision note"
    dead = {**BASE, "collapsed": True, "message": "full posterior collapse: no dimension carries information"}
    assert scores.panel(dead, 8.0)["warning"] == "Full posterior collapse: no dimension carries information"


def test_more_than_two_latent_dimensions_get_the_completeness_caveat():
    p = scores.panel({**BASE, "kl_per_dim": [1.0, 1.0, 1.0]}, 1.0)
    assert p["notes"][0] == scores.completeness_caveat(3) and "3 latent dimensions" in p["notes"][0]
