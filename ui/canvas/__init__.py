"""The latent canvas: a 2-D latent plot that decodes in the browser as the mouse moves.

Parts: `widget` (the Streamlit element: `latent_canvas(model, Points(...), ...)`), `payload` (what is sent to
the browser, built once per content hash), `assets` (serving the JavaScript, CSS and plotly.js), `events`
(what comes back: click and slider events, server decoding, the hover fallback) and `image` (the
server-decoded image). The JavaScript lives in static/, one file per part. This file imports nothing, so
ui.cache can build payloads without importing the widget.
"""
