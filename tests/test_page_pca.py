"""AppTest: the PCA page shows exact PCA at once and the trained comparison on request."""

import time

import pytest
from conftest import open_page


def _wait_for_comparison(at, limit=300):
    """The comparison trains in a worker process: rerun until its numbers are on the page."""
    t0 = time.time()
    while time.time() - t0 < limit:
        at.run()
        assert not at.exception, at.exception
        if any("At k = " in c.value for c in at.caption):
            return at
        job = at.session_state["pca_job"] if "pca_job" in at.session_state else None
        assert job is None or job.status != "failed", job.error
        time.sleep(0.5)
    raise AssertionError("the PCA comparison did not finish")


def test_pca_page_shows_exact_pca_before_any_training(app):
    open_page(app, "pca")
    assert not app.exception
    assert app.get("plotly_chart"), "the exact PCA curve is there before any training"
    assert app.button(key="pca_run") is not None and "pca_job" not in app.session_state


@pytest.mark.slow  # trains in a worker process
def test_pca_page_compares_methods(app):
    open_page(app, "pca")
    app.multiselect(key="pca_dims").set_value([1, 2]).run()
    app.slider(key="pca_epochs").set_value(5).run()
    app.button(key="pca_run").click().run()
    _wait_for_comparison(app)
    caption = " ".join(c.value for c in app.caption)
    assert "At k = 2: PCA" in caption and "linear AE" in caption
    # The linear AE can never beat PCA (same subspace at best): its error is >= PCA's.
    pca_err = float(caption.split("PCA ")[1].split(",")[0])
    lin_err = float(caption.split("linear AE ")[1].split(" ")[0])
    assert lin_err >= pca_err * 0.999
    assert len(app.get("plotly_chart")) >= 5  # curves, four embeddings, reconstructions


@pytest.mark.slow
def test_nonlinear_autoencoder_beats_pca_on_the_swiss_roll(app):
    app.selectbox(key="sel_dataset").set_value("swiss_roll").run()
    open_page(app, "pca")
    app.multiselect(key="pca_dims").set_value([1, 2]).run()
    app.button(key="pca_run").click().run()
    _wait_for_comparison(app)
    caption = " ".join(c.value for c in app.caption)
    pca_err = float(caption.split("PCA ")[1].split(",")[0])
    ae_err = float(caption.split("non-linear AE ")[1].split(",")[0])
    assert ae_err < 0.6 * pca_err, caption
    assert len(app.get("plotly_chart")) >= 5  # 3-D reconstructions are drawn in the data space
