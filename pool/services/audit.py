"""The audit log: every state-changing attempt, read by the city and auditors."""

import json
from datetime import datetime

from pool.domain.errors import InvalidInput
from pool.services import commands, views
from pool.services.auth import require_role
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork


def parse_since(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().removesuffix("Z"))
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a date or time; write 2024-06-01 or 2024-06-01T08:30:00 (UTC)."
        ) from None
    return moment.replace(tzinfo=None)


def list_entries(
    rt: Runtime, *, actor: str | None = None, since: str | None = None
) -> list[dict[str, object]]:
    moment = parse_since(since) if since else None

    def body(uow: UnitOfWork, who: Actor) -> list[dict[str, object]]:
        require_role(who, "city", "auditor", doing="read the audit log")
        return [
            {
                "id": e.id,
                "at": views.when(e.at),
                "actor": e.actor,
                "role": e.role,
                "action": e.action,
                "target": e.target,
                "outcome": e.outcome,
                "detail": json.loads(e.detail),
            }
            for e in uow.audit.search(actor=actor, since=moment)
        ]

    return commands.read(rt, body)
