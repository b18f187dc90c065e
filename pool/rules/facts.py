"""The facts the engine reads: a project, its transfers with their agreements, its actuals."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pool.domain.months import Month
from pool.rules.schema import Ruleset
from pool.rules.values import Value

# metric -> period -> amount in minor units
Actuals = Mapping[str, Mapping[Month, int]]


@dataclass(frozen=True)
class ProjectFacts:
    planned_investment: int = 0
    kind: str = "manufacturing"
    capital_source: str = "out_of_city"
    milestones: Mapping[str, Month] = field(default_factory=dict)
    planned_fixed_assets: int | None = None  # read only by eligibility conditions


@dataclass(frozen=True)
class TransferFacts:
    """One move of the project, with the pinned ruleset and its resolved agreement values."""

    from_region: str
    to_region: str
    effective: Month
    ruleset: Ruleset
    agreement: Mapping[str, Value]
    key: Any = None


class Target(NamedTuple):
    """The cumulative amount one region gets from one share of one transfer."""

    transfer: Any
    share: str
    book: str
    region: str
    amount: int


@dataclass(slots=True)
class Context:
    """What a share needs to know about its transfer."""

    host: str
    origins: list[str]
    city: str
    effective: Month
    cover_from: Month
    cover_to: Month  # last covered period, already limited to P
    through: Month
    agreement: Mapping[str, Value] | Any
    milestones: Any
    host_reason: str  # non-empty: every share goes to the host, and why
    parties: list[str]  # host, origins in chain order, city: the order of per-party lists and ties
    project: Any = None  # the ProjectFacts, for schedule steps with `when`
    term_from: Month = 0  # the month terms count from: this transfer's, or the chain's first's
    signed: frozenset[str] = frozenset()  # the ruleset's metrics whose months may be negative
