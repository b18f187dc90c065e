"""`pool rules simulate FILE`: settle a draft ruleset in memory in place of the pinned version of
the same id, and compare with the current balances. Writes nothing."""

from collections import defaultdict
from typing import Any

from pool.domain.errors import InvalidInput, PoolError
from pool.rules.engine import settle_project
from pool.rules.loader import load_ruleset_file
from pool.services import commands
from pool.services.auth import require_role
from pool.services.explain import settled_through
from pool.services.facts import Rulesets, group_transfers
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork

Key = tuple[str, str, str]  # book, region, share


def simulate(rt: Runtime, path: str, through: str | None = None) -> dict[str, Any]:
    draft = load_ruleset_file(path).ruleset

    def body(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        require_role(actor, "policy", "city", doing="simulate rulesets")
        ledger = uow.ledger
        month = settled_through(ledger, through)
        affected = ledger.projects_pinned_to(draft.ruleset)
        rulesets = Rulesets(uow)
        try:
            projects = group_transfers(ledger.transfers(affected, month), rulesets, {draft.ruleset: draft})
        except PoolError as exc:
            raise InvalidInput(f"The draft cannot settle the stored transfers: {exc}") from None
        current = ledger.party_balances()
        simulated: dict[Key, int] = defaultdict(int, current)
        for by_transfer in ledger.positions(affected).values():
            for (_t, share, book, region), amount in by_transfer.items():
                simulated[(book, region, share)] -= amount
        city = uow.regions.city()
        for project_id, actuals in ledger.actuals_by_project(affected, month):
            if project_id not in projects:
                continue
            facts, transfers = projects[project_id]
            targets, _ = settle_project(facts, transfers, actuals, month, city.code if city else "city")
            for t in targets:
                simulated[(t.book, t.region, t.share)] += t.amount
        rows_out = []
        for key in sorted(set(current) | {k for k, v in simulated.items() if v}):
            now, then = current.get(key, 0), simulated.get(key, 0)
            rows_out.append(
                {
                    "book": key[0],
                    "region": key[1],
                    "share": key[2],
                    "current": now,
                    "simulated": then,
                    "difference": then - now,
                }
            )
        return {
            "ruleset": draft.ruleset,
            "version": draft.version,
            "through": month,
            "projects": len(projects),
            "rows": rows_out,
        }

    return commands.read(rt, body)
