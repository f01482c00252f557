"""AppTest: the home page explains, lists the shipped models and links every page."""

from conftest import open_page


def test_home_shows_gallery_and_links(app):
    text = " ".join(m.value for m in app.markdown)
    assert "evidence lower bound" in text
    charts = app.get("plotly_chart")
    assert len(charts) >= 8, "one decoded manifold per shipped 2-D image model"
    links = [p.proto.label for p in app.get("page_link")]
    assert len(links) == 6 and any("Latent explorer" in label for label in links)
    assert not app.error


def test_sidebar_switches_dataset_and_model(app):
    app.sidebar.selectbox(key="sel_dataset").set_value("mnist").run()
    assert not app.exception
    models = app.sidebar.selectbox(key="sel_model").options
    assert any("mnist-vae-beta1" in m for m in models)
    assert app.sidebar.selectbox(key="sel_model").value.startswith("mnist-vae-beta1")
    open_page(app, "train")
    assert any("mnist" in m.value for m in app.markdown)
