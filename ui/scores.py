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
    "MLP) scores well above 0. With a KL-weight grid, the strip under the plot shows one such walk at every beta. "
    "vae_core.metrics.continuity."
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
    if round(se, d) == 0:  # below the last shown digit: say so rather than "± 0.0000"
        return f"{text} ± <{10.0**-d:.{d}f}"
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


def pct(value: float | None) -> str | None:
    return None if value is None or not math.isfinite(value) else f"{value:.0%}"


def samples_sentence(summary: dict, label_names: dict | None = None) -> str | None:
    """What the decoded prior draws of a model are, in plain words, from its stored numbers
    (vae_core.layouts.build): how many decode like the codes of real data (precision), whether the classes
    come out in the data's proportions (class mix), and how much of the data they reach (recall). None when
    the summary has none of these."""
    g = summary.get
    prec, rec, mix, data = g("sample_precision"), g("sample_recall"), g("class_mix"), g("data_class_mix")
    if prec is None and mix is None:
        return None
    names, classes = label_names or {}, g("classes") or list(range(len(mix or [])))
    name = lambda i: names.get(str(classes[i]), str(classes[i]))  # noqa: E731
    if g("collapsed") and g("active_units") == 0:
        top = "" if not mix else f", which the classifier calls {name(max(range(len(mix)), key=mix.__getitem__))}"
        return (
            f"Every draw decodes to the same average image{top}: the code carries nothing, so neither does a sample. "
            "Precision and recall mean nothing here: every real image decodes to almost the same picture, so their "
            "nearest-neighbour radii shrink to nothing."
        )
    parts = []
    if prec is not None:
        parts.append(f"{prec:.0%} of the draws decode to images like the model's reconstructions of real data")
    if mix is not None and data is not None and len(mix) == len(data):
        tv = 0.5 * sum(abs(a - b) for a, b in zip(mix, data))
        over = [f"{name(i)} ({mix[i]:.0%})" for i in range(len(mix)) if mix[i] >= 1.5 * data[i] and mix[i] >= 0.05]
        under = [name(i) for i in range(len(mix)) if mix[i] < 0.25 * data[i]]
        if tv < 0.15:
            parts.append(f"the classes come out close to the data's proportions ({tv:.0%} apart)")
        else:
            what = []
            if over:
                what.append(f"{', '.join(over)} far more often than in the data")
            if under:
                what.append(f"{', '.join(under)} hardly ever")
            detail = f": {' and '.join(what)}" if what else ""
            parts.append(
                f"but the classes come out in the wrong proportions{detail} ({tv:.0%} of the draws would "
                "have to change class to match the data's mix)"
            )
    if rec is not None:
        parts.append(f"{rec:.0%} of real images have a draw like them (recall)")
    text = "; ".join(parts).replace("; but", ", but")
    return text[0].upper() + text[1:] + "."


def texts(summary: dict, label_names: dict | None = None) -> dict:
    """The formatted numbers of a layout's compact summary (vae_core.layouts.compact_summary), for the canvas:
    "continuity", "completeness", "mi" (I(x; z)) and "holes_mean" (the holes map's prior-weighted mean; fmt,
    with their standard errors), "precision", "recall"
    and "accuracy" (percentages), "samples" (samples_sentence) and "caveat" (completeness_caveat)."""
    g = summary.get
    degenerate = bool(g("collapsed")) and g("active_units") == 0
    return {
        "continuity": fmt(g("continuity"), g("continuity_se")),
        "completeness": fmt(g("completeness"), g("completeness_se")),
        "mi": None if g("mutual_information") is None else fmt(g("mutual_information"), g("mi_se")),
        "holes_mean": None if g("holes_mean") is None else fmt(g("holes_mean"), g("holes_mean_se")),
        # A collapsed code decodes every input to one picture: the k-NN radii are ~0 and the two numbers
        # (0% and 100% on the shipped digits beta = 4, 8) describe the estimator, not the samples.
        "precision": "n/a" if degenerate else pct(g("sample_precision")),
        "recall": "n/a" if degenerate else pct(g("sample_recall")),
        "accuracy": pct(g("classifier_accuracy")),
        "samples": samples_sentence(summary, label_names),
        "caveat": completeness_caveat(len(g("kl_per_dim") or [])),
    }


