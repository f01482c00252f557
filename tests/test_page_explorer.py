"""AppTest: the Latent explorer hands the canvas the whole beta grid, follows the canvas's beta in the sidebar,
keeps the pin, the server's image and the URL in agreement, builds only the open panel, and trains new betas."""

import base64
import html
import io
import json
import re

import numpy as np
import pytest
import torch
from conftest import ROOT, open_page, wait_for
from PIL import Image
from streamlit.testing.v1 import AppTest

from ui import keys
from vae_core import checkpoints

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


def _report(at, **news) -> None:
    """What the browser sends (ui.canvas.widget: a click, or the KL slider once it rests), with the epoch
    of the view it has, then a run (the canvas fragment's)."""
    state = dict(at.session_state[CANVAS])
    state["news"] = {"epoch": at.session_state[keys.EXPLORER_VIEW].epoch, **news}
    at.session_state[CANVAS] = state
    at.run()
    assert not at.exception, at.exception


def _report_view(at, index: int, kl_on: bool) -> None:
    _report(at, index=index, kl_on=kl_on)


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
    _report_view(app, index=0, kl_on=True)
    assert app.selectbox(key="sel_model").value.startswith("digits-vae-beta0 ")
    assert _canvas(app)["grid"]["index"] == 0
    # KL off keeps the slider's stop and shows (and selects) the beta = 0 model.
    _report_view(app, index=6, kl_on=False)
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


def _image(at) -> dict:
    """The server's decoded image: its data attributes (model, beta, z, seq) and its pixels in [0, 1]."""
    body = next(e.proto.body for e in at.get("html") if 'data-testid="decoded-image"' in e.proto.body)
    attrs = {k: html.unescape(v) for k, v in re.findall(r'data-([\w-]+)="([^"]*)"', body.split(">", 1)[0])}
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', body).group(1))
    img = np.asarray(Image.open(io.BytesIO(png)), np.float64) / 255.0
    k = img.shape[0] // 8  # an 8x8 digit magnified k times
    attrs["pixels"] = 1.0 - img[::k, ::k]  # drawn with gray_r: ink is dark
    attrs["z"] = json.loads(attrs["z"])
    return attrs


def _aligned(beta: float):
    """The shipped digits VAE of this beta in the grid's aligned latent axes (as the canvas draws it)."""
    from vae_core import align, checkpoints, layouts

    betas = [0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0]
    paths = [ROOT / "models" / f"digits-vae-beta{b:g}.safetensors" for b in betas]
    perms, _ = align.grid_permutations([layouts.read(layouts.path_for(p)).mu for p in paths], betas)
    i = betas.index(beta)
    return align.apply_signed_permutation(checkpoints.load(paths[i])[0], perms[i])


def _decoded(model, z) -> np.ndarray:
    with torch.no_grad():
        return model.decode(torch.tensor([z], dtype=torch.float32))[0].numpy().reshape(8, 8)


def test_the_server_image_follows_the_pin_and_the_model(app):
    """The pin, the server's image and the URL agree after a click, a KL-slider move and a sidebar switch; the
    image names the model, beta and z it was decoded with, and is that model's decoding of that z."""
    open_page(app, "explorer")
    _grid(app)
    z = [0.5, -1.0]
    _report(app, z=z, source="click", seq=1, index=4, kl_on=True)  # a click at beta = 1
    img = _image(app)
    assert (img["model"], img["beta"], img["z"]) == ("digits-vae-beta1", "1", z)
    assert np.abs(img["pixels"] - _decoded(_aligned(1.0), z)).max() <= 1 / 255 + 1e-9
    assert app.query_params["z"] == "0.5,-1"

    _report_view(app, index=0, kl_on=True)  # slide to beta = 0: the image is decoded again, at the same z
    img = _image(app)
    assert (img["model"], img["beta"], img["z"]) == ("digits-vae-beta0", "0", z)
    assert np.abs(img["pixels"] - _decoded(_aligned(0.0), z)).max() <= 1 / 255 + 1e-9
    assert app.selectbox(key="sel_model").value.startswith("digits-vae-beta0 ")
    assert (app.query_params["model"], app.query_params["beta"], app.query_params["z"]) == (
        "digits-vae-beta0",
        "0",
        "0.5,-1",
    )
    data = _canvas(app)
    assert data["grid"]["index"] == 0 and data["z_base"] == z

    epoch = data["epoch"]
    ae = next(o for o in app.selectbox(key="sel_model").options if o.startswith("digits-ae "))
    app.selectbox(key="sel_model").set_value(ae).run()  # the autoencoder: the pin stays, the image follows
    img = _image(app)
    assert img["model"] == "digits-ae" and "beta" not in img and img["z"] == z
    ae_model, _ = checkpoints.load(ROOT / "models" / "digits-ae.safetensors")
    assert np.abs(img["pixels"] - _decoded(ae_model, z)).max() <= 1 / 255 + 1e-9
    assert app.query_params["z"] == "0.5,-1" and "beta" not in app.query_params
    data = _canvas(app)
    assert data["z_base"] == z and data["epoch"] > epoch, "the canvas is told to pin z (a view it has not seen)"


