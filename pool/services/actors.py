"""Actors: the city adds county, city, policy and auditor actors; tokens shown once."""

import re

from pool.domain.errors import Conflict, InvalidInput, PermissionDenied
from pool.domain.tokens import hash_token, new_token
from pool.domain.workflow import ROLES
from pool.services import commands
from pool.services.auth import require_role
from pool.services.commands import Note
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork

_NAME = re.compile(r"[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9_.@\-\u4e00-\u9fff]{0,99}")


def check_actor_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise InvalidInput(
            f"{name!r} is not an actor name; use letters, digits, Chinese "
            "characters, '.', '_', '-' or '@', starting with a letter or digit."
        )


def add(rt: Runtime, *, name: str, role: str, region: str | None) -> dict[str, object]:
    """Create an actor and return it with its token, which is never shown again."""
    token = new_token()

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        note.target = f"actor:{name}"
        note.detail = {"role": role, "region": region}
        require_role(actor, "city", doing="add actors")
        check_actor_name(name)
        if role not in ROLES:
            raise InvalidInput(f"{role!r} is not a role; use one of {', '.join(ROLES)}.")
        if role == "county" and not region:
            raise InvalidInput("A county actor needs --region, the county it acts for.")
        code = region
        if code is not None:
            found = uow.regions.get(code)
            if found is None:
                raise InvalidInput(f"{code!r} is not a region; see `pool region list`.")
            if role == "county" and found.level != "county":
                raise InvalidInput(f"{code} is the city region; a county actor needs a county.")
        elif role == "city":
            city = uow.regions.city()
            code = city.code if city else None
        if uow.actors.by_name(name) is not None:
            raise InvalidInput(f"An actor named {name!r} already exists.")
        uow.actors.add(
            Actor(name=name, role=role, region=code, token_hash=hash_token(token), created_at=rt.now())
        )
        return {"actor": name, "role": role, "region": code, "token": token}

    return commands.write(rt, "actor.add", body)


def revoke(rt: Runtime, *, name: str) -> dict[str, object]:
    """Revoke an actor: its token stops working at once, for reading too. The row stays, so
    what it did keeps its name; the city cannot revoke its last active city actor."""

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        note.target = f"actor:{name}"
        require_role(actor, "city", doing="revoke actors")
        target = uow.actors.by_name(name)
        if target is None:
            raise InvalidInput(f"There is no actor named {name!r}; see `pool actor list`.")
        if target.revoked_at is not None:
            raise Conflict(f"Actor {name!r} was already revoked on {target.revoked_at.isoformat()}Z.")
        cities = uow.actors.active_city(lock=True)  # serialises two city actors revoking
        if actor not in cities:
            raise PermissionDenied(f"Actor {actor.name!r} was revoked a moment ago and can no longer act.")
        if target.role == "city" and cities == [target]:
            raise InvalidInput(
                f"{name!r} is the last active city actor; add another with "
                "`pool actor add NAME --role city` before revoking it."
            )
        target.revoked_at = rt.now()
        ended = uow.web.end_for_actor(target.id)  # its signed-in pages end with it
        note.detail = {"role": target.role, "region": target.region, "sessions_ended": ended}
        return {
            "actor": name,
            "role": target.role,
            "region": target.region,
            "revoked_at": target.revoked_at.isoformat(),
        }

    return commands.write(rt, "actor.revoke", body)


def reissue(rt: Runtime, *, name: str) -> dict[str, object]:
    """A new token for the same actor, returned once: the old token, and every session signed in
    with it, stop working at once. The actor keeps its name, role, region and history."""
    token = new_token()

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        note.target = f"actor:{name}"
        require_role(actor, "city", doing="reissue tokens")
        target = uow.actors.by_name(name)
        if target is None:
            raise InvalidInput(f"There is no actor named {name!r}; see `pool actor list`.")
        if target.revoked_at is not None:
            raise Conflict(
                f"Actor {name!r} was revoked on {target.revoked_at.isoformat()}Z; a revoked actor gets "
                "no new token. Add a new actor instead."
            )
        target.token_hash = hash_token(token)
        note.detail = {"role": target.role, "region": target.region}
        return {"actor": name, "role": target.role, "region": target.region, "token": token}

    return commands.write(rt, "actor.reissue", body)


def list_actors(rt: Runtime) -> list[dict[str, object]]:
    def body(uow: UnitOfWork, actor: Actor) -> list[dict[str, object]]:
        require_role(actor, "city", doing="list actors")
        return [
            {
                "id": a.id,
                "actor": a.name,
                "role": a.role,
                "region": a.region,
                "created_at": a.created_at.isoformat(),
                "revoked_at": a.revoked_at.isoformat() if a.revoked_at else None,
            }
            for a in uow.actors.all()
        ]

    return commands.read(rt, body)
