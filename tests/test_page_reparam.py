"""AppTest: the Reparameterization page shows both gradient estimators unbiased, the reparameterization one
with the smaller variance, the step function where it fails, and bad settings as a message."""

import numpy as np
from conftest import open_page


def _table(at):
    return next(d.value for d in at.dataframe if "estimator" in d.value.columns)


def test_reparameterization_beats_the_score_function(app):
    at = open_page(app, "reparam")
    t = _table(at)
    assert (t["z"].abs() < 4).all(), t  # both unbiased: means within 4 standard errors of the exact gradient
    rep = t[t["estimator"] == "reparameterization"]["variance"].to_numpy()
    sco = t[t["estimator"].str.startswith("score")]["variance"].to_numpy()
    assert np.all(rep < sco)
    assert all(float(m.value) > 1 for m in at.metric)  # variance ratios score / reparam

    at.slider(key="rp_mu").set_value(2.0).run()
    at.select_slider(key="rp_m").set_value(64).run()
    t2 = _table(at)
    assert np.allclose(t2["exact"].to_numpy()[:2], [4.0, 2.0])  # d/dmu E[z^2] = 2 mu, d/dsigma = 2 sigma
    assert (t2["z"].abs() < 4).all() and not t2["variance"].equals(t["variance"])
    assert not at.exception


def test_other_functions_and_bad_settings(app):
    at = open_page(app, "reparam")
    at.selectbox(key="rp_f").set_value("step(z-a)").run()
    assert any("differentiable" in w.value for w in at.warning)
    t = _table(at)
    assert (t[t["estimator"] == "reparameterization"]["mean"] == 0).all()
    assert (t[t["estimator"].str.startswith("score")]["z"].abs() < 4).all()

    at.selectbox(key="rp_f").set_value("sin(z)").run()
    at.slider(key="rp_sigma").set_value(2.0).run()
    assert (_table(at)["z"].abs() < 4).all()

    at.toggle(key="rp_baseline").set_value(True).run()
    at.select_slider(key="rp_m").set_value(1).run()
    assert any("at least 2" in e.value for e in at.error)
    assert not at.exception


def test_encoder_trunk_is_drawn_from_the_selected_model(app):
    at = open_page(app, "reparam")
    graphs = [str(g.proto) for g in at.get("graphviz_chart")]
    trunk = next(g for g in graphs if "g1: Linear 64" in g)  # digits-vae-beta1: 64 -> 256 -> (2 + 2)
    assert "g2: Linear 256" in trunk and "h2: Linear 256" in trunk and "eps ~ N(0, I)" in trunk
    assert any("16,640 parameters" in c.value for c in at.caption)
