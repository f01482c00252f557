"""What the Information and KL panels share: their colours, how a number in nats is shown in the chosen unit,
and the figure margins and legend placement."""

import plotly.graph_objects as go

from ui.figures import LEGEND_BELOW
from vae_core import information

P_COLOR, Q_COLOR, POST_COLOR = "#636efa", "#ef553b", "#00cc96"


def fmt(nats: float, unit: str, digits: int = 4) -> str:
    """A quantity in nats, shown in unit ("bits" or "nats") with its unit name."""
    return f"{information.in_units(nats, unit):.{digits}f} {unit}"


def compact(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0)
    )
    return fig


def legend_below(fig: go.Figure) -> go.Figure:
    """Legend at the foot of the figure, under the x-axis title: plotly reserves room for both."""
    return fig.update_layout(legend=LEGEND_BELOW)
