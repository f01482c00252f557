"""AppTest: the Information and KL page computes information, entropy, both KLs, the model's KL and Bayes' rule,
with every closed form matching its numerical integral, and bad input shown as a message."""

import math

import numpy as np
import torch
from conftest import ROOT, open_page

from vae_core import checkpoints, data, information, objectives


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _kl_table(at):
    return next(d.value for d in at.dataframe if "quantity" in d.value.columns).set_index("quantity")


def test_information_entropy_and_kl_both_ways(app):
    at = open_page(app, "information")
    m = _metrics(at)
    assert m["Information -log p (bits)"] == "1.0000" and m["Entropy H"] == "1.7500 bits"
    at.slider(key="info_p").set_value(0.125).run()
    assert _metrics(at)["Information -log p (bits)"] == "3.0000"

    before = _kl_table(at)
    at.slider(key="kl_mu_q").set_value(-1.0).run()
    at.slider(key="kl_sd_q").set_value(2.5).run()
    at.slider(key="kl_sd_p").set_value(0.4).run()
    t = _kl_table(at)
    assert not np.allclose(t["closed form"], before["closed form"])
    np.testing.assert_allclose(t["closed form"], t["numerical"], atol=1e-6)
    assert abs(t.loc["KL(p || q)", "closed form"] - t.loc["KL(q || p)", "closed form"]) > 0.5  # asymmetric
    assert np.isclose(t.loc["H(p, q) - H(p)", "numerical"], t.loc["KL(p || q)", "closed form"], atol=1e-6)
    exact_bits = float(information.gaussian_kl_1d(0.0, 0.4, -1.0, 2.5)) / math.log(2)
    assert math.isclose(t.loc["KL(p || q)", "closed form"], exact_bits, abs_tol=1e-9)

    # Units: the same entropy in nats.
    at.button_group(key="info_unit").set_value("nats").run()
    assert _metrics(at)["Entropy H"] == f"{1.75 * math.log(2):.4f} nats"
    assert not at.exception


def test_bad_weights_model_kl_and_bayes(app):
    at = open_page(app, "information")
    at.session_state["ent_table"] = {"edited_rows": {"1": {"weight": -2.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert any("weights must be >= 0" in e.value for e in at.error)
    assert not at.exception
    at.session_state["ent_table"] = {
        "edited_rows": {str(i): {"weight": 0.0} for i in range(4)},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert any("all weights are zero" in e.value for e in at.error)

    # The selected model's own KL, for input 5, equals the closed form computed here from the checkpoint.
    at.number_input(key="klm_index").set_value(5).run()
    model, _ = checkpoints.load(ROOT / "models" / "digits-vae-beta1.safetensors")
    with torch.no_grad():
        mu, logvar = model.encode(np.array(data.load("digits").x[5]))
    want = float(objectives.kl_per_dim(mu, logvar).sum()) / math.log(2)
    shown = _metrics(at)["KL(q(z|x) || N(0, I)), summed over dimensions"]
    assert abs(float(shown.split()[0]) - want) < 1e-3

    # Bayes' rule: the grid posterior's evidence equals the conjugate one, and the posterior mean is the formula.
    for key, value in [
        ("bayes_prior_mean", 1.0),
        ("bayes_prior_sd", 2.0),
        ("bayes_obs", -1.5),
        ("bayes_noise_sd", 0.5),
        ("bayes_n", 4),
    ]:
        at.slider(key=key).set_value(value).run()
    m = _metrics(at)
    # With n = 4 the evidence is that of the average x-bar, and the labels say so.
    assert m["evidence p(x̄): grid"] == m["evidence p(x̄): exact"]
    assert "evidence p(x): grid" not in m
    assert any("average x̄" in c.value for c in at.caption)
    prec = 1 / 2.0**2 + 4 / 0.5**2
    assert float(m["posterior mean"]) == round((1.0 / 4 + 4 * -1.5 / 0.25) / prec, 4)
    assert float(m["posterior sigma"]) == round(prec**-0.5, 4)

    # An autoencoder has no q(z|x): the panel says so instead of failing.
    ae = next(o for o in at.sidebar.selectbox(key="sel_model").options if "autoencoder" in o)
    at.sidebar.selectbox(key="sel_model").set_value(ae).run()
    assert any("plain autoencoder" in i.value for i in at.info)
    assert not at.exception
