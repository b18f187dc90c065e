"""Assessment schemes (年考核): which indicators count, with what weight, capped where, and what is
deducted from whom. A scheme is a YAML file policy staff write, checked like a rule file (every
problem as `FILE:LINE: key: message`), and published and pinned like a ruleset.

    scheme: shangluo-assessment
    version: "2025.1"
    title: 商洛市2025年度招商引资目标责任考核
    year: 2025
    indicators:
      - {indicator: statistics:funds, weight: 60, cap: 120%}
      - {indicator: 固定资产投资, weight: 40}
    deductions:
      - {region: luonan, points: 2, reason: 项目信息报送不及时}

A county's score is Σ weight × min(completion, cap) − its deductions, exactly (completion is the
year's attributed amount over its target; an indicator without a target adds nothing).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError

from pool.domain.text import shown
from pool.rules.loader import RuleFileError, _located, _message, parse_yaml

_PERCENT_SUFFIX = "%"


def _points(value: Any) -> Fraction:
    """A weight or a deduction: a plain decimal number of points (40, 12.5), exactly."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"{shown(value)} is not an exact number; write it as 40 or 12.5")
    if isinstance(value, int):
        number = Fraction(value)
    elif isinstance(value, str):
        try:
            number = Fraction(Decimal(value.strip()))
        except (InvalidOperation, ValueError):
            raise ValueError(f"{shown(value)} is not a number of points; write it as 40 or 12.5") from None
    else:
        raise ValueError(f"{shown(value)} is not a number of points; write it as 40 or 12.5")
    if number < 0 or number > 1000:
        raise ValueError(f"{shown(value)} is not between 0 and 1000 points")
    return number


def _cap(value: Any) -> Fraction:
    """A cap on completion: a percentage (120%) or a decimal (1.2), at least 0."""
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else None
    if text is None:
        raise ValueError(f"{shown(value)} is not a cap; write it as 120% or 1.2")
    try:
        if text.endswith(_PERCENT_SUFFIX):
            cap = Fraction(Decimal(text[:-1])) / 100
        else:
            cap = Fraction(Decimal(text))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{shown(value)} is not a cap; write it as 120% or 1.2") from None
    if not 0 < cap <= 100:
        raise ValueError(f"{shown(value)} is not a cap above 0%")
    return cap


Points = Annotated[Fraction, PlainValidator(_points)]
CapValue = Annotated[Fraction, PlainValidator(_cap)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Weighted(_Model):
    indicator: str = Field(min_length=1, max_length=100)
    weight: Points
    cap: CapValue | None = None


class Deduction(_Model):
    region: str = Field(min_length=1, max_length=40)
    points: Points
    reason: str = Field(min_length=1, max_length=500)


class Scheme(_Model):
    scheme: Annotated[str, Field(pattern=r"^[a-z0-9-]+$", max_length=100)]
    version: Annotated[str, Field(min_length=1, max_length=40)]
    title: Annotated[str, Field(min_length=1, max_length=500)]
    year: Annotated[int, Field(ge=1900, le=9999)]
    indicators: list[Weighted] = Field(min_length=1, max_length=100)
    deductions: list[Deduction] = Field(default=[], max_length=1000)


def load_scheme(
    text: str,
    source: str,
    indicators: Mapping[str, str],
    regions: Iterable[str],
) -> Scheme:
    """Load and check a scheme; `indicators` maps every accepted name (code or label) to its code.
    Raise RuleFileError with every problem located."""
    data = parse_yaml(text, source)
    if not isinstance(data, dict):
        line = getattr(data, "line", 1) or 1
        raise RuleFileError(
            [f"{source}:{line}: a scheme is a mapping of keys such as scheme, year, indicators"]
        )
    try:
        scheme = Scheme.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors
        invalid = [(tuple(err["loc"]), _message(err)) for err in errors()]
        raise RuleFileError(_located(source, data, invalid)) from None
    found: list[tuple[tuple[Any, ...], str]] = []
    seen: dict[str, int] = {}
    resolved = []
    for i, item in enumerate(scheme.indicators):
        code = indicators.get(item.indicator.strip())
        if code is None:
            found.append(
                (
                    ("indicators", i, "indicator"),
                    f"there is no indicator {shown(item.indicator)}; "
                    f"the indicators are {', '.join(sorted(set(indicators.values())))}",
                )
            )
            continue
        if code in seen:
            found.append(
                (("indicators", i, "indicator"), f"{code} is weighted twice (also item {seen[code]})")
            )
        seen[code] = i
        resolved.append(item.model_copy(update={"indicator": code}))
    known = set(regions)
    for i, deduction in enumerate(scheme.deductions):
        if deduction.region not in known:
            found.append((("deductions", i, "region"), f"there is no county {shown(deduction.region)}"))
    if sum((w.weight for w in scheme.indicators), Fraction(0)) == 0:
        found.append((("indicators",), "the weights add up to 0; give at least one indicator a weight"))
    if found:
        raise RuleFileError(_located(source, data, found))
    return scheme.model_copy(update={"indicators": resolved})


@dataclass(frozen=True)
class Term:
    """One indicator's part of a county's score."""

    indicator: str
    ytd: int
    target: int | None
    completion: Fraction | None
    counted: Fraction  # min(completion, cap), 0 without a target
    points: Fraction  # weight × counted


def score(
    scheme: Scheme, region: str, ytd: Mapping[str, int], targets: Mapping[str, int]
) -> tuple[list[Term], Fraction, Fraction]:
    """A county's terms, its deductions and its exact score."""
    terms = []
    for item in scheme.indicators:
        amount = ytd.get(item.indicator, 0)
        target = targets.get(item.indicator)
        completion = Fraction(amount, target) if target else None
        counted = Fraction(0) if completion is None else completion
        if item.cap is not None and counted > item.cap:
            counted = item.cap
        terms.append(Term(item.indicator, amount, target, completion, counted, item.weight * counted))
    deducted = sum((d.points for d in scheme.deductions if d.region == region), Fraction(0))
    return terms, deducted, sum((t.points for t in terms), Fraction(0)) - deducted


def ranks(scores: Sequence[tuple[str, Fraction]]) -> dict[str, int]:
    """Rank by score, highest first; equal scores share a rank."""
    out: dict[str, int] = {}
    previous: Fraction | None = None
    rank = 0
    for n, (region, value) in enumerate(sorted(scores, key=lambda s: s[1], reverse=True), start=1):
        if value != previous:
            rank, previous = n, value
        out[region] = rank
    return out
