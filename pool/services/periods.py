"""`pool period close`: settled periods whose actuals then change only by restatement."""

from typing import Any

from pool.domain.errors import InvalidInput
from pool.domain.months import format_month, parse_month, require_not_future
from pool.services import commands
from pool.services.auth import require_role
from pool.services.commands import Note
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork


def close(rt: Runtime, period: str) -> dict[str, Any]:
    through = parse_month(period)

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, Any]:
        require_role(actor, "city", doing="close periods")
        require_not_future(through, rt.now(), "the month to close")
        uow.lock_ledger(f"period close by {actor.name}")
        ledger = uow.ledger
        last = ledger.last_run()
        if last is None or through > last.through:
            settled = format_month(last.through) if last else "nothing"
            raise InvalidInput(
                f"{period} is not settled yet (settled through {settled}); settle it before closing it."
            )
        closed = ledger.closed_through()
        if closed is not None and through <= closed:
            return {"through": format_month(closed), "changed": False}
        uow.journal.record("close", [ledger.close_periods(through, actor.id, rt.now())])
        return {"through": period, "changed": True}

    return commands.write(rt, "period.close", body, target=f"period:{period}")
