"""Transfers: read-only views of approved moves, with their pinned ruleset version, the agreement
in force, and whether they were cancelled."""

from pool.domain.errors import InvalidInput
from pool.services import commands, views
from pool.services.corrections import show_one
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork


def list_transfers(rt: Runtime, *, project: str | None = None) -> list[dict[str, object]]:
    def body(uow: UnitOfWork, _actor: Actor) -> list[dict[str, object]]:
        project_id = None
        if project is not None:
            found = uow.projects.by_code(project)
            if found is None:
                raise InvalidInput(f"There is no project {project!r}.")
            project_id = found.id
        names = views.names_of(uow)
        return [show_one(uow, t, names=names) for t in uow.transfers.search(project_id=project_id)]

    return commands.read(rt, body)


def show(rt: Runtime, transfer_id: int, *, revisions: bool = False) -> dict[str, object]:
    def body(uow: UnitOfWork, _actor: Actor) -> dict[str, object]:
        t = uow.transfers.get(transfer_id)
        if t is None:
            raise InvalidInput(f"There is no transfer {transfer_id}.")
        return show_one(uow, t, revisions=revisions)

    return commands.read(rt, body)
