"""Text in and out: what people type, cleaned or refused before it is stored; a user's value
quoted briefly in a message; text printed safely on a terminal; and a cell of text that a
spreadsheet opening a CSV file will show, never run."""

import re
import unicodedata

from pool.domain.errors import InvalidInput

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


# -- what people type ------------------------------------------------------------------------

# Bidirectional embeddings, overrides and isolates: they make text read differently from what
# it holds (a name shown reversed), so typed text may not carry them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _invisible(ch: str) -> bool:
    """Zero-width and other format characters (soft hyphen, word joiner, byte-order mark, …)
    and variation selectors: they change no glyph a reader can compare."""
    cp = ord(ch)
    return unicodedata.category(ch) == "Cf" or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def _control(ch: str, multiline: bool) -> bool:
    if ch in BIDI_CONTROLS:
        return True
    if multiline and ch in "\n\t":
        return False
    return unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029"


def typed_text(value: str, what: str, *, multiline: bool = False, limit: int | None = None) -> str:
    """Text a person typed, as it will be stored: invisible format characters and variation
    selectors removed (they arrive with copied text and would make two equal-looking texts
    differ); control characters, terminal escapes and bidirectional overrides refused, naming the
    first (a line break and a tab are allowed in multi-line text); at most `limit` characters."""
    for position, ch in enumerate(value, start=1):
        if _control(ch, multiline):
            raise InvalidInput(
                f"The {what} contains the control character {_name(ch)} at position {position}; "
                "retype it without it."
            )
    cleaned = visible(value)
    if limit is not None and len(cleaned) > limit:
        raise InvalidInput(f"The {what} is longer than {limit} characters.")
    return cleaned


def visible(text: str) -> str:
    """`text` without invisible format characters and variation selectors."""
    return "".join(ch for ch in text if not _invisible(ch))


def _name(ch: str) -> str:
    return f"U+{ord(ch):04X}" + (f" {unicodedata.name(ch)}" if unicodedata.name(ch, "") else "")


def printable(text: str) -> str:
    """`text` safe to print on a terminal: control characters, escapes and bidirectional
    overrides shown as `\\u…` instead of acting on the terminal."""
    if all(ch.isprintable() or ch in "\n\t" for ch in text):
        return text
    return "".join(
        ch if (ch.isprintable() and ch not in BIDI_CONTROLS) or ch in "\n\t" else f"\\u{ord(ch):04x}"
        for ch in text
    )


def bounded(text: str, limit: int) -> str:
    """`text` printable and cut to at most `limit` characters, the cut marked with the length
    the text had."""
    length, text = len(text), printable(text)
    if len(text) <= limit:
        return text
    mark = f"…[{length} characters]"
    return text[: max(limit - len(mark), 0)] + mark
