"""The exception types vae_core raises for user-fixable problems: InputError, and its subclass TrainingDiverged.

Catching InputError catches both; it is a ValueError, so generic callers can catch that instead.
"""


class InputError(ValueError):
    """Bad input from a user: a file, an array, a config or a request.

    The message says what was wrong and what is accepted, so the app can show it as is.
    """


class TrainingDiverged(InputError):
    """Training produced a non-finite loss; no weights with NaN/Inf are ever returned."""


# Messages are shown with st.error, which renders markdown: user text in them must not become links, images,
# HTML, code, emphasis, LaTeX ($) or Streamlit directives (:red[...]). Underscores stay: file names are full of
# them, and between letters they never start emphasis.
_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*[]<>$~:|"})


def quoted(text, limit: int = 80) -> str:
    """User-given text (a file or member name, a CSV cell) as it may appear in a message: repr() makes
    newlines and escape codes visible, text past `limit` characters is cut, markdown characters are escaped."""
    s = str(text)
    if len(s) > limit:
        s = s[:limit] + "..."
    return repr(s).translate(_MARKDOWN)
