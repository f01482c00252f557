"""Information and KL: information of an event, entropy, KL between two Gaussians both ways, the KL of the
selected model's q(z|x) to the prior, and Bayes' rule on a grid. Every number is a closed form checked against
a numerical integral; the panels live in ui/information/, the math in vae_core.information."""

import streamlit as st

from ui import state
from ui.information.bayes import bayes_panel
from ui.information.divergence import kl_panel
from ui.information.entropy import entropy_panel
from ui.information.event import information_panel
from ui.information.model_kl import model_panel

sel = state.current()
head, unit_col = st.columns([4, 1], vertical_alignment="bottom")
head.title("Information and KL")
unit = unit_col.segmented_control(
    "Units",
    ["bits", "nats"],
    default="bits",
    required=True,
    key="info_unit",
    help="bits use log base 2, nats the natural log; 1 nat = 1.443 bits.",
)
unit = unit or "bits"

tab_info, tab_ent, tab_kl, tab_model, tab_bayes = st.tabs(
    ["Information of an event", "Entropy", "KL divergence of two Gaussians", "KL of the model's q(z|x)", "Bayes' rule"]
)
with tab_info:
    information_panel(unit)
with tab_ent:
    entropy_panel(unit)
with tab_kl:
    kl_panel(unit)
with tab_model:
    model_panel(sel, unit)
with tab_bayes:
    bayes_panel()
