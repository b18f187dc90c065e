"""Agreement values as stored and shown: amounts "1234.50", ratios "1/2", flags booleans."""

from fractions import Fraction

from pool.domain.money import format_amount, parse_amount
from pool.domain.ratio import format_ratio

AgreementValue = int | Fraction | bool


class Years(int):
    """A whole number of years an agreement supplies (stored as a JSON integer, which amounts,
    stored as decimal text, never are)."""


def encode(values: dict[str, AgreementValue]) -> dict[str, object]:
    """A JSON-ready form that decodes back exactly without the ruleset's declarations."""
    out: dict[str, object] = {}
    for key, value in sorted(values.items()):
        if isinstance(value, bool):
            out[key] = value
        elif isinstance(value, Years):
            out[key] = int(value)
        elif isinstance(value, Fraction):
            out[key] = f"{value.numerator}/{value.denominator}"
        else:
            out[key] = format_amount(value)
    return out


def decode(stored: dict[str, object]) -> dict[str, AgreementValue]:
    out: dict[str, AgreementValue] = {}
    for key, value in stored.items():
        if isinstance(value, bool):
            out[key] = value
        elif isinstance(value, int):
            out[key] = Years(value)
        elif isinstance(value, str) and "/" in value:
            out[key] = Fraction(value)
        else:
            out[key] = parse_amount(value)
    return out


def display(stored: dict[str, object]) -> dict[str, object]:
    """For people and JSON output: ratios as percentages where exact."""
    out: dict[str, object] = {}
    for key, value in stored.items():
        if isinstance(value, str) and "/" in value:
            out[key] = format_ratio(Fraction(value))
        else:
            out[key] = value
    return out
