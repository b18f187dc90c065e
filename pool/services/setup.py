"""Bootstrapping a pool (`pool init`) and keeping its schema current (`pool db ...`)."""

from dataclasses import dataclass

from pool.domain.errors import InvalidInput
from pool.domain.tokens import hash_token, new_token
from pool.services.actors import check_actor_name
from pool.services.commands import Note, record_failure
from pool.services.presets import Preset, load_preset
from pool.services.rulesets import record_default
from pool.services.runtime import Runtime
from pool.store.models import Actor, Chain, Region
from pool.store.uow import UnitOfWork


@dataclass(frozen=True)
class NewActor:
    actor: str
    role: str
    region: str | None
    token: str

    def as_dict(self) -> dict[str, object]:
        return {"actor": self.actor, "role": self.role, "region": self.region, "token": self.token}


def init(rt: Runtime, *, regions: str, admin: str) -> NewActor:
    """Create or upgrade the schema, load the regions and chains, and create the first city actor."""
    check_actor_name(admin)
    preset = load_preset(regions)
    rt.database.create()
    token = new_token()
    with rt.uow(write=True) as uow:
        uow.lock_ledger(f"init by {admin}")  # a second `pool init` at once waits, then finds this one
        initialised = uow.actors.count() > 0
        if not initialised:
            city = _load(uow, rt, preset, admin, token)
            uow.commit()
    if initialised:
        error = InvalidInput(
            "This pool is already initialised; its schema is now current. "
            "Create further actors with `pool actor add`."
        )
        record_failure(rt, admin, None, "init", Note(f"actor:{admin}"), error)
        raise error
    return NewActor(admin, "city", city, token)


def _load(uow: UnitOfWork, rt: Runtime, preset: Preset, admin: str, token: str) -> str:
    for spec in preset.regions:
        uow.regions.add(Region(code=spec.code, name=spec.name, level=spec.level))
    for chain in preset.chains:
        uow.regions.add_chain(Chain(code=chain.code, name=chain.name))
    city = next(r.code for r in preset.regions if r.level == "city")
    uow.flush()
    first = Actor(name=admin, role="city", region=city, token_hash=hash_token(token), created_at=rt.now())
    uow.actors.add(first)
    if preset.default_ruleset is not None:
        uow.flush()
        record_default(uow, rt, preset.default_ruleset, first.id)
    uow.audit.append(
        at=rt.now(),
        actor=admin,
        role="city",
        action="init",
        target=f"actor:{admin}",
        outcome="ok",
        detail={
            "regions": [r.code for r in preset.regions],
            "chains": [c.code for c in preset.chains],
            "default_ruleset": preset.default_ruleset,
        },
    )
    return city


def upgrade(rt: Runtime) -> tuple[str | None, str | None]:
    """Upgrade to the latest revision; returns (before, after)."""
    before = rt.database.revision()
    rt.database.upgrade()
    return before, rt.database.revision()


def current(rt: Runtime) -> tuple[str | None, str | None]:
    """(the database's revision, the latest revision this version of pool knows)."""
    return rt.database.revision(), rt.database.head()
