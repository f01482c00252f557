"""AppTest: the Train page trains with progress, keeps the model, and refuses bad settings and files."""

import numpy as np
import pytest
from conftest import open_page, wait_for


def _wait_for_training(at, limit=240):
    def finished():
        at.run()
        job = at.session_state["train_job"]
        return job if not job.active and job.meta.get("kept") is not None else None

    return wait_for(finished, limit, "the training to finish", interval=0.5)


@pytest.mark.slow  # trains in a worker process
def test_train_page_trains_and_registers_model(app):
    open_page(app, "train")
    app.number_input(key="tr_epochs").set_value(3).run()
    app.button(key="tr_start").click().run()
    job = _wait_for_training(app)
    assert job.status == "done" and job.epoch == 3
    names = list(app.session_state["my_models"])
    assert len(names) == 1 and names[0].startswith("digits-vae-beta1")
    at = app.run()
    assert any("(this session)" in o for o in at.sidebar.selectbox(key="sel_model").options)
    assert any("Done in" in s.value for s in at.success)


@pytest.mark.slow
def test_train_page_beta_grid_trains_together(app):
    open_page(app, "train")
    app.number_input(key="tr_epochs").set_value(2).run()
    app.text_input(key="tr_grid").set_value("0, 1, 4").run()
    app.button(key="tr_start").click().run()
    _wait_for_training(app)
    assert len(app.session_state["my_models"]) == 3


def test_train_page_rejects_bad_settings(app):
    open_page(app, "train")
    app.text_input(key="tr_hidden").set_value("256, many").run()
    assert any("comma-separated list of numbers" in e.value for e in app.error)
    app.text_input(key="tr_hidden").set_value("256").run()
    app.text_input(key="tr_grid").set_value("1, -2").run()
    assert any("beta" in e.value for e in app.error)
    assert not app.exception
    assert app.button(key="tr_start").disabled  # refused settings never train


def test_epochs_out_of_range_is_refused_under_the_box_and_never_trained(app):
    open_page(app, "train")
    app.number_input(key="tr_epochs").set_value(5).run()
    assert not app.button(key="tr_start").disabled
    app.number_input(key="tr_epochs").set_value(5000).run()
    refusals = [e.value for e in app.error if e.value.startswith("Epochs:")]
    assert refusals == ["Epochs: 5,000 is more than 2,000, the most allowed here. Enter 1 to 2,000."]
    # The refusal sits in the settings column, right under the Epochs box.
    col = next(c for c in app.columns if any(n.key == "tr_epochs" for n in c.number_input))
    assert any(e.value == refusals[0] for e in col.error)
    assert app.button(key="tr_start").disabled
    assert any("Train** is off" in c.value for c in app.caption)
    assert "train_job" not in app.session_state
    app.number_input(key="tr_epochs").set_value(0).run()
    assert any(e.value.startswith("Epochs: 0 is less than 1") for e in app.error)
    app.number_input(key="tr_epochs").set_value(7).run()
    assert not [e for e in app.error if e.value.startswith("Epochs:")]
    assert not app.button(key="tr_start").disabled
    assert not app.exception


def _digits_table():
    """sklearn's digits as a headerless table: 64 pixel columns (0..16) and the digit in the last column."""
    from sklearn.datasets import load_digits

    d = load_digits()
    return np.column_stack([d.data[:300], d.target[:300]]).astype(np.float64)


def test_a_headerless_table_with_a_label_column_is_read_as_labelled_images():
    from ui.uploads import Reading, guess, read_as

    values = _digits_table()
    assert guess(values) == Reading(True, (8, 8))
    ds = read_as(values, Reading(True, (8, 8)), "table")
    assert ds.dim == 64 and ds.image_shape == (8, 8) and ds.y.tolist()[:5] == [0, 1, 2, 3, 4]
    assert 0 <= ds.x.min() and ds.x.max() == 1.0  # 0..16 pixels divided by 16
    # Points with a whole-number last column keep it as a feature unless the rest are images.
    rng = np.random.default_rng(0)
    points = np.column_stack([rng.normal(size=(50, 3)), rng.integers(0, 3, 50)])
    assert guess(points) == Reading(False, None)


def test_the_train_page_offers_how_to_read_the_table_and_remembers_it(app):
    from ui.uploads import guess, read_as

    values = _digits_table()
    app.session_state["my_datasets"] = {"table": read_as(values, guess(values), "table")}
    app.session_state["my_data_readings"] = {"table": {"values": values, "reading": guess(values)}}
    app.session_state["pending_dataset"] = "table"
    at = open_page(app, "train")
    assert at.checkbox(key="rd_label:table").value is True
    assert at.selectbox(key="rd_shape:table").value == (8, 8)
    assert any("300 samples, 8x8 images" in m.value for m in at.markdown)
    at.checkbox(key="rd_label:table").uncheck().run()  # the label becomes a 65th feature
    at.run()
    assert at.session_state["my_datasets"]["table"].dim == 65
    assert at.session_state["my_data_readings"]["table"]["reading"].label_last is False
    assert any("300 samples, 65-D points" in m.value for m in at.markdown)
    at.checkbox(key="rd_label:table").check().run()
    at.selectbox(key="rd_shape:table").set_value((8, 8)).run()
    at.run()
    ds = at.session_state["my_datasets"]["table"]
    assert ds.image_shape == (8, 8) and ds.y is not None and not at.exception


def test_a_loaded_checkpoint_sets_every_box_and_says_what_it_is(app):
    from ui import uploads
    from vae_core import checkpoints, data

    path = "models/digits-vae-cb-beta1.safetensors"
    model, meta = checkpoints.load(path)
    text = uploads.loaded_summary("cb.safetensors", 123_456, model, meta, data.load("digits"), "digits")
    assert text.startswith("Loaded `cb.safetensors`: a VAE with beta = 1 (2 latent dimensions")
    assert "continuous Bernoulli likelihood" in text and "on **digits** (1,797 samples, 8x8 images)" in text
    app.session_state["tr_pending"] = uploads.settings_of(model, meta)
    at = open_page(app, "train")
    assert at.radio(key="tr_lik").value == "continuous_bernoulli"
    assert at.radio(key="tr_kind").value == "vae"
    assert at.text_input(key="tr_hidden").value == ", ".join(str(h) for h in model.config.hidden)
    assert at.number_input(key="tr_epochs").value == meta["train"]["epochs"]
    assert at.number_input(key="tr_beta").value == 1.0
    assert not at.exception
