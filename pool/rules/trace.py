"""The explanation of every number the engine produces (SPEC §5 `explain`)."""

from dataclasses import dataclass, field
from fractions import Fraction


@dataclass
class YearTrace:
    """One term year of one share: the base, its split and what floor and cap did to it."""

    year: int
    first_month: str
    last_month: str
    complete: bool
    collected: int  # C_y
    baseline: int
    shareable: int  # B_y
    baseline_to: str
    step: str = ""  # the schedule step's years, e.g. "1-3"
    ratios: dict[str, Fraction] = field(default_factory=dict)
    exact: dict[str, Fraction] = field(default_factory=dict)
    remainder_to: list[str] = field(default_factory=list)
    floor_moved: int = 0
    cap_cut: int = 0
    result: dict[str, int] = field(default_factory=dict)


@dataclass
class ShareTrace:
    name: str
    book: str
    mode: str
    effective_mode: str
    reason: str = ""  # why the share behaves as `host`, if it does
    start: str | None = None  # the term's start month S
    term_years: int | None = None
    extended_by: int = 0
    outside_term: int = 0  # covered amount outside the term, to the host
    years: list[YearTrace] = field(default_factory=list)
    target: dict[str, int] = field(default_factory=dict)


@dataclass
class TransferTrace:
    transfer: object
    ruleset: str
    version: str
    from_region: str
    to_region: str
    effective: str
    covered_from: str
    covered_until: str | None
    through: str
    chain: str
    origins: list[str]
    city: str
    eligible: bool
    failing: list[str] = field(default_factory=list)
    shares: list[ShareTrace] = field(default_factory=list)
