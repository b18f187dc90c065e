"""Who is acting, and what each role and region may do.

An actor proves itself by its token (`authenticate`); a caller that has already done so — a web
session — carries a `Principal`, which every unit of work turns back into the actor's current row
(`acting`), so a revocation or a new token stops it at once.
"""

from dataclasses import dataclass

from pool.domain.errors import PermissionDenied
from pool.domain.tokens import verify_token
from pool.store.models import Actor
from pool.store.uow import UnitOfWork


@dataclass(frozen=True)
class Principal:
    """An actor whose token was verified, as of the token hash it was verified against."""

    actor_id: int
    name: str
    role: str
    region: str | None
    token_hash: str

    @classmethod
    def of(cls, actor: Actor) -> "Principal":
        return cls(actor.id, actor.name, actor.role, actor.region, actor.token_hash)


def authenticate(uow: UnitOfWork, name: str | None, token: str | None) -> Actor:
    """The actor `name`, if `token` proves it; else PermissionDenied."""
    if not name:
        raise PermissionDenied(
            "No actor given; name one with --as NAME or POOL_ACTOR and give its token in POOL_TOKEN."
        )
    actor = uow.actors.by_name(name)
    if not token:
        raise PermissionDenied(
            f"No token given for {name!r}; set POOL_TOKEN to the token printed when the actor was created."
        )
    if not verify_token(token, actor.token_hash if actor else None) or actor is None:
        raise PermissionDenied(f"Actor {name!r} is unknown or the token does not match.")
    _require_active(actor)
    return actor


def acting(uow: UnitOfWork, principal: Principal) -> Actor:
    """The principal's actor as stored now; refused if revoked or given a new token since."""
    actor = uow.actors.get(principal.actor_id)
    if actor is None or actor.token_hash != principal.token_hash:
        raise PermissionDenied(
            f"The token of {principal.name!r} was replaced; sign in again with the new token."
        )
    _require_active(actor)
    return actor


def _require_active(actor: Actor) -> None:
    if actor.revoked_at is not None:
        raise PermissionDenied(
            f"Actor {actor.name!r} was revoked on {actor.revoked_at.isoformat()}Z and can no "
            "longer act; ask the city office for a new actor."
        )


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
