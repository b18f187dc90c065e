"""The rule-file format as pydantic models; unknown keys are refused everywhere.

Values that may come from an agreement are either a literal (an exact ratio or an amount in
minor units) or an `AgreementRef` naming a declared agreement value.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationInfo,
)

from pool.domain import lengths
from pool.domain.errors import InvalidInput, PoolError
from pool.domain.money import parse_amount
from pool.domain.months import Month, parse_month
from pool.domain.ratio import parse_ratio
from pool.domain.text import shown
from pool.domain.vocab import (
    BASELINE_TO,
    BOOKS,
    CAPITAL_SOURCES,
    CHAIN_AGREEMENTS,
    CHAIN_POLICIES,
    CHAIN_TERMS,
    KINDS,
    MILESTONES,
    MODES,
)

_KEY = r"[a-z][a-z0-9_]*"
KEY_PATTERN = _KEY
_REF = re.compile(rf"agreement\.({_KEY})")
_YEARS = re.compile(r"([1-9][0-9]*)(?:\s*-\s*([1-9][0-9]*)|(\+))?")


@dataclass(frozen=True)
class AgreementRef:
    """A value supplied by the transfer's agreement: `agreement.<key>`."""

    key: str

    def __str__(self) -> str:
        return f"agreement.{self.key}"


def _exact(parse: Any, refs: bool = True) -> Any:
    """Wrap a domain parser so pydantic reports its sentence; accept `agreement.<key>` if `refs`."""

    def validate(value: Any) -> Any:
        if refs and isinstance(value, str):
            m = _REF.fullmatch(value.strip())
            if m:
                return AgreementRef(m.group(1))
            if value.strip().startswith("agreement."):
                raise ValueError(f"{value!r} is not a valid agreement reference")
        try:
            return parse(value)
        except PoolError as exc:
            raise ValueError(str(exc).rstrip(".")) from None

    return validate


def _month(value: Any) -> Month:
    try:
        return parse_month(value)
    except PoolError as exc:
        raise ValueError(str(exc).rstrip(".")) from None


_VERSION = re.compile(rf"[0-9A-Za-z][0-9A-Za-z._-]{{0,{lengths.VERSION - 1}}}")


def _version(value: Any) -> str:
    """A version such as 2024.1: visible characters only, so no two versions look alike."""
    text = value if isinstance(value, str) else None if isinstance(value, bool) else str(value)
    if text is None or not _VERSION.fullmatch(text):
        raise ValueError(
            f"{shown(value)} is not a version; write up to {lengths.VERSION} letters, digits, '.', "
            "'-' or '_', starting with a letter or digit, such as \"2024.1\""
        )
    return text


def _for_new_files(check: Callable[[str], str]) -> AfterValidator:
    """A limit new rule files must meet. It is not applied to the stored text of a version
    published before the limit existed (validation context {"published": True}): a published
    version is immutable, and must go on settling as it did."""

    def validate(value: str, info: ValidationInfo) -> str:
        return value if info.context and info.context.get("published") else check(value)

    return AfterValidator(validate)


def _at_most(limit: int, what: str, example: str = "") -> AfterValidator:
    """Refuse text longer than the column it is stored in, saying so in words."""

    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(
                f"{shown(value)} is {len(value)} characters long; {what} is at most {limit} "
                f"characters{example}"
            )
        return value

    return _for_new_files(check)


_UNIT_EXAMPLE = ", such as CNY or USD"


@_for_new_files
def _unit(value: str) -> str:
    """A unit is a short code: what an account holds, compared exactly between rulesets."""
    if not value or any(ch.isspace() or not ch.isprintable() for ch in value):
        raise ValueError(f"{shown(value)} is not a unit; write a code without spaces{_UNIT_EXAMPLE}")
    return value


@_for_new_files
def _title(value: str) -> str:
    """A title is stored and listed as one line of text: a control character (a line break, a
    terminal escape, a NUL, which PostgreSQL cannot store) is refused."""
    for position, ch in enumerate(value, start=1):
        if unicodedata.category(ch) == "Cc":
            raise ValueError(
                f"the title contains the control character U+{ord(ch):04X} at position {position}; "
                "write it without it"
            )
    return value


