"""Agreement values by declared type: parsing and bounds, shared by the loader and approvals."""

from fractions import Fraction
from typing import Any

from pool.domain.agreement_values import Years
from pool.domain.errors import InvalidInput
from pool.domain.money import format_amount, parse_amount
from pool.domain.ratio import format_ratio, parse_ratio
from pool.domain.text import shown
from pool.rules.schema import AgreementDecl, parse_years

Value = int | Fraction | bool

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def parse_value(decl: AgreementDecl, raw: Any) -> Value:
    """Parse `raw` as the declared type; raise InvalidInput with a sentence saying why not."""
    if decl.type == "amount":
        return parse_amount(raw)
    if decl.type == "ratio":
        return parse_ratio(raw)
    if decl.type == "years":
        return Years(parse_years(raw))
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | str) and str(raw).strip().lower() in _TRUE | _FALSE:
        return str(raw).strip().lower() in _TRUE
    raise InvalidInput(f"{shown(raw)} is not a flag; write true or false.")


def show(decl: AgreementDecl, value: Value) -> str:
    """A value as a person writes it in a rule file or on the command line."""
    if decl.type == "amount":
        return format_amount(int(value))
    if decl.type == "ratio":
        return format_ratio(Fraction(value))
    if decl.type == "years":
        return f"{int(value)} years"
    return "true" if value else "false"


def bounds_problem(decl: AgreementDecl, value: Value) -> str | None:
    """Why `value` is outside the declaration's min/max, or None."""
    low = parse_value(decl, decl.min) if decl.min is not None else None
    high = parse_value(decl, decl.max) if decl.max is not None else None
    if low is not None and value < low:
        return f"{show(decl, value)} is below the minimum {show(decl, low)}"
    if high is not None and value > high:
        return f"{show(decl, value)} is above the maximum {show(decl, high)}"
    return None


def implicit_default(decl: AgreementDecl) -> Value | None:
    """The value of an optional declaration without a default: 0 for amounts, false for flags."""
    return {"amount": 0, "flag": False}.get(decl.type)
