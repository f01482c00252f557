"""The explorer's canvas panel: overlay switches, the latent canvas, the draw pad, and the server's decoding
of a click."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from ui import cache, keys, scores, view
from ui.canvas.events import server_decode
from ui.canvas.image import decoded_image_html
from ui.canvas.widget import Gaussian, Output, Overlays, Points, View, latent_canvas, take_canvas_event
from ui.drawpad.panel import COLOR as DRAWN_COLOR
from ui.drawpad.panel import LABEL as DRAWN_LABEL
from ui.drawpad.panel import drawing_panel, encode_each
from ui.explorer import export, plane
from ui.explorer import grid as beta_grid
from vae_core import drawing


@dataclass(frozen=True)
class Switches:
    """The overlay switches above the plot."""

    ellipse_count: int  # how many inputs' q(z|x) to draw (0: none)
    prior: bool
    density: bool
    holes: bool
    samples: bool


@st.fragment
def canvas_panel(model, mu: np.ndarray, logvar, sel, dims: tuple, bg=None) -> None:
    """Everything that reacts to pointer and sliders: only this panel reruns on a click (or a drawn stroke).

    bg: the KL-weight grid (ui.explorer.grid.BetaGrid) when there is one; the canvas then switches models
    in the browser, starting from the explorer's view (ui.view)."""
    ds = sel.dataset
    no_variance = bg is None and logvar is None  # an autoencoder: no ellipses, no density
    # One wrapping row: each switch keeps its whole label however narrow the window (columns cut them short).
    opts = st.container(horizontal=True, vertical_alignment="bottom", gap="medium")
    show_ell = opts.toggle(
        "Ellipses",
        key="ex_ell",
        disabled=no_variance,
        help="q(z|x) drawn at 1 and 2 standard deviations, to scale, for as many inputs as the box beside says.",
    )
    n_ell = opts.number_input("Inputs with ellipses", 1, 500, 40, key="ex_nell", disabled=not show_ell, width=130)
    show_prior = opts.toggle("Prior contours", value=True, key="ex_prior")
    show_density = opts.toggle(
        "Density",
        key="ex_density",
        disabled=no_variance,
        help="Where the encoder puts the data: the aggregate posterior q(z), the average of every input's "
        "q(z|x). At beta = 0 each q(z|x) is a spike far thinner than a pixel of this plot, so there is almost "
        "nothing to draw: the Holes layer shows where prior mass finds no code.",
    )
    show_holes = opts.toggle(
        "Holes",
        key="ex_holes",
        disabled=bg is None or model.config.latent_dim != 2,
        help=scores.HOLES_HELP
        + (
            ""
            if bg is not None and model.config.latent_dim == 2
            else " Drawn for a KL-weight grid of models with 2-D codes (train one in the last panel)."
        ),
    )
    show_samples = opts.toggle("Prior samples", key="ex_samples")
    switches = Switches(int(n_ell) if show_ell else 0, show_prior, show_density, show_holes, show_samples)
    plot_area, pad_area = st.container(), st.container()
    drawn = None
    if drawing.supports(ds.image_shape):
        with pad_area:
            st.markdown("**Draw a digit**: where does the encoder put it?")
            drawn = drawing_panel(model, ds, sel.dataset_name)
    with plot_area:
        _plot_and_decode(model, mu, logvar, sel, dims, switches, _drawn_overlay(drawn, bg, sel), bg)


def _drawn_overlay(drawn, bg, sel) -> tuple:
    """The drawing's q(z|x) on the canvas; with a grid, one row per stop so it moves with the KL slider."""
    if drawn is None:
        return ()
    if bg is None:
        return (Gaussian(drawn.mu, drawn.logvar, DRAWN_COLOR, DRAWN_LABEL),)
    mu, logvar = encode_each([beta_grid.model_at(bg, i, sel) for i in range(len(bg.stops))], drawn.x)
    return (Gaussian(mu, logvar, DRAWN_COLOR, DRAWN_LABEL),)


