"""`pool ledger verify` and `pool ledger checkpoint`: prove the ledger and the input journal are
whole (and, given a checkpoint, that both extend it unchanged), or name the first thing that is
not; with `deep`, also recompute every transfer's targets from the recorded inputs."""

from typing import Any

from pool.domain.errors import InvalidInput
from pool.ledger import inputs as journal
from pool.ledger.checkpoint import Checkpoint
from pool.ledger.verify import check_checkpoint
from pool.services import commands, verify_sides
from pool.services.auth import require_role
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork

VERIFIERS = ("city", "auditor", "county")


def verify(rt: Runtime, checkpoint: Checkpoint | None = None, *, deep_check: bool = False) -> dict[str, Any]:
    def body(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        require_role(actor, *VERIFIERS, doing="verify the ledger")
        watch = (checkpoint.entries, checkpoint.inputs) if checkpoint else (None, None)
        checked = verify_sides.check(uow, watch, deep_check=deep_check, database=rt.database)
        report, inputs = checked.ledger, checked.inputs
        result: dict[str, Any] = {}
        if checkpoint is not None:
            before = len(report.problems) + len(inputs.problems)
            check_checkpoint(checkpoint.entries, checkpoint.head, checkpoint.at, report)
            journal.check_checkpoint(checkpoint.inputs, checkpoint.inputs_head, checkpoint.at, inputs)
            ok = len(report.problems) + len(inputs.problems) == before
            result["checkpoint"] = {**checkpoint.as_dict(), "ok": ok}
        problems = report.problems + inputs.problems
        if checked.deep is not None:
            result["deep"] = checked.deep
            problems += checked.deep["problems"]
        return {
            "ok": not problems,
            "entries": report.entries,
            "postings": report.postings,
            "head": report.head,
            "inputs": inputs.records,
            "inputs_head": inputs.head,
            "first_bad_entry": report.first_bad_entry,
            "first_bad_input": inputs.first_bad_record,
            "problems": problems,
            **result,
        }

    return commands.read(rt, body)


def checkpoint(rt: Runtime) -> Checkpoint:
    """The entry count and head hash of a ledger that verifies, and the record count and head of
    its input journal, with the time and the database."""

    def body(uow: UnitOfWork, actor: Actor) -> Checkpoint:
        require_role(actor, *VERIFIERS, doing="take a ledger checkpoint")
        checked = verify_sides.check(uow, database=rt.database)
        report, inputs = checked.ledger, checked.inputs
        if report.problems or inputs.problems:
            where = ""
            if report.first_bad_entry is not None:
                where = f" (the first bad entry is {report.first_bad_entry})"
            elif inputs.first_bad_record is not None:
                where = f" (the first bad input record is {inputs.first_bad_record})"
            raise InvalidInput(
                f"The ledger does not verify{where}, so no checkpoint was taken; run `pool ledger verify`."
            )
        return Checkpoint(
            report.entries,
            report.head,
            rt.now().isoformat() + "Z",
            rt.database.shown_url(),
            inputs.records,
            inputs.head,
        )

    return commands.read(rt, body)


def problems_of(uow: UnitOfWork) -> list[str]:
    """What `pool ledger verify` would find wrong in the database of `uow` (nothing: whole)."""
    checked = verify_sides.check(uow)
    return checked.ledger.problems + checked.inputs.problems