def test_a_report_made_before_a_sidebar_change_is_dropped(app):
    open_page(app, "explorer")
    _grid(app)
    before = app.session_state[keys.EXPLORER_VIEW].epoch
    label = next(o for o in app.selectbox(key="sel_model").options if o.startswith("digits-vae-beta2 "))
    app.selectbox(key="sel_model").set_value(label).run()
    assert app.session_state[keys.EXPLORER_VIEW].epoch == before + 1
    # The slider rested at beta = 0 in the browser before the sidebar's change reached it: too late.
    _report(app, epoch=before, index=0, kl_on=True)
    assert app.selectbox(key="sel_model").value.startswith("digits-vae-beta2 ")
    assert _grid(app)["stops"][_canvas(app)["grid"]["index"]]["beta"] == 2.0


def test_a_link_sets_the_slider_switch_and_pin():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in {"dataset": "digits", "beta": "0.5", "kl": "off", "z": "1.25,-0.5"}.items():
        at.query_params[k] = v
    at.run()
    open_page(at, "explorer")
    assert at.selectbox(key="sel_model").value.startswith("digits-vae-beta0 "), "KL off shows the beta = 0 model"
    data = _canvas(at)
    assert data["grid"]["index"] == 3 and data["grid"]["kl_on"] is False and data["z_base"] == [1.25, -0.5]
    img = _image(at)
    assert (img["model"], img["beta"], img["z"]) == ("digits-vae-beta0", "0", [1.25, -0.5])
    assert (at.query_params["beta"], at.query_params["kl"], at.query_params["z"]) == ("0.5", "off", "1.25,-0.5")


def test_points_from_a_csv_are_named_by_its_header(app):
    """A 4-column CSV: the canvas's bars and the server's decoded values carry the file's column names."""
    from vae_core import data
    from vae_core.config import ModelConfig
    from vae_core.model import VAE, init_parameters

    rng = np.random.default_rng(0)
    rows = "\n".join(",".join(f"{v:.3f}" for v in r) for r in rng.normal(size=(60, 4)))
    ds = data.load_file(("height,weight,age,income\n" + rows + "\n").encode(), filename="people.csv")
    assert ds.feature_names == ("height", "weight", "age", "income")
    model = VAE(ModelConfig(kind="vae", input_dim=4, latent_dim=2, hidden=(8,), likelihood="gaussian"))
    init_parameters(model, torch.Generator().manual_seed(0))
    model.requires_grad_(False)
    app.session_state["my_datasets"] = {"people": ds}
    app.session_state["my_models"] = {"tiny": {"model": model, "dataset": "people", "beta": 1.0, "source": "test"}}
    app.session_state["pending_dataset"] = "people"
    app.session_state["pending_model"] = "session:tiny"
    at = open_page(app, "explorer")
    assert "height" in at.get("bidi_component")[0].proto.json and "income" in at.get("bidi_component")[0].proto.json
    assert not at.exception
