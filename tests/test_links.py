"""Shared links in the real app (AppTest): a link's dataset and model start the session; a bad link gives
the defaults and a notice, never an error; the URL follows the sidebar."""

from conftest import ROOT
from streamlit.testing.v1 import AppTest


def run_with(params: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_link_picks_dataset_and_model():
    at = run_with({"dataset": "mnist", "model": "mnist-vae-beta0.5"})
    assert at.sidebar.selectbox(key="sel_dataset").value == "mnist"
    assert at.sidebar.selectbox(key="sel_model").value.startswith("mnist-vae-beta0.5 ")
    assert not at.toast
    assert at.query_params["model"] == "mnist-vae-beta0.5"


def test_hostile_link_gives_defaults_and_a_notice():
    at = run_with({"dataset": "<img src=x onerror=alert(1)>", "model": "../../etc/passwd", "beta": "nan"})
    assert at.sidebar.selectbox(key="sel_dataset").value == "digits"
    assert "beta=1)" in at.sidebar.selectbox(key="sel_model").value
    notes = " ".join(t.value for t in at.toast)
    assert "dataset" in notes and "model" in notes and "beta" in notes and "<img" not in notes
    # the URL now names what is shown
    assert at.query_params["dataset"] == "digits" and at.query_params["model"] == "digits-vae-beta1"


def test_url_follows_the_sidebar():
    at = run_with({})
    at.sidebar.selectbox(key="sel_dataset").set_value("mnist").run()
    assert at.query_params["dataset"] == "mnist" and at.query_params["model"].startswith("mnist-vae-beta1")
