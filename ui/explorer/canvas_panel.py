"""The explorer's canvas panel: overlay switches, the latent canvas, and the server's decoding of a click."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ui import cache, links
from ui.canvas.events import check_z, server_decode
from ui.canvas.image import decoded_image_html
from ui.canvas.widget import Gaussian, Output, Overlays, Points, View, latent_canvas
from ui.drawpad.panel import COLOR as DRAWN_COLOR
from ui.drawpad.panel import LABEL as DRAWN_LABEL
from ui.drawpad.panel import drawing_panel
from ui.explorer import export, plane
from ui.share import LinkView
from vae_core import InputError, drawing


@st.fragment
def canvas_panel(model, mu: np.ndarray, logvar, sel, dims: tuple) -> None:
    """Everything that reacts to pointer and sliders: only this panel reruns on a click (or a drawn stroke)."""
    ds = sel.dataset
    opts = st.columns([1.1, 0.8, 1.3, 1.1, 1.3])
    show_ell = opts[0].toggle(
        "Ellipses",
        key="ex_ell",
        disabled=logvar is None,
        help="q(z|x) drawn at 1 and 2 standard deviations, to scale, for this many inputs.",
    )
    n_ell = opts[1].number_input(
        "how many", 1, 500, 40, key="ex_nell", disabled=not show_ell, label_visibility="collapsed"
    )
    show_prior = opts[2].toggle("Prior contours", value=True, key="ex_prior")
    show_density = opts[3].toggle(
        "Density",
        key="ex_density",
        disabled=logvar is None,
        help="Where the encoder actually puts the data: low values inside the prior are "
        "the 'holes' that decode to nonsense.",
    )
    show_samples = opts[4].toggle("Prior samples", key="ex_samples")
    lim = plane.view_limit(mu[:, list(dims)])
    k = model.config.latent_dim
    plot_area, pad_area = st.container(), st.container()
    drawn = None
    if drawing.supports(ds.image_shape):
        with pad_area:
            st.markdown("**Draw a digit**: where does the encoder put it?")
            drawn = drawing_panel(model, ds, sel.dataset_name)
    overlays = Overlays(
        ellipses=plane.ellipses(mu, logvar, dims, int(n_ell)) if show_ell else None,
        prior_contours=show_prior,
        density=cache.density(model, ds, tuple(dims), round(lim, 2)) if show_density else None,
        path=st.session_state.get("ex_path"),
        extra_points=plane.prior_points(k, dims) if show_samples else None,
        gaussians=() if drawn is None else (Gaussian(drawn.mu, drawn.logvar, DRAWN_COLOR, DRAWN_LABEL),),
    )
    with plot_area:
        _plot_and_decode(model, mu, sel, dims, overlays)


def _plot_and_decode(model, mu: np.ndarray, sel, dims: tuple, overlays: Overlays) -> None:
    """The canvas, and under it the server's decoding of the last click."""
    ds, k = sel.dataset, model.config.latent_dim
    event = latent_canvas(
        model,
        Points(
            mu[:, list(dims)], labels=ds.y, color=ds.color, key=f"{sel.dataset_name}|{cache.model_key(model)}|{dims}"
        ),
        key=f"ex_canvas_{k}_{dims}",
        overlays=overlays,
        output=Output(
            image_shape=ds.image_shape, cmap="gray_r", data_transform=None if ds.mean is None else (ds.mean, ds.scale)
        ),
        view=View(dims=dims, z_base=np.zeros(k, np.float32), height=560, device_label=str(sel.device)),
    )
    if event is None and (linked := links.explorer_z(k)) is not None:
        st.session_state["ex_link_event"] = {"z": linked, "source": "link", "seq": 0}
    event = event or st.session_state.get("ex_link_event")  # a shared link's z, until the first click
    if event is None:
        st.caption(
            "Hover the plane to decode in your browser; click anywhere (or release a slider) to decode "
            f"that z with PyTorch on **{sel.device}**. The server's image appears here."
        )
        return
    try:
        z = check_z(event.get("z"), k)
    except InputError as e:
        st.error(str(e))
        return
    links.publish(LinkView(z=tuple(z.tolist())), keys=("z",))
    x, ms = server_decode(model, z)
    xv = ds.to_data_units(x[None])[0]
    st.html(
        decoded_image_html(
            xv,
            ds.image_shape,
            str(model.device),
            ms,
            seq=event.get("seq"),
            z=z.tolist(),
            cmap="gray_r",
            title=f"decoded on the server ({event.get('source', 'click')})",
        )
    )
    if ds.image_shape is not None:
        export.images_button(xv[None], ds.image_shape, 1, "Image at this z (PNG)", "decoded-at-z.png", "ex_dl_zimg")
    if ds.image_shape is None and ds.dim in (2, 3):
        st.plotly_chart(plane.point_in_data_space(ds, xv), key="ex_point3d")
