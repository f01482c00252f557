"""What the ELBO panels share: colours, the importance-sampling budget, the label of log p(x), the input
picker and the ellipse of a diagonal Gaussian."""

import numpy as np

from ui.drawpad.panel import saved_drawing
from ui.state import Selection
from vae_core import Dataset, densities

Q_COLOR, ENC_COLOR, BEST_COLOR, GAP_COLOR = "#ef553b", "#444444", "#00cc96", "#ffa15a"
IS_K = 5000  # draws for the importance-sampled log p(x) shown beside the quadrature


def px_label(sel: Selection) -> str:
    """ "log p(x)", marked where the decoder is a Bernoulli on grey levels: there it is minus a cross-entropy."""
    if densities.is_cross_entropy(sel.model.config.likelihood, sel.dataset.x):
        return "log p(x) [Bernoulli cross-entropy]"
    return "log p(x)"


def pick_input(sel: Selection, col) -> tuple[int, np.ndarray]:
    """The input: a row of the data set, or (index -1) the digit drawn on the explorer's pad."""
    ds = sel.dataset
    mine = saved_drawing(sel.dataset_name)
    if mine is not None and col.toggle("My drawing", key="elbo_mine", help="The digit you drew on the explorer's pad."):
        return -1, mine
    idx = int(
        col.number_input(
            "Input index", 0, ds.n - 1, 0, step=1, key="elbo_index", help=f"Which row of the dataset, 0 to {ds.n - 1}."
        )
    )
    return idx, np.array(ds.x[idx], dtype=np.float32)


def input_title(ds: Dataset, idx: int) -> str:
    if idx < 0:
        return "my drawing"
    return f"x (label {ds.y[idx]})" if ds.y is not None else f"input {idx}"


def ellipse(mu, sd, k: float, n: int = 90) -> tuple[np.ndarray, np.ndarray]:
    """The k-sigma ellipse of a diagonal Gaussian with mean mu (2,) and sigmas sd (2,), as n points."""
    t = np.linspace(0, 2 * np.pi, n)
    return mu[0] + k * sd[0] * np.cos(t), mu[1] + k * sd[1] * np.sin(t)
