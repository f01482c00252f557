"""AppTest: on the ELBO page, ELBO(q) + KL(q || p(z|x)) stays equal to log p(x) wherever q is moved, the
quadrature log p(x) agrees with importance sampling, and every try lands in the table."""

import numpy as np
import torch
from conftest import open_page

from vae_core.config import ModelConfig
from vae_core.model import VAE, init_parameters

CROSS_ENTROPY = " [Bernoulli cross-entropy]"  # the page's mark on "log p(x)" for a Bernoulli on grey levels


def _metrics(at) -> dict[str, float]:
    return {m.label.replace(CROSS_ENTROPY, ""): float(m.value) for m in at.metric}


def _check_identity(m: dict[str, float]) -> None:
    assert abs(m["ELBO + KL"] - m["log p(x), quadrature"]) <= 1e-4
    assert abs(m["ELBO(q)"] + m["KL(q || p(z|x))"] - m["log p(x), quadrature"]) <= 2e-4
    assert m["ELBO(q)"] <= m["log p(x), quadrature"] and m["KL(q || p(z|x))"] >= 0


def test_elbo_plus_kl_is_log_px_as_q_moves(app):
    at = open_page(app, "elbo")
    enc = _metrics(at)
    _check_identity(enc)
    assert abs(enc["log p(x), quadrature"] - enc["log p(x), IS (k=5000)"]) < 0.1

    m1 = at.slider(key="elbo_m1")
    m1.set_value(m1.value + 0.6).run()
    ls2 = at.slider(key="elbo_ls2")
    ls2.set_value(ls2.value - 0.5).run()
    moved = _metrics(at)
    _check_identity(moved)
    assert moved["log p(x), quadrature"] == enc["log p(x), quadrature"]
    assert moved["KL(q || p(z|x))"] > enc["KL(q || p(z|x))"] + 0.5  # three sigmas off: much worse

    at.button(key="elbo_best_btn").click().run()
    best = _metrics(at)
    _check_identity(best)
    assert best["KL(q || p(z|x))"] <= enc["KL(q || p(z|x))"] and best["ELBO(q)"] >= enc["ELBO(q)"]

    at.button(key="elbo_reset").click().run()
    assert _metrics(at)["ELBO(q)"] == enc["ELBO(q)"]

    tries = next(d.value for d in at.dataframe if "ELBO + KL" in d.value.columns)
    assert len(tries) >= 4
    np.testing.assert_allclose(tries["ELBO"] + tries["KL(q || p(z|x))"], tries["log p(x)"], atol=1e-9)
    assert (tries["ELBO"] <= tries["log p(x)"]).all()

    at.number_input(key="elbo_index").set_value(7).run()
    other = _metrics(at)
    _check_identity(other)
    assert other["log p(x), quadrature"] != enc["log p(x), quadrature"]
    assert not at.exception


def test_elbo_page_explains_an_autoencoder_and_a_3d_model(app):
    ae = next(o for o in app.sidebar.selectbox(key="sel_model").options if "autoencoder" in o)
    app.sidebar.selectbox(key="sel_model").set_value(ae).run()
    at = open_page(app, "elbo")
    assert any("plain autoencoder" in i.value for i in at.info)
    assert not at.metric

    # A VAE with 3 latent dimensions (as if trained in this session): no grid, sampled numbers only.
    model = VAE(ModelConfig(kind="vae", input_dim=64, latent_dim=3, hidden=(16,)))
    init_parameters(model, torch.Generator().manual_seed(0))
    model.requires_grad_(False)
    at.session_state["my_models"] = {"tiny3d": {"model": model, "dataset": "digits", "beta": 1.0, "source": "test"}}
    at.session_state["pending_model"] = "session:tiny3d"
    at.run()
    assert any("3 latent dimensions" in w.value for w in at.warning)
    m = _metrics(at)
    assert m["gap = KL(q || p(z|x))"] == round(m["log p(x) (IS, k=5000)"] - m["ELBO (Monte Carlo)"], 3)
    assert not at.exception


def test_my_drawing_is_an_input(app):
    from vae_core import drawing

    at = open_page(app, "elbo")
    assert not [t for t in at.toggle if t.key == "elbo_mine"]  # nothing drawn yet: no toggle
    x = drawing.to_image([[[60, 40], [200, 40], [110, 230]]], (8, 8))
    at.session_state["my_drawing"] = {"dataset": "digits", "x": x}
    at.run()
    row = _metrics(at)
    at.toggle(key="elbo_mine").set_value(True).run()
    assert not at.exception
    mine = _metrics(at)
    _check_identity(mine)
    assert mine["log p(x), quadrature"] != row["log p(x), quadrature"]
    assert any("my drawing" in str(p.proto) for p in at.get("image"))


def test_log_px_is_called_a_cross_entropy_only_for_a_bernoulli_on_grey_levels(app):
    at = open_page(app, "elbo")  # digits-vae-beta1: Bernoulli on k/16 grey levels
    assert any("Bernoulli cross-entropy, not a log-likelihood" in w.value for w in at.warning)
    assert any(CROSS_ENTROPY in m.label for m in at.metric)
    for name in ("digits-vae-cb-beta1", "digits_binarized-vae-beta1"):
        if name.startswith("digits_binarized"):
            at.sidebar.selectbox(key="sel_dataset").set_value("digits_binarized").run()
        box = at.sidebar.selectbox(key="sel_model")
        box.set_value(next(o for o in box.options if o.startswith(name))).run()
        assert not at.exception
        assert not any("cross-entropy" in w.value for w in at.warning), name
        assert not any(CROSS_ENTROPY in m.label for m in at.metric), name
        _check_identity(_metrics(at))
