"""What an approval would give: the project's recorded figures split under the values typed, by the
same engine settlement runs, with nothing written."""

import json
from typing import Any

from pool.domain import agreement_values
from pool.domain.errors import InvalidInput
from pool.domain.money import format_amount
from pool.domain.months import format_month, parse_month
from pool.rules.agreement import resolve_agreement
from pool.rules.engine import settle_project
from pool.rules.trace import transfer_traces
from pool.services import commands
from pool.services.auth import require_role
from pool.services.claims import parse_agreement
from pool.services.facts import Rulesets, group_transfers
from pool.services.rulesets import default_ruleset, in_force
from pool.services.runtime import Runtime
from pool.store.ledger_store import TransferRow
from pool.store.models import Actor
from pool.store.uow import UnitOfWork

PREVIEW = 0  # the id the transfer under approval is given in the engine's facts


def approval(
    rt: Runtime, claim_id: int, *, effective: str, agreement: list[str], ruleset: str | None = None
) -> dict[str, Any]:
    """The split, per share and region, of the figures recorded for the claim's project through
    the current month, were the claim approved now with these values. Refuses what `claim
    approve` would refuse for the values (bounds, types, an unknown key)."""

    def body(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        require_role(actor, "city", doing="approve claims")
        claim = uow.claims.get(claim_id)
        listing = uow.listings.get(claim.listing_id) if claim is not None else None
        project = uow.projects.by_id(listing.project_id) if listing is not None else None
        if claim is None or project is None:
            raise InvalidInput(f"There is no claim {claim_id}.")
        month = parse_month(effective)
        version, rules = in_force(uow, ruleset or default_ruleset(uow), month)
        values = resolve_agreement(rules, parse_agreement(agreement))
        through = parse_month(rt.now().strftime("%Y-%m"))
        rows = [
            *uow.ledger.transfers(None, through, project.id),
            TransferRow(
                PREVIEW,
                project.id,
                project.host,
                claim.claimant,
                month,
                version.id,
                json.dumps(agreement_values.encode(values), ensure_ascii=False),
                project.planned_investment,
                project.kind,
                project.capital_source,
                project.signed,
                project.construction_start,
                project.operation_start,
                project.full_capacity,
                project.planned_fixed_assets,
            ),
        ]
        facts, transfers = group_transfers(rows, Rulesets(uow))[project.id]
        actuals = dict(uow.ledger.actuals_by_project(None, through, project.id)).get(project.id, {})
        city = uow.regions.city()
        _, results = settle_project(facts, transfers, actuals, through, city.code if city else "city")
        trace = next((t for t in transfer_traces(results) if t.transfer == PREVIEW), None)
        if trace is None:  # it takes effect after the figures recorded so far
            return {"through": format_month(through), "eligible": True, "failing": [], "shares": []}
        names = {r.code: r.name for r in uow.regions.all()}
        return {
            "through": format_month(through),
            "eligible": trace.eligible,
            "failing": list(trace.failing),
            "shares": [
                {
                    "share": s.name,
                    "book": s.book,
                    "target": [(names.get(r, r), format_amount(a)) for r, a in sorted(s.target.items())],
                }
                for s in trace.shares
            ],
        }

    return commands.read(rt, body)
