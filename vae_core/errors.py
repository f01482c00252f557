"""The one exception type that every user-fixable problem in vae_core raises."""


class InputError(ValueError):
    """Bad input from a user: a file, an array, a config or a request.

    The message says what was wrong and what is accepted, so the app can show it as is.
    """


class TrainingDiverged(InputError):
    """Training produced a non-finite loss; no weights with NaN/Inf are ever returned."""
