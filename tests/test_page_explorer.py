"""AppTest: the Latent explorer switches models with the KL slider, measures them, and trains new betas."""

import pytest
from conftest import open_page, wait_for


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_kl_slider_switches_models_and_metrics(app):
    open_page(app, "explorer")
    slider = app.select_slider(key="ex_beta")
    assert [float(v) for v in slider.options] == [0, 0.1, 0.25, 0.5, 1, 2, 4, 8]
    assert float(slider.value) == 1.0
    comp_1, cont_1 = float(_metric(app, "Completeness")), float(_metric(app, "Continuity"))
    slider.set_value(0.0).run()
    assert not app.exception
    comp_0, cont_0 = float(_metric(app, "Completeness")), float(_metric(app, "Continuity"))
    # Without the KL term the codes leave holes in the prior, and paths between codes jump more.
    assert comp_0 < 0.5 < comp_1 <= 1.0
    assert 0.0 <= cont_0 < cont_1 <= 1.0
    assert any("I(x; z)" in c.value and "log M" in c.value and "at that cap" in c.value for c in app.caption)
    app.select_slider(key="ex_beta").set_value(8.0).run()
    assert _metric(app, "Active units") == "0 / 2"
    assert any("Posterior collapse" in w.value for w in app.warning)


def test_kl_toggle_and_overlays(app):
    open_page(app, "explorer")
    app.toggle(key="ex_kl_on").set_value(False).run()
    assert float(_metric(app, "KL, nats")) > 10, "KL off shows the beta = 0 model, whose KL is large"
    for key in ("ex_ell", "ex_density", "ex_samples"):
        app.toggle(key=key).set_value(True).run()
        assert not app.exception
    app.toggle(key="ex_ipath").set_value(True).run()
    assert app.session_state["ex_path"].shape == (10, 2)


def test_rate_distortion_linear_demo_lands_on_the_curve(app):
    open_page(app, "explorer")
    app.button(key="ex_rd_run").click().run(timeout=180)
    assert not app.exception
    res = app.session_state["ex_rd_res"]
    for m, r_exact, d_exact in zip(res["measured"], res["exact"]["rate"], res["exact"]["distortion"]):
        assert abs(m["rate"] - r_exact) < 0.25
        assert abs(m["sq_error"] / d_exact - 1) < 0.1


@pytest.mark.slow
def test_train_a_grid_from_the_explorer(app):
    open_page(app, "explorer")
    app.number_input(key="ex_tepochs").set_value(2).run()
    app.text_input(key="ex_tgrid").set_value("0.3, 3").run()
    app.button(key="ex_train_grid").click().run()
    wait_for(lambda: not app.session_state["ex_job"].active, what="the grid training")
    app.run()
    app.run()
    assert app.session_state["ex_job"].status == "done"
    options = [float(v) for v in app.select_slider(key="ex_beta").options]
    assert 0.3 in options and 3.0 in options


def test_explorer_on_3d_data_draws_the_data_space(app):
    app.selectbox(key="sel_dataset").set_value("swiss_roll").run()
    open_page(app, "explorer")
    assert app.selectbox(key="sel_model").value.startswith("swiss_roll-vae-beta1")
    charts = app.get("plotly_chart")
    assert any("scatter3d" in c.proto.spec for c in charts), "decoded grid drawn as 3-D points"
