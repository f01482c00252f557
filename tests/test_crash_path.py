"""AppTest: widgets whose default or value comes from session state never crash a page.

The crash a student found: train with more epochs than the explorer's "Train at a beta" panel allows, then open
the explorer; a number box took its default from the last training and Streamlit refused a value above the
maximum. Here: train with the largest epochs each training widget allows (stopped early), then open every
page (AppTest runs every tab of a page); and push every index widget to its maximum on a large dataset, switch
to a smaller one, and open every page again.
"""

import time

from conftest import open_page

from ui.training import MAX_EPOCHS

PAGES = ["home", "pca", "explorer", "information", "elbo", "reparam", "train"]


def _every_page_opens(at) -> None:
    """Every page, and every panel of the explorer (it builds only the open one)."""
    for name in PAGES:
        open_page(at, name)  # asserts no exception
        assert not at.error, (name, [e.value for e in at.error])
    open_page(at, "explorer")
    for panel in at.radio(key="ex_panel").options:
        at.radio(key="ex_panel").set_value(panel).run()
        assert not at.exception, (panel, at.exception)
        assert not at.error, (panel, [e.value for e in at.error])


def test_train_with_the_largest_epochs_then_open_every_page(app):
    open_page(app, "train")
    app.number_input(key="tr_epochs").set_value(MAX_EPOCHS).run()
    assert not app.button(key="tr_start").disabled
    app.button(key="tr_start").click().run()
    t0 = time.time()
    while app.session_state["train_job"].epoch < 1 and time.time() - t0 < 240:
        time.sleep(0.3)
    app.session_state["train_job"].stop()
    while time.time() - t0 < 240:
        app.run()
        job = app.session_state["train_job"]
        if not job.active and job.meta.get("kept") is not None:
            break
        time.sleep(0.3)
    assert job.status == "stopped" and job.meta["kept"], "a model trained with the largest epochs was kept"
    assert app.sidebar.selectbox(key="sel_model").value.startswith(job.meta["kept"][0])
    _every_page_opens(app)
    # The explorer's own training panel (the last one) starts from the last training's epochs, in its range.
    # (The boxes take any number and refuse one out of range in words: ui.inputs.number_in_range.)
    assert 1 <= app.number_input(key="ex_tepochs").value <= MAX_EPOCHS
    assert not [e for e in app.error if e.value.startswith("epochs:")]


def test_indices_at_their_maximum_survive_a_switch_to_smaller_data(app):
    app.sidebar.selectbox(key="sel_dataset").set_value("mnist").run()
    for name, keys in (("information", ["klm_index"]), ("elbo", ["elbo_index"]), ("explorer", ["ex_ia", "ex_ib"])):
        open_page(app, name)
        if name == "explorer":
            app.radio(key="ex_panel").set_value("Interpolation").run()
        for key in keys:
            widget = app.number_input(key=key)
            widget.set_value(widget.max).run()
            assert not app.exception, app.exception
    app.sidebar.selectbox(key="sel_dataset").set_value("digits").run()
    assert not app.exception, app.exception
    _every_page_opens(app)
