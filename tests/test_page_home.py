"""AppTest: the home page explains, lists the shipped models and links every page."""

import re

from conftest import open_page


def test_home_shows_gallery_and_links(app):
    text = " ".join(m.value for m in app.markdown)
    assert "beta-weighted objective" in text
    captions = [c.value for c in app.caption]
    assert any("evidence lower bound (ELBO)" in c and "beta < 1" in c for c in captions)
    # Autoencoder tiles show a reconstruction, never an ELBO; every tile shows evaluated numbers.
    ae_captions = [c for c in captions if c.startswith("autoencoder:")]
    assert ae_captions and all("no ELBO" in c for c in ae_captions)
    tiles = app.get("image")
    assert len(tiles) >= 8, "one decoded manifold per shipped 2-D image model, drawn as an image"
    assert any("digits VAE, beta=1" in str(t.proto) for t in tiles)
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


def shown_text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [f"{m.label} {m.value}" for m in at.metric] + [w.value for w in at.warning]
    return "\n".join(parts)


def test_no_page_shows_an_elbo_for_an_autoencoder(app):
    """With the digits autoencoder selected, no page prints an ELBO value (an AE defines no density)."""
    box = app.sidebar.selectbox(key="sel_model")
    ae = next(o for o in box.options if "digits-ae" in o)
    box.set_value(ae).run()
    assert not app.exception
    number_after_elbo = re.compile(r"ELBO[^\n.]{0,40}?-?\d+\.\d")
    for page in ("explorer", "elbo", "information", "reparam", "train", "pca"):
        open_page(app, page)
        text = shown_text(app)
        assert not number_after_elbo.search(text), (page, number_after_elbo.search(text).group(0))
    open_page(app, "elbo")
    assert any("plain autoencoder" in i.value for i in app.info)
