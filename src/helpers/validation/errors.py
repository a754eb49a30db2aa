"""The error every layer raises for a problem with the user's input."""

from __future__ import annotations


class InputError(ValueError):
    """A problem with the user's input (file, column, values or parameters).

    The command line turns it into exit status 2 and prints its message without a traceback.
    The message names the file, the column, the offending rows and the fix.
    """
