"""Reporting periods: a month (2025-05), a quarter (2025Q2) or a year (2025), as a range of months,
and the percentages reports show (one decimal place, rounded half away from zero)."""

import re
from dataclasses import dataclass
from fractions import Fraction

from pool.domain.errors import InvalidInput
from pool.domain.months import Month, format_month
from pool.domain.text import shown

_PERIOD = re.compile(r"([0-9]{4})(?:-([0-9]{2})|[Qq]([1-4]))?")


@dataclass(frozen=True)
class Period:
    """A range of months first..last, named as it was written (normalised)."""

    name: str
    first: Month
    last: Month

    @property
    def year(self) -> int:
        return self.last // 12

    @property
    def january(self) -> Month:
        """The first month of the period's year."""
        return self.year * 12

    def months(self) -> range:
        return range(self.first, self.last + 1)


def parse_period(value: object) -> Period:
    """`YYYY-MM`, `YYYYQn` or `YYYY`; InvalidInput with an example otherwise."""
    text = value.strip() if isinstance(value, str) else ""
    m = _PERIOD.fullmatch(text)
    if not m or int(m.group(1)) < 1900 or (m.group(2) and not 1 <= int(m.group(2)) <= 12):
        raise InvalidInput(
            f"{shown(value)} is not a period; write a month (2025-05), a quarter (2025Q2) or a year (2025)."
        )
    year = int(m.group(1))
    if m.group(2):
        month = year * 12 + int(m.group(2)) - 1
        return Period(format_month(month), month, month)
    if m.group(3):
        q = int(m.group(3))
        return Period(f"{year}Q{q}", year * 12 + 3 * (q - 1), year * 12 + 3 * q - 1)
    return Period(str(year), year * 12, year * 12 + 11)


def kind(p: Period) -> str:
    """`month`, `quarter` or `year`."""
    return {1: "month", 3: "quarter"}.get(p.last - p.first + 1, "year")


def shifted(p: Period, steps: int) -> Period:
    """The period of the same kind `steps` before (negative) or after `p`: 2025Q2 -1 → 2025Q1."""
    if kind(p) == "month":
        return parse_period(format_month(p.first + steps))
    if kind(p) == "quarter":
        q = p.first // 3 + steps
        return parse_period(f"{q // 4}Q{q % 4 + 1}")
    return parse_period(str(p.year + steps))


def quarter_through(month: Month) -> Period:
    """The latest quarter that ends in or before `month`: 2025-07 → 2025Q2, 2025-06 → 2025Q2."""
    q = (month + 1) // 3 - 1
    return parse_period(f"{q // 4}Q{q % 4 + 1}")


def percent(ratio: Fraction | None) -> str | None:
    """A ratio as a percentage with one decimal, rounded half away from zero: 0.5734 -> "57.3"."""
    if ratio is None:
        return None
    tenths = ratio * 1000
    negative = tenths < 0
    q, r = divmod(abs(tenths.numerator), tenths.denominator)
    if 2 * r >= tenths.denominator:
        q += 1
    whole, frac = divmod(q, 10)
    return f"{'-' if negative and q else ''}{whole}.{frac}"


def rounded(value: Fraction, places: int = 2) -> str:
    """An exact value as a decimal with `places` places, rounded half away from zero."""
    scaled = value * 10**places
    negative = scaled < 0
    q, r = divmod(abs(scaled.numerator), scaled.denominator)
    if 2 * r >= scaled.denominator:
        q += 1
    whole, frac = divmod(q, 10**places)
    sign = "-" if negative and q else ""
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"
