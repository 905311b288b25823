"""The error every layer raises for bad user input: the CLI prints its message
as one line and exits with status 2."""


class UserError(Exception):
    """Bad input from the user (config, run directory, checkpoint)."""
