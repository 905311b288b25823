"""The error every layer raises for bad user input: the CLI prints its message
as one line and exits with status 2."""


class UserError(Exception):
    """Bad input from the user (config, run directory, checkpoint)."""


class Unavailable(UserError):
    """A baseline that does not exist for this environment (e.g. no oracle for
    a mixed-integer problem): ``slicectl eval`` reports it, ``train`` skips it."""


def did_you_mean(word: str, options) -> str:
    """``; did you mean 'x'?`` for the closest of ``options``, or nothing."""
    import difflib

    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else ""
