"""Transfers: read-only views of approved moves, with their pinned ruleset version."""

from pool.domain.errors import InvalidInput
from pool.services import commands, views
from pool.services.runtime import Runtime
from pool.store.models import Actor, Transfer
from pool.store.uow import UnitOfWork


def _view(uow: UnitOfWork, t: Transfer, names: dict[str, str]) -> dict[str, object]:
    project = uow.projects.by_id(t.project_id)
    version = uow.rulesets.get(t.ruleset_version_id)
    assert project is not None and version is not None
    return views.transfer(t, project, version, names)


def list_transfers(rt: Runtime, *, project: str | None = None) -> list[dict[str, object]]:
    def body(uow: UnitOfWork, _actor: Actor) -> list[dict[str, object]]:
        project_id = None
        if project is not None:
            found = uow.projects.by_code(project)
            if found is None:
                raise InvalidInput(f"There is no project {project!r}.")
            project_id = found.id
        names = views.names_of(uow)
        return [_view(uow, t, names) for t in uow.transfers.search(project_id=project_id)]

    return commands.read(rt, body)


def show(rt: Runtime, transfer_id: int) -> dict[str, object]:
    def body(uow: UnitOfWork, _actor: Actor) -> dict[str, object]:
        t = uow.transfers.get(transfer_id)
        if t is None:
            raise InvalidInput(f"There is no transfer {transfer_id}.")
        return _view(uow, t, views.names_of(uow))

    return commands.read(rt, body)
