"""Exact ratios: '50%', '0.5' and '1/2' all mean Fraction(1, 2)."""

import re
import unicodedata
from decimal import Decimal
from fractions import Fraction

from pool.domain.errors import InvalidInput
from pool.domain.text import shown

_PERCENT = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?%")
_DECIMAL = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?")
_FRACTION = re.compile(r"(0|[1-9][0-9]*)/([1-9][0-9]*)")
_MAX_LEN = 40
_PROPORTION = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*[:：]\s*([0-9]+(?:\.[0-9]+)?)")


class RatioError(InvalidInput):
    """A ratio that is not written as a percentage, a decimal or a fraction between 0 and 1."""


def parse_ratio(value: object) -> Fraction:
    """Return the exact ratio in [0, 1]; raise RatioError with a sentence saying why not."""
    if isinstance(value, bool) or isinstance(value, float):
        raise RatioError(f"{shown(value)} is not an exact ratio; write 50%, 0.5 or 1/2.")
    if isinstance(value, int):
        ratio = Fraction(value)
    elif isinstance(value, Fraction):
        ratio = value
    elif isinstance(value, Decimal):
        ratio = Fraction(value) if value.is_finite() else Fraction(-1)
    elif isinstance(value, str):
        ratio = _parse_text(value.strip())
    else:
        raise RatioError(f"{shown(value)} is not a ratio; write 50%, 0.5 or 1/2.")
    if not 0 <= ratio <= 1:
        raise RatioError(f"{value} is not between 0% and 100%.")
    return ratio


def _parse_text(text: str) -> Fraction:
    if len(text) <= _MAX_LEN:
        if _PERCENT.fullmatch(text):
            return Fraction(text[:-1]) / 100
        if _DECIMAL.fullmatch(text):
            return Fraction(text)
        m = _FRACTION.fullmatch(text)
        if m:
            return Fraction(int(m.group(1)), int(m.group(2)))
    raise RatioError(f"{shown(text)} is not a ratio; {_how_to_write(text)}")


def _how_to_write(text: str) -> str:
    """A sentence saying how to write what the person seems to have meant."""
    folded = unicodedata.normalize("NFKC", text)
    m = _PROPORTION.fullmatch(folded)
    if m:
        first, second = Fraction(m.group(1)), Fraction(m.group(2))
        if first + second > 0:
            part = first / (first + second)
            return (
                f"a ratio is one party's portion, not a proportion between two parties: for "
                f"{m.group(1)}:{m.group(2)} write {format_ratio(part)} for the first party's portion "
                f"(the other {format_ratio(1 - part)} follows), as 50%, 0.5 or 1/2."
            )
    if folded != text and len(folded) <= _MAX_LEN:
        try:
            _parse_text(folded)
        except RatioError:
            pass
        else:
            return f"it uses full-width characters (such as ％ or ０-９); write {folded} instead."
    return "write 50%, 0.5 or 1/2."


def format_ratio(ratio: Fraction) -> str:
    """Format as a percentage when exact ('50%', '12.5%'), else as a fraction ('1/3')."""
    pct = ratio * 100
    if pct.denominator == 1:
        return f"{pct.numerator}%"
    if 10**6 % pct.denominator == 0:
        return f"{Decimal(pct.numerator) / Decimal(pct.denominator)}%"
    return f"{ratio.numerator}/{ratio.denominator}"
