"""The exception types vae_core raises for user-fixable problems: InputError, and its subclass TrainingDiverged.

Catching InputError catches both; it is a ValueError, so generic callers can catch that instead.
"""

import re


class InputError(ValueError):
    """Bad input from a user: a file, an array, a config or a request.

    The message says what was wrong and what is accepted, so the app can show it as is.
    """


class TrainingDiverged(InputError):
    """Training produced a non-finite loss; no weights with NaN/Inf are ever returned."""


# Messages are shown with st.error, which renders markdown: user text in them must not become links (GFM also
# links bare URLs), images, HTML, emphasis, LaTeX ($) or Streamlit directives (:red[...]). Inside a code span
# markdown renders nothing, so user text goes in one.


def quoted(text, limit: int = 80) -> str:
    """User-given text (a file or member name, a CSV cell) as it may appear in a message: in a code span,
    with newlines, escape codes and other control characters made visible (repr) and text past `limit`
    characters cut."""
    s = str(text)
    if len(s) > limit:
        s = s[:limit] + "..."
    if not s:
        return '""'
    shown = repr(s)[1:-1]
    fence = "`" * (max(map(len, re.findall(r"`+", shown)), default=0) + 1)  # longer than any run inside
    pad = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"
