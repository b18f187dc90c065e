"""Attribution by described period: how much of an indicator each region counts for a range of
months, from the engine's cumulative targets on the current actuals.

An indicator is a (book, share) pair of the city's default ruleset. For a region R and months
M1..M2 the attributed amount is A(R, M2) - A(R, M1 - 1), where A(R, T), the cumulative amount
through T, is

- for each transfer of a project, the engine's cumulative target of R through T (exactly as
  settlement computes it); plus
- for the months through T that no transfer covers (before a project's first transfer, or every
  month of a project that never moved), the project's actuals of the indicator's base, wholly to
  its host in those months (the first transfer's `from` region, or its current host).

The city total counts each figure once: for months a transfer covers, the base of its pinned
ruleset's share (the amount the engine divides, so a split share's regions add up to it), for the
other months the default share's base. A `dual` share gives each party the whole base, so its
regions add up to more than the city total, which counts it once.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from pool.domain.months import Month
from pool.rules.engine import settle_project
from pool.rules.facts import Actuals, ProjectFacts, TransferFacts
from pool.rules.schema import Ruleset, Share

Key = tuple[str, str]  # (book, share)
TOTAL = None  # the city total's key among the regions of a Cumulative

FISCAL = "fiscal"
# through -> (payer host, payee, share) -> cumulative amount a host owes a party in the fiscal book
Flows = dict[Month, dict[tuple[str, str, str], int]]
# through -> indicator -> region (or TOTAL) -> cumulative amount in minor units
Cumulative = dict[Month, dict[Key, dict[str | None, int]]]


@dataclass(frozen=True)
class Indicator:
    """A (book, share) pair as the default ruleset defines it."""

    book: str
    share: str
    label: str
    unit: str
    mode: str
    signed: tuple[tuple[int, str], ...]

    @property
    def key(self) -> Key:
        return (self.book, self.share)

    @property
    def name(self) -> str:
        return f"{self.book}:{self.share}"


BOOK_NAMES = {"fiscal": "财政", "statistics": "统计", "assessment": "考核"}


def indicators_of(ruleset: Ruleset) -> list[Indicator]:
    """The ruleset's shares as indicators, in the ruleset's order, labelled by the share's label or
    its base metric's, with the book's name added where two shares would read the same."""
    labels = [ruleset.label_of(share) for share in ruleset.shares]
    out = []
    for share, label in zip(ruleset.shares, labels):
        if labels.count(label) > 1:
            label = f"{label}({BOOK_NAMES.get(share.book, share.book)})"
        out.append(
            Indicator(share.book, share.name, label, ruleset.unit_of(share), share.mode, share.signed_metrics)
        )
    return out


def new_cumulative(throughs: Iterable[Month], indicators: Sequence[Indicator]) -> Cumulative:
    return {t: {i.key: defaultdict(int) for i in indicators} for t in throughs}


def base_sum(signed: Sequence[tuple[int, str]], actuals: Actuals, first: Month | None, last: Month) -> int:
    """Σ sign × actual of the base's metrics over the months first..last (from the start if None)."""
    total = 0
    for sign, metric in signed:
        for p, amount in actuals.get(metric, {}).items():
            if p <= last and (first is None or first <= p):
                total += sign * amount
    return total


def _share(ruleset: Ruleset, key: Key) -> Share | None:
    for share in ruleset.shares:
        if (share.book, share.name) == key:
            return share
    return None


def attribute_project(
    into: Cumulative,
    indicators: Sequence[Indicator],
    host: str,
    facts: ProjectFacts,
    transfers: Sequence[TransferFacts],
    actuals: Actuals,
    city: str,
    totals_only: Collection[Month] = (),
    flows: Flows | None = None,
) -> None:
    """Add one project's cumulative amounts, per region and for the city total, at every month
    `into` holds (only the city total at the months of `totals_only`). `host` is the project's
    current host (used when it never moved). `flows`, when given, gathers at each month what the
    hosts owe the other parties of their transfers in the fiscal book."""
    if not any(actuals.values()):
        return
    earliest = min(min(by_period) for by_period in actuals.values() if by_period)
    ordered = sorted(transfers, key=lambda t: t.effective)
    first = ordered[0].effective if ordered else None
    host_before = ordered[0].from_region if ordered else host
    wanted = {i.key for i in indicators}
    for through, acc in into.items():
        if earliest > through:
            continue
        last_uncovered = through if first is None else min(through, first - 1)
        if earliest <= last_uncovered:
            for ind in indicators:
                amount = base_sum(ind.signed, actuals, None, last_uncovered)
                if amount:
                    row = acc[ind.key]
                    row[TOTAL] += amount
                    if through not in totals_only:
                        row[host_before] += amount
        if first is None or first > through:
            continue
        if through not in totals_only:
            targets, _ = settle_project(facts, ordered, actuals, through, city)
            hosts = {t.key: t.to_region for t in ordered}
            owed = flows.setdefault(through, defaultdict(int)) if flows is not None else None
            for t in targets:
                if (t.book, t.share) in wanted:
                    acc[(t.book, t.share)][t.region] += t.amount
                    if owed is not None and t.book == FISCAL and t.region != hosts[t.transfer]:
                        owed[(hosts[t.transfer], t.region, t.share)] += t.amount
        for i, move in enumerate(ordered):
            if move.effective > through:
                break
            hi = min(ordered[i + 1].effective - 1, through) if i + 1 < len(ordered) else through
            for key in wanted:
                share = _share(move.ruleset, key)
                if share is not None:
                    amount = base_sum(share.signed_metrics, actuals, move.effective, hi)
                    if amount:
                        acc[key][TOTAL] += amount


def between(cumulative: Cumulative, key: Key, last: Month, before_first: Month) -> Mapping[str | None, int]:
    """Amounts per region (and TOTAL) for the months after `before_first` through `last`."""
    hi, lo = cumulative[last][key], cumulative[before_first][key]
    return {r: hi.get(r, 0) - lo.get(r, 0) for r in set(hi) | set(lo)}