ACTIVE_UNITS_HELP = (
    "Latent dimensions whose posterior mean varies with the input: Var_x E[z_j|x] > 0.01 (Burda et al. 2016)."
)
KL_HELP = "Mean KL(q(z|x) || N(0, I)) over the data: the 'rate'."


def panel(s: dict, beta: float | None, is_vae: bool = True) -> dict:
    """Everything the "This model" column says about one model, from its compact summary
    (vae_core.layouts.compact_summary). ui.explorer.metrics_column draws it with Streamlit and the canvas's
    MetricsPanel (static/beta.js) draws it from the grid manifest: the words are written here only.

    Returns {"title", "metrics": [{"key", "label", "value", "help", "wide"}] (wide: a row of its own),
    "notes": [sentences], "bars": {"title", "names", "values", "labels"} (KL per dimension), "warning": the
    collapse message, or None}."""
    k = len(s["kl_per_dim"])
    if not is_vae:
        title = "This model (an autoencoder: no KL term, so no beta)"
    else:
        title = "This model" + (f" (β = {beta:g})" if beta is not None else "")

    def metric(key, label, value, help_, wide=False):
        return {"key": key, "label": label, "value": value, "help": help_, "wide": wide}

    metrics = [
        metric("active_units", "Active units", f"{s['active_units']} / {k}", ACTIVE_UNITS_HELP),
        metric("kl", "KL, nats", fmt(s["kl"]), KL_HELP),
        # The two scores get a row each: their names and standard errors do not fit half of it.
        metric("continuity", "Continuity", fmt(s["continuity"], s.get("continuity_se")), CONTINUITY_HELP, True),
        metric(
            "completeness", "Completeness", fmt(s["completeness"], s.get("completeness_se")), COMPLETENESS_HELP, True
        ),
    ]
    notes = [caveat] if (caveat := completeness_caveat(k)) is not None else []
    recon = "Bernoulli cross-entropy" if s["reconstruction_is_cross_entropy"] else "reconstruction -log p(x|z)"
    mi = s["mutual_information"]
    info = "I(x; z): none (a deterministic code)" if mi is None else f"I(x; z) = {fmt(mi, s.get('mi_se'))} nats"
    notes.append(
        f"What the code carries: {info}; {recon} {fmt(s['reconstruction'])} nats. A collapsed model scores 1 on "
        "both scores while carrying nothing: read them beside these two numbers."
    )
    if mi is not None:
        capped = (
            " The estimate still rises with the rows (by over 0.1 nat from half of them to all), so that cap "
            "holds it down: the true I(x; z) may be larger and KL(q(z) || p(z)) is overestimated by as much."
            if s["mi_saturated"]
            else ""
        )
        notes.append(
            f"I(x; z) is estimated on M rows and can never exceed log M = {fmt(s['mi_upper_bound'])}.{capped} "
            f"KL(q(z) || p(z)) = mean KL - I(x; z) = {fmt(s['marginal_kl'])} nats."
        )
    if s.get("sample_precision") is None and s.get("precision") is not None:  # else the samples sentence says it
        notes.append(
            f"Prior samples near real data: {s['precision']:.0%} (nearest-neighbour test at the "
            f"{s['quantile']:.0%} level of held-out inputs). A decoder can paint plausible images inside holes, "
            "so this can be high while completeness is low."
        )
    kl = [float(v) for v in s["kl_per_dim"]]
    bars = {"title": "KL per dimension (nats)", "names": [f"z{j + 1}" for j in range(k)], "values": kl}
    bars["labels"] = [fmt(v) for v in kl]
    message = s.get("message") or ""
    warning = message[:1].upper() + message[1:] if s.get("collapsed") and message else None
    return {"title": title, "metrics": metrics, "notes": notes, "bars": bars, "warning": warning}
