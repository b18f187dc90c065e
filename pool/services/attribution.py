"""Attribution by described period over the whole registry (see `pool.rules.attribution`): the
cumulative amounts of every region and the city total at chosen months, on the current actuals."""

from collections.abc import Collection, Iterable
from typing import Any

from pool.domain.errors import InvalidInput
from pool.domain.months import Month
from pool.rules.attribution import (
    Cumulative,
    Flows,
    Indicator,
    attribute_project,
    indicators_of,
    new_cumulative,
)
from pool.rules.facts import ProjectFacts
from pool.rules.loader import load_ruleset_text
from pool.rules.schema import Ruleset
from pool.services import rulesets
from pool.services.facts import Rulesets, group_transfers
from pool.store.uow import UnitOfWork

LAST_MONTH = 9999 * 12 + 11  # every transfer, whenever effective


def default_ruleset(uow: UnitOfWork, month: Month) -> Ruleset:
    """The city's default ruleset as in force in `month`; before its first version took effect,
    the earliest version (the indicators a city reports do not vanish for older months)."""
    ruleset = rulesets.default_ruleset(uow)
    versions = uow.rulesets.versions(ruleset)
    if not versions:
        raise InvalidInput(
            f"No version of the default ruleset {ruleset!r} is published; its shares are the "
            "indicators reports count. Publish one with `pool rules publish FILE` first."
        )
    in_force = [
        v
        for v in versions
        if v.effective_from <= month and (v.effective_until is None or month <= v.effective_until)
    ]
    chosen = (
        max(in_force, key=lambda v: (v.effective_from, v.published_at, v.id))
        if in_force
        else min(versions, key=lambda v: (v.effective_from, v.id))
    )
    return load_ruleset_text(chosen.text, f"{chosen.ruleset}@{chosen.version}")


def indicators(uow: UnitOfWork, month: Month) -> list[Indicator]:
    return indicators_of(default_ruleset(uow, month))


def cumulative(
    uow: UnitOfWork,
    chosen: list[Indicator],
    throughs: Iterable[Month],
    totals_only: Collection[Month] = (),
) -> tuple[Cumulative, Flows]:
    """Every region's and the city total's cumulative amounts of `chosen` at each of `throughs`
    (only the city total at `totals_only`), with what hosts owe others in the fiscal book."""
    months = sorted(set(throughs) | set(totals_only))
    into = new_cumulative(months, chosen)
    flows: Flows = {}
    if not months:
        return into, flows
    last = months[-1]
    grouped = group_transfers(uow.ledger.transfers(None, LAST_MONTH), Rulesets(uow))
    hosts = uow.bulletin.hosts()
    city = uow.regions.city()
    city_code = city.code if city is not None else "city"
    skip = set(totals_only) - set(throughs)
    empty: tuple[ProjectFacts, list[Any]] = (ProjectFacts(), [])
    for project_id, actuals in uow.ledger.actuals_by_project(None, last):
        facts, transfers = grouped.get(project_id, empty)
        attribute_project(into, chosen, hosts[project_id], facts, transfers, actuals, city_code, skip, flows)
    return into, flows
