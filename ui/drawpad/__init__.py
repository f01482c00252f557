"""The draw pad component: a person draws a digit; Python gets the strokes when a stroke ends.

The pad (drawpad.js) shows, live, the image the model will see: it runs vae_core.drawing.to_image's steps
itself, so the preview needs no round trip while the pen moves. What the page encodes is Python's own
to_image of the strokes (the authoritative one); a browser test checks that both are the same image.
Why strokes and not pixels go to Python: a drawing is a few hundred integers, resolution-free, and Python
validates them like any other input (vae_core.drawing.check_strokes).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import keys
from vae_core import drawing

_JS = (Path(__file__).resolve().parent / "drawpad.js").read_text()
_component = st.components.v2.component("vae_drawpad", js=_JS, isolate_styles=False)
PEN_UNITS = 14  # the pen drawn on the pad, in pad units (of drawing.PAD_SIZE): the look, not the model's input


def _style_payload(image_shape) -> dict:
    s = drawing.style_for(image_shape)
    return {
        "box": s.box,
        "samples": s.samples,
        "block": s.block,
        "out": s.out,
        "radii": list(s.radii),
        "ink": s.ink,
        "max_strokes": drawing.MAX_STROKES,
        "max_points": drawing.MAX_POINTS,
    }


def draw_pad(image_shape, key: str, size_px: int = 224) -> list | None:
    """Draw the pad for (8, 8) or (28, 28) images; returns the drawing's strokes (unvalidated: pass them to
    vae_core.drawing.to_image, which raises InputError for bad ones), [] when cleared, or None before the
    first stroke. The drawing survives reruns and page switches in session state under `key`."""
    style = _style_payload(image_shape)
    saved = st.session_state.get(keys.saved_drawing(key)) or {"strokes": [], "seq": 0}
    caption = "16 grey levels, as the digits data" if style["block"] > 1 else "centred by its centre of mass"
    result = _component(
        key=key,
        data={
            "key": key,
            "image_shape": [int(v) for v in image_shape],
            "style": style,
            "pen": PEN_UNITS,
            "size_px": int(size_px),
            "strokes": saved["strokes"],
            "seq": saved["seq"],
            "caption": caption,
        },
        default={"drawing": None},
        on_drawing_change=lambda: None,
    )
    value = getattr(result, "drawing", None)
    if isinstance(value, dict) and isinstance(value.get("seq"), int) and value["seq"] >= saved["seq"]:
        saved = {"strokes": value.get("strokes"), "seq": value["seq"]}
        st.session_state[keys.saved_drawing(key)] = saved
    return saved["strokes"] if saved["seq"] > 0 else None