def parse_years(value: Any) -> int:
    """A whole, positive number of years (at most 100)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(f"{shown(value)} is not a number of years; write a whole number such as 5.")
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 100:
        raise InvalidInput(
            f"{shown(value)} is not a number of years; write a whole number from 1 to 100, such as 5."
        )
    return int(text)


RatioValue = Annotated[Fraction | AgreementRef, PlainValidator(_exact(parse_ratio))]
YearsValue = Annotated[int | AgreementRef, PlainValidator(_exact(parse_years))]


def _extension(value: Any) -> int:
    """Years a term grows by: 0 (none) or a number of years."""
    if not isinstance(value, bool) and str(value).strip() == "0":
        return 0
    return parse_years(value)


ExtensionValue = Annotated[int | AgreementRef, PlainValidator(_exact(_extension))]
AmountValue = Annotated[int | AgreementRef, PlainValidator(_exact(parse_amount))]
MonthValue = Annotated[int, PlainValidator(_month)]
LiteralAmount = Annotated[int, PlainValidator(_exact(parse_amount, refs=False))]


def _signed_amount(value: Any) -> int:
    return parse_amount(value, allow_negative=True)


SignedAmount = Annotated[int, PlainValidator(_exact(_signed_amount, refs=False))]
Key = Annotated[str, Field(pattern=rf"^{_KEY}$")]
MetricName = Annotated[Key, _at_most(lengths.METRIC, "a metric name")]
ShareName = Annotated[Key, _at_most(lengths.SHARE, "a share name")]
RegionCode = Annotated[Key, _at_most(lengths.REGION_CODE, "a region code")]
Unit = Annotated[str, _unit, _at_most(lengths.UNIT, "a unit", _UNIT_EXAMPLE)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Metric(_Model):
    unit: Unit = "CNY"
    label: str = ""
    signed: bool = False  # a month may be negative (refunds, 退库)


class AgreementDecl(_Model):
    """A value the approval supplies; default, min and max are parsed by the declared type."""

    type: Literal["amount", "ratio", "flag", "years"]
    required: bool = False
    default: Any = None
    min: Any = None
    max: Any = None
    label: str = ""


class Eligibility(_Model):
    min_planned_investment: AmountValue | None = None
    min_planned_fixed_assets: AmountValue | None = None
    kinds: list[Literal[KINDS]] | None = None  # type: ignore[valid-type]
    kinds_excluded: list[Literal[KINDS]] = []  # type: ignore[valid-type]
    capital_sources: list[Literal[CAPITAL_SOURCES]] | None = None  # type: ignore[valid-type]
    agreement_flags: list[str] = []


def _base(value: Any) -> Any:
    return {"plus": [value]} if isinstance(value, str) else value


class Base(_Model):
    plus: list[str] = Field(min_length=1)
    minus: list[str] = []


class Term(_Model):
    start: str = "transfer"
    years: YearsValue
    extend_years_if_cap_unmet: ExtensionValue = 0

    @property
    def milestone(self) -> str | None:
        return self.start.split(":", 1)[1] if self.start.startswith("milestone:") else None


def _years(value: Any) -> tuple[int, int | None]:
    """`3`, `1-3` or `6+` (open-ended) -> (first, last or None)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value) if value >= 1 else _bad_years(value)
    m = _YEARS.fullmatch(str(value).strip()) if isinstance(value, str) else None
    if not m:
        return _bad_years(value)
    first = int(m.group(1))
    if m.group(3):
        return first, None
    last = int(m.group(2)) if m.group(2) else first
    return (first, last) if last >= first else _bad_years(value)


def _bad_years(value: Any) -> Any:
    raise ValueError(f"{value!r} is not a range of term years; write 3, 1-3 or 6+")


