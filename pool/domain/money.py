"""Amounts as integers in the minor unit (fen, cent), parsed and formatted exactly.

Every metric has two decimals. Parsing accepts plain decimal text only: no exponents, no
thousands separators, no NaN or infinities, at most two decimals. Floats are refused outright.
"""

import re
from decimal import Decimal

from pool.domain.errors import InvalidInput
from pool.domain.text import shown

_AMOUNT = re.compile(r"-?(?:0|[1-9][0-9]*|[0-9]+)(?:\.[0-9]{1,2})?")
_MAX_DIGITS = 30
MAX_AMOUNT = 10**15  # minor units: ten trillion yuan, far above any single reported figure
LEDGER_MAX = 2**63 - 1  # minor units: the largest amount, posting or balance the database holds


class AmountError(InvalidInput):
    """An amount that is not a plain decimal with at most two places."""


def parse_amount(value: object, *, allow_negative: bool = False) -> int:
    """Return the amount in minor units; raise AmountError with a sentence saying why not."""
    if isinstance(value, bool) or isinstance(value, float):
        raise AmountError(f'{shown(value)} is not an exact amount; write it as text such as "1234.50".')
    if isinstance(value, int):
        if abs(value) * 100 > MAX_AMOUNT:
            raise AmountError(f"{shown(value)} is too large to be an amount.")
        fen = value * 100
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise AmountError(f"{value} is not a finite amount.")
        text = format(value, "f")
        return parse_amount(text, allow_negative=allow_negative)
    elif isinstance(value, str):
        text = value.strip()
        if not _AMOUNT.fullmatch(text) or len(text) > _MAX_DIGITS:
            raise AmountError(_why_not_amount(text))
        negative = text.startswith("-")
        if negative and not allow_negative:
            raise AmountError(f"{shown(text)} is negative; amounts may not be negative.")
        digits = text.lstrip("-")
        whole, _, frac = digits.partition(".")
        fen = int(whole) * 100 + int((frac + "00")[:2])
        fen = -fen if negative else fen
    else:
        raise AmountError(f"{shown(value)} is not an amount.")
    if abs(fen) > MAX_AMOUNT:
        raise AmountError(f"{shown(value)} is too large to be an amount.")
    if fen < 0 and not allow_negative:
        raise AmountError(f"{format_amount(fen)} is negative; amounts may not be negative.")
    return fen


def _why_not_amount(text: str) -> str:
    if text == "":
        return "an empty value is not an amount."
    if re.fullmatch(r"-?[0-9]+\.[0-9]{3,}", text):
        return f"{shown(text)} has more than two decimals."
    if "," in text or "_" in text or " " in text:
        return f"{shown(text)} has separators; write digits only, such as 1234567.50."
    if re.search(r"[eE]", text) and re.fullmatch(r"[-+0-9.eE]+", text):
        return f"{shown(text)} uses an exponent; write the amount in full."
    if len(text) > _MAX_DIGITS:
        return f"{shown(text)} is too long to be an amount."
    return f"{shown(text)} is not an amount (expected digits with at most two decimals, e.g. 1234.50)."


def format_amount(fen: int) -> str:
    """Format minor units as a decimal string with two places: 123450 -> '1234.50'."""
    sign = "-" if fen < 0 else ""
    whole, frac = divmod(abs(fen), 100)
    return f"{sign}{whole}.{frac:02d}"


def format_amount_grouped(fen: int) -> str:
    """Format for people: thousands grouped, two places: 123456789 -> '1,234,567.89'."""
    sign = "-" if fen < 0 else ""
    whole, frac = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{frac:02d}"


_SCALED = re.compile(r"(-?[0-9]+(?:\.[0-9]+)?)\s*(万|亿)?\s*元?")
SCALES = {"万": 10**4, "亿": 10**8}


def parse_scaled_amount(value: object, *, allow_negative: bool = False) -> int:
    """An amount as Chinese reports write it: plain (1234.50), or in 万 or 亿 (90万, 2.8亿, 3.07
    万元), exactly; one that would need more than two decimals of a yuan is refused."""
    if isinstance(value, str):
        text = value.strip()
        m = _SCALED.fullmatch(text)
        if m and (m.group(2) or text.endswith("元")) and len(m.group(1)) <= _MAX_DIGITS:
            number, unit = m.group(1), m.group(2)
            scale = SCALES[unit] if unit else 1
            negative = number.startswith("-")
            whole, _, frac = number.lstrip("-").partition(".")
            scaled = Decimal(f"{whole}.{frac or '0'}") * scale
            if scaled != scaled.quantize(Decimal("0.01")):
                raise AmountError(
                    f"{shown(text)} is not a whole number of fen (it is {format(scaled.normalize(), 'f')} "
                    "yuan); write at most two decimals of a yuan."
                )
            fen = int(scaled * 100)
            fen = -fen if negative else fen
            if abs(fen) > MAX_AMOUNT:
                raise AmountError(f"{shown(text)} is too large to be an amount.")
            if fen < 0 and not allow_negative:
                raise AmountError(f"{format_amount(fen)} is negative; amounts may not be negative.")
            return fen
    return parse_amount(value, allow_negative=allow_negative)
