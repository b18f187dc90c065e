"""The running sums settlement keeps, checked against collecting the actuals the last run read."""

from pool.rules import running
from pool.rules.engine import contexts
from pool.services.facts import Rulesets, group_transfers
from pool.store.uow import UnitOfWork


def disagreements(uow: UnitOfWork) -> list[str]:
    """Every kept sum that differs from the project's history as the last run read it (a share
    with none kept is collected again by the next run, so only a kept one can mislead it)."""
    ledger = uow.ledger
    last = ledger.last_run()
    if last is None:
        return []
    projects = group_transfers(ledger.transfers(None, last.through), Rulesets(uow))
    kept = uow.sums.kept(None)
    city = uow.regions.city()
    problems: list[str] = []
    for project_id, actuals in uow.sums.actuals_read_by(last):
        if project_id not in projects:
            continue
        facts, transfers = projects[project_id]
        plan = running.from_history(
            contexts(facts, transfers, last.through, city.code if city else "city"), actuals
        )
        for (transfer, share), (start, lo, end, years) in running.kept_form(plan).items():
            k = kept.get(transfer, {}).get(share)
            # none kept is no harm: the next run collects the share's history again
            if k is not None and (k.start, k.cover_from, k.cover_end, k.years) != (start, lo, end, years):
                problems.append(
                    f"transfer {transfer}'s {share}: the kept running sums {dict(sorted(k.years.items()))} "
                    f"differ from the actuals' {dict(sorted(years.items()))}."
                )
    return problems
