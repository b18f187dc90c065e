"""Settling a project from running sums: what each share collected by the last run, plus what
changed since, gives the same result as collecting the project's whole history.

`collect` is linear in the actuals, so a share's sums are carried forward by adding what changed
(the newly covered months, and the change of a restated or late figure) — as long as the term
start and the coverage they were collected for still hold. When they do not (a new transfer
moved the coverage, a milestone moved the start, a first report came earlier), the project is
collected again from its whole history.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from pool.domain.months import Month
from pool.rules.engine import targets_of
from pool.rules.facts import Actuals, Context, Target, TransferFacts
from pool.rules.schema import Share
from pool.rules.shares import Sums, collect, settle_sums, term_start

# share name -> (start, cover_from, cover_end, {term year: base}), year 0 outside the term
KeptShares = Mapping[str, tuple[int | None, int, int | None, Mapping[int, int]]]
# one transfer's shares as settled: (share, start, reason, sums)
Collected = list[tuple[Share, Month | None, str, Sums]]
Plan = list[tuple[TransferFacts, Context, Month | None, Collected]]


def cover_end(ctxs: Sequence[tuple[TransferFacts, Context]], i: int) -> Month | None:
    """The last month transfer i covers, or None while it is the latest (open through P)."""
    return ctxs[i][1].cover_to if i + 1 < len(ctxs) else None


def from_history(ctxs: Sequence[tuple[TransferFacts, Context]], actuals: Actuals) -> Plan:
    """Every share collected from the project's whole history."""
    plan: Plan = []
    for i, (t, ctx) in enumerate(ctxs):
        shares: Collected = []
        for share in t.ruleset.shares:
            start, reason = term_start(share, ctx, actuals)
            shares.append((share, start, reason, collect(share, ctx, start, actuals)))
        plan.append((t, ctx, cover_end(ctxs, i), shares))
    return plan


def carried(
    ctxs: Sequence[tuple[TransferFacts, Context]],
    kept: Mapping[Any, KeptShares],
    changes: Actuals,
) -> Plan | None:
    """Every share's kept sums plus what changed, or None when any share must be collected again."""
    plan: Plan = []
    for i, (t, ctx) in enumerate(ctxs):
        by_share = kept.get(t.key)
        if by_share is None:
            return None
        end = cover_end(ctxs, i)
        shares: Collected = []
        for share in t.ruleset.shares:
            k = by_share.get(share.name)
            found = None if k is None else carries(share, ctx, end, k, changes)
            if k is None or found is None:
                return None
            start, reason = found
            years, outside = collect(share, ctx, start, changes)
            total = dict(k[3])
            outside += total.pop(0, 0)
            for year, amount in years.items():
                total[year] = total.get(year, 0) + amount
            shares.append((share, start, reason, (total, outside)))
        plan.append((t, ctx, end, shares))
    return plan


def carries(
    share: Share, ctx: Context, end: Month | None, kept: tuple[Any, ...], changes: Actuals
) -> tuple[Month | None, str] | None:
    """The term start (and why none) a run carries a share's kept sums with, `kept` being
    (start, cover_from, cover_end, …) and `changes` what changed since; None when the run must
    collect the share again (its coverage moved, or its start may have)."""
    if kept[1] != ctx.cover_from or kept[2] != end:
        return None
    return _start(share, ctx, kept[0], changes)


def _start(
    share: Share, ctx: Context, kept: Month | None, changes: Actuals
) -> tuple[Month | None, str] | None:
    """The share's term start when its kept sums still hold, else None."""
    if share.term is not None and share.term.start == "first_report":
        # the first month the base's first metric was reported: a change on or before the kept
        # start (or anywhere covered, while nothing was reported) may move it
        metric = share.base.plus[0]
        moved = [p for p in changes.get(metric, {}) if ctx.term_from <= p <= ctx.cover_to]
        if kept is None:
            return None if moved else term_start(share, ctx, {})
        return None if any(p <= kept for p in moved) else (kept, "")
    start, reason = term_start(share, ctx, {})
    return (start, reason) if start == kept else None


def settled(plan: Plan) -> list[Target]:
    """The cumulative targets of a plan."""
    targets: list[Target] = []
    for t, ctx, _, shares in plan:
        results = [
            (share, settle_sums(share, ctx, start, reason, sums)) for share, start, reason, sums in shares
        ]
        targets.extend(targets_of(t, results))
    return targets


def sum_rows(plan: Plan, kept: Mapping[Any, KeptShares] | None) -> list[tuple[Any, ...]]:
    """The share_sums rows that differ from `kept` (every row when None): transfer, share, year,
    start, cover_from, cover_end, amount."""
    rows: list[tuple[Any, ...]] = []
    for t, ctx, end, shares in plan:
        before = kept.get(t.key, {}) if kept is not None else {}
        for share, start, _, (years, outside) in shares:
            old = before.get(share.name)
            old_years = old[3] if old is not None else {}
            for year, amount in ((0, outside), *years.items()):
                if old is None or old_years.get(year) != amount:
                    rows.append((t.key, share.name, year, start, ctx.cover_from, end, amount))
    return rows
