"""Calendar months as integers (year * 12 + month - 1), so month arithmetic is plain addition."""

import re
from datetime import datetime, timedelta

from pool.domain.errors import InvalidInput
from pool.domain.text import shown

Month = int

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


class MonthError(InvalidInput):
    """A month that is not written YYYY-MM."""


def parse_month(value: object) -> Month:
    """Parse 'YYYY-MM' into a month number; raise MonthError otherwise."""
    if not isinstance(value, str):
        raise MonthError(f"{shown(value)} is not a month; write it as YYYY-MM, e.g. 2024-03.")
    m = _MONTH.fullmatch(value.strip())
    if not m:
        raise MonthError(f"{shown(value)} is not a month; write it as YYYY-MM, e.g. 2024-03.")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12 or year < 1900:
        raise MonthError(f"{shown(value)} is not a month; the month must be 01 to 12.")
    return year * 12 + month - 1


def format_month(month: Month) -> str:
    """Format a month number as 'YYYY-MM'."""
    year, m = divmod(month, 12)
    return f"{year:04d}-{m + 1:02d}"


# The offices keep China Standard Time (UTC+8, no daylight saving); stored times are naive UTC.
OFFICE_OFFSET = timedelta(hours=8)


def current_month(now_utc: datetime) -> Month:
    """The month it is in the offices at the naive UTC time `now_utc`."""
    local = now_utc + OFFICE_OFFSET
    return local.year * 12 + local.month - 1


def require_not_future(month: Month, now_utc: datetime, what: str) -> None:
    """Refuse a month after the current one: a typo such as 2205-08 would otherwise become the
    last settled period, or the month a project moved, and block every real month after it."""
    latest = current_month(now_utc)
    if month > latest:
        raise InvalidInput(
            f"{format_month(month)} is after the current month; {what} is "
            f"{format_month(latest)} at the latest."
        )