class Step(_Model):
    years: Annotated[tuple[int, int | None], PlainValidator(_years)]
    when: Eligibility | None = None  # the step applies only to a transfer meeting these conditions
    origin: RatioValue
    city: RatioValue = Fraction(0)
    parties: dict[RegionCode, RatioValue] = {}  # named regions with their own portions

    def covers(self, year: int) -> bool:
        first, last = self.years
        return first <= year and (last is None or year <= last)


class Cap(_Model):
    origin_total: AmountValue


class Floor(_Model):
    origin_per_year: AmountValue


class Share(_Model):
    name: ShareName
    label: str = ""
    book: Literal[BOOKS]  # type: ignore[valid-type]
    base: Annotated[Base, BeforeValidator(_base)]
    baseline: AmountValue | None = None
    baseline_to: Literal[BASELINE_TO] = "host"  # type: ignore[valid-type]
    mode: Literal[MODES]  # type: ignore[valid-type]
    term: Term | None = None
    schedule: list[Step] | None = None
    cap: Cap | None = None
    floor: Floor | None = None
    reference: str | None = None

    @cached_property
    def signed_metrics(self) -> tuple[tuple[int, str], ...]:
        """(1, metric) for each plus-metric of the base and (-1, metric) for each minus-metric."""
        return (*((1, m) for m in self.base.plus), *((-1, m) for m in self.base.minus))

    def step_for(self, year: int, holds: Callable[[Eligibility], bool] | None = None) -> Step:
        """The schedule step for term year `year`: the first in file order covering it whose
        `when` holds (`holds` judges a condition; validation guarantees a step without one)."""
        assert self.schedule is not None
        if holds is None:  # no step has a `when`
            for step in self.schedule:
                if step.covers(year):
                    return step
        for step in self.schedule:
            if step.covers(year) and (step.when is None or (holds is not None and holds(step.when))):
                return step
        raise LookupError(year)

    @cached_property
    def has_when(self) -> bool:
        return any(step.when is not None for step in self.schedule or [])

    @cached_property
    def named_parties(self) -> tuple[str, ...]:
        """The regions the schedule names under `parties`, in file order (first mention)."""
        return tuple(dict.fromkeys(r for step in self.schedule or [] for r in step.parties))


class Ruleset(_Model):
    ruleset: Annotated[str, Field(pattern=r"^[a-z0-9-]+$"), _at_most(lengths.RULESET_ID, "a ruleset id")]
    version: Annotated[str, PlainValidator(_version)]
    title: Annotated[str, _title]
    reference: str | None = None
    effective_from: MonthValue
    effective_until: MonthValue | None = None
    city: RegionCode | None = None
    metrics: dict[MetricName, Metric] = Field(min_length=1)
    agreement: dict[Key, AgreementDecl] = {}
    eligibility: Eligibility | None = None
    chain: Literal[CHAIN_POLICIES] = "first_origin"  # type: ignore[valid-type]
    chain_term: Literal[CHAIN_TERMS] = "restart"  # type: ignore[valid-type]
    chain_agreement: Literal[CHAIN_AGREEMENTS] = "each"  # type: ignore[valid-type]
    shares: list[Share] = Field(min_length=1)

    @cached_property
    def named_parties(self) -> frozenset[str]:
        """Every region a schedule names under `parties`."""
        return frozenset(r for share in self.shares for r in share.named_parties)

    @cached_property
    def signed_metrics(self) -> frozenset[str]:
        """The metrics whose months may be negative."""
        return frozenset(m for m, decl in self.metrics.items() if decl.signed)

    def label_of(self, share: Share) -> str:
        """What people call a share: its label, else its base metric's, else its name."""
        return share.label or self.metrics[share.base.plus[0]].label or share.name

    def unit_of(self, share: Share) -> str:
        """The unit a share's amounts carry, and its ledger accounts hold: its first plus metric's."""
        return self.metrics[share.base.plus[0]].unit

    def share(self, name: str) -> Share:
        for share in self.shares:
            if share.name == name:
                return share
        raise KeyError(name)


MILESTONE_STARTS = tuple(f"milestone:{m}" for m in MILESTONES)
TERM_STARTS = ("transfer", "first_report", *MILESTONE_STARTS)
