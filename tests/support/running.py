"""Running sums in the tests: a plan's sums in the form the store keeps them, and what one
history of actuals adds to another."""

from collections import Counter
from typing import Any

from pool.domain.months import Month
from pool.rules import running
from pool.rules.engine import contexts
from pool.rules.facts import ProjectFacts, TransferFacts


def kept_form(
    plan: running.Plan,
) -> dict[tuple[Any, str], tuple[Month | None, Month, Month | None, dict[int, int]]]:
    """(transfer, share) -> the sums as they are kept: start, coverage and base per term year."""
    return {
        (t.key, share.name): (start, ctx.cover_from, end, {0: outside, **years})
        for t, ctx, end, shares in plan
        for share, start, _, (years, outside) in shares
    }


def kept(plan: running.Plan) -> dict[Any, dict[str, Any]]:
    """transfer -> share -> (start, cover_from, cover_end, years), as the store returns them."""
    out: dict[Any, dict[str, Any]] = {}
    for (transfer, share), k in kept_form(plan).items():
        out.setdefault(transfer, {})[share] = k
    return out


def changes(before: dict[str, dict[int, int]], after: dict[str, dict[int, int]]) -> dict[str, dict[int, int]]:
    """What `after` adds to `before`: the change of every figure that differs or is new."""
    out: dict[str, dict[int, int]] = {}
    for m in set(before) | set(after):
        old, new = before.get(m, {}), after.get(m, {})
        diff = {
            p: new.get(p, 0) - old.get(p, 0)
            for p in set(old) | set(new)
            if p not in old or new.get(p) != old[p]
        }
        if diff:
            out[m] = diff
    return out


def carried_as_whole(
    project: ProjectFacts,
    transfers: list[TransferFacts],
    before: dict[str, dict[Month, int]],
    first: Month,
    after: dict[str, dict[Month, int]],
    later: Month,
    city: str,
) -> bool:
    """Settle through `later` from the sums kept through `first` plus what `after` changed, and
    assert it equals collecting `after` whole; False when the project must be collected again."""
    old = running.from_history(contexts(project, transfers, first, city), before)
    ctxs = contexts(project, transfers, later, city)
    whole = running.from_history(ctxs, after)
    carried = running.carried(ctxs, kept(old), changes(before, after))
    if carried is None:
        return False
    assert Counter(running.settled(carried)) == Counter(running.settled(whole))
    assert kept_form(carried) == kept_form(whole)
    assert running.sum_rows(carried, kept(whole)) == []
    return True
