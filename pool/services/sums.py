"""The running sums settlement keeps, checked against collecting the actuals the last run read."""

from collections.abc import Mapping, Sequence
from typing import Any

from pool.domain.months import format_month
from pool.rules import running
from pool.rules.engine import contexts
from pool.rules.facts import Actuals, ProjectFacts, TransferFacts
from pool.services.facts import Rulesets, group_transfers
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
            problems += project_disagreements(facts, transfers, actuals, last.through, city_code, kept)
    return problems


def project_disagreements(
    facts: ProjectFacts,
    transfers: Sequence[TransferFacts],
    actuals: Actuals,
    through: int,
    city: str,
    kept: Mapping[Any, Any],
) -> list[str]:
    """The kept sums of one project's transfers that differ from collecting `actuals`, its
    history as the last run (through `through`) read it. A share with none kept, or whose
    coverage or start has moved since (a transfer cancelled or a milestone moved after the run),
    is collected again by the next run, so only a sum it would carry can mislead it."""
    problems = []
    for t, ctx, end, shares in running.from_history(contexts(facts, transfers, through, city), actuals):
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
