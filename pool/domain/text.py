"""Showing a user's value inside a message, briefly, whatever its size or type; and a cell of
text that a spreadsheet opening a CSV file will show, never run."""

import re

MAX_SHOWN = 40


def shown(value: object) -> str:
    """A short quotation of `value` for an error message: long text is cut, containers named."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple | set):
        return "a list"
    text = repr(str(value)) if isinstance(value, str) else repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


# Spreadsheets run a cell starting with one of these as a formula (or, tab and CR, strip them
# and look again); OWASP "CSV Injection".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NEGATIVE_AMOUNT = re.compile(r"-[0-9]+(\.[0-9]+)?")


def spreadsheet_safe(text: str) -> str:
    """`text` with a leading `'` if a spreadsheet would run it as a formula. A plain negative
    amount such as `-12.50` stays as it is: a spreadsheet reads it as a number, not a formula."""
    if text.startswith(FORMULA_STARTS) and not _NEGATIVE_AMOUNT.fullmatch(text):
        return "'" + text
    return text
