"""Who is acting, proven by token, and what each role and region may do (SPEC §2)."""

from pool.config import Settings
from pool.domain.errors import PermissionDenied
from pool.domain.tokens import verify_token
from pool.store.models import Actor
from pool.store.uow import UnitOfWork


def authenticate(uow: UnitOfWork, settings: Settings) -> Actor:
    """The actor named by --as / POOL_ACTOR, if POOL_TOKEN proves it; else PermissionDenied."""
    if not settings.actor:
        raise PermissionDenied(
            "No actor given; name one with --as NAME or POOL_ACTOR and give its token in POOL_TOKEN."
        )
    actor = uow.actors.by_name(settings.actor)
    if not settings.token:
        raise PermissionDenied(
            f"No token given for {settings.actor!r}; set POOL_TOKEN to the "
            "token printed when the actor was created."
        )
    if not verify_token(settings.token, actor.token_hash if actor else None) or actor is None:
        raise PermissionDenied(f"Actor {settings.actor!r} is unknown or the token does not match.")
    if actor.revoked_at is not None:
        raise PermissionDenied(
            f"Actor {actor.name!r} was revoked on "
            f"{actor.revoked_at.isoformat()}Z and can no longer act; ask the "
            "city office for a new actor."
        )
    return actor


def require_role(actor: Actor, *roles: str, doing: str) -> None:
    if actor.role not in roles:
        allowed = " or ".join(roles)
        raise PermissionDenied(f"{actor.name} ({actor.role}) may not {doing}; only {allowed} actors may.")


def require_region(actor: Actor, region: str, *, doing: str) -> None:
    """A county actor acts only for its own region; the city acts for any."""
    if actor.role == "city":
        return
    if actor.role != "county" or actor.region != region:
        raise PermissionDenied(
            f"{actor.name} ({actor.role}"
            f"{', ' + actor.region if actor.region else ''}) may not {doing}; "
            f"that belongs to {region} or the city."
        )
