"""What is new for an actor since its last visit: listings opened, claims decided, and the last
settlement run."""

from datetime import datetime
from typing import Any

from pool.domain.months import format_month
from pool.services import commands, views
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork


def whats_new(rt: Runtime, since: datetime | None) -> dict[str, Any]:
    """Listings opened and claims decided after `since` (all of them when None), the actor's own
    claims for a county, the claims waiting for the city, and the last settlement run."""

    def body(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        names = views.names_of(uow)
        now = rt.now()
        opened = [
            views.listing(item, p, names, now)
            for item, p in uow.listings.search(status=None, chain=None, min_investment=None, now=now)
            if since is None or item.opened_at > since
        ]
        claims = uow.claims.search(claimant=actor.region if actor.role == "county" else None)
        decided = [
            views.claim(c, names)
            for c in claims
            if c.decided_at is not None and (since is None or c.decided_at > since)
        ]
        waiting = [views.claim(c, names) for c in claims if c.status == "pending"]
        run = uow.ledger.last_run()
        return {
            "since": views.when(since),
            "listings_opened": opened[-20:],
            "claims_decided": decided[-20:],
            "claims_pending": waiting,
            "last_settlement": None
            if run is None
            else {"run": run.id, "period": format_month(run.through), "at": views.when(run.at)},
        }

    return commands.read(rt, body)
