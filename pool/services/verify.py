"""`pool ledger verify` and `pool ledger checkpoint`: prove the ledger is whole (and, given a
checkpoint, that it extends that checkpoint unchanged), or name the first entry that is not."""

from typing import Any

from pool.domain.errors import InvalidInput
from pool.ledger.checkpoint import Checkpoint
from pool.ledger.verify import (
    Report,
    check_balances,
    check_chain,
    check_checkpoint,
    check_payables,
    check_positions,
)
from pool.services import commands
from pool.services.auth import require_role
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork


def verify(rt: Runtime, checkpoint: Checkpoint | None = None) -> dict[str, Any]:
    def body(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        require_role(actor, "city", "auditor", doing="verify the ledger")
        report = _recompute(uow, checkpoint.entries if checkpoint else None)
        result: dict[str, Any] = {}
        if checkpoint is not None:
            before = len(report.problems)
            check_checkpoint(checkpoint.entries, checkpoint.head, checkpoint.at, report)
            result["checkpoint"] = {**checkpoint.as_dict(), "ok": len(report.problems) == before}
        return {
            "ok": not report.problems,
            "entries": report.entries,
            "postings": report.postings,
            "head": report.head,
            "first_bad_entry": report.first_bad_entry,
            "problems": report.problems,
            **result,
        }

    return commands.read(rt, body)


def checkpoint(rt: Runtime) -> Checkpoint:
    """The entry count and head hash of a ledger that verifies, with the time and the database."""

    def body(uow: UnitOfWork, actor: Actor) -> Checkpoint:
        require_role(actor, "city", "auditor", doing="take a ledger checkpoint")
        report = _recompute(uow, None)
        if report.problems:
            where = (
                f" (the first bad entry is {report.first_bad_entry})"
                if report.first_bad_entry is not None
                else ""
            )
            raise InvalidInput(
                f"The ledger does not verify{where}, so no checkpoint was taken; run `pool ledger verify`."
            )
        return Checkpoint(report.entries, report.head, rt.now().isoformat() + "Z", rt.database.shown_url())

    return commands.read(rt, body)


def _recompute(uow: UnitOfWork, watch: int | None) -> Report:
    report = Report(watch=watch)
    check_chain(uow.ledger.entries(), report)
    orphans = uow.ledger.orphan_postings()
    if orphans:
        report.problem(f"{orphans} postings belong to no entry.")
    check_balances(uow.ledger.stored_balances(), report)
    check_positions(uow.ledger.stored_positions(), report)
    check_payables(uow.reports.kept_payables(), uow.reports.posted_payables(), report)
    return report