def _plot_and_decode(model, mu, logvar, sel, dims, sw: Switches, gaussians: tuple, bg) -> None:
    """The canvas, and beside it the server's decoding of the pinned z."""
    ds, k = sel.dataset, model.config.latent_dim
    key = f"ex_canvas_{k}_{dims}"
    entries = bg.entries if bg is not None else []
    # First: what the browser sent since the last run becomes the view (a new model reruns the app).
    shown = view.read(sel, entries, take_canvas_event(key))
    cs = view.publish(shown, sel, entries)
    lim = None  # with a grid, one per stop (canvas_grid)
    if bg is not None:
        # The browser holds every grid model's layout: it draws ellipses and density itself.
        points, ellipses, density = Points(None), None, None
    else:
        lim = plane.view_limit(mu[:, list(dims)])
        pkey = f"{sel.dataset_name}|{cache.model_key(model)}|{dims}"
        points = Points(mu[:, list(dims)], labels=ds.y, color=ds.color, key=pkey)
        ellipses = plane.ellipses(mu, logvar, dims, sw.ellipse_count) if sw.ellipse_count else None
        density = cache.density(model, ds, tuple(dims), round(lim, 2)) if sw.density else None
    # The server's answer to a click sits beside the canvas, in view while one clicks (below it, it fell under
    # the fold of a 1400x1000 window).
    plane_col, out_col = st.columns([3, 1], gap="small")
    with plane_col:
        latent_canvas(
            model,
            points,
            key=key,
            overlays=Overlays(
                ellipses=ellipses,
                ellipse_count=sw.ellipse_count if bg is not None else 0,
                prior_contours=sw.prior,
                density=density,
                browser_density=bg is not None and sw.density,
                holes=sw.holes and bg is not None,
                path=st.session_state.get(keys.EX_PATH),
                extra_points=plane.prior_points(k, dims) if sw.samples else None,
                gaussians=gaussians,
            ),
            output=Output(
                image_shape=ds.image_shape,
                cmap="gray_r",
                data_transform=None if ds.mean is None else (ds.mean, ds.scale),
                out_names=ds.feature_names,  # a CSV's header names the bars; else x1, x2, ...
            ),
            view=View(
                dims=dims,
                z_base=np.asarray(cs.z, np.float32),
                height=560,
                device_label=str(sel.device),
                epoch=cs.epoch,
                limit=lim,
            ),
            grid=None if bg is None else beta_grid.canvas_grid(bg, cs.index, cs.kl_on, sel, dims),
        )
    if bg is not None:  # decode with the model on screen, in the grid's aligned coordinates
        model = beta_grid.model_at(bg, view.shown_stop(entries, shown.beta, shown.kl_on), sel)
    with out_col:
        _server_output(model, sel, shown, bg)


def _server_output(model, sel, shown, bg) -> None:
    """The server's decoding of the pinned z (a click, a latent slider's release or a shared link), named by
    the model, beta and z it was decoded with; before any pin, a hint."""
    ds = sel.dataset
    if shown.pin is None:
        st.caption(
            "Hover the plane to decode in your browser; click anywhere (or release a slider) to decode "
            f"that z with PyTorch on **{sel.device}**. The server's image appears here."
        )
        # The canvas is on its way; ready every model a first click may use (each grid stop's).
        for m in [model] if bg is None else [beta_grid.model_at(bg, i, sel) for i in range(len(bg.stops))]:
            cache.warm_click_path(m, ds.image_shape)
        return
    z = np.asarray(shown.pin.z, np.float32)
    x, ms = server_decode(model, z)
    xv = ds.to_data_units(x[None])[0]
    trained_beta = (model.info.get("train") or {}).get("beta") if model.is_vae else None
    st.html(
        decoded_image_html(
            xv,
            ds.image_shape,
            str(model.device),
            ms,
            seq=shown.pin.seq,
            z=z.tolist(),
            cmap="gray_r",
            title=f"decoded on the server ({shown.pin.source})",
            model_name=view.model_name(shown.model),
            beta=trained_beta,
            out_names=ds.feature_names,
        )
    )
    if ds.image_shape is not None:
        export.images_button(xv[None], ds.image_shape, 1, "Image at this z (PNG)", "decoded-at-z.png", "ex_dl_zimg")
    if ds.image_shape is None and ds.dim in (2, 3):
        st.plotly_chart(plane.point_in_data_space(ds, xv), key="ex_point3d")
