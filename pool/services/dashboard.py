"""What is new for an actor since its last visit: listings opened, claims decided, and the last
settlement run."""

from datetime import datetime
from typing import Any

from pool.domain.months import format_month
from pool.services import commands, views
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork

SHOWN = 20  # the newest of each kind; the lists hold the rest


def whats_new(rt: Runtime, since: datetime | None) -> dict[str, Any]:
    """Listings opened and claims decided after `since` (all of them when None), the actor's own
    claims for a county, the claims waiting for the city, and the last settlement run."""

    def body(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        names = views.names_of(uow)
        now = rt.now()
        opened = [views.listing(item, p, names, now) for item, p in uow.listings.recent(since, SHOWN)]
        region = actor.region if actor.role == "county" else None
        decided = [views.claim(c, names) for c in uow.claims.decided_since(since, region, SHOWN)]
        waiting = [views.claim(c, names) for c in uow.claims.search(claimant=region, status="pending")]
        run = uow.ledger.last_run()
        return {
            "since": views.when(since),
            "listings_opened": opened,
            "claims_decided": decided,
            "claims_pending": waiting,
            "last_settlement": None
            if run is None
            else {"run": run.id, "period": format_month(run.through), "at": views.when(run.at)},
        }

    return commands.read(rt, body)
