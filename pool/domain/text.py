"""Showing a user's value inside a message, briefly, whatever its size or type."""

MAX_SHOWN = 40


def shown(value: object) -> str:
    """A short quotation of `value` for an error message: long text is cut, containers named."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple | set):
        return "a list"
    text = repr(str(value)) if isinstance(value, str) else repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
