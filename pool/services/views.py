"""The objects services hand to the command line: the JSON shapes of docs/spec.md."""

import json
from datetime import datetime

from pool.domain import agreement_values
from pool.domain.money import format_amount
from pool.domain.months import format_month
from pool.domain.vocab import MILESTONES
from pool.store.models import Claim, Listing, Project, RulesetVersion, Transfer


def when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"


def month(value: int | None) -> str | None:
    return None if value is None else format_month(value)


def project(p: Project, names: dict[str, str]) -> dict[str, object]:
    return {
        "id": p.id,
        "code": p.code,
        "name": p.name,
        "investor": p.investor,
        "chain": p.chain,
        "chain_name": names.get(p.chain, p.chain),
        "kind": p.kind,
        "planned_investment": format_amount(p.planned_investment),
        "planned_fixed_assets": None
        if p.planned_fixed_assets is None
        else format_amount(p.planned_fixed_assets),
        "capital_source": p.capital_source,
        "origin": p.origin,
        "origin_name": names.get(p.origin, p.origin),
        "host": p.host,
        "host_name": names.get(p.host, p.host),
        "stage": p.stage,
        "milestones": {m: month(getattr(p, m)) for m in MILESTONES},
        "registered_at": when(p.registered_at),
    }


def listing_status(listing: Listing, now: datetime) -> str:
    """An open listing whose window has passed is expired, whether or not that is stored yet."""
    if listing.status == "open" and listing.closes_at <= now:
        return "expired"
    return listing.status


def listing(item: Listing, p: Project, names: dict[str, str], now: datetime) -> dict[str, object]:
    return {
        "id": item.id,
        "project": p.code,
        "project_name": p.name,
        "chain": p.chain,
        "chain_name": names.get(p.chain, p.chain),
        "planned_investment": format_amount(p.planned_investment),
        "region": item.region,
        "region_name": names.get(item.region, item.region),
        "status": listing_status(item, now),
        "reason": item.reason,
        "needs": json.loads(item.needs),
        "opened_at": when(item.opened_at),
        "closes_at": when(item.closes_at),
        "closed_at": when(item.closed_at),
    }


def claim(c: Claim, names: dict[str, str]) -> dict[str, object]:
    return {
        "id": c.id,
        "listing": c.listing_id,
        "claimant": c.claimant,
        "claimant_name": names.get(c.claimant, c.claimant),
        "status": c.status,
        "note": c.note,
        "submitted_at": when(c.submitted_at),
        "decided_at": when(c.decided_at),
        "decision_reason": c.decision_reason,
    }


def transfer(t: Transfer, p: Project, version: RulesetVersion, names: dict[str, str]) -> dict[str, object]:
    return {
        "id": t.id,
        "project": p.code,
        "project_name": p.name,
        "from": t.from_region,
        "from_name": names.get(t.from_region, t.from_region),
        "to": t.to_region,
        "to_name": names.get(t.to_region, t.to_region),
        "effective": format_month(t.effective),
        "ruleset": version.ruleset,
        "version": version.version,
        "agreement": agreement_values.display(json.loads(t.agreement)),
        "claim": t.claim_id,
        "listing": t.listing_id,
        "approved_at": when(t.approved_at),
        "revision": 1,  # a new transfer; pool.services.corrections.show_one tells a corrected one
        "status": "in_force",
        "cancelled": None,
    }


def names_of(uow: object) -> dict[str, str]:
    """Chinese names of regions and chains, by code."""
    regions = uow.regions  # type: ignore[attr-defined]
    out = {r.code: r.name for r in regions.all()}
    out.update({c.code: c.name for c in regions.chains()})
    return out
