"""The KL off vs on panel: the beta = 0 model beside a KL-regularized one, codes, numbers and prior samples."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from ui import cache, scores, state
from ui.explorer.plane import view_limit
from ui.figures import code_scatter, num, show_images


def kl_off_on_tab(grid: list[dict], sel, beta, dims) -> None:
    off = state.resolve_model(grid[0]["key"], str(sel.device))
    on_entry = next((g for g in grid if g["beta"] == beta and beta != 0.0), None)
    on_entry = on_entry or next((g for g in grid if g["beta"] == 1.0), grid[-1])
    on = state.resolve_model(on_entry["key"], str(sel.device))
    ds = sel.dataset
    cols = st.columns(2)
    for col, m, title in ((cols[0], off, "KL off (beta = 0)"), (cols[1], on, f"KL on (beta = {on_entry['beta']:g})")):
        with col:
            st.markdown(f"**{title}**")
            mu, _ = cache.encode_all(m, ds.x)
            lim = view_limit(mu[:, list(dims)])
            fig = code_scatter(mu[:, list(dims)], labels=ds.y, color=ds.color, height=360)
            th = np.linspace(0, 2 * np.pi, 100)
            for r in (1, 2, 3):
                fig.add_trace(
                    go.Scatter(
                        x=r * np.cos(th),
                        y=r * np.sin(th),
                        mode="lines",
                        hoverinfo="skip",
                        line=dict(color="gray", width=1, dash="dot"),
                        showlegend=False,
                    )
                )
            fig.update_xaxes(range=[-lim, lim])
            fig.update_yaxes(range=[-lim, lim], scaleanchor="x")
            fig.update_layout(height=360, margin=dict(l=0, r=0, t=10, b=0))
            st.plotly_chart(fig, key=f"ex_cmp_{title}")
            s = cache.summary(m, ds)
            cont, comp = s["continuity"], s["completeness"]
            st.caption(
                f"KL {num(s['kl'])} nats, continuity {scores.fmt(cont['score'], cont.get('se'))}, completeness "
                f"{scores.fmt(comp['score'], comp.get('se'))} (both 1 = ideal). Dotted circles: the prior's 1, 2, "
                "3 sigma."
            )
            if ds.image_shape is not None:
                g = torch.Generator().manual_seed(0)
                with torch.no_grad():
                    out = m.sample(24, g).cpu().numpy()
                show_images(out, ds.image_shape, 12, px=360, caption="prior samples")
