"""The regions and chains of the pool, as loaded by `pool init`."""

from pool.services import commands
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork


def list_regions(rt: Runtime) -> list[dict[str, object]]:
    def body(uow: UnitOfWork, _actor: Actor) -> list[dict[str, object]]:
        return [{"code": r.code, "name": r.name, "level": r.level} for r in uow.regions.all()]

    return commands.read(rt, body)


def list_chains(rt: Runtime) -> list[dict[str, object]]:
    def body(uow: UnitOfWork, _actor: Actor) -> list[dict[str, object]]:
        return [{"code": c.code, "name": c.name} for c in uow.regions.chains()]

    return commands.read(rt, body)


def choices(rt: Runtime) -> dict[str, list[dict[str, object]]]:
    """The regions and the industry chains, in one read, for forms and filters."""

    def body(uow: UnitOfWork, _actor: Actor) -> dict[str, list[dict[str, object]]]:
        return {
            "regions": [{"code": r.code, "name": r.name, "level": r.level} for r in uow.regions.all()],
            "chains": [{"code": c.code, "name": c.name} for c in uow.regions.chains()],
        }

    return commands.read(rt, body)
