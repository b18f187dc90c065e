"""The regions and chains of the pool, as loaded by `pool init`."""

from pool.services import commands
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork


def list_regions(rt: Runtime) -> list[dict[str, object]]:
    def body(uow: UnitOfWork, _actor: Actor) -> list[dict[str, object]]:
        return [{"code": r.code, "name": r.name, "level": r.level} for r in uow.regions.all()]

    return commands.read(rt, body)
