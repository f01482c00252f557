"""AppTest: the Train page trains with progress, keeps the model, and refuses bad settings and files."""

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
