"""How the explorer writes its scores: every score with its standard error, and the words that say what each
measures. The Python panels and the canvas (which gets these strings in its grid manifest) both use this
module, so a score reads the same wherever it appears."""

from __future__ import annotations

import math

CONTINUITY_HELP = (
    "0 to 1, 1 = ideal. Walk in a straight line from the code of one input to the code of another and decode "
    "at evenly spaced steps. Continuity asks how evenly the decoded picture changes along the way: the "
    "average change per step divided by the largest one (exactly (1/s - 1)/(steps - 1), s = the largest "
    "step's share of the total). 1 = every step changes it by the same amount, a smooth morph; near 0 = all "
    "of the change happens in one step, a jump. It measures evenness, not size, so any smooth decoder (every "
    "MLP) scores well above 0. The strip under the plot shows one such walk. vae_core.metrics.continuity."
)
COMPLETENESS_HELP = (
    "0 to 1, 1 = ideal. The overlap of the prior N(0, I) with the aggregate posterior q(z), the average of "
    "every input's q(z|x): int min(p, q) dz. 1 = prior draws land where codes of real data live; 0 = they "
    "land between the codes, where the decoder was never trained. It is the prior-weighted mean of the Holes "
    "layer's share min(1, q/p). An autoencoder's codes are points: 0. vae_core.metrics.completeness."
)
HOLES_HELP = (
    "Where prior mass lands with no code: the share min(1, q(z)/p(z)) of the prior's density that the "
    "aggregate posterior q(z) matches at each point (1 = covered, 0 = a hole), or log q(z)/p(z) on a "
    "symmetric scale. Its mean under the prior, E_p[min(1, q/p)] = int min(p, q) dz, is exactly the "
    "completeness score (Scheffe's identity). Computed per model over [-4, 4]^2 and switched in the browser "
    "with the KL slider."
)


def _decimals(se: float | None) -> int:
    """Two decimals, or as many as it takes (up to four) for the standard error's first digit to show."""
    if se is None or not math.isfinite(se) or se <= 0:
        return 2
    return int(min(4, max(2, -math.floor(math.log10(se)))))


def fmt(value: float | None, se: float | None = None) -> str:
    """A score for the page: "0.83 ± 0.02" (value and standard error to the same decimals), "0.83" without a
    standard error, "n/a" for none. A value that rounds to zero never shows as "-0.00"."""
    if value is None or not math.isfinite(value):
        return "n/a"
    d = _decimals(se)
    text = f"{value:.{d}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    if se is None or not math.isfinite(se):
        return text
    return f"{text} ± {se:.{d}f}"


def completeness_caveat(latent_dim: int) -> str | None:
    """Why completeness does not compare across latent sizes (None for 2-D codes, where the shipped models are)."""
    if latent_dim <= 2:
        return None
    return (
        f"Completeness here is the overlap in all {latent_dim} latent dimensions. Over a finite data set the "
        "aggregate posterior is a mixture of as many narrow Gaussians as there are inputs, and the room "
        "between them grows with the number of dimensions, so the score falls as the latent size grows for "
        "any model: compare it only between models with the same latent size."
    )


def texts(summary: dict) -> dict:
    """The formatted scores of a layout's compact summary (vae_core.layouts.compact_summary), for the canvas:
    {"continuity", "completeness", "precision", "recall", "accuracy"} strings (fmt), and "caveat"."""
    g = summary.get
    return {
        "continuity": fmt(g("continuity"), g("continuity_se")),
        "completeness": fmt(g("completeness"), g("completeness_se")),
        "caveat": completeness_caveat(len(g("kl_per_dim") or [])),
    }
