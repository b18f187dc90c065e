"""Listings: a host puts a project into the pool for a window; it can withdraw it."""

import json
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from pool.domain.errors import Conflict, InvalidInput
from pool.domain.money import parse_amount
from pool.domain.text import typed_text
from pool.domain.workflow import DEFAULT_DAYS, MAX_DAYS, check_can_list, check_listing_open
from pool.services import commands, views
from pool.services.auth import require_region, require_role
from pool.services.commands import Note
from pool.services.runtime import Runtime
from pool.store.errors import UniqueViolation
from pool.store.models import Actor, Listing
from pool.store.uow import UnitOfWork

KNOWN_NEEDS = ("land_mu", "power_kw", "water_t_per_day", "energy_tce")
MAX_TEXT = 2000  # characters of a reason or a note
_KEY = re.compile(r"[a-z][a-z0-9_]*")
_NUMBER = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?")


def parse_needs(pairs: list[str]) -> dict[str, str]:
    """`KEY=VALUE` pairs; the known needs are non-negative numbers, free keys any text."""
    needs: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key, value = key.strip(), typed_text(value, f"need {key.strip()}", limit=200).strip()
        if not sep or not _KEY.fullmatch(key) or not value:
            raise InvalidInput(f"{pair!r} is not a need; write KEY=VALUE, e.g. land_mu=120.")
        if key in needs:
            raise InvalidInput(f"The need {key} is given twice.")
        if key in KNOWN_NEEDS:
            value = _need_number(key, value)
        needs[key] = value
    return needs


def _need_number(key: str, value: str) -> str:
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not _NUMBER.fullmatch(value):
        raise InvalidInput(f"The need {key}={value} is not a non-negative number such as 120 or 35.5.")
    return value


def open_listing(
    rt: Runtime, code: str, *, reason: str, needs: list[str], days: int = DEFAULT_DAYS
) -> dict[str, object]:
    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        note.detail = {"reason": reason, "needs": needs, "days": days}
        require_role(actor, "county", "city", doing="list projects in the pool")
        p = uow.projects.by_code(code, lock=True)
        if p is None:
            raise InvalidInput(f"There is no project {code!r}.")
        require_region(actor, p.host, doing=f"list {code}, hosted by {p.host}")
        check_can_list(p.stage)
        text = typed_text(reason, "reason", multiline=True, limit=MAX_TEXT).strip()
        if not text:
            raise InvalidInput("A listing needs a --reason: why the host cannot keep the project.")
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"The claim window must be 1 to {MAX_DAYS} days, not {days}.")
        parsed = parse_needs(needs)
        now = rt.now()
        uow.listings.expire_due(p.id, now)
        current = uow.listings.open_for(p.id)
        if current is not None:
            raise Conflict(f"Project {code} already has open listing {current.id}.")
        listing = Listing(
            project_id=p.id,
            region=p.host,
            reason=text,
            needs=json.dumps(parsed, ensure_ascii=False),
            status="open",
            opened_by=actor.id,
            opened_at=now,
            closes_at=now + timedelta(days=days),
        )
        uow.listings.add(listing)
        try:
            uow.flush()
        except UniqueViolation:
            raise Conflict(f"Project {code} was listed a moment ago by someone else.") from None
        note.target = f"listing:{listing.id}"
        return views.listing(listing, p, views.names_of(uow), now)

    return commands.write(rt, "listing.open", body, target=f"project:{code}")


def list_listings(
    rt: Runtime,
    *,
    status: str | None = None,
    chain: str | None = None,
    min_investment: str | None = None,
    project: str | None = None,
) -> list[dict[str, object]]:
    minimum = parse_amount(min_investment) if min_investment is not None else None

    def body(uow: UnitOfWork, _actor: Actor) -> list[dict[str, object]]:
        names = views.names_of(uow)
        if chain is not None and uow.regions.chain(chain) is None:
            raise InvalidInput(f"{chain!r} is not an industry chain.")
        now = rt.now()
        rows = uow.listings.search(
            status=status, chain=chain, min_investment=minimum, now=now, project=project
        )
        return [views.listing(item, p, names, now) for item, p in rows]

    return commands.read(rt, body)


def show(rt: Runtime, listing_id: int) -> dict[str, object]:
    def body(uow: UnitOfWork, _actor: Actor) -> dict[str, object]:
        item = uow.listings.get(listing_id)
        if item is None:
            raise InvalidInput(f"There is no listing {listing_id}.")
        p = uow.projects.by_id(item.project_id)
        assert p is not None
        names = views.names_of(uow)
        out = views.listing(item, p, names, rt.now())
        out["claims"] = [views.claim(c, names) for c in uow.claims.for_listing(item.id)]
        return out

    return commands.read(rt, body)


def withdraw(rt: Runtime, listing_id: int) -> dict[str, object]:
    """The lister (or the city) takes a listing back; its pending claims are rejected."""

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        require_role(actor, "county", "city", doing="withdraw listings")
        found = uow.listings.get(listing_id)
        if found is None:
            raise InvalidInput(f"There is no listing {listing_id}.")
        p = uow.projects.by_id(found.project_id, lock=True)
        item = uow.listings.get(listing_id, lock=True)
        assert p is not None and item is not None
        require_region(actor, item.region, doing=f"withdraw listing {listing_id} of {item.region}")
        now = rt.now()
        check_listing_open(item.id, views.listing_status(item, now), "withdrawn")
        item.status, item.closed_at = "withdrawn", now
        for claim in uow.claims.pending(item.id, lock=True):
            claim.status, claim.decided_at, claim.decided_by = "rejected", now, actor.id
            claim.decision_reason = "the listing was withdrawn"
        return views.listing(item, p, views.names_of(uow), now)

    return commands.write(rt, "listing.withdraw", body, target=f"listing:{listing_id}")
