"""AppTest: the Latent explorer hands the canvas the whole beta grid, follows the canvas's beta in the sidebar,
builds only the open panel, and trains new betas."""

import json

import pytest
from conftest import open_page, wait_for

CANVAS = "_latent_canvas:ex_canvas_2_(0, 1)"  # the canvas's session state (ui.canvas.widget._state)


def _canvas(at) -> dict:
    return json.loads(at.get("bidi_component")[0].proto.json)


def _grid(at) -> dict:
    """The grid manifest the canvas shows. It travels once per session (later renders carry its hash), so
    forget what was sent, as a reloaded page does, and run once more to see it."""
    at.session_state["_latent_canvas:sent"] = []
    at.run()
    data = _canvas(at)
    return data["payloads"][data["blobs"]["grid"]]


def _report_view(at, index: int, kl_on: bool, shown: int) -> None:
    """What the browser reports once the KL slider rests (ui.canvas.widget._on_view), then a run."""
    state = dict(at.session_state[CANVAS])
    state["view"] = {"index": index, "kl_on": kl_on, "shown": shown, "beta": None}
    at.session_state[CANVAS] = state
    at.run()
    assert not at.exception, at.exception


def test_the_canvas_gets_every_grid_model_and_its_numbers(app):
    open_page(app, "explorer")
    grid, data = _grid(app), _canvas(app)
    betas = [s["beta"] for s in grid["stops"]]
    assert betas == [0, 0.1, 0.25, 0.5, 1, 2, 4, 8]
    assert betas[data["grid"]["index"]] == 1.0 and data["grid"]["kl_on"] and data["grid"]["off_index"] == 0
    assert all(
        s["checkpoint"].startswith("/component/") and s["layout"].startswith("/component/") for s in grid["stops"]
    )
    numbers = {s["beta"]: s["summary"] for s in grid["stops"]}
    # Without the KL term the codes leave holes in the prior, and paths between codes jump more.
    assert numbers[0.0]["completeness"] < 0.5 < numbers[1.0]["completeness"] <= 1.0
    assert 0.0 <= numbers[0.0]["continuity"] < numbers[1.0]["continuity"] <= 1.0
    assert numbers[8.0]["active_units"] == 0 and numbers[8.0]["collapsed"]
    assert numbers[0.0]["kl"] > 10, "KL off (beta = 0) has a large KL"


def test_the_sidebar_follows_the_canvas(app):
    open_page(app, "explorer")
    _grid(app)
    _report_view(app, index=0, kl_on=True, shown=0)
    assert app.selectbox(key="sel_model").value.startswith("digits-vae-beta0 ")
    assert _canvas(app)["grid"]["index"] == 0
    # KL off keeps the slider's stop and shows (and selects) the beta = 0 model.
    _report_view(app, index=6, kl_on=False, shown=0)
    assert app.selectbox(key="sel_model").value.startswith("digits-vae-beta0 ")
    data = _canvas(app)
    assert data["grid"]["index"] == 6 and not data["grid"]["kl_on"]
    # Picking a model in the sidebar moves the canvas to it, with KL on.
    label = next(o for o in app.selectbox(key="sel_model").options if o.startswith("digits-vae-beta2 "))
    app.selectbox(key="sel_model").set_value(label).run()
    data = _canvas(app)
    assert _grid(app)["stops"][data["grid"]["index"]]["beta"] == 2.0 and data["grid"]["kl_on"]


def test_overlays_and_only_the_open_panel(app):
    open_page(app, "explorer")
    for key in ("ex_ell", "ex_density", "ex_samples"):
        app.toggle(key=key).set_value(True).run()
        assert not app.exception
    data = _canvas(app)
    assert data["ellipse_n"] == 40 and data["density"] is True
    assert not app.get("number_input") or all(n.key != "ex_ia" for n in app.number_input), "closed panel built"
    app.radio(key="ex_panel").set_value("Interpolation").run()
    app.toggle(key="ex_ipath").set_value(True).run()
    assert app.session_state["ex_path"].shape == (10, 2)


def test_rate_distortion_linear_demo_lands_on_the_curve(app):
    open_page(app, "explorer")
    app.radio(key="ex_panel").set_value("Rate-distortion").run()
    app.button(key="ex_rd_run").click().run(timeout=180)
    assert not app.exception
    res = app.session_state["ex_rd_res"]
    for m, r_exact, d_exact in zip(res["measured"], res["exact"]["rate"], res["exact"]["distortion"]):
        assert abs(m["rate"] - r_exact) < 0.25
        assert abs(m["sq_error"] / d_exact - 1) < 0.1


@pytest.mark.slow
def test_train_a_grid_from_the_explorer(app):
    open_page(app, "explorer")
    app.radio(key="ex_panel").set_value("Train at a beta").run()
    app.number_input(key="ex_tepochs").set_value(2).run()
    app.text_input(key="ex_tgrid").set_value("0.3, 3").run()
    app.button(key="ex_train_grid").click().run()
    wait_for(lambda: not app.session_state["ex_job"].active, what="the grid training")
    app.run()
    app.run()
    assert app.session_state["ex_job"].status == "done"
    betas = [s["beta"] for s in _grid(app)["stops"]]
    assert 0.3 in betas and 3.0 in betas


def test_explorer_on_3d_data_draws_the_data_space(app):
    app.selectbox(key="sel_dataset").set_value("swiss_roll").run()
    open_page(app, "explorer")
    assert app.selectbox(key="sel_model").value.startswith("swiss_roll-vae-beta1")
    charts = app.get("plotly_chart")
    assert any("scatter3d" in c.proto.spec for c in charts), "decoded grid drawn as 3-D points"


def test_an_autoencoder_is_not_headed_with_a_beta(app):
    app.sidebar.selectbox(key="sel_model").set_value("digits-ae (autoencoder)").run()
    at = open_page(app, "explorer")
    heads = [m.value for m in at.markdown if m.value.startswith("**This model**")]
    assert heads == ["**This model** (an autoencoder: no KL term, so no beta)"]
    assert not any("beta =" in h for h in heads)
