"""The running sums settlement keeps, checked against collecting the actuals the last run read."""

from collections.abc import Mapping

from pool.domain.months import format_month
from pool.rules import running
from pool.rules.engine import contexts
from pool.services.facts import Rulesets, group_transfers
from pool.store.sums_store import Kept
from pool.store.uow import UnitOfWork


def disagreements(uow: UnitOfWork) -> list[str]:
    """Every kept sum the next run would carry that differs from the project's history as the
    last run read it (`--deep` checks the same while it replays the recorded inputs)."""
    ledger = uow.ledger
    last = ledger.last_run()
    if last is None:
        return []
    projects = group_transfers(ledger.transfers(None, last.through), Rulesets(uow))
    kept = uow.sums.kept(None)
    city = uow.regions.city()
    city_code = city.code if city else "city"
    problems: list[str] = []
    for project_id, actuals in uow.sums.actuals_read_by(last):
        if project_id in projects:
            facts, transfers = projects[project_id]
            plan = running.from_history(contexts(facts, transfers, last.through, city_code), actuals)
            problems += plan_disagreements(plan, kept)
    return problems


def plan_disagreements(plan: running.Plan, kept: Mapping[int, Mapping[str, Kept]]) -> list[str]:
    """The kept sums of a project's transfers that differ from the `plan` collected from its
    history as the last run read it. A share with none kept, or whose coverage or start has
    moved since (a transfer cancelled or a milestone moved after the run), is collected again by
    the next run, so only a sum it would carry can mislead it."""
    problems = []
    for t, ctx, end, shares in plan:
        for share, start, _, (years, outside) in shares:
            k = kept.get(t.key, {}).get(share.name)
            if k is None or running.carries(share, ctx, end, k, {}) is None:
                continue  # no harm: the next run collects the share's history again
            whole = {0: outside, **years}
            if (k.start, k.years) != (start, whole):
                problems.append(
                    f"transfer {t.key}'s {share.name}: the kept running sums "
                    f"{dict(sorted(k.years.items()))} (term from {_month(k.start)}) differ from "
                    f"the actuals' {dict(sorted(whole.items()))} (term from {_month(start)})."
                )
    return problems


def _month(month: int | None) -> str:
    return "not started" if month is None else format_month(month)
