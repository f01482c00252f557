"""Serving the canvas's JavaScript and CSS (ui/canvas/static) and plotly.js (the plotly package's copy).

Why Streamlit internals: a module script must come with a JavaScript MIME type. Streamlit's public static
serving (server.enableStaticServing) sends .js files as text/plain, which browsers refuse to run as modules,
and components v2 serves an `asset_dir` only for an installed package that declares it in its pyproject.toml
(this app is run from a checkout, not installed). So the two folders are registered on the route v1 custom
components use (/component/<name>/<file>), through the runtime's component registry. This file is the only
place that touches it; if a Streamlit upgrade moves it, only `_register` changes.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
JS_PARTS = (
    "canvas.js",
    "data.js",
    "plot.js",
    "draw.js",
    "input.js",
    "server.js",
    "grid.js",
    "beta.js",
    "holes.js",
    "lesson.js",
)


@functools.lru_cache(maxsize=1)
def plotly_dir() -> Path:
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data"


@functools.lru_cache(maxsize=16)
def _file_version(path: str, mtime_ns: int) -> str:
    return hashlib.blake2b(Path(path).read_bytes(), digest_size=6).hexdigest()


def _version(*paths: Path) -> str:
    return "".join(_file_version(str(p), p.stat().st_mtime_ns) for p in paths)[:16]


def _register(name: str, folder: Path) -> None:
    from streamlit.components.v1.custom_component import CustomComponent
    from streamlit.runtime import Runtime

    if not Runtime.exists():  # bare mode or a unit test: nothing serves files
        return
    registry = Runtime.instance().component_registry
    if registry.get_component_path(name) != str(folder):
        registry.register_component(CustomComponent(name=name, path=str(folder), module_name=__name__))


def _root() -> str:
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/component" if base else "/component"


def file_url(path) -> str:
    """A URL the page can fetch a data file from (a checkpoint, a layout). Its folder is served on the same
    route as the scripts; the file's size and mtime in the query keep a browser from reusing an old copy."""
    path = Path(path).resolve()
    folder = path.parent
    name = f"{__package__}.files.{hashlib.blake2b(str(folder).encode(), digest_size=6).hexdigest()}"
    _register(name, folder)
    st_ = path.stat()
    return f"{_root()}/{name}/{path.name}?v={st_.st_size:x}{st_.st_mtime_ns:x}"


def asset_urls() -> dict[str, str]:
    """{"module_url", "css_url", "plotly_url"}: where the page loads the canvas and plotly.js from. The
    route name carries a content version of every part, because the JS parts import each other by relative
    URL and the route answers with `Cache-Control: public`: a changed file gets a new URL."""
    version = _version(*(STATIC_DIR / f for f in (*JS_PARTS, "canvas.css")))
    assets, plotly_name = f"{__package__}.assets.{version}", f"{__package__}.plotlyjs"
    _register(assets, STATIC_DIR)
    _register(plotly_name, plotly_dir())
    root = _root()
    return {
        "module_url": f"{root}/{assets}/canvas.js",
        "css_url": f"{root}/{assets}/canvas.css",
        "plotly_url": f"{root}/{plotly_name}/plotly.min.js?v={_version(plotly_dir() / 'plotly.min.js')}",
    }
