"""`pool ledger verify`: prove the ledger is whole, or name the first entry that is not."""

from typing import Any

from pool.ledger.verify import Report, check_balances, check_chain, check_positions
from pool.services import commands
from pool.services.auth import require_role
from pool.services.runtime import Runtime
from pool.store import ledger_store
from pool.store.models import Actor
from pool.store.uow import UnitOfWork


def verify(rt: Runtime) -> dict[str, Any]:
    def body(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        require_role(actor, "city", "auditor", doing="verify the ledger")
        report = Report()
        session = uow.session
        check_chain(ledger_store.entries_with_postings(session), report)
        orphans = ledger_store.orphan_postings(session)
        if orphans:
            report.problem(f"{orphans} postings belong to no entry.")
        check_balances(ledger_store.stored_balances(session), report)
        check_positions(ledger_store.stored_positions(session), report)
        return {"ok": not report.problems, "entries": report.entries, "postings": report.postings,
                "head": report.head, "first_bad_entry": report.first_bad_entry,
                "problems": report.problems}

    return commands.read(rt, body)
